"""Several HTTP workers share one PostgreSQL database: a signed request replayed to another worker still gets 401,
and an Events API retry that Slack sends to another worker is acknowledged but not processed again.

Two real ASGI apps (the Bolt app, guard and listeners of `teambot run --http`), each with its own Database and
its own memory, take the requests. On SQLite (one process per file) there is nothing shared to test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from helpers_ratings import audit_entries, load_roster, ratings
from teambot.config import Settings
from teambot.runtime import Runtime
from teambot.slack.serve import TeambotASGI, make_asgi
from teambot.store import requests
from teambot.store.db import Database
from teambot.store.models import SeenRequest
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.loop import settled
from teambot.testing.roster import PAEDAGOG
from teambot.testing.signing import signed_headers, slash_command_body

SECRET = "shared-replay-signing-secret-0001"


def event_body(event_id: str, user: str) -> str:
    event = {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": f"{time.time():.6f}"}
    return json.dumps({"type": "event_callback", "team_id": "T0TEAM001", "event_id": event_id, "event": event})


async def post(app: TeambotASGI, body: str, headers: dict[str, str]) -> int:
    return (await exchange(app, body, headers))[0]


async def exchange(app: TeambotASGI, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """One POST /slack/events through the ASGI app, as uvicorn passes it: the status, and the answer's text (or the
    whole JSON body)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/slack/events",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await app(scope, receive, send)
    answer = json.loads(b"".join(m.get("body", b"") for m in sent[1:]) or b"{}")
    return int(sent[0]["status"]), answer.get("text") or json.dumps(answer, ensure_ascii=False)


def signed(body: str, age_s: int = 0, **extra: str) -> dict[str, str]:
    headers = signed_headers(SECRET, body, timestamp=int(time.time()) - age_s)
    return {**headers, "Content-Type": "application/json", **extra}


@pytest.fixture
async def workers(
    database_url: str, db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> AsyncIterator[tuple[TeambotASGI, TeambotASGI]]:
    if db.is_sqlite:
        pytest.skip("SQLite serves one process; shared replay memory is for PostgreSQL")
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )
    opened = [Database(database_url), Database(database_url)]
    apps = [make_asgi(Runtime(settings=settings, db=each, clock=clock), with_scheduler=False) for each in opened]
    yield apps[0], apps[1]
    for app in apps:
        assert app.on_shutdown is not None
        await app.on_shutdown()  # as uvicorn's lifespan does: the guard's own connections are closed too


async def publishes(fake_slack: FakeSlack, user: str) -> int:
    """views.publish calls for `user`, once the workers are done with what they were sent (a Home tab's publish
    runs after the acknowledgement): a second processing would have shown."""
    await settled()
    return sum(1 for c in fake_slack.calls_to("views.publish") if c.params.get("user_id") == user)


async def test_a_request_replayed_to_another_worker_gets_401(
    workers: tuple[TeambotASGI, TeambotASGI], fake_slack: FakeSlack
) -> None:
    first, second = workers
    body = event_body("Ev0SHARED01", "U0SHARED1")
    headers = signed(body)

    assert await post(first, body, headers) == 200
    assert await post(second, body, headers) == 401
    assert await publishes(fake_slack, "U0SHARED1") == 1


async def test_an_event_retry_to_another_worker_is_acknowledged_and_processed_once(
    workers: tuple[TeambotASGI, TeambotASGI], fake_slack: FakeSlack
) -> None:
    first, second = workers
    body = event_body("Ev0SHARED02", "U0SHARED2")

    assert await post(first, body, signed(body, age_s=1)) == 200
    # Slack signs a retry anew (a later timestamp), with the same event_id.
    retry = signed(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert await post(second, body, retry) == 200  # acknowledged, so Slack stops retrying
    assert await publishes(fake_slack, "U0SHARED2") == 1

    # A different event reaching the second worker is processed as usual.
    other = event_body("Ev0SHARED03", "U0SHARED2")
    assert await post(second, other, signed(other)) == 200
    assert await publishes(fake_slack, "U0SHARED2") == 2


def slash(text: str, fake_slack: FakeSlack) -> tuple[str, dict[str, str]]:
    body = slash_command_body("/rating", text, user_id=PAEDAGOG, response_url=fake_slack.response_url())
    return body, signed(body, **{"Content-Type": "application/x-www-form-urlencoded"})


async def test_a_rating_replayed_to_another_worker_gets_401_and_is_stored_once(
    workers: tuple[TeambotASGI, TeambotASGI], db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # /rating records the request in its own first statement (store/requests.py, Replay), not in the guard.
    await load_roster(db, clock)
    first, second = workers
    body, headers = slash("AK12 1 3", fake_slack)

    status, answer = await exchange(first, body, headers)
    assert status == 200
    assert "Registreret: AK12, mål 1" in answer
    assert await exchange(second, body, headers) == (401, '{"error": "replayed request"}')  # nothing of the answer

    assert [(r.value, r.note) for r in await ratings(db)] == [(3, None)]
    assert len(await audit_entries(db, "rating.create")) == 1


async def test_a_refused_rating_replayed_to_another_worker_gets_401_without_the_childrens_codes(
    workers: tuple[TeambotASGI, TeambotASGI], db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock)
    first, second = workers
    body, headers = slash("XX99 1 3", fake_slack)

    status, answer = await exchange(first, body, headers)
    assert (status, "AK12" in answer) == (200, True)  # the refusal lists the user's children
    status, answer = await exchange(second, body, headers)
    assert (status, "AK12" in answer) == (401, False)


async def test_one_rating_sent_to_two_workers_at_once_is_stored_once(
    workers: tuple[TeambotASGI, TeambotASGI], db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock)
    body, headers = slash("AK12 2 4 god dag", fake_slack)

    outcomes = await asyncio.gather(*(exchange(worker, body, headers) for worker in workers))

    assert sorted(status for status, _ in outcomes) == [200, 401]
    assert sum("Registreret: AK12, mål 2" in answer for _, answer in outcomes) == 1
    assert [(r.value, r.note) for r in await ratings(db)] == [(4, "god dag")]


@pytest.mark.usefixtures("slow_commands")
async def test_a_replayed_rating_answered_later_gets_no_answer(
    workers: tuple[TeambotASGI, TeambotASGI],
    db: Database,
    clock: FakeClock,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Past the acknowledgement's wait both are acknowledged empty; only the first gets its answer at the URL.
    await load_roster(db, clock)
    first, second = workers
    body, headers = slash("AK12 1 2", fake_slack)

    assert await post(first, body, headers) == 200
    assert await post(second, body, headers) == 200
    await settled()  # both commands' work after the acknowledgement is done: a second answer would have shown

    assert [answer.params["text"][:26] for answer in fake_slack.answers()] == ["✅ Registreret: AK12, mål 1"]
    assert [r.value for r in await ratings(db)] == [2]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "refused a replayed Slack request"
    ]


async def test_records_older_than_an_hour_are_forgotten(db: Database) -> None:
    now = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
    async with db.write() as session:
        assert await requests.first_time(session, "event:old", now - timedelta(hours=2))
        assert await requests.first_time(session, "event:new", now - timedelta(minutes=10))
        assert not await requests.first_time(session, "event:new", now)
    async with db.write() as session:
        assert await requests.forget_before(session, now - timedelta(hours=1)) == 1
    async with db.read() as session:
        keys = (await session.exec(select(SeenRequest.key))).all()
        assert list(keys) == ["event:new"]
        assert (await session.exec(select(func.count()).select_from(SeenRequest))).one() == 1

"""A replayed signed request is refused; an Events API retry is acknowledged but not processed again."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

from slack_bolt.request.async_request import AsyncBoltRequest

from helpers_ratings import load_roster
from teambot.commands import REGISTRY
from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.guard import RequestGuard
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import PAEDAGOG
from teambot.testing.signing import signed_headers, slash_command_body

SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


async def _settle() -> None:
    while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)


async def test_a_replayed_request_gets_401_and_runs_once(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    await load_roster(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    app = build_app(settings, Services(db=db, clock=clock, zone=COPENHAGEN))
    body = slash_command_body("/teambot", "mig", user_id=PAEDAGOG, response_url=fake_slack.response_url())
    headers = signed_headers(SECRET, body)
    first = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    again = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    await _settle()
    assert (first.status, again.status) == (200, 401)
    fake_slack.acknowledged(body, first.body)
    fake_slack.acknowledged(body, again.body)
    assert [answer.params["text"].splitlines()[0] for answer in fake_slack.answers()] == ["*Mette Jensen* — pædagog"]


async def test_an_event_retry_is_not_processed_twice(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    await load_roster(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    app = build_app(settings, Services(db=db, clock=clock, zone=COPENHAGEN))
    event = {
        "type": "event_callback",
        "event_id": "Ev0RETRY1",
        "team_id": "T0TEAM001",
        "api_app_id": "A0TEAMBOT",
        "event": {"type": "app_home_opened", "user": PAEDAGOG, "tab": "home", "event_ts": "1700000000.1"},
    }
    for retry, age in (("", 60), ("1", 0)):  # Slack signs the retry anew, a minute later
        body = json.dumps(event)
        headers = signed_headers(SECRET, body, timestamp=int(time.time()) - age) | {"Content-Type": "application/json"}
        if retry:
            headers |= {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        assert response.status == 200
        await _settle()
    assert len(fake_slack.calls_to("views.publish")) == 1


def test_only_rating_records_its_own_replay_check() -> None:
    # The guard puts its shared record off only for a command that makes it in its first statement (/rating).
    assert REGISTRY.decides_replay("/rating", "AK12 1 3")
    assert REGISTRY.decides_replay("/rating", "")
    assert not REGISTRY.decides_replay("/teambot", "mig")
    assert not REGISTRY.decides_replay("/uge", "")
    assert not REGISTRY.decides_replay("/nope", "AK12 1 3")
    guard = RequestGuard(defers=REGISTRY.decides_replay)
    form = {"command": "/rating", "text": "AK12 1 3"}
    assert guard._deferred(AsyncBoltRequest(body=urlencode(form), headers={}))
    event = json.dumps({"type": "event_callback", "event_id": "Ev0X", "event": {"type": "app_home_opened"}})
    assert not guard._deferred(AsyncBoltRequest(body=event, headers={"content-type": ["application/json"]}))

"""Bolt sends the acknowledgement when the listener returns: what Slack need not wait for (answers through the
response URL, posts, the Home tab, modals) must not hold it back, and must still happen, also at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from helpers_ratings import goal_ids, load_roster, ratings
from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.background import Background
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import PAEDAGOG
from teambot.testing.signing import block_actions_payload, interaction_body, signed_headers, slash_command_body

SECRET = "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a"
# Far more than a test needs when nothing waits on the stalled server, far less than its clients' timeouts.
PATIENCE = 5.0


class StalledSlack:
    """A Slack that takes requests and does not answer them until released, as a slow or hanging network does.
    Only `auth.test`, which Bolt calls before the first listener runs, is answered at once."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.release = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> StalledSlack:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = (await reader.readline()).decode().split(" ")[1]
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            length = int(value) if name.lower() == "content-length" else length
        await reader.readexactly(length)
        if "/auth.test" in path:
            body = b'{"ok": true, "user_id": "U0BOT", "bot_id": "B0TEAMBOT", "team_id": "T0TEAM001"}'
        else:
            self.received.append(path)
            await self.release.wait()
            body = b'{"ok": true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        writer.write(body)
        with contextlib.suppress(ConnectionError):  # a client that gave up at shutdown
            await writer.drain()
        writer.close()

    async def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.close()


@dataclass
class Stalled:
    app: AsyncApp
    services: Services
    slack: StalledSlack

    async def post(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> BoltResponse:
        headers = signed_headers(SECRET, body) | {"Content-Type": content_type}
        # Before the fix this waited for the stalled Slack: Bolt would hold the acknowledgement back.
        return await asyncio.wait_for(
            self.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers)), timeout=PATIENCE
        )

    async def received(self, count: int) -> list[str]:
        async with asyncio.timeout(PATIENCE):
            while len(self.slack.received) < count:
                await asyncio.sleep(0.01)
        return self.slack.received


@pytest.fixture
async def stalled(db: Database, clock: FakeClock) -> AsyncIterator[Stalled]:
    await load_roster(db, clock)
    slack = await StalledSlack().start()
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=f"{slack.url}/api/")
    services = Services(db=db, clock=clock, zone=COPENHAGEN)
    yield Stalled(build_app(settings, services), services, slack)
    await slack.stop()
    await services.background.drain(timeout=PATIENCE)


async def test_a_slow_command_is_acknowledged_although_its_answer_cannot_be_delivered_yet(
    stalled: Stalled, slow_commands: None
) -> None:
    body = slash_command_body("/rating", "AK12 1 3", user_id=PAEDAGOG, response_url=f"{stalled.slack.url}/response/r")

    response = await stalled.post(body)

    assert (response.status, response.body) == (200, "")
    assert await stalled.received(1) == ["/response/r"]  # the answer is on its way, not dropped
    [rating] = await ratings(stalled.services.db)
    assert rating.value == 3


async def test_a_button_is_acknowledged_before_its_answer_reaches_slack_and_the_rating_is_kept(
    stalled: Stalled,
) -> None:
    ids = await goal_ids(stalled.services.db)
    payload = block_actions_payload(
        user_id=PAEDAGOG,
        action_id="rating_nudge:2",
        value=f"{ids[1]}:2027-03-04:2",
        response_url=f"{stalled.slack.url}/response/b",
    )

    response = await stalled.post(interaction_body(payload))

    assert (response.status, response.body) == (200, "")
    assert await stalled.received(1) == ["/response/b"]
    [rating] = await ratings(stalled.services.db)
    assert rating.value == 2


async def test_opening_the_home_tab_is_acknowledged_while_the_tab_is_still_being_published(
    stalled: Stalled,
) -> None:
    event = {
        "token": "legacy",
        "team_id": "T0TEAM001",
        "api_app_id": "A0TEAMBOT",
        "type": "event_callback",
        "event_id": "EvHOME1",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": PAEDAGOG, "channel": "D0HOME", "tab": "home"},
    }

    response = await stalled.post(json.dumps(event), content_type="application/json")

    # Slack retries an event not acknowledged within 3 s: a slow views.publish must not cause that.
    assert response.status == 200
    assert await stalled.received(1) == ["/api/views.publish"]


async def test_shutdown_waits_for_work_under_way() -> None:
    background = Background()
    finished: list[str] = []

    async def answer(name: str) -> None:
        await asyncio.sleep(0.05)  # an answer on its way to Slack
        finished.append(name)

    background.spawn(answer("a"))
    background.spawn(answer("b"))
    await background.drain(timeout=PATIENCE)

    assert (sorted(finished), background.pending) == (["a", "b"], 0)


async def test_shutdown_cancels_work_still_running_after_the_timeout_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Stuck work must neither hold the stop forever nor run on against a database that is being closed.
    background = Background()
    never = asyncio.Event()
    finished: list[str] = []

    async def stuck() -> None:
        await never.wait()
        finished.append("stuck")

    background.spawn(stuck())
    await background.drain(timeout=0.01)

    assert (finished, background.pending) == ([], 0)
    assert "1 answer(s) still running after 0 s were cancelled" in caplog.text


async def test_a_failure_after_the_acknowledgement_is_logged_by_its_kind_without_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    background = Background()

    async def broken() -> None:
        raise ValueError("0101901234 AK12")  # what a bug might carry: never in the log line

    background.spawn(broken())
    await background.drain(timeout=PATIENCE)
    await asyncio.sleep(0)  # the done-callback runs on the next turn of the loop

    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage() == "unhandled Slack listener error: ValueError"
    assert background.pending == 0

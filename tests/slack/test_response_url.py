"""Answers to response URLs (button answers, slow slash commands' answers) go over the bot's kept connections to
Slack, with the payload Bolt's `respond()` sent, and a response URL that fails is logged by its kind only."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from helpers_ratings import goal_ids, load_roster
from teambot.commands.registry import Attachment, Reply
from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.listeners import actions as actions_listener
from teambot.slack.listeners import commands as commands_listener
from teambot.slack.services import Services
from teambot.slack.web import close_connections, keep_connections, web_client
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import PAEDAGOG
from teambot.testing.signing import block_actions_payload, interaction_body, signed_headers, slash_command_body

SECRET = "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
PATIENCE = 10.0
# What an answer may hold (a child's case and what was said about it): never in the log.
CASE_TEXT = "AK12 græd ved aflevering i dag"


@dataclass
class Bot:
    """The Bolt app as `teambot run` builds it: one Web API client, its connections kept open."""

    services: Services
    client: AsyncWebClient
    slack: FakeSlack
    app: AsyncApp

    async def post(self, body: str) -> None:
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=signed_headers(SECRET, body)))
        assert response.status == 200
        await self.services.background.drain(timeout=PATIENCE)  # the answer left after the acknowledgement

    async def press(self, action_id: str, value: str, response_url: str) -> None:
        payload = block_actions_payload(user_id=PAEDAGOG, action_id=action_id, value=value, response_url=response_url)
        await self.post(interaction_body(payload))

    async def command(self, text: str, response_url: str) -> None:
        await self.post(slash_command_body("/rating", text, user_id=PAEDAGOG, response_url=response_url))

    def answer(self, name: str) -> dict[str, Any]:
        [call] = self.slack.answers(name)
        return call.params


@pytest.fixture
async def bot(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> AsyncIterator[Bot]:
    await load_roster(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    client = web_client(settings)
    services = Services(db=db, clock=clock, zone=COPENHAGEN)
    keep_connections(client)  # as serve.py does at start-up
    yield Bot(services, client, fake_slack, build_app(settings, services, client=client))
    await services.background.drain(timeout=PATIENCE)
    await close_connections(client)


def _peers(slack: FakeSlack) -> list[int]:
    return [call.peer for call in slack.calls_to("response_url")]


# -- one connection ----------------------------------------------------------------------------------------


async def test_two_button_answers_share_one_connection(bot: Bot) -> None:
    ids = await goal_ids(bot.services.db)

    await bot.press("rating_nudge:3", f"{ids[1]}:2027-03-04:3", bot.slack.response_url("first"))
    await bot.press("rating_nudge:2", f"{ids[2]}:2027-03-04:2", bot.slack.response_url("second"))

    assert bot.answer("first")["replace_original"] is True
    assert bot.answer("second")["replace_original"] is True
    # Before: a new session (a TCP and TLS handshake with hooks.slack.com) for every answer.
    assert len(set(_peers(bot.slack))) == 1


async def test_two_slow_command_answers_share_one_connection(bot: Bot, slow_commands: None) -> None:
    await bot.command("AK12 1 3", bot.slack.response_url("first"))
    await bot.command("AK12 2 2", bot.slack.response_url("second"))

    assert bot.answer("first")["text"].startswith("✅ Registreret: AK12, mål 1")
    assert bot.answer("second")["text"].startswith("✅ Registreret: AK12, mål 2")
    assert len(set(_peers(bot.slack))) == 1


async def test_answers_share_the_connection_with_web_api_calls_to_the_same_host(bot: Bot) -> None:
    # The fake serves the Web API and the response URLs on one port, as Slack does not; what matters here is that
    # the answers use the very session the Web API client keeps (and so also its timeout).
    ids = await goal_ids(bot.services.db)
    await bot.client.auth_test()

    await bot.press("rating_nudge:3", f"{ids[1]}:2027-03-04:3", bot.slack.response_url("first"))

    assert {call.peer for call in bot.slack.calls_to("auth.test")} == set(_peers(bot.slack))


async def test_without_a_kept_session_answers_are_still_delivered(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # A client that keeps no connections (a test's, a tool's): each answer brings its own session, as Bolt's did.
    await load_roster(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    services = Services(db=db, clock=clock, zone=COPENHAGEN)
    client = web_client(settings)
    bot = Bot(services, client, fake_slack, build_app(settings, services, client=client))
    ids = await goal_ids(db)

    await bot.press("rating_nudge:3", f"{ids[1]}:2027-03-04:3", fake_slack.response_url("first"))
    await bot.press("rating_nudge:2", f"{ids[2]}:2027-03-04:2", fake_slack.response_url("second"))

    assert bot.answer("first")["replace_original"] is True
    assert bot.answer("second")["replace_original"] is True
    assert client.session is None
    assert len(set(_peers(fake_slack))) == 2


# -- the payload -------------------------------------------------------------------------------------------

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": f"✅ *{CASE_TEXT}*"}}]


async def _as_bolt_sent(slack: FakeSlack, **respond: Any) -> dict[str, Any]:
    """What Bolt's own `respond()` posts for the same arguments the listeners gave it before."""
    await AsyncRespond(response_url=slack.response_url("bolt"))(**respond)
    [call] = slack.answers("bolt")
    return call.params


@pytest.mark.parametrize("blocks", [BLOCKS, None], ids=["blocks", "text only"])
async def test_a_button_answer_replacing_the_message_is_what_bolt_sent(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, blocks: list[dict[str, Any]] | None
) -> None:
    reply = Reply(CASE_TEXT, blocks=blocks, replace_original=True)

    async def run_action(*_: object) -> Reply:
        return reply

    monkeypatch.setattr(actions_listener, "run_action", run_action)
    await bot.press("rating_nudge:3", "1:2027-03-04:3", bot.slack.response_url("button"))

    expected = await _as_bolt_sent(
        bot.slack, text=reply.text, blocks=reply.blocks, replace_original=True, response_type="ephemeral"
    )
    assert bot.answer("button") == expected
    assert list(bot.answer("button")) == list(expected)  # in the same order too


@pytest.mark.parametrize("blocks", [BLOCKS, [], None], ids=["blocks", "empty blocks", "text only"])
async def test_an_ephemeral_slow_command_answer_is_what_bolt_sent(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, slow_commands: None, blocks: list[dict[str, Any]] | None
) -> None:
    reply = Reply(CASE_TEXT, blocks=blocks, ephemeral=True)

    async def run_command(*_: object) -> Reply:
        await asyncio.sleep(0.01)  # past the acknowledgement's (zero) wait
        return reply

    monkeypatch.setattr(commands_listener, "run_command", run_command)
    await bot.command("AK12", bot.slack.response_url("command"))

    expected = await _as_bolt_sent(bot.slack, text=reply.text, blocks=reply.blocks, response_type="ephemeral")
    assert bot.answer("command") == expected
    assert list(bot.answer("command")) == list(expected)


# -- failures ----------------------------------------------------------------------------------------------


def _refusing_url() -> str:
    """A response URL on a port where nothing listens: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/response/gone"


@pytest.mark.parametrize(
    ("failure", "logged"),
    [("500", "HTTP 500"), ("refused", "ClientConnectorError")],
)
async def test_a_failing_response_url_is_logged_by_its_kind_and_breaks_nothing_after_it(
    bot: Bot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    slow_commands: None,
    failure: str,
    logged: str,
) -> None:
    real_command = commands_listener.run_command
    report = Attachment(filename="rapport.csv", content=b"AK12;3\n", title="Rapport")

    async def run_command(*_: object) -> Reply:
        await asyncio.sleep(0.01)  # past the acknowledgement's (zero) wait
        return Reply(CASE_TEXT, files=[report])

    monkeypatch.setattr(commands_listener, "run_command", run_command)
    caplog.set_level(logging.DEBUG)  # whatever an operator turns on: the URL is a credential, the answer case data
    if failure == "500":
        bot.slack.fail("response_url", status=500)
        url = bot.slack.response_url("broken")
    else:
        url = _refusing_url()

    await bot.command("AK12 rapport", url)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [f"answer to a response URL failed: {logged}"]
    assert [r.exc_info for r in errors] == [None]  # no traceback, whose exception could carry the request
    assert CASE_TEXT not in caplog.text
    assert "AK12 rapport" not in caplog.text
    assert url.split("//")[1] not in caplog.text
    # The report still reaches the requester's DM, and the next answer goes out as usual.
    assert len(bot.slack.calls_to("files.completeUploadExternal")) == 1
    monkeypatch.setattr(commands_listener, "run_command", real_command)
    await bot.command("AK12 1 3", bot.slack.response_url("next"))
    assert bot.answer("next")["text"].startswith("✅ Registreret: AK12, mål 1")

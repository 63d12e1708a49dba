"""Socket Mode stops as HTTP mode does: on SIGTERM (docker stop, systemd) the websocket closes first, work already
acknowledged still reaches Slack, and the process ends by itself instead of dying on the signal."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from teambot.config import Settings
from teambot.runtime import open_runtime
from teambot.slack import serve
from teambot.slack.listeners import commands as commands_listener
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.signing import slash_command_body


class FakeSocketHandler:
    """Stands in for the websocket to Slack: on connecting it delivers one slash command, as Slack would over the
    socket, and then the operator stops the bot with SIGTERM."""

    made: list[FakeSocketHandler] = []
    response_url = ""  # set by the test: where the command's answer goes

    def __init__(self, app: AsyncApp, app_token: str | None) -> None:
        self.app = app
        self.events: list[str] = []
        self.acks: list[Any] = []
        FakeSocketHandler.made.append(self)

    async def connect_async(self) -> None:
        self.events.append("connect")
        body = slash_command_body("/teambot", "hjælp", user_id="U0METTE01", response_url=self.response_url)
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body))
        self.acks.append(response.status)
        os.kill(os.getpid(), signal.SIGTERM)

    async def close_async(self) -> None:
        self.events.append("close")


async def test_sigterm_closes_the_socket_then_lets_acknowledged_work_finish(
    fake_slack: FakeSlack, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "AsyncSocketModeHandler", FakeSocketHandler)
    # The answer goes through the response URL after the ack: work the stop must wait for.
    monkeypatch.setattr(commands_listener, "ANSWER_IN_ACK_SECONDS", 0.0)
    FakeSocketHandler.made.clear()
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL=fake_slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )
    monkeypatch.setattr(FakeSocketHandler, "response_url", fake_slack.response_url("help"))

    await asyncio.wait_for(serve.serve_socket_mode(open_runtime(settings)), timeout=30)

    [handler] = FakeSocketHandler.made
    assert handler.events == ["connect", "close"]
    assert handler.acks == [200]
    [answer] = fake_slack.answers("help")
    assert "/rating" in answer.params["text"]
    # The handler is gone again: a later SIGTERM is not swallowed by a stopped bot.
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

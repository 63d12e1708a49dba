"""Socket Mode stops as HTTP mode does: on SIGTERM (docker stop, systemd) the websocket closes first, work already
acknowledged still reaches Slack, and the process ends by itself instead of dying on the signal."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from teambot.config import ConfigError, Settings
from teambot.runtime import open_runtime
from teambot.slack import serve
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.signing import slash_command_body


class FakeSocketHandler:
    """Stands in for the websocket to Slack: on connecting it delivers one slash command, as Slack would over the
    socket, and then the operator stops the bot with SIGTERM."""

    made: list[FakeSocketHandler] = []
    response_url = ""  # set by the test: where the command's answer goes

    def __init__(self, app: AsyncApp, app_token: str | None, *, logger: logging.Logger | None = None) -> None:
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
    fake_slack: FakeSlack, database_url: str, monkeypatch: pytest.MonkeyPatch, slow_commands: None
) -> None:
    monkeypatch.setattr(serve, "AsyncSocketModeHandler", FakeSocketHandler)
    # The answer goes through the response URL after the ack: work the stop must wait for.
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
    # Only `teambot run` settles the heap (runtime.settle_heap): the test process's stays collected (helper-38).
    assert gc.get_freeze_count() == 0


async def test_a_stop_during_a_start_that_waits_on_slack_ends_the_start() -> None:
    """Slack not answering at all: each call waits for the client's 30-s timeout, and `docker stop` sends SIGKILL
    after 10 s. The stop ends the start at once instead."""
    stopping = asyncio.Event()
    waiting, cancelled = asyncio.Event(), asyncio.Event()

    async def start_waiting_on_slack() -> None:
        try:
            waiting.set()
            await asyncio.sleep(3600)
        finally:
            cancelled.set()

    running = asyncio.create_task(serve._started_until(stopping, start_waiting_on_slack()))
    await asyncio.wait_for(waiting.wait(), timeout=5)
    stopping.set()
    await asyncio.wait_for(running, timeout=5)
    assert cancelled.is_set()


async def test_a_start_that_fails_ends_with_its_error() -> None:
    async def refused() -> None:
        raise ConfigError("SLACK_APP_TOKEN: Slack refused it (invalid_auth)")

    with pytest.raises(ConfigError, match="invalid_auth"):
        await asyncio.wait_for(serve._started_until(asyncio.Event(), refused()), timeout=5)


def _slack_response(data: dict[str, Any]) -> AsyncSlackResponse:
    return AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="apps.connections.open",
        req_args={},
        data=data,
        headers={},
        status_code=200,
    )


class _AppsConnectionsOpen:
    """A Web API client whose apps.connections.open raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def apps_connections_open(self, *, app_token: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        SlackApiError("a proxy's error page", response=object()),  # not Slack's JSON: nothing parsed to read
        SlackApiError("outage", response=_slack_response({"ok": False, "error": "internal_error"})),
        RuntimeError("anything else on the way"),
    ],
    ids=["not json", "internal_error", "other"],
)
async def test_an_outage_while_checking_the_app_token_is_not_a_setting_error(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    await serve._check_app_token(_AppsConnectionsOpen(error), "xapp-1-test")  # type: ignore[arg-type]
    assert "trying again" in caplog.text


async def test_an_app_token_slack_refuses_is_a_setting_error() -> None:
    refused = SlackApiError("refused", response=_slack_response({"ok": False, "error": "token_revoked"}))
    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN: Slack refused it \(token_revoked\)"):
        await serve._check_app_token(_AppsConnectionsOpen(refused), "xapp-1-test")  # type: ignore[arg-type]

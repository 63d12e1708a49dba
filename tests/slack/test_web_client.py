"""The running bot keeps its connections to Slack open between Web API calls (no handshake per reminder), and
closes them when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from teambot.config import Settings
from teambot.runtime import open_runtime
from teambot.slack.serve import make_asgi
from teambot.slack.web import close_connections, keep_connections, web_client
from teambot.testing.fake_slack import FakeSlack


def _settings(fake_slack: FakeSlack, **more: str) -> Settings:
    url = fake_slack.api_url
    return Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s" * 32, SLACK_API_URL=url, **more)


def _peers(fake_slack: FakeSlack, method: str) -> list[int]:
    return [call.peer for call in fake_slack.calls_to(method)]


async def test_calls_share_one_connection_once_the_client_keeps_them(fake_slack: FakeSlack) -> None:
    client = web_client(_settings(fake_slack))
    keep_connections(client)
    for n in range(3):
        await client.chat_postMessage(channel="U0METTE01", text=f"påmindelse {n}")
    await close_connections(client)

    assert len(set(_peers(fake_slack, "chat.postMessage"))) == 1
    assert client.session is not None and client.session.closed


async def test_without_a_kept_session_every_call_opens_a_new_connection(fake_slack: FakeSlack) -> None:
    # What the client does on its own, and what the bot did before: a TCP (and TLS) handshake per message.
    client = web_client(_settings(fake_slack))
    for n in range(3):
        await client.chat_postMessage(channel="U0METTE01", text=f"påmindelse {n}")

    assert len(set(_peers(fake_slack, "chat.postMessage"))) == 3


async def test_the_http_server_keeps_connections_from_start_up_and_closes_them_at_shutdown(
    fake_slack: FakeSlack, database_url: str
) -> None:
    runtime = open_runtime(_settings(fake_slack, TEAMBOT_DATABASE_URL=database_url))
    asgi = make_asgi(runtime, with_scheduler=False)
    bolt_app: AsyncApp = asgi.bolt.app
    lifespan = _Lifespan(asgi)

    await lifespan.send("lifespan.startup")
    for n in range(2):
        await bolt_app.client.chat_postMessage(channel="U0METTE01", text=f"påmindelse {n}")
    await lifespan.send("lifespan.shutdown")

    assert len(set(_peers(fake_slack, "chat.postMessage"))) == 1
    assert bolt_app.client.session is not None and bolt_app.client.session.closed


class _Lifespan:
    """Drives an ASGI app's lifespan protocol as uvicorn does."""

    def __init__(self, asgi: Callable[..., Awaitable[None]]) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.ensure_future(asgi({"type": "lifespan"}, self.inbox.get, self.outbox.put))

    async def send(self, message: str) -> None:
        await self.inbox.put({"type": message})
        reply = await asyncio.wait_for(self.outbox.get(), timeout=10)
        assert reply["type"] == f"{message}.complete"
        if message == "lifespan.shutdown":
            await asyncio.wait_for(self.task, timeout=10)

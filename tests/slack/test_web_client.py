"""The running bot keeps its connections to Slack open between Web API calls (no handshake per reminder), and
closes them when it stops."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import pytest
from slack_bolt.async_app import AsyncApp

from teambot.commands.messenger import DeliveryError
from teambot.commands.registry import Reply
from teambot.config import Settings
from teambot.runtime import open_runtime
from teambot.slack.messenger import SlackMessenger
from teambot.slack.serve import make_asgi
from teambot.slack.web import close_connections, keep_connections, web_client
from teambot.testing.asgi import Lifespan
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
    async with Lifespan(asgi):
        for n in range(2):
            await bolt_app.client.chat_postMessage(channel="U0METTE01", text=f"påmindelse {n}")

    assert len(set(_peers(fake_slack, "chat.postMessage"))) == 1
    assert bolt_app.client.session is not None and bolt_app.client.session.closed


class _BrokenSlack:
    """A Slack that takes each request and then hangs (never answers) or hangs up (closes without answering)."""

    last: _BrokenSlack | None = None  # the one serving now, for a test to count its requests

    def __init__(self, behaviour: str) -> None:
        _BrokenSlack.last = self
        self.behaviour = behaviour
        self.requests = 0
        self._release = asyncio.Event()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/api/"

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        self.requests += 1
        if self.behaviour == "hang":
            await self._release.wait()
        elif self.behaviour == "proxy page":
            page = b"upstream connect error"
            head = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
            writer.write(head % len(page) + page)
            await writer.drain()
        writer.close()


async def test_a_kept_connection_still_gives_up_on_a_slack_that_does_not_answer() -> None:
    # Without the client's own timeout on the kept session, aiohttp waits 5 minutes: longer than the outbox's
    # claim on the message, after which another dispatch could post it a second time.
    async with _BrokenSlack("hang") as url:
        client = web_client(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=url))
        client.timeout = 1
        keep_connections(client)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="connection"):
            await asyncio.wait_for(SlackMessenger(client).send("U0METTE01", Reply("påmindelse")), timeout=10)
        await close_connections(client)
    assert time.monotonic() - started < 5


async def test_a_connection_slack_closes_without_answering_is_a_delivery_error_for_the_outbox() -> None:
    # A kept connection Slack closed while idle fails as aiohttp's ServerDisconnectedError, which is no OSError:
    # the outbox must see a delivery error it retries, not an exception that ends the whole batch.
    async with _BrokenSlack("hang up") as url:
        client = web_client(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=url))
        keep_connections(client)
        messenger = SlackMessenger(client)
        with pytest.raises(DeliveryError, match="connection"):
            await messenger.send("U0METTE01", Reply("påmindelse"))
        with pytest.raises(DeliveryError, match="connection"):
            await messenger.find_sent(
                "C0TEAM", "meeting:1", datetime(2027, 3, 4, tzinfo=UTC), datetime(2027, 3, 5, tzinfo=UTC)
            )
        await close_connections(client)


async def test_a_post_whose_connection_dropped_is_not_sent_again_by_the_client_itself() -> None:
    # Slack may have taken the post before the connection dropped. slack_sdk's own retry would post it again unseen;
    # the outbox instead looks for it in Slack before trying again (helper-73's review). Reads may still be retried.
    async with _BrokenSlack("hang up") as url:
        broken = _BrokenSlack.last
        client = web_client(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=url))
        keep_connections(client)
        with pytest.raises(DeliveryError, match="connection"):
            await SlackMessenger(client).send("U0METTE01", Reply("påmindelse"))
        await close_connections(client)
    assert broken is not None and broken.requests == 1


async def test_the_messengers_posts_share_the_clients_kept_connection(fake_slack: FakeSlack) -> None:
    client = web_client(_settings(fake_slack))
    keep_connections(client)
    messenger = SlackMessenger(client)
    await client.auth_test()
    for n in range(3):
        await messenger.send("U0METTE01", Reply(f"påmindelse {n}"))
    await close_connections(client)

    assert len(set(_peers(fake_slack, "chat.postMessage") + _peers(fake_slack, "auth.test"))) == 1


async def test_a_proxys_error_page_instead_of_slacks_answer_is_a_delivery_error_that_may_have_posted() -> None:
    # A 503 with a text/plain body: no Slack error to read. Before, reading it raised AttributeError, which ended the
    # dispatcher's whole pass; it is a failure the outbox retries, after looking for the post.
    async with _BrokenSlack("proxy page") as url:
        client = web_client(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=url))
        with pytest.raises(DeliveryError) as caught:
            await SlackMessenger(client).send("U0METTE01", Reply("påmindelse"))
    assert not caught.value.refused and not caught.value.permanent
    assert "503" in caught.value.reason


async def test_a_post_s_text_stays_out_of_the_log_even_at_debug(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """slack_sdk logs every call's JSON at DEBUG when its logger's own level is unset (and builds that line whether
    or not it is let through): the posting client's logger is held at WARNING, so a message's text, which names a
    child, never reaches the log, whatever an operator turns on."""
    caplog.set_level(logging.DEBUG)
    client = web_client(_settings(fake_slack))
    keep_connections(client)
    try:
        await SlackMessenger(client).send("U0METTE01", Reply("Statusmøde for AK12 i morgen"))
    finally:
        await close_connections(client)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert "AK12" not in caplog.text

"""The Slack Web API client of a running bot: one per process, keeping its connections to Slack open.

Without a session of its own, `AsyncWebClient` opens a new connection (a TCP and TLS handshake with Slack) for every
call and closes it after; the dispatcher's bursts of reminders and digests then pay a handshake per message."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from teambot.config import Settings


def web_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)


def keep_connections(client: AsyncWebClient) -> None:
    """Give `client` a session whose connections stay open between calls. Called inside the running event loop
    (an aiohttp session belongs to the loop it was made in)."""
    if client.session is None or client.session.closed:
        # slack_sdk sets its timeout (30 s) only on sessions it makes itself; without this a call to a Slack that
        # does not answer would wait aiohttp's 5 minutes, past the outbox's claim on the message.
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))


async def close_connections(client: AsyncWebClient) -> None:
    if client.session is not None and not client.session.closed:
        await client.session.close()

"""Answers through a request's response URL (a button's answer, a slow slash command's), over the bot's kept
connections to Slack.

Bolt's `respond()` makes a new webhook client, and with it a new aiohttp session, per answer: a TCP and TLS
handshake with hooks.slack.com for every button press. Here the webhook client borrows the Web API client's kept
session (`web.keep_connections`; it carries no token, which goes per request), and sends what `respond()` sent."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from teambot.commands.registry import Block
from teambot.slack.mrkdwn import escape, escaped_blocks

log = logging.getLogger(__name__)
# The webhook client logs the URL (a credential) at INFO and the answer (case data) at DEBUG whenever its logger's
# own level is unset, whatever the handlers let through: its logger is held at WARNING.
_webhook_log = logging.getLogger(f"{__name__}.webhook")
_webhook_log.setLevel(logging.WARNING)


async def answer(
    client: AsyncWebClient,
    response_url: str | None,
    *,
    text: str,
    blocks: list[Block] | None,
    response_type: str,
    replace_original: bool | None = None,
) -> None:
    """Post an answer to `response_url`. A failure is logged by its kind only (an answer holds case data) and not
    raised, so what follows the answer (a report's upload to the DM) still happens."""
    if response_url is None:
        raise ValueError("no response URL to answer")  # as Bolt's respond(): a listener bug, not Slack's
    webhook = AsyncWebhookClient(
        url=response_url,
        # As Bolt's respond(). Without a kept session (None, or closed at shutdown) the webhook client makes one
        # of its own for this answer, with this timeout; the kept one has the same timeout.
        timeout=client.timeout,
        proxy=client.proxy,
        ssl=client.ssl,
        session=client.session,
        logger=_webhook_log,
    )
    try:
        # The webhook client retries once on a dropped connection, as after Slack closed an idle kept one.
        response = await webhook.send_dict(_message(text, blocks, response_type, replace_original))
    except (aiohttp.ClientError, TimeoutError) as error:
        log.error("answer to a response URL failed: %s", type(error).__name__)
        return
    if not 200 <= response.status_code < 300:
        # Slack answers e.g. 404 "expired_url" or "used_url"; the URL itself is a credential, so only the status.
        log.error("answer to a response URL failed: HTTP %d", response.status_code)


def _message(
    text: str, blocks: list[Block] | None, response_type: str, replace_original: bool | None
) -> dict[str, Any]:
    # The fields, in order, that Bolt's respond() sent (slack_bolt.context.respond.internals._build_message):
    # text always, blocks only when there are any.
    message: dict[str, Any] = {"text": escape(text)}
    if blocks:
        message["blocks"] = escaped_blocks(blocks)
    message["response_type"] = response_type
    if replace_original is not None:
        message["replace_original"] = replace_original
    return message

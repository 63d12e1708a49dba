"""The Slack Messenger: DMs and channel posts through chat.postMessage, errors classified for the outbox."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands.messenger import DeliveryError, carries_key
from teambot.commands.registry import Reply
from teambot.slack.mrkdwn import message
from teambot.store.outbox import RATELIMITED, RECIPIENT_REFUSALS

# Errors that will not go away by retrying: the recipient is gone or the channel is closed (`RECIPIENT_REFUSALS`), the
# bot's token is for a deleted user or workspace (`account_inactive`), or the message itself is refused.
PERMANENT_ERRORS = RECIPIENT_REFUSALS | {"account_inactive", "invalid_blocks", "msg_blocks_too_long", "msg_too_long"}
# Slack's refusals of a message's blocks alone: nothing was posted, and its text would be taken.
BLOCK_REFUSALS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"})


# Slack's error answers that say a call may have been done in part all the same (its docs: "it's possible some aspect
# of the operation succeeded"); "unknown" is an answer without a readable error (a 5xx page).
PARTLY_DONE_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable", "unknown"})


# The look for an earlier post reads the conversation back to the message's due time in pages of HISTORY_PAGE (Slack
# advises at most 200), and at most HISTORY_PAGES of them: 1,000 messages since, beyond which a look costs more calls
# than is sensible (conversations.history allows about 50 a minute) and ends unsure.
HISTORY_PAGE = 200
HISTORY_PAGES = 5


# What a call that never reached Slack, or never got its answer, raises. aiohttp's own errors (a kept connection
# Slack closed while idle: ServerDisconnectedError) are not OSErrors.
CONNECTION_ERRORS = (OSError, TimeoutError, aiohttp.ClientError)


# The posting client's logger, held at WARNING. slack_sdk builds a DEBUG line of every call (the whole JSON of the
# message, case data, and the headers) whenever its logger's own level is unset, whatever the handlers let through:
# that formatting was about 7 % of a dispatched message's instructions (bench/README.md, "What changed on 2026-12-04
# (helper-111)"), and at DEBUG the line would carry a message's text into the log. Its warnings still come through.
log = logging.getLogger(__name__)
_POST_LOG = logging.getLogger(f"{__name__}.posts")
_POST_LOG.setLevel(logging.WARNING)


class SlackMessenger:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}  # user -> their DM channel with the bot, which never changes
        self._poster: AsyncWebClient | None = None

    def _posting_client(self) -> AsyncWebClient:
        """`client` without slack_sdk's own retry of a call whose connection dropped: Slack may have taken a post
        before it dropped, and a second would go out unseen. The outbox tries again instead, after looking for the
        post. Same token, address, timeout and kept connections (the session is `client`'s, also once renewed); its
        logger `_POST_LOG`."""
        if self._poster is None or self._poster.session is not self.client.session:
            self._poster = AsyncWebClient(
                token=self.client.token,
                base_url=self.client.base_url,
                timeout=self.client.timeout,
                ssl=self.client.ssl,
                proxy=self.client.proxy,
                session=self.client.session,
                headers=dict(self.client.headers),
                logger=_POST_LOG,
                retry_handlers=[],
            )
        return self._poster

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        try:
            return await self._post(recipient, reply.text, reply.blocks, metadata)
        except DeliveryError as exc:
            if not reply.blocks or exc.reason not in BLOCK_REFUSALS:
                raise
            # Nothing was posted. The text names all the message says: it goes out without its blocks (and buttons)
            # rather than not at all, and the log says so (the error only: no case data).
            log.warning("Slack refused a message's blocks (%s): it is sent as its text alone", exc.reason)
        return await self._post(recipient, reply.text, None, metadata)

    async def _post(
        self, recipient: str, text: str, blocks: list[dict[str, Any]] | None, metadata: dict[str, Any] | None
    ) -> str:
        try:
            response = await self._posting_client().chat_postMessage(
                channel=recipient, **message(text, blocks), metadata=metadata
            )
        except SlackApiError as exc:
            raise _refused(exc, permanent_errors=PERMANENT_ERRORS) from None
        except CONNECTION_ERRORS as exc:
            raise DeliveryError(f"connection: {type(exc).__name__}") from None
        return str(response.get("ts", ""))

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        """Slack hands out the conversation from `until` back, newest first, a page at a time: the post looked for,
        made near `since`, is on the last page. After HISTORY_PAGES pages the look gives up unsure (a DeliveryError),
        as when Slack does not answer it: "not found" would post the message a second time."""
        try:
            channel = await self._conversation(recipient)
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = await self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    latest=f"{until.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                )
                for message in page.get("messages") or []:
                    if carries_key(message, key):
                        return str(message.get("ts"))
                # Slack may hand out fewer messages than asked before the end: only its cursor says there are more.
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    if page.get("has_more"):
                        break  # more, but no cursor to read them with: unsure
                    return None
        except SlackApiError as exc:
            raise _refused(exc, permanent_errors=()) from None  # a failed look is never a failed message
        except CONNECTION_ERRORS as exc:
            raise DeliveryError(f"connection: {type(exc).__name__}") from None
        raise DeliveryError(f"history longer than {HISTORY_PAGES} pages")

    async def _conversation(self, recipient: str) -> str:
        """The channel a post to `recipient` went to: a user's DM channel with the bot, or the channel itself."""
        if not recipient.startswith(("U", "W")):
            return recipient
        if recipient not in self._dm_channels:
            opened = await self.client.conversations_open(users=recipient)
            self._dm_channels[recipient] = str(opened["channel"]["id"])
        return self._dm_channels[recipient]


def _refused(exc: SlackApiError, *, permanent_errors: Collection[str]) -> DeliveryError:
    """Slack's error answer as a DeliveryError; a 429 carries when to ask again. Only an answer below 500 whose error
    does not say the call may have been done in part is a refusal (nothing was posted). A body that is not Slack's
    JSON (a proxy's page) has no error to read."""
    data = getattr(exc.response, "data", None)
    error = str((data.get("error") if isinstance(data, dict) else None) or "unknown")
    status = int(getattr(exc.response, "status_code", 0) or 0)
    if status == 429:
        return DeliveryError(RATELIMITED, retry_after=float(exc.response.headers.get("Retry-After", "1")))
    if status >= 500 or status == 0:
        return DeliveryError(f"{error} (HTTP {status})")
    return DeliveryError(error, permanent=error in permanent_errors, refused=error not in PARTLY_DONE_ERRORS)

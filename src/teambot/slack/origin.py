"""The message a form was opened from, carried in the form's `private_metadata`, so that what the form saved can be
drawn on that message afterwards: the nudge's "Åbn formularen" redraws the nudge once the form is saved.

Slack hands the message to the button's press (`container`), not to the form's submission: the form carries it
along. A message in a conversation is changed with `chat.update`, at any time; an ephemeral one (`/rating mangler`'s
answer) cannot be, only replaced through the press's response URL, within Slack's 30 minutes. A form opened from the
Home tab has the tab drawn again, as a button pressed there does."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands.registry import Block, Reply
from teambot.slack.messenger import CONNECTION_ERRORS
from teambot.slack.mrkdwn import message
from teambot.slack.response_url import answer

log = logging.getLogger(__name__)

# Slack's limit on a view's private_metadata. A form whose own metadata leaves no room is opened without its origin.
PRIVATE_METADATA = 3_000
# Between the form's own metadata and the origin: a command's metadata is a day or an id, never a line break.
_SEPARATOR = "\n"


@dataclass(frozen=True)
class Origin:
    channel: str = ""  # with `ts`: a message in a conversation
    ts: str = ""
    response_url: str = ""  # else: an ephemeral message's only way back
    home: bool = False  # else: the Home tab


def attach(view: Block, body: dict[str, Any], *, home: bool = False) -> Block:
    """`view` carrying the message whose button opened it (`body`, the press), or that the Home tab's did."""
    container = body.get("container") or {}
    origin: dict[str, Any]
    if home:
        origin = {"home": "1"}
    elif container.get("type") != "message":
        return view
    elif container.get("is_ephemeral"):
        origin = {"url": body.get("response_url")}
    else:
        origin = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
    if not all(origin.values()):
        return view
    metadata = str(view.get("private_metadata", "")) + _SEPARATOR + json.dumps(origin)
    if len(metadata) > PRIVATE_METADATA:
        return view
    return {**view, "private_metadata": metadata}


def detach(metadata: str) -> tuple[str, Origin | None]:
    """The form's own metadata, and the message it was opened from if it carries one."""
    own, separator, carried = metadata.partition(_SEPARATOR)
    if not separator:
        return metadata, None
    try:
        origin = json.loads(carried)
    except ValueError:
        return own, None
    if not isinstance(origin, dict) or not all(isinstance(v, str) and v for v in origin.values()):
        return own, None
    if set(origin) == {"url"}:
        return own, Origin(response_url=origin["url"])
    if set(origin) == {"channel", "ts"}:
        return own, Origin(channel=origin["channel"], ts=origin["ts"])
    if set(origin) == {"home"}:
        return own, Origin(home=True)
    return own, None


async def redraw(client: AsyncWebClient, origin: Origin, drawn: Callable[[], Awaitable[Reply]]) -> None:
    """Draw the message the form was opened from again (`drawn`: the form's `Reply.redraw`). A failure (the message
    deleted, the response URL expired) is logged by its kind only: the form's ratings are stored and confirmed all
    the same."""
    reply = await drawn()
    if origin.response_url:
        await answer(
            client,
            origin.response_url,
            text=reply.text,
            blocks=reply.blocks,
            replace_original=True,
            response_type="ephemeral",
        )
        return
    try:
        # chat.update keeps a message's blocks when none are given: an empty list clears them for a text-only reply.
        await client.chat_update(channel=origin.channel, ts=origin.ts, **message(reply.text, reply.blocks or []))
    except SlackApiError as error:
        log.warning("redrawing the message a form was opened from failed: %s", error.response.get("error"))
    except CONNECTION_ERRORS as error:
        log.warning("redrawing the message a form was opened from failed: %s", type(error).__name__)

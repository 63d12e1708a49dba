"""Slack's three control characters in text: `&`, `<` and `>` (Slack's "Formatting text for app surfaces").

Slack reads `<…>` in a message's text and in mrkdwn text objects as a mention, a link or a command (`<!here>`), even
inside backticks, so the bot's own hints (`/rating <barn> …`) showed a link where the placeholder was, and a note or
goal text with `<`, `>` or `&` could turn into one. What the bot sends escapes all three; plain_text objects are
shown as they are and stay so. What users type in a slash command arrives escaped, and is read back here before
any command sees it: a note with "Tom & Jerry" is stored as typed, not as "Tom &amp; Jerry".

The command layer works on plain text (the console shows it as it is); only the Slack transport escapes."""

from __future__ import annotations

import re
from typing import Any

from teambot.commands.registry import Block

# Slack's limits on a mrkdwn text object: escaping lengthens a text the command layer cut to fit.
TEXT_LIMIT = 3_000
FIELD_LIMIT = 2_000  # a section's field
_ENTITY = 5  # the longest of &amp; &lt; &gt;
_INNER_GT = re.compile(r"(?m)(?<!^)>")  # every `>` but one that begins a line


def escape(text: str) -> str:
    """`text` with `&`, `<` and `>` as entities; but a `>` that begins a line, the quote mark of the parents' drafts,
    stays: alone it opens no token, and whether Slack quotes a line begun with `&gt;` is not documented."""
    return _INNER_GT.sub("&gt;", text.replace("&", "&amp;").replace("<", "&lt;"))


def unescape(text: str) -> str:
    """A slash command's text as the user typed it. Tokens Slack made of what was typed (`<@U123|navn>` for a
    mention) keep their brackets: the commands read mentions in that form."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message(text: str, blocks: list[Block] | None) -> dict[str, Any]:
    """A message's `text` and `blocks` as Slack is sent them (keyword arguments of chat.postMessage, chat.update and
    an acknowledgement): both escaped, never one without the other."""
    return {"text": escape(text), "blocks": escaped_blocks(blocks)}


def escaped_blocks(blocks: list[Block] | None) -> list[Block] | None:
    """`blocks` with every mrkdwn text escaped (a copy)."""
    return None if blocks is None else [_escaped(block, TEXT_LIMIT) for block in blocks]


def escaped_view(view: Block) -> Block:
    """A modal or Home tab with its blocks' mrkdwn escaped (a copy)."""
    return {**view, "blocks": escaped_blocks(view.get("blocks") or [])}


def _escaped(value: Any, limit: int) -> Any:
    if isinstance(value, list):
        return [_escaped(item, limit) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
        return {**value, "text": _within(escape(value["text"]), limit)}
    return {key: _escaped(item, FIELD_LIMIT if key == "fields" else limit) for key, item in value.items()}


def _within(text: str, limit: int) -> str:
    """`text` cut to `limit` with "…", never inside an entity, should escaping have made it too long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", len(cut) - _ENTITY)
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"

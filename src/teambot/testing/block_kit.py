"""Slack's Block Kit limits, as Slack enforces them on a post or a view (`../shared/reference/platform-facts.md`): the
fake Slack refuses what breaks one with `invalid_blocks`, as Slack does, so a test sees what a user would: nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
SECTION_TEXT = 3_000
HEADER_TEXT = 150
BUTTON_TEXT = 75
ACTION_ID = 255
BUTTON_VALUE = 2_000

# "ack": an answer in a slash command's acknowledgement, shown as a post to its response URL is.
_MESSAGES = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage", "response_url", "ack"}
)
_VIEWS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def refusal(method: str, params: dict[str, Any]) -> list[str]:
    """What Slack would refuse in this call's blocks (empty: nothing)."""
    if method in _MESSAGES:
        blocks, limit = _parsed(params.get("blocks")), MESSAGE_BLOCKS
    elif method in _VIEWS:
        view = _parsed(params.get("view")) or {}
        blocks, limit = view.get("blocks"), VIEW_BLOCKS
    else:
        return []
    if not blocks:
        return []
    problems = [f"{len(blocks)} blocks, more than {limit}"] if len(blocks) > limit else []
    for number, block in enumerate(blocks):
        problems += [f"block {number} ({block.get('type')}): {problem}" for problem in _block_problems(block)]
    return problems


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _block_problems(block: dict[str, Any]) -> Iterator[str]:
    text = (block.get("text") or {}).get("text")
    if block.get("type") == "section" and text is not None and not 0 < len(text) <= SECTION_TEXT:
        yield f"text of {len(text)} characters, not 1 to {SECTION_TEXT}"
    if block.get("type") == "header" and text is not None and not 0 < len(text) <= HEADER_TEXT:
        yield f"text of {len(text)} characters, not 1 to {HEADER_TEXT}"
    elements = [*block.get("elements", []), block.get("accessory"), block.get("element")]
    for element in elements:
        if not isinstance(element, dict) or element.get("type") != "button":
            continue
        label = (element.get("text") or {}).get("text", "")
        if not 0 < len(label) <= BUTTON_TEXT:
            yield f"button text of {len(label)} characters, not 1 to {BUTTON_TEXT}"
        if len(element.get("action_id", "")) > ACTION_ID:
            yield f"action_id longer than {ACTION_ID}"
        if len(element.get("value", "")) > BUTTON_VALUE:
            yield f"button value longer than {BUTTON_VALUE}"

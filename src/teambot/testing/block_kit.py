"""Slack's Block Kit limits, as Slack enforces them on a post or a view (`../shared/reference/platform-facts.md`): the
fake Slack refuses what breaks one with `invalid_blocks` (or `msg_blocks_too_long`), as Slack does, so a test sees
what a user would: nothing.
The limits are written out here, not taken from the code the fake checks (commands.notices has its own)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the Home tab
MODAL_TITLE = 24  # and its submit and close buttons' texts
PRIVATE_METADATA = 3_000
SECTION_TEXT = 3_000
SECTION_FIELDS, FIELD_TEXT = 10, 2_000
HEADER_TEXT = 150
INPUT_LABEL = 2_000
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
OPTION_TEXT = 75
PLACEHOLDER = 150
ID = 255  # an action_id, a block_id, a view's callback_id
BUTTON_VALUE = 2_000
# Options an element may offer: a menu 100, radio buttons and checkboxes 10.
OPTIONS = {"static_select": 100, "multi_static_select": 100, "radio_buttons": 10, "checkboxes": 10}
# A message the bot posts (not an answer at a response URL) is refused as a whole, `msg_blocks_too_long`, past about
# 12,000 characters of text in its blocks: undocumented but for the markdown block, and reported refused from 11,341
# to 13,297 characters (slackapi/bolt-js#2509, #2867; a Slack engineer there: "12,000 text characters with a buffer
# for block containers"). The fake takes the figure Slack's engineer gave.
POSTED_TEXT = 12_000
TOO_LONG = "msg_blocks_too_long"
_POSTED = frozenset({"chat.postMessage", "chat.update", "chat.scheduleMessage"})

# "ack": an answer in a slash command's acknowledgement, shown as a post to its response URL is.
_MESSAGES = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage", "response_url", "ack"}
)
_VIEWS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def refusal(method: str, params: dict[str, Any]) -> list[str]:
    """What Slack would refuse in this call's blocks (empty: nothing)."""
    problems: list[str] = []
    if method in _MESSAGES:
        blocks, limit = _parsed(params.get("blocks")) or [], MESSAGE_BLOCKS
    elif method in _VIEWS:
        view = _parsed(params.get("view")) or {}
        blocks, limit = view.get("blocks") or [], VIEW_BLOCKS
        problems += _view_problems(view)
    else:
        return []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks, more than {limit}")
    if method in _POSTED and (length := text_length(blocks)) > POSTED_TEXT:
        problems.append(f"{TOO_LONG}: {length} characters of text in the blocks, more than {POSTED_TEXT}")
    block_ids = [block["block_id"] for block in blocks if block.get("block_id")]
    problems += [f"block_id {i!r} more than once" for i in sorted({i for i in block_ids if block_ids.count(i) > 1})]
    for number, block in enumerate(blocks):
        problems += [f"block {number} ({block.get('type')}): {problem}" for problem in _block_problems(block)]
    return problems


def error(problems: list[str]) -> str:
    """Slack's error for a call refused for `problems`."""
    return TOO_LONG if any(problem.startswith(TOO_LONG) for problem in problems) else "invalid_blocks"


def text_length(value: Any) -> int:
    """The characters of every text in `value` (blocks, or a block), as Slack sums them against `POSTED_TEXT`."""
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else text_length(item) for key, item in value.items()
        )
    if isinstance(value, list):
        return sum(text_length(item) for item in value)
    return 0


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _view_problems(view: dict[str, Any]) -> Iterator[str]:
    if view.get("type") == "modal":
        for part in ("title", "submit", "close"):
            text = _text(view.get(part))
            if text is not None and not 0 < len(text) <= MODAL_TITLE:
                yield f"the modal's {part} of {len(text)} characters, not 1 to {MODAL_TITLE}"
    if len(view.get("private_metadata") or "") > PRIVATE_METADATA:
        yield f"private_metadata longer than {PRIVATE_METADATA}"
    if len(view.get("callback_id") or "") > ID:
        yield f"callback_id longer than {ID}"


def _block_problems(block: dict[str, Any]) -> Iterator[str]:
    kind, text = block.get("type"), _text(block.get("text"))
    if kind == "section" and text is not None and not 0 < len(text) <= SECTION_TEXT:
        yield f"text of {len(text)} characters, not 1 to {SECTION_TEXT}"
    if kind == "header" and text is not None and not 0 < len(text) <= HEADER_TEXT:
        yield f"text of {len(text)} characters, not 1 to {HEADER_TEXT}"
    fields = block.get("fields") or []
    if len(fields) > SECTION_FIELDS:
        yield f"{len(fields)} fields, more than {SECTION_FIELDS}"
    for field in fields:
        if not 0 < len(_text(field) or "") <= FIELD_TEXT:
            yield f"a field of {len(_text(field) or '')} characters, not 1 to {FIELD_TEXT}"
    label = _text(block.get("label"))
    if kind == "input" and label is not None and not 0 < len(label) <= INPUT_LABEL:
        yield f"label of {len(label)} characters, not 1 to {INPUT_LABEL}"
    elements = block.get("elements") or []
    most = {"actions": ACTIONS_ELEMENTS, "context": CONTEXT_ELEMENTS}.get(str(kind))
    if most is not None and len(elements) > most:
        yield f"{len(elements)} elements, more than {most}"
    if len(block.get("block_id") or "") > ID:
        yield f"block_id longer than {ID}"
    action_ids = [e["action_id"] for e in elements if isinstance(e, dict) and e.get("action_id")]
    for twice in sorted({i for i in action_ids if action_ids.count(i) > 1}):
        yield f"action_id {twice!r} more than once"
    for element in [*elements, block.get("accessory"), block.get("element")]:
        if isinstance(element, dict):
            yield from _element_problems(element)


def _element_problems(element: dict[str, Any]) -> Iterator[str]:
    kind = str(element.get("type"))
    if kind == "button":
        label = _text(element.get("text")) or ""
        if not 0 < len(label) <= BUTTON_TEXT:
            yield f"button text of {len(label)} characters, not 1 to {BUTTON_TEXT}"
        if len(element.get("value") or "") > BUTTON_VALUE:
            yield f"button value longer than {BUTTON_VALUE}"
    if len(element.get("action_id") or "") > ID:
        yield f"action_id longer than {ID}"
    placeholder = _text(element.get("placeholder"))
    if placeholder is not None and len(placeholder) > PLACEHOLDER:
        yield f"{kind} placeholder longer than {PLACEHOLDER}"
    options = element.get("options") or []
    if kind in OPTIONS and len(options) > OPTIONS[kind]:
        yield f"{kind} with {len(options)} options, more than {OPTIONS[kind]}"
    for option in options:
        text = _text(option.get("text")) or ""
        if not 0 < len(text) <= OPTION_TEXT:
            yield f"{kind} option text of {len(text)} characters, not 1 to {OPTION_TEXT}"


def _text(value: Any) -> str | None:
    """A text object's text (None where there is none)."""
    return str(value.get("text", "")) if isinstance(value, dict) else None

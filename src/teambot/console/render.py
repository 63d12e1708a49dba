"""Block Kit rendered as plain text for a terminal; buttons become numbered choices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from teambot.commands.registry import Block, Reply
from teambot.i18n import t


@dataclass(frozen=True)
class Choice:
    label: str
    action_id: str
    value: str


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def render(reply: Reply, choices: list[Choice]) -> str:
    """The reply as text. Buttons are appended to `choices` and shown as `[n] label`."""
    if not reply.blocks:
        return reply.text
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(_render_block(block, choices))
    return "\n".join(line for line in lines if line is not None)


def _render_block(block: Block, choices: list[Choice]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"))
        return [title, "=" * len(title)]
    if kind == "section":
        lines = [_text(block.get("text"))] if block.get("text") else []
        lines += [_text(f) for f in block.get("fields", [])]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            lines.append(_button(accessory, choices))
        return lines
    if kind == "context":
        return [" ".join(_text(e) for e in block.get("elements", []))]
    if kind == "divider":
        return ["—" * 20]
    if kind == "actions":
        buttons = [_button(e, choices) for e in block.get("elements", []) if e.get("type") == "button"]
        return [f"{t('console.choices')}: " + "  ".join(buttons)] if buttons else []
    if kind == "input":
        return [f"{_text(block.get('label'))}:"]
    return []


def _button(element: dict[str, Any], choices: list[Choice]) -> str:
    choices.append(Choice(_text(element.get("text")), str(element.get("action_id", "")), str(element.get("value", ""))))
    return f"[{len(choices)}] {choices[-1].label}"

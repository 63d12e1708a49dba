"""A notice's body in sections Slack takes, however long: Slack refuses a whole message for one section over
3,000 characters (`invalid_blocks`)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from teambot.commands.notices import SECTION_TEXT, plain_notice, rating_nudge, sections
from teambot.domain.ratings import NudgeItem
from teambot.testing import block_kit

DAY = date(2027, 3, 4)


def _texts(body: str) -> list[str]:
    return [block["text"]["text"] for block in sections(body)]


def test_a_short_body_is_one_section() -> None:
    assert _texts("📅 Statusmøde for AK12\nDeltagere: Mette Jensen") == [
        "📅 Statusmøde for AK12\nDeltagere: Mette Jensen"
    ]


def test_a_long_body_is_split_between_lines_and_nothing_is_lost() -> None:
    lines = [f"{n:03d} " + "punkt til mødet " * 6 for n in range(80)]  # 100 characters a line, 8,079 in all
    body = "\n".join(lines)

    texts = _texts(body)

    assert len(texts) == 3
    assert all(len(text) <= SECTION_TEXT for text in texts)
    assert "\n".join(texts) == body
    assert all(text.split("\n")[0] in lines for text in texts)  # every section starts with a whole line


def test_a_line_longer_than_a_section_is_split_within_it() -> None:
    body = "x" * 7_000

    assert [len(text) for text in _texts(body)] == [3_000, 3_000, 1_000]


def test_no_section_is_blank() -> None:
    body = "a" * SECTION_TEXT + "\n \n" + "b" * SECTION_TEXT  # the blank line fits with neither

    assert _texts(body) == ["a" * SECTION_TEXT, "b" * SECTION_TEXT]


def test_a_plain_notice_ends_with_its_buttons_and_why_line_after_its_sections() -> None:
    buttons = {"type": "actions", "elements": []}

    notice = plain_notice("x" * 4_000, "Du får denne besked, fordi du er leder.", buttons)

    assert [block["type"] for block in notice.blocks or []] == ["section", "section", "actions", "context"]
    assert notice.text == "x" * 4_000 + "\nDu får denne besked, fordi du er leder."


def _goals(count: int, *, rated: int = 0, on_behalf_of: str | None = None, first: int = 1) -> list[NudgeItem]:
    """`count` goals of children two goals each, the first `rated` of them rated already."""
    return [
        NudgeItem(
            case_code=f"K{(first + n) // 2:03d}",
            goal_id=first + n,
            goal_number=1 + (first + n) % 2,
            goal_text="Siger farvel ved lågen",
            value=3 if n < rated else None,
            rated_by="Mette Jensen" if n < rated else None,
            on_behalf_of=on_behalf_of,
            on_behalf_of_id=None if on_behalf_of is None else 7,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("items", "pressable"),
    [
        (_goals(12), 12),
        (_goals(30), 23),
        (_goals(60, rated=20), 13),
        ([*_goals(16), *_goals(16, on_behalf_of="Ali Hassan", first=100)], 23),
    ],
    ids=["12 goals", "30 goals", "60 goals, 20 rated", "16 own and 16 of an absent colleague"],
)
def test_a_nudge_with_many_goals_is_one_slack_takes_and_names_every_goal(
    items: list[NudgeItem], pressable: int
) -> None:
    """Two blocks a goal to rate (its line, its buttons 1–4): 24 goals or more passed Slack's 50 blocks a message,
    and Slack refused the whole nudge (a pædagog with many children, a substitute standing in for a colleague)."""
    reply = rating_nudge(DAY, items)

    assert block_kit.refusal("chat.postMessage", {"blocks": reply.blocks}) == []
    blocks = reply.blocks or []
    assert len([b for b in blocks if b["type"] == "actions"]) == pressable
    shown = json.dumps(blocks, ensure_ascii=False)
    assert all(item.case_code in shown for item in items)  # every child is named, with buttons or in the last line
    left_out = len(items) - sum(1 for b in blocks if b["type"] == "section" and "Siger farvel" in b["text"]["text"])
    if left_out:
        assert blocks[-2]["text"]["text"].startswith(f"… og {left_out} mål mere (")
        assert blocks[-2]["text"]["text"].endswith("skriv `/rating` for at registrere dem.")
    assert reply.text.count("Siger farvel ved lågen") == len(items)  # the notification's text names them all

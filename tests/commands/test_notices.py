"""A notice's body in sections Slack takes, however long: Slack refuses a whole message for one section over
3,000 characters (`invalid_blocks`)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from teambot.commands.notices import SECTION_TEXT, plain_notice, rating_nudge, sections
from teambot.domain.ratings import NudgeItem
from teambot.slack.mrkdwn import escaped_blocks
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
    return [_goal(first + n, rated=n < rated, on_behalf_of=on_behalf_of) for n in range(count)]


def _goal(number: int, *, rated: bool = False, on_behalf_of: str | None = None) -> NudgeItem:
    return NudgeItem(
        case_code=f"K{number // 2:03d}",
        goal_id=number,
        goal_number=1 + number % 2,
        goal_text="Siger farvel ved lågen",
        value=3 if rated else None,
        rated_by="Mette Jensen" if rated else None,
        on_behalf_of=on_behalf_of,
        on_behalf_of_id=None if on_behalf_of is None else 7,
    )


def _drawn(blocks: list[dict[str, Any]]) -> list[int]:
    """The goal ids the nudge draws buttons for."""
    return [int(b["block_id"].removeprefix("goal-")) for b in blocks if b["type"] == "actions"]


def _more_line(blocks: list[dict[str, Any]]) -> str | None:
    text = str(blocks[-2].get("text", {}).get("text", ""))
    return text if text.startswith("… og ") else None


@pytest.mark.parametrize(
    ("items", "pressable", "more"),
    [
        (_goals(24), 24, None),  # 1 + 48 + 1 blocks: all of them, as before
        (_goals(25), 23, "… og 2 mål mere (K012): registrér dem i dagens formular."),
        (_goals(30), 23, "… og 7 mål mere (K012, K013, K014, K015): registrér dem i dagens formular."),
        (_goals(60, rated=20), 23, "… og 17 mål mere ("),
        ([*_goals(16), *_goals(16, on_behalf_of="Ali Hassan", first=100)], 23, "… og 9 mål mere (K053, "),
        ([_goal(n, rated=n % 2 == 0) for n in range(1, 41)], 20, None),  # every goal to rate drawn; rated ones left
        ([*_goals(24), _goal(99, rated=True)], 23, "… og 1 mål mere (K012): registrér det i dagens formular."),
    ],
    ids=[
        "24 goals",
        "25 goals",
        "30 goals",
        "60 goals, 20 rated first",
        "16 own and 16 of an absent colleague",
        "40 goals, every other rated",
        "24 goals to rate and 1 rated",
    ],
)
def test_a_nudge_with_many_goals_is_one_slack_takes(items: list[NudgeItem], pressable: int, more: str | None) -> None:
    """Two blocks a goal to rate (its line, its buttons 1–4): from 25 goals on (24 for a substitute, with the
    colleague's heading) the nudge passed Slack's 50 blocks a message, and Slack refused the whole of it (a pædagog
    with many children, a substitute standing in for a colleague)."""
    reply = rating_nudge(DAY, items)
    blocks = reply.blocks or []

    assert block_kit.refusal("chat.postMessage", {"blocks": blocks}) == []
    drawn = _drawn(blocks)
    unrated = [item.goal_id for item in items if item.value is None]
    assert drawn == unrated[:pressable]  # the goals to rate first, in order
    line = _more_line(blocks)
    assert (line is None) == (more is None)
    if more is not None:
        assert line is not None and line.startswith(more)
        named = {item.case_code for item in items if item.goal_id in unrated[pressable:]}
        assert all(code in line for code in named)
        form = blocks[-2]["accessory"]  # the form for the day, for the goals without buttons
        assert (form["action_id"], form["value"]) == ("rating_form", DAY.isoformat())
    else:
        assert all("accessory" not in block for block in blocks)
    assert reply.text.count("Siger farvel ved lågen") == len(items)  # the notification's text names them all


def test_a_pressed_goal_is_drawn_with_what_was_recorded_when_not_all_fit() -> None:
    """The redraw after a press is its confirmation: the goal just rated is drawn, though rated goals come after
    the goals to rate."""
    items = [*_goals(30), _goal(76, rated=True), _goal(77, rated=True)]  # room for one rated goal: 76 comes first

    blocks = rating_nudge(DAY, items, pressed=77).blocks or []

    texts = [str(b["text"]["text"]) for b in blocks if b["type"] == "section"]
    assert any("K038* · mål 2" in text and "*3 af 4*" in text for text in texts)
    assert len(blocks) <= 50
    assert "K038" not in (_more_line(blocks) or "")


def test_the_home_tab_draws_the_nudge_in_the_room_it_has() -> None:
    assert len(_drawn(rating_nudge(DAY, _goals(60), max_blocks=99).blocks or [])) == 48


@pytest.mark.parametrize(
    "phrase",
    [
        "Bruger ord til at fortælle, hvad han vil, i stedet for at tage ting fra de andre børn; ",
        # Counted as Slack counts it: each `&` reaches it as `&amp;` (a line of 300 grows to about 600).
        "Leg & sprog & ro & tur & mad & leg; ",
    ],
)
def test_a_nudge_of_long_goals_stays_within_the_text_slack_takes_in_a_post(phrase: str) -> None:
    """Goals may be 300 characters: a nudge with one goal left to rate and 45 rated ones drew 46 lines of about 370
    characters, 17,000 in all, past the about 12,000 Slack takes in a posted message's blocks
    (`msg_blocks_too_long`), so the pædagog got no nudge. The goal to rate comes first; rated ones while there is
    room; the text names them all."""
    long = phrase * 10
    items = [
        dataclasses.replace(_goal(n, rated=n > 1), goal_text=long[:300], rated_by="Mette Jensen Kristoffersen")
        for n in range(1, 47)
    ]

    reply = rating_nudge(DAY, items)
    blocks = reply.blocks or []

    assert block_kit.refusal("chat.postMessage", {"blocks": escaped_blocks(blocks)}) == []
    assert _drawn(blocks) == [1]
    assert 0 < sum(1 for b in blocks if "*3 af 4*" in str(b.get("text", {}).get("text", ""))) < 45
    assert reply.text.count(long[:300]) == 46

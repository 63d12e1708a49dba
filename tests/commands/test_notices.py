"""A notice's body in sections Slack takes, however long: Slack refuses a whole message for one section over
3,000 characters (`invalid_blocks`)."""

from __future__ import annotations

from teambot.commands.notices import SECTION_TEXT, plain_notice, sections


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

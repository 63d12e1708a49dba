"""What the bot sends Slack has `&`, `<` and `>` escaped in its mrkdwn, and only there; what a user typed is read
back from Slack's entities. Through the transport: tests/slack/test_rating_payloads.py (a note), test_http.py (the
help's `<barn>`), test_home.py (a form), tests/scheduler/test_digest.py (a posted message)."""

from __future__ import annotations

import json
from typing import Any

from teambot.slack.mrkdwn import FIELD_LIMIT, TEXT_LIMIT, escape, escaped_blocks, escaped_view, unescape

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def test_escaping_and_reading_back_are_each_others_inverse() -> None:
    typed = "A & B <3 > &lt; <@U1>"

    assert escape(typed) == "A &amp; B &lt;3 &gt; &amp;lt; &lt;@U1&gt;"
    assert unescape(escape(typed)) == typed


def test_a_quote_mark_beginning_a_line_is_left_for_slack_to_quote() -> None:
    """The parents' drafts are quoted line by line (`> `): a lone `>` opens no token, so it need not be escaped, and
    Slack documents `>` as its quote mark."""
    assert escape("> Kære forældre\n>\n> 1 > 0 & <b>") == "> Kære forældre\n>\n> 1 &gt; 0 &amp; &lt;b&gt;"


def test_a_mention_slack_made_of_what_was_typed_keeps_its_brackets() -> None:
    assert unescape("fravær <@U0LEAD01|karsten> &amp; mere") == "fravær <@U0LEAD01|karsten> & mere"


def test_only_mrkdwn_is_escaped_and_the_blocks_given_are_left_as_they_were() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "A & B"}},
        {"type": "section", "text": _mrkdwn("`/rating <barn>`"), "fields": [_mrkdwn("x > y")]},
        {"type": "context", "elements": [_mrkdwn("Tom & Jerry")]},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "<1>"}}]},
    ]
    before = json.dumps(blocks)

    sent = escaped_blocks(blocks) or []

    assert sent[0] == blocks[0] and sent[3] == blocks[3]
    assert sent[1]["text"]["text"] == "`/rating &lt;barn&gt;`"
    assert sent[1]["fields"][0]["text"] == "x &gt; y"
    assert sent[2]["elements"][0]["text"] == "Tom &amp; Jerry"
    assert json.dumps(blocks) == before
    assert escaped_blocks(None) is None


def test_a_text_escaping_made_too_long_is_cut_before_an_entity_with_an_ellipsis() -> None:
    """Slack refuses the whole message for one section over 3,000 characters: the command layer cut it to fit before
    escaping lengthened it."""
    section = {"type": "section", "text": _mrkdwn("a" * (TEXT_LIMIT - 3) + "&&&"), "fields": [_mrkdwn("<" * 1_000)]}

    [sent] = escaped_blocks([section]) or []

    assert sent["text"]["text"] == "a" * (TEXT_LIMIT - 3) + "…"
    assert len(sent["fields"][0]["text"]) <= FIELD_LIMIT
    assert sent["fields"][0]["text"] == "&lt;" * ((FIELD_LIMIT - 1) // 4) + "…"


def test_a_view_keeps_everything_but_its_blocks_mrkdwn() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A & B"},
        "blocks": [{"type": "context", "elements": [_mrkdwn("<x>")]}],
    }

    sent = escaped_view(view)

    assert sent["title"] == view["title"]
    assert sent["blocks"][0]["elements"][0]["text"] == "&lt;x&gt;"

"""The fake Slack refuses a message or view beyond Slack's Block Kit limits with `invalid_blocks` (a post with too
much text in its blocks: `msg_blocks_too_long`), as Slack does (`../shared/reference/platform-facts.md`): a test of a
message too big for Slack sees it go nowhere."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from teambot.testing.fake_slack import FakeSlack
from teambot.testing.signing import slash_command_body


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _radio(count: int) -> dict[str, Any]:
    options = [{"text": _plain(str(n)), "value": str(n)} for n in range(count)]
    return {"type": "radio_buttons", "action_id": "r", "options": options}


def _button(label: str, value: str = "1") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": "a", "value": value}


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)


async def test_a_message_at_the_limits_is_posted(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        _section("s" * 3_000),
        {"type": "actions", "elements": [_button("b" * 75, "v" * 2_000)]},
        *[_section("more")] * 47,
    ]

    answer = await client.chat_postMessage(channel="U1", text="t", blocks=blocks)

    assert answer["ok"] and fake_slack.refused == []
    assert [m["text"] for m in fake_slack.messages["U1"]] == ["t"]


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([_section("s" * 3_001)], "block 0 (section): text of 3001 characters, not 1 to 3000"),
        ([_section("")], "block 0 (section): text of 0 characters, not 1 to 3000"),
        ([_section("ok")] * 51, "51 blocks, more than 50"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "text of 151 characters"),
        ([{"type": "actions", "elements": [_button("b" * 76)]}], "button text of 76 characters, not 1 to 75"),
        ([{**_section("x"), "accessory": _button("b", "v" * 2_001)}], "button value longer than 2000"),
        ([{**_section("x"), "fields": [_plain("f")] * 11}], "11 fields, more than 10"),
        ([{"type": "context", "elements": [_plain("c")] * 11}], "11 elements, more than 10"),
        ([{"type": "actions", "elements": [_button("b")] * 26}], "26 elements, more than 25"),
        ([{"type": "actions", "elements": [_radio(11)]}], "radio_buttons with 11 options, more than 10"),
        ([{**_section("a"), "block_id": "g"}, {**_section("b"), "block_id": "g"}], "block_id 'g' more than once"),
        ([{"type": "actions", "elements": [_button("1"), _button("2")]}], "action_id 'a' more than once"),
    ],
    ids=[
        "long section",
        "empty section",
        "51 blocks",
        "long header",
        "long button",
        "long button value",
        "11 fields",
        "11 context elements",
        "26 actions",
        "11 radio buttons",
        "a block_id twice",
        "an action_id twice in a block",
    ],
)
async def test_a_message_beyond_a_limit_is_refused_and_not_posted(
    client: AsyncWebClient, fake_slack: FakeSlack, blocks: list[dict[str, Any]], problem: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="U1", text="t", blocks=blocks)

    assert refused.value.response["error"] == "invalid_blocks"
    assert any(problem in line for line in refused.value.response["errors"]), refused.value.response["errors"]
    assert "U1" not in fake_slack.messages
    [(call, _)] = fake_slack.refused
    assert call.method == "chat.postMessage"


def _modal(count: int = 1, title: str = "m", metadata: str = "") -> dict[str, Any]:
    view = {"type": "modal", "title": _plain(title), "submit": _plain("Gem"), "blocks": [_section("x")] * count}
    return {**view, "private_metadata": metadata}


async def test_a_modal_at_the_limits_opens(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    assert (await client.views_open(trigger_id="1.2", view=_modal(100, "t" * 24, "m" * 3_000)))["ok"]
    assert fake_slack.refused == []


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (_modal(count=101), "101 blocks, more than 100"),
        (_modal(title="Registrér dagens mål for AK12"), "the modal's title of 29 characters, not 1 to 24"),
        (_modal(metadata="m" * 3_001), "private_metadata longer than 3000"),
    ],
    ids=["101 blocks", "long title", "long private_metadata"],
)
async def test_a_modal_beyond_a_limit_is_refused(
    client: AsyncWebClient, fake_slack: FakeSlack, view: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id="1.2", view=view)

    assert refused.value.response["error"] == "invalid_blocks"
    assert problem in refused.value.response["errors"]
    [(call, _)] = fake_slack.refused
    assert call.method == "views.open"


def test_an_acknowledgement_s_answer_beyond_a_limit_is_not_shown(fake_slack: FakeSlack) -> None:
    body = slash_command_body("/uge", "", user_id="U1", response_url=fake_slack.response_url("week"))
    fine = {"text": "Ugen", "blocks": [_section("s" * 3_000)]}
    too_long = {"text": "Ugen", "blocks": [_section("s" * 3_001)]}

    fake_slack.acknowledged(body, json.dumps(fine))
    fake_slack.acknowledged(body, json.dumps(too_long))

    assert [answer.params for answer in fake_slack.answers("week")] == [fine]
    [(call, problems)] = fake_slack.refused
    assert (call.method, call.params) == ("ack", too_long)
    assert problems == ["block 0 (section): text of 3001 characters, not 1 to 3000"]


async def test_a_post_to_a_response_url_beyond_a_limit_is_not_among_its_answers(fake_slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        for text in ("s" * 3_000, "s" * 3_001):
            body = {"text": "Ugen", "blocks": [_section(text)]}
            async with session.post(fake_slack.response_url("week"), json=body) as response:
                assert response.status == 200

    assert [len(answer.params["blocks"][0]["text"]["text"]) for answer in fake_slack.answers("week")] == [3_000]
    [(call, _)] = fake_slack.refused
    assert call.method == "response_url"


async def test_a_post_with_more_text_in_its_blocks_than_slack_takes_is_refused_but_an_answer_is_shown(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    """Slack refuses a posted message past about 12,000 characters of text in its blocks (`msg_blocks_too_long`,
    block_kit.POSTED_TEXT), though each section is within 3,000; an answer at a response URL is not held to it."""
    at_most = [_section("s" * 3_000)] * 4
    past = [*at_most, {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]}]

    assert (await client.chat_postMessage(channel="U1", text="t", blocks=at_most))["ok"]
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="U2", text="t", blocks=past)
    async with aiohttp.ClientSession() as session:
        async with session.post(fake_slack.response_url("week"), json={"text": "Ugen", "blocks": past}) as response:
            assert response.status == 200

    assert refused.value.response["error"] == "msg_blocks_too_long"
    assert refused.value.response["errors"] == [
        "msg_blocks_too_long: 12001 characters of text in the blocks, more than 12000"
    ]
    assert "U2" not in fake_slack.messages
    assert len(fake_slack.answers("week")) == 1

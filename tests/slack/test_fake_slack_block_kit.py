"""The fake Slack refuses a message or view beyond Slack's Block Kit limits with `invalid_blocks`, as Slack does
(`../shared/reference/platform-facts.md`): a test of a message too big for Slack sees it go nowhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from teambot.testing.fake_slack import FakeSlack
from teambot.testing.signing import slash_command_body


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


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
    ],
    ids=["long section", "empty section", "51 blocks", "long header", "long button", "long button value"],
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


async def test_a_modal_holds_100_blocks_and_no_more(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    def view(count: int) -> dict[str, Any]:
        return {"type": "modal", "title": {"type": "plain_text", "text": "m"}, "blocks": [_section("x")] * count}

    assert (await client.views_open(trigger_id="1.2", view=view(100)))["ok"]
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.views_open(trigger_id="1.2", view=view(101))


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

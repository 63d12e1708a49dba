"""The look for an earlier post before a message is posted again: it reads the recipient's conversation page by page,
as Slack hands it out (newest first), back to the message's due time, and gives up unsure after a bounded number of
pages rather than read a channel's whole history."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from teambot.testing.fake_slack import FakeSlack

STAFF_CHANNEL = "C0PERSONALE"


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


async def test_the_fake_hands_out_history_newest_first_in_pages_as_slack_does(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test")
    written = [fake_slack.say(STAFF_CHANNEL, f"besked {n}", user="U0METTE01") for n in range(5)]

    first = await client.conversations_history(channel=STAFF_CHANNEL, limit=2)
    assert [m["ts"] for m in first["messages"]] == written[:2:-1]
    assert first["has_more"] is True
    rest = await client.conversations_history(
        channel=STAFF_CHANNEL, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    last = await client.conversations_history(
        channel=STAFF_CHANNEL, limit=2, cursor=rest["response_metadata"]["next_cursor"]
    )
    assert [m["ts"] for m in rest["messages"] + last["messages"]] == written[2::-1]
    assert last["has_more"] is False and not (last.get("response_metadata") or {}).get("next_cursor")
    assert len((await client.conversations_history(channel=STAFF_CHANNEL))["messages"]) == 5  # Slack's default: 100

"""The look for an earlier post before a message is posted again: it reads the recipient's conversation page by page,
as Slack hands it out (newest first), back to the message's due time, and gives up unsure after a bounded number of
pages rather than read a channel's whole history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands.messenger import DeliveryError, notification_metadata
from teambot.commands.registry import Reply
from teambot.slack.messenger import HISTORY_PAGE, HISTORY_PAGES, SlackMessenger
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack

STAFF_CHANNEL = "C0PERSONALE"
KEY = "meeting:1:reminder:7"
EVER = (datetime(2023, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))  # a look whose window has every message


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


def _messenger(fake_slack: FakeSlack) -> SlackMessenger:
    return SlackMessenger(AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test"))


async def _post_then_chatter(fake_slack: FakeSlack, messenger: SlackMessenger, others: int) -> str:
    """The bot's post with KEY in the staff channel, then `others` messages from the staff after it."""
    ts = await messenger.send(STAFF_CHANNEL, Reply("📅 Statusmøde i morgen"), metadata=notification_metadata(KEY))
    for n in range(others):
        fake_slack.say(STAFF_CHANNEL, f"besked {n}", user="U0METTE01")
    return ts


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


async def test_an_earlier_post_is_found_behind_more_than_a_page_of_later_messages(fake_slack: FakeSlack) -> None:
    messenger = _messenger(fake_slack)
    ts = await _post_then_chatter(fake_slack, messenger, others=HISTORY_PAGE + 50)

    assert await messenger.find_sent(STAFF_CHANNEL, KEY, *EVER) == ts
    assert len(fake_slack.calls_to("conversations.history")) == 2


async def test_a_look_that_would_read_past_its_last_page_is_unsure_not_nothing_found(fake_slack: FakeSlack) -> None:
    # "Nothing found" would post the message a second time; unsure is what a look Slack did not answer is.
    messenger = _messenger(fake_slack)
    await _post_then_chatter(fake_slack, messenger, others=HISTORY_PAGE * HISTORY_PAGES)

    with pytest.raises(DeliveryError) as raised:
        await messenger.find_sent(STAFF_CHANNEL, KEY, *EVER)
    assert not raised.value.refused and not raised.value.permanent and raised.value.retry_after is None
    assert len(fake_slack.calls_to("conversations.history")) == HISTORY_PAGES


async def test_a_look_reads_only_its_window_and_stops_at_its_start(fake_slack: FakeSlack, clock: FakeClock) -> None:
    """Three pages' worth before the window and after it, ten messages in it: one page read, nothing found. A look
    that read outside its window would need more pages, and find the post written after it (reviewer-93)."""
    fake_slack.clock = clock.now
    messenger = _messenger(fake_slack)

    def chatter(n: int) -> None:
        for i in range(n):
            clock.advance(seconds=1)
            fake_slack.say(STAFF_CHANNEL, f"besked {i}", user="U0METTE01")

    chatter(HISTORY_PAGE * 3)
    since = clock.now()
    chatter(10)
    until = clock.now() + timedelta(seconds=1)
    clock.advance(minutes=1)
    await messenger.send(STAFF_CHANNEL, Reply("📅 Statusmøde i morgen"), metadata=notification_metadata(KEY))
    chatter(HISTORY_PAGE * 3)

    assert await messenger.find_sent(STAFF_CHANNEL, KEY, since, until) is None
    assert len(fake_slack.calls_to("conversations.history")) == 1
    assert await messenger.find_sent(STAFF_CHANNEL, KEY, since, clock.now()) is not None

"""A form carries the message it was opened from, and what the form saved is drawn there: on the message itself, or
through the press's response URL for an ephemeral one. The fake Slack changes only a message the bot posted."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import Reply
from teambot.slack.origin import PRIVATE_METADATA, Origin, attach, detach, redraw
from teambot.testing.fake_slack import FakeSlack

FORM = {"type": "modal", "callback_id": "rating_day_modal", "private_metadata": "2027-03-04 nudge"}


def _pressed(container: dict[str, Any]) -> dict[str, Any]:
    return {"container": container, "response_url": "https://hooks.slack.com/actions/T1/1/abc"}


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)


def test_a_form_from_a_message_carries_the_message_and_hands_back_its_own_metadata() -> None:
    in_dm = {"type": "message", "channel_id": "D0DM", "message_ts": "1700000000.000100", "is_ephemeral": False}

    metadata, origin = detach(attach(FORM, _pressed(in_dm))["private_metadata"])

    assert (metadata, origin) == ("2027-03-04 nudge", Origin(channel="D0DM", ts="1700000000.000100"))


def test_a_form_from_an_ephemeral_message_carries_the_response_url_alone() -> None:
    ephemeral = {"type": "message", "channel_id": "D0DM", "message_ts": "1700000000.000100", "is_ephemeral": True}

    metadata, origin = detach(attach(FORM, _pressed(ephemeral))["private_metadata"])

    assert (metadata, origin) == ("2027-03-04 nudge", Origin(response_url="https://hooks.slack.com/actions/T1/1/abc"))


def test_a_form_from_the_home_tab_carries_that_it_was() -> None:
    home = {"type": "view", "view_id": "V0HOME"}

    assert detach(attach(FORM, _pressed(home), home=True)["private_metadata"]) == (
        "2027-03-04 nudge",
        Origin(home=True),
    )


def test_a_form_from_another_view_or_too_full_carries_nothing() -> None:
    home = {"type": "view", "view_id": "V0HOME"}
    full = {**FORM, "private_metadata": "x" * (PRIVATE_METADATA - 20)}
    in_dm = {"type": "message", "channel_id": "D0DM", "message_ts": "1700000000.000100"}

    assert attach(FORM, _pressed(home)) == FORM
    assert attach(full, _pressed(in_dm)) == full  # Slack would refuse the form: it opens without its origin


@pytest.mark.parametrize(
    "metadata",
    ["2027-03-04", "2027-03-04 nudge\nnot json", "2027-03-04 nudge\n[1]", '2027-03-04 nudge\n{"channel": "D0DM"}'],
)
def test_metadata_without_a_readable_origin_is_the_forms_own(metadata: str) -> None:
    assert detach(metadata) == (metadata.split("\n")[0], None)


async def test_the_fake_changes_only_a_message_the_bot_posted(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    posted = await client.chat_postMessage(channel="U1", text="før")
    theirs = fake_slack.messages.setdefault("U1", [])
    theirs.append({"type": "message", "user": "U0METTE01", "text": "hej", "ts": "1700000050.000001"})

    await client.chat_update(channel="U1", ts=posted["ts"], text="efter")
    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel="U1", ts="1700000099.000001", text="efter")
    with pytest.raises(SlackApiError) as not_ours:
        await client.chat_update(channel="U1", ts="1700000050.000001", text="efter")

    assert [m["text"] for m in fake_slack.messages["U1"]] == ["efter", "hej"]
    assert missing.value.response["error"] == "message_not_found"
    assert not_ours.value.response["error"] == "cant_update_message"


async def test_a_redraw_on_a_message_gone_logs_its_kind_and_raises_nothing(
    client: AsyncWebClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="teambot.slack.origin")

    async def drawn() -> Reply:
        return Reply("AK12 · mål 1: 3 af 4")

    await redraw(client, Origin(channel="U1", ts="1700000099.000001"), drawn)

    assert [r.getMessage() for r in caplog.records] == [
        "redrawing the message a form was opened from failed: message_not_found"
    ]

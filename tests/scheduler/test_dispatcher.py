"""The dispatcher delivers planned outbox rows through the real Slack Messenger to the fake Slack Web API:
exactly once, through rate limits, server errors, permanent errors and a crash between posting and recording."""

from __future__ import annotations

import asyncio
import gc
import json
import select
import socket
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import urlparse

import pytest
from helpers_outbox import (
    FIRST_REMINDERS_DUE,
    MEETING_DAY,
    SECOND_REMINDERS_DUE,
    Pacing,
    case_id,
    delivered,
    deliveries_per_key,
    dispatcher_for,
    messenger_for,
    metadata_of,
    notifications,
    plan_small_roster,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from teambot.commands import Context, run_command
from teambot.commands.messenger import notification_metadata
from teambot.commands.notices import from_payload
from teambot.domain.roster import parse_roster
from teambot.scheduler.dispatcher import MAX_ATTEMPTS, Dispatcher
from teambot.scheduler.planner import plan_case
from teambot.slack.messenger import HISTORY_PAGE, HISTORY_PAGES, PERMANENT_ERRORS, SlackMessenger
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.loop import settled
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG, small_roster

REMINDER = "meeting.reminder"


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


async def _statuses(db: Database) -> dict[str, str]:
    return {row.dedupe_key: row.status for row in await notifications(db)}


async def test_due_reminders_are_delivered_exactly_once_with_their_key_in_metadata(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)

    assert (await dispatcher.dispatch_due()).sent == 0  # nothing is due in November
    assert fake_slack.calls_to("chat.postMessage") == []

    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    stats = await dispatcher.dispatch_due()
    assert stats.sent == 3
    again = await dispatcher.dispatch_due()
    assert again.sent == 0

    calls = fake_slack.calls_to("chat.postMessage")
    assert len(calls) == 3
    sent = [r for r in await notifications(db) if r.status == "sent"]
    assert {r.recipient for r in sent} == {PAEDAGOG, PSYKOLOG, LEAD}
    by_channel = {c.params["channel"]: c for c in calls}
    for row in sent:
        metadata = metadata_of(by_channel[row.recipient].params)
        assert metadata == {"event_type": "teambot_notification", "event_payload": {"key": row.dedupe_key}}
        assert row.message_ts is not None and row.sent_at == clock.now()
    text = by_channel[PAEDAGOG].params["text"]
    assert text.startswith("📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00 (Børnehuset Solsikken)")
    assert text.endswith("Du får denne besked, fordi du er pædagog for AK12.")
    # The 1-day reminders are still waiting for tomorrow morning.
    assert sum(r.status == "pending" for r in await notifications(db)) == 3


async def test_rate_limited_row_waits_for_retry_after_then_is_delivered(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)

    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.retried) == (2, 1)
    [limited] = [r for r in await notifications(db) if r.due_at <= clock.now() and r.status != "sent"]
    assert limited.status == "pending"
    posted = len(fake_slack.calls_to("chat.postMessage"))
    assert posted == 3  # two delivered, one answered 429

    for seconds in (0, 10, 29):
        clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30 + seconds))
        assert (await dispatcher.dispatch_due()).sent == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == posted  # nothing re-posted inside the 30 s

    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=61))
    assert (await dispatcher.dispatch_due()).sent == 1
    assert (await _statuses(db))[limited.dedupe_key] == "sent"
    assert deliveries_per_key(fake_slack)[limited.dedupe_key] == 1


async def test_rate_limits_do_not_use_up_the_attempts_a_server_error_may_need(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A 429 posts nothing, however often Slack answers it: only posts that failed count against a row's attempts.
    Counted, a busy hour of rate limits followed by one 500 gave up reminders that Slack would have taken."""
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    due = [r.dedupe_key for r in await notifications(db) if r.due_at <= clock.now()]
    assert len(due) == 3
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=3 * MAX_ATTEMPTS)
    for _ in range(10 * MAX_ATTEMPTS):
        if len(fake_slack.calls_to("chat.postMessage")) == 3 * MAX_ATTEMPTS:
            break  # each row answered 429 eight times
        await dispatcher.dispatch_due()
        clock.advance(seconds=2)
    assert set((await _statuses(db)).values()) == {"pending"}
    fake_slack.fail("chat.postMessage", status=500, times=3)
    await dispatcher.dispatch_due()
    clock.advance(minutes=1)
    await dispatcher.dispatch_due()
    statuses = await _statuses(db)
    assert [statuses[key] for key in due] == ["sent"] * 3
    assert [deliveries_per_key(fake_slack)[key] for key in due] == [1] * 3
    assert not any(row.kind.startswith("notice.") for row in await notifications(db))  # nothing rerouted


async def test_server_error_is_retried_after_a_backoff_and_delivered(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", status=500)

    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.retried, stats.failed) == (2, 1, 0)
    [waiting] = [r for r in await notifications(db) if r.due_at <= clock.now() and r.status != "sent"]
    assert waiting.status == "pending" and waiting.next_attempt_at is not None
    assert waiting.next_attempt_at > clock.now()

    assert (await dispatcher.dispatch_due()).sent == 0  # not hammered at once
    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1
    assert set((await _statuses(db)).values()) == {"sent", "pending"}
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 4


async def test_a_post_slack_made_but_answered_with_500_is_not_sent_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Slack posted the message, then answered 500: the retry finds the message by its key and does not post."""
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", status=500, posted=True)

    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.retried) == (2, 1)
    [waiting] = [r for r in await notifications(db) if r.due_at <= clock.now() and r.status != "sent"]
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1  # it is in Slack already

    clock.advance(minutes=1)
    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.retried) == (1, 0)
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    [row] = [r for r in await notifications(db) if r.dedupe_key == waiting.dedupe_key]
    posted = next(p for p in delivered(fake_slack) if p.key == waiting.dedupe_key)
    assert (row.status, row.message_ts) == ("sent", posted.ts)


async def _posted_but_answered_500(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> tuple[Dispatcher, Notification]:
    """The first reminders fall due; Slack posts one of them and then answers 500. The dispatcher, and that row."""
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    await dispatcher.dispatch_due()
    [waiting] = [r for r in await notifications(db) if r.due_at <= clock.now() and r.status != "sent"]
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1  # it is in Slack already
    return dispatcher, waiting


async def test_a_post_slack_made_but_answered_with_500_is_not_sent_again_after_a_429_between(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A 429 after the unsure 500 posted nothing, but it does not make the 500 sure: the post is still looked for."""
    dispatcher, waiting = await _posted_but_answered_500(db, clock, fake_slack)
    clock.advance(minutes=1)
    fake_slack.fail("conversations.history", status=500)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    await dispatcher.dispatch_due()  # the look fails (a best effort: it posts all the same) and the post gets 429
    clock.advance(minutes=1)
    await dispatcher.dispatch_due()
    assert (await _statuses(db))[waiting.dedupe_key] == "sent"
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1


async def test_a_rate_limited_look_for_an_earlier_post_waits_instead_of_posting_blind(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Slack posted, then answered 500; the look for that post is answered 429. Posting anyway would post twice:
    the row waits as Slack asks (no attempt used up) and looks again."""
    dispatcher, waiting = await _posted_but_answered_500(db, clock, fake_slack)
    clock.advance(minutes=1)
    fake_slack.fail("conversations.history", status=429, retry_after=30)
    await dispatcher.dispatch_due()
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1
    [row] = [r for r in await notifications(db) if r.dedupe_key == waiting.dedupe_key]
    assert (row.status, row.attempts) == ("pending", 1)  # the 500's attempt; the look's 429 used up none
    clock.advance(seconds=31)
    await dispatcher.dispatch_due()
    assert (await _statuses(db))[waiting.dedupe_key] == "sent"
    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1


async def test_a_post_slack_made_but_answered_with_500_is_found_behind_hundreds_of_later_messages(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A busy conversation: more messages since the unsure post than one page of Slack's history holds. The look
    reads on, page by page, and finds the post instead of posting it a second time."""
    fake_slack.clock = clock.now
    dispatcher, waiting = await _posted_but_answered_500(db, clock, fake_slack)
    for n in range(250):
        clock.advance(seconds=1)
        fake_slack.say(waiting.recipient, f"svar {n}", user=waiting.recipient)
    clock.advance(minutes=1)
    await dispatcher.dispatch_due()

    assert deliveries_per_key(fake_slack)[waiting.dedupe_key] == 1
    [row] = [r for r in await notifications(db) if r.dedupe_key == waiting.dedupe_key]
    posted = next(p for p in delivered(fake_slack) if p.key == waiting.dedupe_key)
    assert (row.status, row.message_ts) == ("sent", posted.ts)


async def test_a_row_held_behind_its_recipient_s_429_uses_up_no_attempt(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Two messages due for one person; the first is answered 429: the second is not tried until Slack's time is
    up, and, tried nothing, it has used up nothing either."""
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(SECOND_REMINDERS_DUE + timedelta(seconds=30))  # both reminders due: the bot was down on the 23rd
    for_paedagog = [r for r in await notifications(db) if r.due_at <= clock.now() and r.recipient == PAEDAGOG]
    assert len(for_paedagog) == 2
    posted = len(fake_slack.calls_to("chat.postMessage"))
    fake_slack.fail("chat.postMessage", status=429, retry_after=30, times=3)  # each recipient's first post
    await dispatcher.dispatch_due()
    rows = {r.dedupe_key: r for r in await notifications(db)}
    first, second = (rows[r.dedupe_key] for r in for_paedagog)
    assert first.status == second.status == "pending"
    assert (first.attempts, second.attempts) == (0, 0)
    assert second.next_attempt_at == first.next_attempt_at == clock.now() + timedelta(seconds=30)
    paedagog_posts = [c for c in fake_slack.calls_to("chat.postMessage")[posted:] if c.params["channel"] == PAEDAGOG]
    assert len(paedagog_posts) == 1  # the second was held, not tried


async def test_connection_error_is_retried_later(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    # A port nobody listens on; no client-side retries, so the dispatcher sees the error itself.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AsyncWebClient(base_url=f"http://127.0.0.1:{port}/api/", token="xoxb-test", retry_handlers=[])
    unreachable = SlackMessenger(client)
    stats = await dispatcher_for(db, unreachable, clock).dispatch_due()
    assert (stats.sent, stats.retried, stats.failed) == (0, 3, 0)
    due = [r for r in await notifications(db) if r.due_at <= clock.now()]
    assert {r.status for r in due} == {"pending"}
    assert all((r.last_error or "").startswith("connection") for r in due)

    clock.advance(minutes=1)
    assert (await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()).sent == 3


async def test_permanent_error_fails_the_row_and_tells_the_lead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    # One recipient at a time, in planned order: the pædagog's reminder is posted first.
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", error="user_not_found")

    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.failed, stats.rerouted) == (2, 1, 1)
    [failed] = [r for r in await notifications(db) if r.status == "failed"]
    assert failed.recipient == PAEDAGOG and failed.last_error == "refused: user_not_found"

    [notice] = await notifications(db, kind="notice.rerouted")
    assert notice.recipient == LEAD and notice.status == "pending"
    assert (await dispatcher.dispatch_due()).sent == 1
    [to_lead] = [p for p in delivered(fake_slack) if p.key == notice.dedupe_key]
    assert to_lead.channel == LEAD
    assert "⚠️ Denne besked kunne ikke leveres til Mette Jensen (user_not_found). Giv den gerne videre:" in to_lead.text
    assert "📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00" in to_lead.text
    assert to_lead.text.endswith(
        "Du får denne besked, fordi du er leder, og beskeden ikke kunne leveres til Mette Jensen."
    )

    # The failed row is never tried again.
    clock.advance(hours=1)
    await dispatcher.dispatch_due()
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")].count(PAEDAGOG) == 1
    assert (await _statuses(db))[failed.dedupe_key] == "failed"


async def _plan_message(db: Database, clock: FakeClock, key: str, payload: dict[str, Any]) -> None:
    """A reminder to Mette due now, about AK12 at Solsikken, with `payload` as its message."""
    await plan_small_roster(db, clock)
    [reminder] = [n for n in await notifications(db, kind=REMINDER) if n.recipient == PAEDAGOG][:1]
    async with db.write() as session:
        planned = outbox.Planned(
            dedupe_key=key,
            kind=REMINDER,
            recipient=PAEDAGOG,
            subject="AK12",
            due_at=clock.now(),
            institution_id=reminder.institution_id,
            payload=payload,
        )
        await outbox.insert_new(session, [planned], clock.now())


async def test_a_long_message_that_cannot_be_delivered_reaches_the_lead_whole(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Its copy to the lead adds a line in front: one section of both passed Slack's 3,000 characters a section,
    and Slack refused the copy (`invalid_blocks`) as well, so the lead was told nothing."""
    lines = [f"{n:02d}. " + "Et langt punkt til mødet om AK12 " * 3 for n in range(28)]  # 2,910 characters
    long = "\n".join(lines)
    assert 2_900 < len(long) <= 3_000
    await _plan_message(
        db, clock, "long:1", {"text": long, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": long}}]}
    )
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)
    fake_slack.fail("chat.postMessage", error="user_not_found")

    assert (await dispatcher.dispatch_due()).rerouted == 1
    assert (await dispatcher.dispatch_due()).sent == 1

    assert fake_slack.refused == []
    [to_lead] = [p for p in delivered(fake_slack) if p.channel == LEAD]
    assert to_lead.text.startswith("⚠️ Denne besked kunne ikke leveres til Mette Jensen (user_not_found).")
    assert long in to_lead.text


async def test_a_very_long_message_that_cannot_be_delivered_reaches_the_lead_cut_to_what_slack_takes(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The copy of a message of 15,000 characters (a substitute's nudge for many colleagues' children, say) was drawn
    in five sections: past the about 12,000 characters of text Slack takes in a posted message's blocks, so Slack
    refused it (`msg_blocks_too_long`) and the lead was told nothing. It is cut short with "…" instead; the
    notification's text keeps it all."""
    long = "\n".join(f"{n:03d}. " + "Et langt punkt til mødet om AK12 " * 3 for n in range(150))
    assert len(long) > 15_000
    first = [{"type": "section", "text": {"type": "mrkdwn", "text": long[:2_900]}}]
    await _plan_message(db, clock, "long:2", {"text": long, "blocks": first})
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)
    fake_slack.fail("chat.postMessage", error="user_not_found")

    assert (await dispatcher.dispatch_due()).rerouted == 1
    assert (await dispatcher.dispatch_due()).sent == 1

    assert fake_slack.refused == []
    [to_lead] = [c.params for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == LEAD]
    blocks = json.loads(to_lead["blocks"]) if isinstance(to_lead["blocks"], str) else to_lead["blocks"]
    body = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert body[0].startswith("⚠️ Denne besked kunne ikke leveres til Mette Jensen (user_not_found).")
    assert body[-1].endswith("…") and "149. Et langt punkt" not in "".join(body)
    assert long in to_lead["text"]


async def test_a_message_whose_blocks_slack_refuses_goes_out_as_its_text(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A message whose blocks Slack refuses (a limit the bot's drawing missed) reached nobody: the pædagog's copy
    failed for good and went to the lead, who was told only that it failed. Nothing was posted, so it goes out once
    more as its text alone, which says all it does; the log names the error, never the message."""
    text = "Statusmøde om AK12 på torsdag kl. 14:00"
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": f"Punkt {n}"}} for n in range(51)]
    await _plan_message(db, clock, "blocks:1", {"text": text, "blocks": too_many})
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)

    await dispatcher.dispatch_due()

    [(refused, problems)] = fake_slack.refused
    assert refused.params["text"] == text and problems == ["51 blocks, more than 50"]
    [post] = [p for p in delivered(fake_slack) if p.text == text]
    assert post.channel == PAEDAGOG
    assert (await _statuses(db))["blocks:1"] == "sent"
    assert "Slack refused a message's blocks (invalid_blocks): it is sent as its text alone" in caplog.text
    assert "AK12" not in caplog.text


async def test_a_change_notice_that_cannot_be_delivered_also_goes_to_the_lead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    moved = await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "flyt AK12 2027-04-06")
    assert moved.text.startswith("🔁 Statusmødet for AK12 er flyttet")
    [to_psychologist] = [n for n in await notifications(db, kind="meeting.moved") if n.recipient == PSYKOLOG]
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)
    fake_slack.fail("chat.postMessage", error="account_inactive")  # the psychologist's notice is posted first

    await dispatcher.dispatch_due()
    assert (await _statuses(db))[to_psychologist.dedupe_key] == "failed"
    await dispatcher.dispatch_due()
    rerouted = [p for p in delivered(fake_slack) if p.channel == LEAD and "kunne ikke leveres" in p.text]
    assert rerouted, "the lead is not told that Peter Friis did not get the notice"
    assert "kunne ikke leveres til Peter Friis (account_inactive)" in rerouted[0].text


async def _crash_after_posting(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, *, post_to: set[str]
) -> list[outbox.Notification]:
    """A dispatcher claims the due rows, posts some of them, and dies before recording anything."""
    async with db.write() as session:
        claimed = await outbox.claim_due(
            session, now=clock.now(), worker="crashed", limit=50, is_postgres=not db.is_sqlite
        )
    messenger = messenger_for(fake_slack)
    for row in claimed:
        if row.recipient in post_to:
            await messenger.send(
                row.recipient, from_payload(row.payload), metadata=notification_metadata(row.dedupe_key)
            )
    return claimed


async def test_restart_after_a_crash_between_post_and_record_does_not_post_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    claimed = await _crash_after_posting(db, clock, fake_slack, post_to={PAEDAGOG, PSYKOLOG, LEAD})
    assert len(claimed) == 3 and {r.status for r in await notifications(db) if r.due_at <= clock.now()} == {"sending"}
    ts_by_key = {p.key: p.ts for p in delivered(fake_slack)}

    clock.advance(minutes=10)  # the bot comes back
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert await restarted.recover(everything=True) == 3
    assert len(fake_slack.calls_to("conversations.history")) == 3
    assert (await restarted.dispatch_due()).sent == 0

    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    rows = {r.dedupe_key: r for r in await notifications(db)}
    for key, ts in ts_by_key.items():
        assert (rows[key].status, rows[key].message_ts) == ("sent", ts)
    assert set(deliveries_per_key(fake_slack).values()) == {1}


async def test_restart_finds_a_post_made_before_the_crash_behind_hundreds_of_later_messages(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    fake_slack.clock = clock.now
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    await _crash_after_posting(db, clock, fake_slack, post_to={PAEDAGOG})
    for n in range(250):
        clock.advance(seconds=1)
        fake_slack.say(PAEDAGOG, f"svar {n}", user=PAEDAGOG)

    clock.advance(minutes=10)
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert await restarted.recover(everything=True) == 3
    await restarted.dispatch_due()
    counts = deliveries_per_key(fake_slack)
    assert len(counts) == 3 and set(counts.values()) == {1}


async def test_restart_settles_a_crash_s_post_however_long_the_conversation_has_gone_on_since(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A crashed claim can only have posted while it held the row: the look reads that window, not everything
    written since. Before, a conversation that went on for more than five pages of messages after the crash left
    the row in `sending` for good, its look unsure at every tick (reviewer-93)."""
    fake_slack.clock = clock.now
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    await _crash_after_posting(db, clock, fake_slack, post_to={PAEDAGOG})
    clock.advance(minutes=15)
    for n in range(HISTORY_PAGE * HISTORY_PAGES + 1):
        clock.advance(seconds=1)
        fake_slack.say(PAEDAGOG, f"svar {n}", user=PAEDAGOG)

    restarted = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert await restarted.recover(everything=True) == 3
    await restarted.dispatch_due()

    counts = deliveries_per_key(fake_slack)
    assert len(counts) == 3 and set(counts.values()) == {1}
    assert {r.status for r in await notifications(db) if r.dedupe_key in counts} == {"sent"}


async def test_row_claimed_but_never_posted_is_delivered_once_after_restart(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    await _crash_after_posting(db, clock, fake_slack, post_to={PAEDAGOG})

    clock.advance(minutes=10)
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert await restarted.recover(everything=True) == 3
    statuses = {r.recipient: r.status for r in await notifications(db) if r.due_at <= clock.now()}
    assert statuses == {PAEDAGOG: "sent", PSYKOLOG: "pending", LEAD: "pending"}

    assert (await restarted.dispatch_due()).sent == 2
    assert (await restarted.dispatch_due()).sent == 0
    counts = deliveries_per_key(fake_slack)
    assert len(counts) == 3 and set(counts.values()) == {1}
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


async def test_a_live_claim_is_not_second_guessed_and_an_unanswered_check_leaves_the_row_alone(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    await _crash_after_posting(db, clock, fake_slack, post_to={PAEDAGOG})
    other = dispatcher_for(db, messenger_for(fake_slack), clock)

    clock.advance(seconds=30)  # within the other process's lease
    assert await other.recover() == 0
    assert fake_slack.calls_to("conversations.history") == []

    clock.advance(minutes=10)  # lease expired, but Slack does not answer the check
    fake_slack.fail("conversations.history", status=500, times=3)
    assert await other.recover() == 0
    assert {r.status for r in await notifications(db) if r.due_at <= clock.now()} == {"sending"}
    assert await other.recover() == 3
    await other.dispatch_due()
    assert set(deliveries_per_key(fake_slack).values()) == {1} and len(deliveries_per_key(fake_slack)) == 3


async def test_chaos_every_planned_row_is_delivered_exactly_once(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    case = await plan_small_roster(db, clock, municipality={"reminder_days": [14, 7, 3, 1]})
    fake_slack.set_chaos(0.2, seed=7)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    last_day = date(2027, 5, 11)  # through the second meeting

    day, passes = date(2027, 3, 10), 0
    while day <= last_day:
        clock.set(datetime.combine(day, time(0, 5), COPENHAGEN))
        await plan_case(db, case, now=clock.now(), zone=COPENHAGEN)
        midnight = datetime.combine(day + timedelta(days=1), time(0, 0), COPENHAGEN)
        while True:
            async with db.read() as session:
                upcoming = await outbox.next_due(session)
            if upcoming is None or upcoming >= midnight:
                break
            clock.set(max(upcoming, clock.now()))
            await dispatcher.dispatch_due()
            passes += 1
            assert passes < 2000, "the dispatcher stopped making progress"
        day += timedelta(days=1)

    rows = await notifications(db)
    due = [r for r in rows if r.due_at.astimezone(COPENHAGEN).date() <= last_day]
    # 2 meetings x 4 reminders x 3 participants, but for 30 March (the Tuesday after Easter) 3 days and 1 day
    # before both fall back to Wednesday 24 March: one reminder that day, not the same one twice.
    assert len(due) == 21
    assert {r.status for r in due} == {"sent"}
    counts = deliveries_per_key(fake_slack)
    assert {r.dedupe_key: counts[r.dedupe_key] for r in due} == {r.dedupe_key: 1 for r in due}
    failures = len(fake_slack.calls_to("chat.postMessage")) - len(delivered(fake_slack))
    assert failures > 0  # the chaos really happened


async def test_reminders_for_a_meeting_that_already_started_are_missed_and_the_lead_is_told(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(MEETING_DAY + timedelta(minutes=5))  # the bot was down over both reminders and the meeting

    stats = await dispatcher.dispatch_due()
    assert (stats.sent, stats.missed) == (0, 6)
    assert {r.status for r in await notifications(db, kind=REMINDER)} == {"missed"}
    assert fake_slack.calls_to("chat.postMessage") == []

    await dispatcher.dispatch_due()
    posts = delivered(fake_slack)
    # One notice for the meeting, however many of its reminders were missed.
    assert [p.channel for p in posts] == [LEAD]
    assert [r.recipient for r in await notifications(db, kind="notice.missed")] == [LEAD]
    assert "Påmindelserne om statusmødet for AK12 tirsdag 30. marts 2027 blev ikke sendt" in posts[0].text
    assert "Du får denne besked, fordi du er leder for institutionen, hvor AK12 går." in posts[0].text


async def test_a_reminder_slack_had_before_the_meeting_began_is_sent_not_missed(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack posted the reminders and then answered 500; the retry comes after the meeting began. They reached
    # everyone: no "blev ikke sendt" notice to the lead.
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(hours=4))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=6)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).sent == 0

    clock.set(MEETING_DAY + timedelta(minutes=5))
    stats = await dispatcher.dispatch_due()
    await dispatcher.dispatch_due()

    assert (stats.sent, stats.missed) == (6, 0)
    assert {r.status for r in await notifications(db, kind=REMINDER)} == {"sent"}
    assert await notifications(db, kind="notice.missed") == []
    assert len(delivered(fake_slack)) == 6


async def test_reminder_that_fell_due_while_down_is_sent_late_if_the_meeting_is_ahead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(hours=4))  # the morning of the meeting
    stats = await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()
    assert (stats.sent, stats.missed) == (6, 0)
    assert {p.channel for p in delivered(fake_slack)} == {PAEDAGOG, PSYKOLOG, LEAD}
    assert await notifications(db, kind="notice.missed") == []


async def test_two_messages_to_one_recipient_are_paced_a_second_apart(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    pacing = Pacing()
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, pacing, concurrency=1)
    clock.set(SECOND_REMINDERS_DUE + timedelta(seconds=30))  # both reminders due for all three

    assert (await dispatcher.dispatch_due()).sent == 6
    # One wait per recipient, before their second message; none before anyone's first.
    assert pacing.sleeps == [pytest.approx(1.0)] * 3
    order = [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sorted(order) == sorted([PAEDAGOG, PSYKOLOG, LEAD] * 2)


async def test_claims_and_outcomes_are_written_in_bulk_and_never_over_a_row_another_dispatcher_settled(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now()
    planned = [
        outbox.Planned(
            dedupe_key=f"bulk:{n}",
            kind=REMINDER,
            recipient=PAEDAGOG,
            subject="AK12",
            due_at=now - timedelta(minutes=1),
            payload={"text": f"besked {n}", "blocks": None},
        )
        for n in range(4)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, planned, now)
    async with db.write() as session:
        claimed = await outbox.claim_due(session, now=now, worker="w1", limit=10, is_postgres=not db.is_sqlite)
    assert [(r.status, r.claimed_by, r.claimed_at, r.attempts) for r in claimed] == [("sending", "w1", now, 1)] * 4
    sent, retried, failed, taken = (r.id or 0 for r in claimed)
    async with db.write() as session:  # another dispatcher's recovery settled the last row meanwhile
        row = await session.get(Notification, taken)
        assert row is not None
        row.status, row.claimed_by = outbox.SENT, "w2"

    later = now + timedelta(seconds=5)
    async with db.write() as session:
        await outbox.record_outcomes(
            session,
            [
                outbox.Outcome(sent, outbox.SENT, message_ts="1.000001", at=later),
                outbox.Outcome(retried, outbox.PENDING, retry_at=later, error="internal_error"),
                outbox.Outcome(failed, outbox.FAILED, error="x" * 300, at=later),
                outbox.Outcome(taken, outbox.FAILED, error="too late", at=later),
            ],
            worker="w1",
        )
    rows = {r.id: r for r in await notifications(db)}
    fields = ("status", "claimed_by", "attempts", "sent_at", "message_ts", "next_attempt_at", "last_error")
    assert {n: tuple(getattr(rows[i], f) for f in fields) for n, i in enumerate((sent, retried, failed, taken))} == {
        0: ("sent", None, 1, later, "1.000001", None, None),
        1: ("pending", None, 1, None, None, later, "internal_error"),
        2: ("failed", None, 1, None, None, None, "x" * 200),
        3: ("sent", "w2", 1, None, None, None, None),
    }


async def test_claims_given_back_are_pending_again_without_an_attempt_unless_no_longer_this_dispatchers(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now()
    await _two_batches_due(db, clock, batch=2)
    async with db.write() as session:
        claimed = await outbox.claim_due(session, now=now, worker="w1", limit=4, is_postgres=not db.is_sqlite)
    mine, retried, taken, settled = (r.id or 0 for r in claimed)
    async with db.write() as session:
        await outbox.record_outcomes(
            session, [outbox.Outcome(settled, outbox.SENT, message_ts="1.1", at=now)], worker="w1"
        )
        for row_id, change in ((retried, {"attempts": 3}), (taken, {"claimed_by": "w2"})):  # w2: recovered, reclaimed
            row = await session.get(Notification, row_id)
            assert row is not None
            for name, value in change.items():
                setattr(row, name, value)
    async with db.write() as session:
        await outbox.release_claims(session, ids=[mine, retried, taken, settled], worker="w1")
    rows = {r.id: r for r in await notifications(db)}
    assert [(rows[i].status, rows[i].claimed_by, rows[i].attempts) for i in (mine, retried, taken, settled)] == [
        ("pending", None, 0),
        ("pending", None, 2),
        ("sending", "w2", 1),
        ("sent", None, 1),
    ]


# Serves the benchmark's fake Slack (bench/fake_server.py) until stdin closes, printing its base URL first.
_BENCH_FAKE = """
import sys
from bench.fake_server import FakeSlackProcess
with FakeSlackProcess() as fake:
    print(fake.base_url, flush=True)
    sys.stdin.read()
"""


def _not_accepted_of_a_burst(host: str, port: int, burst: int = 64) -> int:
    """Open `burst` connections at once; how many were not accepted within 0.5 s (a dropped SYN costs 1 s)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(burst):
            connection = socket.socket()
            connection.setblocking(False)
            connection.connect_ex((host, port))
            sockets.append(connection)
        pending, deadline = set(sockets), monotonic() + 0.5
        while pending and monotonic() < deadline:
            _, connected, _ = select.select([], list(pending), [], max(deadline - monotonic(), 0))
            pending -= set(connected)
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for s in sockets if s not in pending)
        return len(pending)
    finally:
        for connection in sockets:
            connection.close()


def test_the_benchmarks_fake_slack_accepts_a_burst_of_connections_at_once() -> None:
    """The dispatch benchmark's client opens a new connection for every post, 8 at a time. Behind a listen
    backlog of 5 (socketserver's default) the kernel dropped the SYNs beyond it and each such post waited 1 s for
    the retry: the dispatcher measured 0.5× a one-at-a-time loop that never had two connections pending."""
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", _BENCH_FAKE], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        url = urlparse(child.stdout.readline().strip())
        assert url.hostname and url.port, "the fake Slack did not start"
        assert _not_accepted_of_a_burst(url.hostname, url.port) == 0
    finally:
        child.stdin.close()  # the child leaves its `with`, which stops the fake; killing it would orphan the fake
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def test_the_tests_fake_slack_accepts_a_burst_of_connections_at_once(fake_slack: FakeSlack) -> None:
    """The same for the fake Slack the tests run in-process: concurrent posts must not stall a second each."""
    url = urlparse(fake_slack.base_url)
    assert url.hostname and url.port
    assert _not_accepted_of_a_burst(url.hostname, url.port) == 0


class _PostsThenBreaks:
    """A Messenger whose `send` posts as usual, then raises a non-Slack error on its `break_on`-th call (a bug
    after the post): the row is posted but its outcome never recorded."""

    def __init__(self, messenger: SlackMessenger, break_on: int) -> None:
        self.messenger, self.break_on, self.sends = messenger, break_on, 0

    async def send(self, *args: Any, **kwargs: Any) -> str:
        self.sends += 1
        ts = await self.messenger.send(*args, **kwargs)
        if self.sends == self.break_on:
            raise RuntimeError("bug after the post")
        return ts

    async def find_sent(self, *args: Any, **kwargs: Any) -> str | None:
        return await self.messenger.find_sent(*args, **kwargs)


async def _two_batches_due(db: Database, clock: FakeClock, batch: int) -> list[str]:
    """Two full batches due for one recipient (claimed in due order: batch 1 is the first `batch` keys)."""
    now = clock.now()
    planned = [
        outbox.Planned(
            dedupe_key=f"two:{n:02}",
            kind=REMINDER,
            recipient=PAEDAGOG,
            subject="AK12",
            due_at=now - timedelta(minutes=10) + timedelta(seconds=n),
            payload={"text": f"besked {n}", "blocks": None},
        )
        for n in range(2 * batch)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, planned, now)
    return [p.dedupe_key for p in planned]


async def _delivered_once_after_recovery(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, dispatcher: Dispatcher, keys: list[str]
) -> None:
    """The next pass delivers what was left pending; once the lease is over, `recover` settles what was posted
    but not recorded: every key reaches Slack exactly once and every row ends `sent`."""
    await dispatcher.dispatch_due()
    clock.advance(minutes=5)
    await dispatcher.recover()
    await dispatcher.dispatch_due()
    assert deliveries_per_key(fake_slack) == dict.fromkeys(keys, 1)
    assert {row.status for row in await notifications(db)} == {"sent"}
    assert dispatcher._claimed == {}


async def test_a_batch_that_breaks_gives_back_the_batch_claimed_ahead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A non-Slack error in batch 1 ends the pass. Batch 2, claimed while batch 1 was delivered, was never handed
    to Slack: it goes back to pending at once (its claim not counted as an attempt) rather than waiting in
    `sending` for a recovery, and no renewal keeps it from that recovery; so do batch 1's rows not yet tried."""
    batch = 5
    keys = await _two_batches_due(db, clock, batch)
    broken = _PostsThenBreaks(messenger_for(fake_slack), break_on=3)
    dispatcher = dispatcher_for(db, broken, clock, batch=batch)

    with pytest.raises(RuntimeError, match="bug after the post"):
        await dispatcher.dispatch_due()

    rows = {row.dedupe_key: row for row in await notifications(db)}
    status = {key: rows[key].status for key in keys}
    # The third row was posted, its outcome unknown: it is left for `recover`, which looks for it in Slack.
    assert status == {**dict.fromkeys(keys[:2], "sent"), keys[2]: "sending", **dict.fromkeys(keys[3:], "pending")}
    assert {(rows[key].claimed_by, rows[key].attempts) for key in keys[3:]} == {(None, 0)}
    assert dispatcher._claimed == {}
    await _delivered_once_after_recovery(db, clock, fake_slack, dispatcher, keys)


async def test_an_outcome_write_that_fails_still_gives_back_the_batch_claimed_ahead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch 1 is posted but writing its outcomes fails ("database is locked"): batch 2 is awaited and given
    back all the same, and nothing of it stays in hand."""
    batch = 5
    keys = await _two_batches_due(db, clock, batch)
    record_outcomes = outbox.record_outcomes
    writes = 0

    async def locked_once(*args: Any, **kwargs: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == 1:
            raise OperationalError("UPDATE notification", {}, Exception("database is locked"))
        await record_outcomes(*args, **kwargs)

    monkeypatch.setattr(outbox, "record_outcomes", locked_once)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, batch=batch)

    with pytest.raises(OperationalError, match="database is locked"):
        await dispatcher.dispatch_due()

    status = {row.dedupe_key: row.status for row in await notifications(db)}
    assert status == {**dict.fromkeys(keys[:batch], "sending"), **dict.fromkeys(keys[batch:], "pending")}
    assert dispatcher._claimed == {}
    await _delivered_once_after_recovery(db, clock, fake_slack, dispatcher, keys)


async def test_a_claim_ahead_that_fails_beside_a_failing_batch_leaves_no_exception_unretrieved(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = 5
    keys = await _two_batches_due(db, clock, batch)
    claim_due, record_outcomes = outbox.claim_due, outbox.record_outcomes
    claims = 0

    async def second_claim_fails(*args: Any, **kwargs: Any) -> list[Notification]:
        nonlocal claims
        claims += 1
        if claims == 2:
            raise OperationalError("SELECT notification", {}, Exception("database is locked"))
        return await claim_due(*args, **kwargs)

    async def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("UPDATE notification", {}, Exception("database is locked"))

    monkeypatch.setattr(outbox, "claim_due", second_claim_fails)
    monkeypatch.setattr(outbox, "record_outcomes", locked)
    unhandled: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    try:
        with pytest.raises(OperationalError):
            await dispatcher_for(db, messenger_for(fake_slack), clock, batch=batch).dispatch_due()
        await settled()  # whatever the pass left running (the claim ahead) has ended
        gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert [context["message"] for context in unhandled] == []
    monkeypatch.setattr(outbox, "record_outcomes", record_outcomes)
    status = {row.dedupe_key: row.status for row in await notifications(db)}
    assert status == {**dict.fromkeys(keys[:batch], "sending"), **dict.fromkeys(keys[batch:], "pending")}


async def test_a_lead_known_only_by_email_does_not_keep_the_other_lead_from_hearing_of_a_failure(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A lead imported by e-mail, not yet found in Slack, has no Slack ID: rerouting asserted on it, the pass broke
    off, and the lead who has one never heard that the pædagog's reminder could not be delivered."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    data = small_roster()
    karsten = next(s for s in data["staff"] if s["id"] == LEAD)
    del karsten["id"]
    karsten["email"] = "karsten@example.dk"
    data["staff"].append({"id": "U0LEAD002", "name": "Anne Holm", "roles": ["leder"], "institutions": ["SOL"]})
    await import_roster(db, parse_roster(data, source="test"), now=clock.now())
    await plan_case(db, await case_id(db), now=clock.now(), zone=COPENHAGEN)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", error="user_not_found")

    stats = await dispatcher.dispatch_due()

    assert (stats.failed, stats.rerouted) == (1, 1)
    [notice] = await notifications(db, kind="notice.rerouted")
    assert notice.recipient == "U0LEAD002"


@pytest.mark.parametrize("stored", ["invalid_auth", "bad_gateway", "some reason"])
async def test_a_row_an_older_version_left_unsure_is_looked_for_whatever_reason_it_stored(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, stored: str
) -> None:
    """Slack posted the reminders and answered 500. A version before the refusal mark stored any error as is: after
    an upgrade, a reason without the mark still means the post may have been made, so it is looked for, found, and
    not posted again (helper-73's review)."""
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=3)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 3
    async with db.write() as session:
        await session.exec(
            update(Notification).where(col(Notification.status) == outbox.PENDING).values(last_error=stored)
        )
    clock.advance(minutes=20)
    assert (await dispatcher.dispatch_due()).sent == 3
    assert max(deliveries_per_key(fake_slack).values()) == 1


async def test_a_refusal_for_good_after_an_unsettled_attempt_says_so_and_still_counts_as_maybe_reached(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Slack posts the reminders and answers 500; at the retry the look cannot tell (500 again) and Slack then refuses
    the post for good (user_not_found). The first post may still be in the conversation: the row keeps counting as
    maybe reached, and its stored reason says both what Slack answered and that an earlier post is unconfirmed
    (before: the plain "user_not_found", which read as an answer that may have posted)."""
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=3)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 3
    fake_slack.fail("conversations.history", status=500, times=3)
    fake_slack.fail("chat.postMessage", error="user_not_found", times=3)
    clock.advance(minutes=20)
    assert (await dispatcher.dispatch_due()).failed == 3

    failed = [r for r in await notifications(db) if r.status == outbox.FAILED]
    assert len(failed) == 3
    assert {r.last_error for r in failed} == {"refused after an unconfirmed post: user_not_found"}
    assert all(outbox.may_have_reached(r.status, r.attempts, r.last_error) for r in failed)
    assert not any(outbox.refused(r.last_error) for r in failed)


@pytest.mark.parametrize(
    ("error", "to_anyone"),
    [
        ("msg_too_long", True),
        ("invalid_blocks", True),
        ("invalid_blocks_format", True),
        ("no_text", True),
        ("too_many_attachments", True),
        ("invalid_attachments", True),
        ("invalid_metadata_format", True),
        ("invalid_metadata_schema", True),
        ("metadata_too_large", True),
        ("metadata_must_be_sent_from_app", True),
        ("channel_not_found", False),
        ("user_not_found", False),
        ("invalid_auth", False),
        ("token_revoked", False),
        ("account_inactive", False),
        ("missing_scope", False),
        ("message_limit_exceeded", False),
        ("ekm_access_denied", False),
        ("team_access_not_granted", False),
        ("restricted_action_read_only_channel", False),
    ],
)
def test_only_a_refusal_for_the_message_itself_counts_as_refused_to_anyone(error: str, to_anyone: bool) -> None:
    """A row Slack refused for good for the message itself (too long, bad blocks or metadata) would be refused the
    same way to anyone: a planner takes it as gone out. One refused for its recipient, or for the bot's token or the
    workspace (invalid_auth while the token is broken), reached nobody and goes to a substitute (before: any refusal
    but one about the recipient counted as refused to anyone)."""
    reason = f"{outbox.REFUSED}{error}"
    assert outbox.refused_to_anyone(outbox.FAILED, reason) is to_anyone
    assert outbox.gone_out(outbox.FAILED, 1, reason) is to_anyone
    assert not outbox.refused_to_anyone(outbox.PENDING, reason)  # still to be tried


def test_the_messengers_permanent_errors_are_what_they_were() -> None:
    """Slack's refusals the messenger does not retry: the recipient's, the bot's token for a deleted user or workspace
    (account_inactive), and the three about the message itself; any other refusal is retried."""
    assert PERMANENT_ERRORS == {
        "channel_not_found",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "not_in_channel",
        "cannot_dm_bot",
        "invalid_blocks",
        "msg_blocks_too_long",
        "msg_too_long",
    }
    assert "account_inactive" not in outbox.RECIPIENT_REFUSALS


async def test_a_reminder_slack_refused_outright_is_posted_again_without_a_look(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A refusal (HTTP 200, `ok: false`) posted nothing: the next attempt posts without asking Slack first."""
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", error="invalid_auth", times=3)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 3
    clock.advance(minutes=20)
    assert (await dispatcher.dispatch_due()).sent == 3
    assert fake_slack.calls_to("conversations.history") == []
    assert max(deliveries_per_key(fake_slack).values()) == 1

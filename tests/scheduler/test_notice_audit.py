"""What the bot sends on its own is in the audit log of every child the message names: one `notice.sent` entry per
child when the dispatcher delivers it (actor "teambot", the recipient and the kind, never the text), none for a message
that was cancelled, failed or names no child, and one only however often the send was tried. One cancelled or missed
while Slack cannot say whether an earlier attempt posted it gives `notice.maybe_sent` instead.

Small roster: Mette Jensen (PAEDAGOG) is AK12's pædagog at Børnehuset Solsikken (SOL), with the psychologist
(PSYKOLOG) on the case and Karsten Bro (LEAD) as lead."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from helpers_outbox import (
    FIRST_REMINDERS_DUE,
    MEETING_DAY,
    delivered,
    deliveries_per_key,
    dispatcher_for,
    fail_draws,
    messenger_for,
    notifications,
    plan_small_roster,
)
from test_nudge_substitute import UnsureMessenger, absent_with
from typer.testing import CliRunner

import teambot.scheduler.digest
from conftest import Runner
from helpers_ratings import goal_ids, load_roster, substitute_has_a_child
from teambot.cli import app
from teambot.commands.messenger import DeliveryError, notification_metadata
from teambot.commands.notices import from_payload
from teambot.commands.registry import Context, Reply
from teambot.reports.audit_csv import audit_csv
from teambot.scheduler.digest import digest_refreshers, plan_digests
from teambot.scheduler.dispatcher import MAX_ATTEMPTS, Dispatcher
from teambot.scheduler.nudges import NUDGE, nudge_refreshers, plan_nudges
from teambot.scheduler.planner import plan_all, plan_case
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG, SUBSTITUTE, load_small_roster

CPH = COPENHAGEN
MORNING = datetime(2027, 3, 4, 8, 0)  # Thursday
NUDGE_TIME = datetime(2027, 3, 4, 14, 0)
REMINDER = "meeting.reminder"


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


def sent_notices(csv_text: str | None) -> list[tuple[str, str, dict[str, str]]]:
    """The `notice.sent` lines of a child's audit CSV: (time, actor, details)."""
    rows = csv.DictReader(io.StringIO(csv_text or ""))
    return [(r["time"], r["actor"], json.loads(r["details"])) for r in rows if r["action"] == "notice.sent"]


async def notices_about(db: Database, code: str) -> list[tuple[str, str, dict[str, str]]]:
    async with db.read() as session:
        return sent_notices(await audit_csv(session, code, CPH))


def told(*recipients: str, kind: str = REMINDER) -> list[dict[str, str]]:
    return sorted(({"kind": kind, "recipient": r} for r in recipients), key=lambda d: d["recipient"])


def details(entries: list[tuple[str, str, dict[str, str]]]) -> list[dict[str, str]]:
    assert {actor for _, actor, _ in entries} <= {"teambot"}
    return sorted((d for _, _, d in entries), key=lambda d: (d["recipient"], d["kind"]))


async def test_a_nudge_naming_two_children_is_in_each_childs_exported_audit_log(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, database_url: str
) -> None:
    """Ali Hassan stands in for Mette Jensen (AK12) and has BM04 of his own: his one nudge names both children."""
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE), adjust=substitute_has_a_child)
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(NUDGE_TIME)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, refreshers=nudge_refreshers(db, clock, CPH))
    assert (await dispatcher.dispatch_due()).sent == 1
    [post] = delivered(fake_slack)
    assert post.channel == SUBSTITUTE and "AK12" in post.text and "BM04" in post.text

    for code in ("AK12", "BM04"):
        result = await asyncio.to_thread(
            CliRunner().invoke, app, ["audit", "--case", code], env={"TEAMBOT_DATABASE_URL": database_url}
        )
        assert result.exit_code == 0, result.output
        assert sent_notices(result.output) == [
            ("2027-03-04T14:00:00+01:00", "teambot", {"kind": NUDGE, "recipient": SUBSTITUTE})
        ]


async def test_each_status_meeting_reminder_delivered_is_in_the_childs_audit_log(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    assert await notices_about(db, "AK12") == []

    assert (await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()).sent == 3

    entries = await notices_about(db, "AK12")
    assert details(entries) == told(LEAD, PAEDAGOG, PSYKOLOG)
    assert {at for at, _, _ in entries} == {"2027-03-23T08:00:30+01:00"}


async def test_a_failed_row_gives_no_entry_and_its_reroute_to_the_lead_gives_one(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, concurrency=1)  # the pædagog's is posted first
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", error="user_not_found")

    assert (await dispatcher.dispatch_due()).failed == 1
    assert details(await notices_about(db, "AK12")) == told(LEAD, PSYKOLOG)

    assert (await dispatcher.dispatch_due()).sent == 1  # the lead is told what Mette Jensen did not get
    assert details(await notices_about(db, "AK12")) == sorted(
        [*told(LEAD, PSYKOLOG), {"kind": "notice.rerouted", "recipient": LEAD}],
        key=lambda d: (d["recipient"], d["kind"]),
    )


async def test_a_nudge_cancelled_at_send_time_gives_no_entry(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Mette Jensen rated all of AK12 before 14: her nudge is cancelled when it is due. Ali Hassan's for BM04 goes."""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 4, 11, 0))
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")
    await run(PAEDAGOG, "/rating AK12 2 3")
    clock.set(NUDGE_TIME)

    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock, refreshers=nudge_refreshers(db, clock, CPH))
    stats = await dispatcher.dispatch_due()

    assert (stats.sent, stats.cancelled) == (1, 1)
    assert {(r.recipient, r.status) for r in await notifications(db, kind=NUDGE)} == {
        (PAEDAGOG, "cancelled"),
        (SUBSTITUTE, "sent"),
    }
    assert await notices_about(db, "AK12") == []
    assert details(await notices_about(db, "BM04")) == told(SUBSTITUTE, kind=NUDGE)


@pytest.mark.parametrize("posted", [False, True], ids=["not posted", "posted but answered 500"])
async def test_a_send_tried_again_gives_one_entry(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, posted: bool
) -> None:
    await plan_small_roster(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    fake_slack.fail("chat.postMessage", status=500, posted=posted)

    assert (await dispatcher.dispatch_due()).retried == 1
    assert len(await notices_about(db, "AK12")) == 2
    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1

    assert details(await notices_about(db, "AK12")) == told(LEAD, PAEDAGOG, PSYKOLOG)


async def test_a_row_settled_by_recovery_after_a_crash_gives_one_entry(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_small_roster(db, clock)
    clock.set(FIRST_REMINDERS_DUE + timedelta(seconds=30))
    async with db.write() as session:  # a dispatcher claims the rows, posts the pædagog's and dies
        claimed = await outbox.claim_due(
            session, now=clock.now(), worker="crashed", limit=50, is_postgres=not db.is_sqlite
        )
    [to_paedagog] = [row for row in claimed if row.recipient == PAEDAGOG]
    await messenger_for(fake_slack).send(
        PAEDAGOG, from_payload(to_paedagog.payload), metadata=notification_metadata(to_paedagog.dedupe_key)
    )

    clock.advance(minutes=10)
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert await restarted.recover(everything=True) == 3
    assert details(await notices_about(db, "AK12")) == told(PAEDAGOG)
    assert (await restarted.dispatch_due()).sent == 2

    assert details(await notices_about(db, "AK12")) == told(LEAD, PAEDAGOG, PSYKOLOG)


async def test_the_friday_digest_is_in_the_audit_log_of_the_children_it_lists(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    clock.set(datetime(2027, 3, 5, 0, 5))  # Friday of week 9
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher = digest_dispatcher(db, clock, fake_slack)

    assert (await dispatcher.dispatch_due()).sent == 1

    [post] = delivered(fake_slack)
    assert post.channel == LEAD and "AK12" in post.text
    assert details(await notices_about(db, "AK12")) == [{"kind": "digest.week", "recipient": LEAD}]


async def entries_naming(db: Database, code: str, who: str) -> list[tuple[str, str, dict[str, str]]]:
    """A child's audit entries that name `who`, as the one who read or as the one who was told: (actor, action,
    details)."""
    async with db.read() as session:
        rows = csv.DictReader(io.StringIO(await audit_csv(session, code, CPH) or ""))
        entries = [(r["actor"], r["action"], json.loads(r["details"])) for r in rows]
    return [(actor, action, d) for actor, action, d in entries if who in (actor, d.get("recipient"))]


def digest_dispatcher(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> Dispatcher:
    """A dispatcher that draws the Friday digest as the bot does, posting to the fake Slack."""
    return dispatcher_for(db, messenger_for(fake_slack), clock, refreshers=digest_refreshers(db, clock, CPH))


async def plan_friday_digest(db: Database, clock: FakeClock) -> None:
    """The lead's digest of week 9 (Friday 5 March 2027), planned as a placeholder at 00:05, due at 12:00."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 5, 12, 0))


async def test_a_friday_digest_slack_refused_names_its_lead_in_no_childs_audit_log(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Drawn at send time from what `/uge` shows, then refused by Slack: the lead never saw AK12's week.
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    dispatcher = digest_dispatcher(db, clock, fake_slack)

    assert (await dispatcher.dispatch_due()).failed == 1

    assert delivered(fake_slack) == []
    assert await entries_naming(db, "AK12", LEAD) == []


async def test_a_friday_digest_drawn_for_each_try_names_its_lead_once_when_delivered(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", status=500)  # not posted
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).retried == 1
    assert await entries_naming(db, "AK12", LEAD) == []

    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1

    [post] = delivered(fake_slack)
    assert post.channel == LEAD and "AK12" in post.text
    assert await entries_naming(db, "AK12", LEAD) == [
        ("teambot", "notice.sent", {"kind": "digest.week", "recipient": LEAD})
    ]


async def test_a_friday_digest_slack_may_have_posted_keeps_what_it_was_drawn_with_through_a_planner_pass(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack posts the digest, then answers 500; the planner passes again before the retry. The look finds the post
    # and settles the row with what it was drawn with: AK12's log says the lead was told (not the placeholder's none).
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).retried == 1

    clock.advance(minutes=1)
    await plan_digests(db, now=clock.now(), zone=CPH)
    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1

    [post] = delivered(fake_slack)
    assert post.channel == LEAD and "AK12" in post.text
    assert await entries_naming(db, "AK12", LEAD) == [
        ("teambot", "notice.sent", {"kind": "digest.week", "recipient": LEAD})
    ]


async def away_with_ali_and_dispatched(db: Database, clock: FakeClock, dispatcher: Dispatcher) -> Reply:
    """Karsten registers Friday 5 March away with Ali; the digests are planned again and what is due dispatched a
    minute later. The command's reply."""
    reply = await Runner(db, clock)(LEAD, "/teambot fravær 5/3 5/3 Ali Hassan")
    await plan_digests(db, now=clock.now(), zone=CPH)
    clock.advance(minutes=1)
    await dispatcher.dispatch_due()
    return reply


async def test_a_friday_digest_slack_may_have_posted_is_not_rerouted_by_an_absence_registered_after(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack posts Karsten's digest, then answers 500; he registers the day away with Ali before the retry. His digest
    # may be in his DM: the look finds it, and Ali gets no second one.
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).retried == 1

    clock.advance(minutes=1)
    await away_with_ali_and_dispatched(db, clock, dispatcher)

    assert [post.channel for post in delivered(fake_slack)] == [LEAD]
    assert await entries_naming(db, "AK12", LEAD) == [
        ("teambot", "notice.sent", {"kind": "digest.week", "recipient": LEAD})
    ]


async def test_a_friday_digest_slack_refused_for_good_goes_to_the_substitute_of_an_absence_registered_after(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack refuses Karsten's digest for good (channel_not_found): nothing was posted. He then registers the day away
    # with Ali: the reply says Ali gets it, and he does (before: the refused row counted as gone out, and nobody got
    # the week).
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).failed == 1

    clock.advance(minutes=1)
    reply = await away_with_ali_and_dispatched(db, clock, dispatcher)
    assert "Ali Hassan får din fredagsstatus" in reply.text

    assert [post.channel for post in delivered(fake_slack)] == [SUBSTITUTE]


async def test_a_friday_digest_slack_refused_for_the_bots_token_goes_to_the_substitute_of_an_absence_registered_after(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The bot's token is broken for a while: Slack refuses Karsten's digest at every try (invalid_auth), not for the
    # message itself, and it ends refused for good after the last. He then registers the day away with Ali: the reply
    # says Ali gets it, and he does, the token mended (before: any refusal but one about the recipient counted as
    # refused to anyone, and nobody got the week).
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", error="invalid_auth", times=MAX_ATTEMPTS)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    for _ in range(MAX_ATTEMPTS):
        await dispatcher.dispatch_due()
        clock.advance(minutes=15)
    assert [(row.recipient, row.status, row.last_error) for row in await notifications(db, kind="digest.week")] == [
        (LEAD, "failed", "refused: invalid_auth")
    ]

    reply = await away_with_ali_and_dispatched(db, clock, dispatcher)
    assert "Ali Hassan får din fredagsstatus" in reply.text

    assert [post.channel for post in delivered(fake_slack)] == [SUBSTITUTE]


async def test_a_friday_digest_slack_refused_for_its_content_is_not_given_to_the_substitute_of_an_absence_after(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack refuses Karsten's digest for good for the message itself (msg_too_long), not for him: Ali would be refused
    # the same week the same way. Karsten then registers the day away with Ali: the reply does not promise Ali the
    # Friday status, and no second digest is tried (before: it went to Ali, as after a refusal of Karsten himself).
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", error="msg_too_long")
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).failed == 1

    clock.advance(minutes=1)
    reply = await away_with_ali_and_dispatched(db, clock, dispatcher)
    assert "fredagsstatus" not in reply.text

    assert [call.params["channel"] for call in fake_slack.calls_to("chat.postMessage")] == [LEAD]
    assert [(row.recipient, row.status, row.last_error) for row in await notifications(db, kind="digest.week")] == [
        (LEAD, "failed", "refused: msg_too_long")
    ]


async def test_a_friday_digest_slack_may_have_posted_and_then_not_drawn_is_not_given_to_a_substitute_after(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slack posts Karsten's digest and answers 500; at the retry the look cannot tell (Slack answers 500 again) and the
    # week cannot be drawn (a bug): the row fails, and he may have the digest all the same. An absence he registers
    # then gives Ali no second one (before: the failed draw's reason said nothing was posted).
    await plan_friday_digest(db, clock)
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).retried == 1

    real = teambot.scheduler.digest.week_for_digest
    broken = [True]

    async def broken_once(*args: Any, **kwargs: Any) -> Any:
        if broken.pop() if broken else False:
            raise KeyError("week")
        return await real(*args, **kwargs)

    monkeypatch.setattr(teambot.scheduler.digest, "week_for_digest", broken_once)
    fake_slack.fail("conversations.history", status=500, times=3)
    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).failed == 1

    clock.advance(minutes=1)
    await away_with_ali_and_dispatched(db, clock, dispatcher)

    assert [post.channel for post in delivered(fake_slack)] == [LEAD]


async def test_a_friday_digest_whose_draw_fails_for_a_moment_is_delivered_later_that_day(
    db: Database,
    clock: FakeClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The week cannot be read at 12:00 (the database is locked): the digest waits, as a post Slack could not take
    # does, instead of the lead getting none this week. The log and the row say what failed, never about which child.
    await plan_friday_digest(db, clock)
    fail_draws(monkeypatch, teambot.scheduler.digest, "week_for_digest", times=1)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).retried == 1
    [row] = await notifications(db, kind="digest.week")
    assert (row.status, delivered(fake_slack)) == ("pending", [])
    assert "OperationalError" in caplog.text
    assert "AK12" not in caplog.text + (row.last_error or "")

    clock.advance(minutes=1)
    assert (await dispatcher.dispatch_due()).sent == 1

    [post] = delivered(fake_slack)
    assert post.channel == LEAD and "AK12" in post.text
    assert fake_slack.calls_to("conversations.history") == []  # a draw that failed posted nothing: no look
    assert await entries_naming(db, "AK12", LEAD) == [
        ("teambot", "notice.sent", {"kind": "digest.week", "recipient": LEAD})
    ]


async def test_a_friday_digest_that_cannot_be_drawn_fails_when_its_attempts_are_used_up(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await plan_friday_digest(db, clock)
    fail_draws(monkeypatch, teambot.scheduler.digest, "week_for_digest", times=MAX_ATTEMPTS)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    for _ in range(MAX_ATTEMPTS - 1):
        assert (await dispatcher.dispatch_due()).retried == 1
        clock.advance(minutes=16)  # past the longest backoff
    assert (await dispatcher.dispatch_due()).failed == 1

    [row] = await notifications(db, kind="digest.week")
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivered(fake_slack) == []
    assert await entries_naming(db, "AK12", LEAD) == []


async def test_a_friday_digest_whose_draw_has_a_bug_fails_at_once_logged_with_where(
    db: Database,
    clock: FakeClock,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A bug in drawing the week is no passing error: retried, it fails the same way eight times over 21 minutes, and
    # the operator gets eight warnings naming only its type. It fails at once, logged with the frames it came from.
    await plan_friday_digest(db, clock)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        code = "AK12"
        raise KeyError(code)

    monkeypatch.setattr(teambot.scheduler.digest, "week_for_digest", broken)
    dispatcher = digest_dispatcher(db, clock, fake_slack)
    assert (await dispatcher.dispatch_due()).failed == 1

    [row] = await notifications(db, kind="digest.week")
    assert (row.status, row.attempts, delivered(fake_slack)) == ("failed", 1, [])
    [logged] = [r for r in caplog.records if "could not draw" in r.getMessage()]
    assert "KeyError" in logged.getMessage() and "in broken" in logged.getMessage()
    assert "AK12" not in caplog.text + (row.last_error or "")
    assert await entries_naming(db, "AK12", LEAD) == []


async def test_a_changed_ask_slack_may_have_had_goes_out_as_planned_when_the_look_finds_nothing(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # A café count ask got a 500 that posted nothing. The lead then registers January, and the pass narrows the ask
    # to February. The row keeps its due time for the look, which finds nothing: the narrowed ask goes out, not the
    # one asking for a month already counted.
    await load_small_roster(db, now=clock.now())
    fake_slack.clock = clock.now
    now = clock.now()
    key = f"cafe-count:1:2027-03:{LEAD}"
    where = {"ref_type": "institution", "ref_id": 1, "event_day": now.date(), "institution_id": 1}
    async with db.write() as session:
        session.add(
            Notification(
                dedupe_key=key,
                kind="cafe.count_missing",
                recipient=LEAD,
                subject="SOL",
                due_at=now - timedelta(minutes=1),
                payload={"text": "Hvor mange børn … i januar og februar?", "blocks": None},
                status=outbox.PENDING,
                attempts=1,
                last_error="internal_error (HTTP 500)",
                next_attempt_at=now,
                created_at=now,
                **where,
            )
        )
    narrowed = {"text": "Hvor mange børn … i februar?", "blocks": None}
    plan = outbox.Planned(key, "cafe.count_missing", LEAD, "SOL", due_at=now, payload=narrowed, **where)
    async with db.write() as session:
        await outbox.sync_many(
            session, ref_type="institution", kinds=("cafe.count_missing",), planned={1: [plan]}, now=now
        )
    clock.advance(minutes=1)
    await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()

    assert fake_slack.calls_to("conversations.history")  # looked first, and found nothing
    assert [post.text for post in delivered(fake_slack)] == [narrowed["text"]]


async def test_a_message_about_an_institution_names_no_child(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_small_roster(db, now=clock.now())
    row = outbox.Planned(
        dedupe_key="cafe:1:invite",
        kind="cafe.invite",
        recipient=LEAD,
        subject="SOL",
        due_at=clock.now(),
        ref_type="cafe",
        ref_id=1,
        event_day=date(2027, 3, 30),
        payload={"text": "☕ Småbørnscafé i Børnehuset Solsikken", "blocks": None},
    )
    async with db.write() as session:
        await outbox.insert_new(session, [row], clock.now())

    assert (await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()).sent == 1

    for code in ("SOL", "AK12"):
        assert await notices_about(db, code) == []


class DiesAfterPosting:
    """Slack's messenger in a process that dies right after its first post, before it records the row sent."""

    def __init__(self, fake_slack: FakeSlack) -> None:
        self.slack = messenger_for(fake_slack)
        self.died = False

    async def send(self, recipient: str, reply: Any, *, metadata: dict[str, Any] | None = None) -> str:
        ts = await self.slack.send(recipient, reply, metadata=metadata)
        if not self.died:
            self.died = True
            raise RuntimeError("the process died")
        return ts

    def __getattr__(self, name: str) -> Any:
        return getattr(self.slack, name)


async def test_a_nudge_posted_just_before_a_crash_is_audited_for_the_children_it_named(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Planned at 00:05 with Ali's own BM04; Mette leaves at 08:30 with Ali as substitute, so the 14:00 redraw names
    # AK12 too. The process dies after the post: recovery must audit what was posted, not what was planned.
    await load_roster(db, clock, datetime(2027, 3, 4, 0, 5), adjust=substitute_has_a_child)
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 4, 8, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")
    clock.set(NUDGE_TIME)
    dying = dispatcher_for(db, DiesAfterPosting(fake_slack), clock, refreshers=nudge_refreshers(db, clock, CPH))
    with pytest.raises(RuntimeError):
        await dying.dispatch_due()
    [post] = delivered(fake_slack)
    assert post.channel == SUBSTITUTE and "AK12" in post.text and "BM04" in post.text

    clock.advance(minutes=10)
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock, refreshers=nudge_refreshers(db, clock, CPH))
    assert await restarted.recover(everything=True) == 1

    assert details(await notices_about(db, "AK12")) == [{"kind": NUDGE, "recipient": SUBSTITUTE}]
    assert details(await notices_about(db, "BM04")) == [{"kind": NUDGE, "recipient": SUBSTITUTE}]
    assert len(delivered(fake_slack)) == 1


async def test_a_digest_posted_just_before_a_crash_is_audited_for_the_children_it_lists(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    clock.set(datetime(2027, 3, 5, 0, 5))  # Friday of week 9: planned as a placeholder, drawn at send time
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dying = dispatcher_for(db, DiesAfterPosting(fake_slack), clock, refreshers=digest_refreshers(db, clock, CPH))
    with pytest.raises(RuntimeError):
        await dying.dispatch_due()

    clock.advance(minutes=10)
    restarted = dispatcher_for(db, messenger_for(fake_slack), clock, refreshers=digest_refreshers(db, clock, CPH))
    assert await restarted.recover(everything=True) == 1

    assert details(await notices_about(db, "AK12")) == [{"kind": "digest.week", "recipient": LEAD}]


async def test_a_post_found_on_a_retry_is_audited_for_the_children_it_named_not_a_later_redraw(
    db: Database, clock: FakeClock
) -> None:
    # Ali's 14:00 nudge (BM04 only) reached Slack but the answer was a 500. By the retry Mette has left with Ali as
    # substitute, so a redraw would name AK12 too: the post found is the one that counts.
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    messenger = UnsureMessenger()
    send = Dispatcher(db, messenger, clock, refreshers=nudge_refreshers(db, clock, CPH))
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()
    clock.set(datetime(2027, 3, 4, 14, 1))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")
    clock.set(datetime(2027, 3, 4, 14, 5))

    assert (await send.dispatch_due()).sent == 1

    posted = [s for s in messenger.sent if s.recipient == SUBSTITUTE]
    assert len(posted) == 1 and "AK12" not in posted[0].reply.text
    assert details(await notices_about(db, "AK12")) == [{"kind": NUDGE, "recipient": PAEDAGOG}]
    assert details(await notices_about(db, "BM04")) == [{"kind": NUDGE, "recipient": SUBSTITUTE}]


class CheckFailsOnce(UnsureMessenger):
    """As UnsureMessenger, and Slack cannot answer the first look for an earlier post either."""

    check_failed = False

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        if not self.check_failed:
            self.check_failed = True
            raise DeliveryError("internal_error")
        return await super().find_sent(recipient, key, since, until)


async def test_a_nudge_cancelled_while_its_earlier_post_is_unconfirmed_is_not_brought_back(
    db: Database, clock: FakeClock
) -> None:
    # Ali's 14:00 nudge (BM04) reached Slack but the answer was a 500, and at 14:05 Slack could not say whether it
    # had it; he had rated BM04, so the row was cancelled. Brought back at 14:40 with AK12 in it, a look that then
    # found the 14:00 post would settle it as a message naming AK12, which no post to Ali did.
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    messenger = CheckFailsOnce()
    send = Dispatcher(db, messenger, clock, refreshers=nudge_refreshers(db, clock, CPH))
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()
    [goal] = (await goal_ids(db, "BM04")).values()
    clock.set(datetime(2027, 3, 4, 14, 2))
    await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:3", f"{goal}:2027-03-04:3")
    clock.set(datetime(2027, 3, 4, 14, 5))
    assert (await send.dispatch_due()).cancelled == 1
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    clock.set(datetime(2027, 3, 4, 14, 40))
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()

    assert len([s for s in messenger.sent if s.recipient == SUBSTITUTE]) == 1
    assert {"kind": NUDGE, "recipient": SUBSTITUTE} not in details(await notices_about(db, "AK12"))
    # The planner leaves that row alone, and does not count it as planned at every pass of the day.
    assert await plan_nudges(db, now=clock.now(), zone=CPH) == 0


async def test_a_nudge_cancelled_while_its_earlier_post_is_unconfirmed_is_audited_as_maybe_sent(
    db: Database, clock: FakeClock
) -> None:
    # Ali's 14:00 nudge (BM04) reached Slack but the answer was a 500; at 14:05 Slack cannot say whether it has it,
    # and he has rated BM04, so nothing is left to send. Ali may have read BM04's nudge: the log must say so.
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    messenger = CheckFailsOnce()
    send = Dispatcher(db, messenger, clock, refreshers=nudge_refreshers(db, clock, CPH))
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()
    [goal] = (await goal_ids(db, "BM04")).values()
    clock.set(datetime(2027, 3, 4, 14, 2))
    await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:3", f"{goal}:2027-03-04:3")
    clock.set(datetime(2027, 3, 4, 14, 5))

    assert (await send.dispatch_due()).cancelled == 1

    told_ali = [entry for entry in await entries_naming(db, "BM04", SUBSTITUTE) if entry[0] == "teambot"]
    assert told_ali == [("teambot", "notice.maybe_sent", {"kind": NUDGE, "recipient": SUBSTITUTE})]
    assert await entries_naming(db, "AK12", SUBSTITUTE) == []


async def test_reminders_missed_while_their_earlier_posts_are_unconfirmed_are_audited_as_maybe_sent(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Four hours before the meeting Slack answered 500 to each reminder (having posted them, or not); when they are
    # tried again the meeting has begun and Slack cannot say whether it has them. They are missed, but each person
    # may have read them.
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(hours=4))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=6)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 6

    clock.set(MEETING_DAY + timedelta(minutes=5))
    fake_slack.fail("conversations.history", status=500, times=6)
    assert (await dispatcher.dispatch_due()).missed == 6

    async with db.read() as session:
        rows = csv.DictReader(io.StringIO(await audit_csv(session, "AK12", CPH) or ""))
        maybe = [(r["actor"], json.loads(r["details"])) for r in rows if r["action"] == "notice.maybe_sent"]
    told_twice = (LEAD, LEAD, PAEDAGOG, PAEDAGOG, PSYKOLOG, PSYKOLOG)  # the reminders 7 days and 1 day before
    assert sorted(maybe, key=lambda entry: entry[1]["recipient"]) == [
        ("teambot", {"kind": REMINDER, "recipient": who}) for who in told_twice
    ]
    assert await notices_about(db, "AK12") == []


async def maybe_sent_about(db: Database, code: str) -> list[dict[str, str]]:
    async with db.read() as session:
        rows = csv.DictReader(io.StringIO(await audit_csv(session, code, CPH) or ""))
        return details(
            [(r["time"], r["actor"], json.loads(r["details"])) for r in rows if r["action"] == "notice.maybe_sent"]
        )


async def test_a_reminder_failed_after_posts_slack_may_have_made_is_audited_as_maybe_sent(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Every attempt at the three 7-day reminders reaches Slack, which posts it and answers 500; every look for an
    # earlier post fails too. The rows end failed, but each person may have the reminder (helper-71's review).
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=3 * MAX_ATTEMPTS)
    fake_slack.fail("conversations.history", status=500, times=3 * MAX_ATTEMPTS)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    failed = 0
    for _ in range(MAX_ATTEMPTS):
        failed += (await dispatcher.dispatch_due()).failed
        clock.advance(minutes=20)
    assert failed == 3
    assert await maybe_sent_about(db, "AK12") == told(LEAD, PAEDAGOG, PSYKOLOG)
    assert await notices_about(db, "AK12") == []


async def test_a_reminder_slack_refused_outright_is_not_maybe_sent_when_missed(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack answers HTTP 200 {"ok": false, "error": "invalid_auth"} (a revoked token): nothing was posted. Tried again
    # once the meeting has begun, the reminders are missed, and nobody can have read them (helper-71's review).
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(hours=4))
    fake_slack.fail("chat.postMessage", error="invalid_auth", times=6)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 6
    clock.set(MEETING_DAY + timedelta(minutes=5))
    fake_slack.fail("conversations.history", error="invalid_auth", times=6)
    assert (await dispatcher.dispatch_due()).missed == 6
    assert await maybe_sent_about(db, "AK12") == []


async def test_a_refusal_after_a_post_slack_may_have_made_does_not_post_it_twice(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The reminder reaches Slack, which posts it and answers 500; the look for it fails, and the next post is refused
    # outright. The refusal says nothing about the first post: the attempt after it still looks, finds it, and posts
    # nothing more.
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", status=500, posted=True, times=3)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 3
    clock.advance(minutes=20)
    fake_slack.fail("conversations.history", status=500, times=3)
    fake_slack.fail("chat.postMessage", error="invalid_auth", times=3)
    assert (await dispatcher.dispatch_due()).retried == 3
    clock.advance(minutes=20)
    assert (await dispatcher.dispatch_due()).sent == 3
    assert len(delivered(fake_slack)) == 3
    assert await notices_about(db, "AK12") != []


async def test_a_5xx_answer_with_any_error_is_looked_for_before_posting_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # A gateway's 502 carries no error Slack documents: the post may have been made all the same, so it is looked for.
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", status=502, error="bad_gateway", posted=True, times=3)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    assert (await dispatcher.dispatch_due()).retried == 3
    clock.advance(minutes=20)
    assert (await dispatcher.dispatch_due()).sent == 3
    assert len(delivered(fake_slack)) == 3


class ReplanningRunner(Runner):
    """The conftest Runner, with the re-planning the runtime hands every command (a move or cancellation replans the
    case's reminders)."""

    def context(self, user: str) -> Context:
        return Context(db=self.db, clock=self.clock, user_id=user, replan=self.replan)

    async def replan(self, case_id: int) -> None:
        await plan_case(self.db, case_id, now=self.clock.now(), zone=CPH)


async def seven_day_reminders_tried(db: Database, clock: FakeClock, fake_slack: FakeSlack, **failure: Any) -> None:
    """The three 7-day reminders are tried once and fail as `failure` says; the 1-day ones are not yet due."""
    await plan_small_roster(db, clock)
    clock.set(MEETING_DAY - timedelta(days=7, hours=6))
    fake_slack.fail("chat.postMessage", times=3, **failure)
    assert (await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()).retried == 3


async def cancelled_reminders(db: Database) -> list[str | None]:
    """The last errors of the reminders cancelled unsent, in due order."""
    return [r.last_error for r in await notifications(db, kind=REMINDER) if r.status == outbox.CANCELLED]


NEVER_TRIED: list[str | None] = [None, None, None]  # the 1-day reminders, never due before the change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param((LEAD, "/teambot flyt AK12 2027-04-06"), id="moved"),
        pytest.param((PAEDAGOG, "/teambot aflys AK12 barnet er syg"), id="cancelled"),
        pytest.param((PAEDAGOG, "/teambot forløb luk AK12"), id="case-closed"),
    ],
)
async def test_a_reminder_slack_may_have_posted_is_maybe_sent_when_its_meeting_changes(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, change: tuple[str, str]
) -> None:
    # The 7-day reminders reach Slack, which posts them and answers 500; before they are tried again (and looked for)
    # the meeting is moved, cancelled, or its case closed. They go unsent, but each person may have read the old one:
    # that is in AK12's audit log, and the rows are never brought back to be settled with a payload they never carried.
    await seven_day_reminders_tried(db, clock, fake_slack, status=500, posted=True)
    user, line = change
    await ReplanningRunner(db, clock)(user, line)
    assert await maybe_sent_about(db, "AK12") == told(LEAD, PAEDAGOG, PSYKOLOG)
    assert await notices_about(db, "AK12") == []
    assert await cancelled_reminders(db) == [outbox.CANCELLED_UNSURE] * 3 + NEVER_TRIED


async def test_a_reminder_slack_refused_is_not_maybe_sent_when_its_meeting_is_moved(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack refused the 7-day reminders outright (a revoked token): nothing was posted, and nobody can have read them.
    await seven_day_reminders_tried(db, clock, fake_slack, error="invalid_auth")
    await ReplanningRunner(db, clock)(LEAD, "/teambot flyt AK12 2027-04-06")
    assert await maybe_sent_about(db, "AK12") == []
    assert await cancelled_reminders(db) == ["refused: invalid_auth"] * 3 + NEVER_TRIED


LATE = datetime(2027, 3, 24, 9, 30)  # Wednesday before Easter, after the 1-day reminder of Tuesday 30 March


async def late_reminder_posted_unconfirmed(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> tuple[int, Notification]:
    """AK12 is planned at 09:30 on 24 March, too late for every reminder of its meeting on 30 March: its last reminder
    goes out at once. Slack posts the first of the three (stamped 09:30) and answers 500. AK12's id, and that row."""
    fake_slack.clock = clock.now  # a look from a later moment does not see the 09:30 post, as in Slack
    clock.set(LATE)
    ident = await plan_small_roster(db, clock, start_meeting=date(2027, 2, 12))
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    stats = await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()
    assert (stats.sent, stats.retried) == (2, 1)
    [unsure] = [r for r in await notifications(db, kind=REMINDER) if r.status == outbox.PENDING]
    assert deliveries_per_key(fake_slack)[unsure.dedupe_key] == 1
    return ident, unsure


async def test_a_reminder_slack_may_have_posted_keeps_its_time_and_text_until_the_look_settles_it(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The planner's pass at 09:40 plans the late reminder for "now" again. Had the row taken 09:40 as its time, the
    # look before the retry (from 5 minutes before it) would miss the 09:30 post, and the reminder would go twice.
    ident, unsure = await late_reminder_posted_unconfirmed(db, clock, fake_slack)
    clock.set(LATE + timedelta(minutes=10))
    await plan_case(db, ident, now=clock.now(), zone=CPH)

    clock.advance(minutes=1)
    assert (await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()).sent == 1

    assert deliveries_per_key(fake_slack)[unsure.dedupe_key] == 1
    assert {r.status for r in await notifications(db, kind=REMINDER)} == {outbox.SENT}
    assert details(await notices_about(db, "AK12")) == told(LEAD, PAEDAGOG, PSYKOLOG)
    assert await maybe_sent_about(db, "AK12") == []


async def test_a_reminder_slack_may_have_posted_wanted_again_after_a_move_and_back_is_looked_for_not_posted_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The meeting is moved away at 09:35 (the unsure reminder is cancelled: maybe sent) and back at 09:40, to the same
    # day and time: the reminder's key is wanted again. It comes back as it was: looked for first, found, sent once.
    _, unsure = await late_reminder_posted_unconfirmed(db, clock, fake_slack)
    run = ReplanningRunner(db, clock)
    clock.set(LATE + timedelta(minutes=5))
    await run(LEAD, "/teambot flyt AK12 2027-04-06")
    assert await maybe_sent_about(db, "AK12") == told(unsure.recipient)
    clock.set(LATE + timedelta(minutes=10))
    await run(LEAD, "/teambot flyt AK12 2027-03-30")

    clock.advance(minutes=1)
    await dispatcher_for(db, messenger_for(fake_slack), clock).dispatch_due()

    assert deliveries_per_key(fake_slack)[unsure.dedupe_key] == 1
    [row] = [r for r in await notifications(db, kind=REMINDER) if r.dedupe_key == unsure.dedupe_key]
    assert row.status == outbox.SENT
    reminded = [d for d in details(await notices_about(db, "AK12")) if d["kind"] == REMINDER]
    assert reminded == told(LEAD, PAEDAGOG, PSYKOLOG)  # beside the two moves' notices
    assert await maybe_sent_about(db, "AK12") == told(unsure.recipient)  # once, when it was cancelled

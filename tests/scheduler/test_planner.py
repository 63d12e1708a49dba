"""The planner fills the outbox: the series every N weeks, reminders at 08:00 local on working days, routed."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

import teambot.scheduler.planner
from teambot.commands import Context, run_command
from teambot.scheduler.planner import plan_all, plan_case
from teambot.scheduler.runtime import BotScheduler
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store.db import Database
from teambot.store.models import Case, Meeting, Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import until_waiting_for_locks
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG, SUBSTITUTE, load_small_roster

CPH = COPENHAGEN


async def _case_id(db: Database) -> int:
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
        assert case.id is not None
        return case.id


async def _meetings(db: Database) -> list[Meeting]:
    async with db.read() as session:
        return list((await session.exec(select(Meeting).order_by(col(Meeting.seq)))).all())


async def _pending(db: Database) -> list[Notification]:
    async with db.read() as session:
        rows = await session.exec(
            select(Notification).where(Notification.status == "pending").order_by(col(Notification.due_at))
        )
        return list(rows.all())


async def _reminders(db: Database) -> list[Notification]:
    """The pending meeting reminders (a pass by `plan_all` queues rating nudges and digests too)."""
    return [row for row in await _pending(db) if row.kind == "meeting.reminder"]


async def _notices(db: Database, kind: str) -> list[Notification]:
    """Every row of `kind`, whatever its status."""
    async with db.read() as session:
        rows = await session.exec(select(Notification).where(Notification.kind == kind).order_by(col(Notification.id)))
        return list(rows.all())


async def test_first_meeting_six_weeks_after_start_with_reminders_for_every_participant(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)

    [meeting] = await _meetings(db)
    assert (meeting.day, meeting.start, meeting.status) == (date(2027, 3, 30), "14:00", "planned")
    rows = await _pending(db)
    # 7 days before (Tue 23 March) and 1 day before: Monday 29 March is 2. påskedag, so Wednesday 24 March.
    by_day: dict[datetime, set[str]] = {}
    for row in rows:
        by_day.setdefault(row.due_at, set()).add(row.recipient)
        assert row.kind == "meeting.reminder" and row.subject == "AK12" and row.event_day == date(2027, 3, 30)
    assert by_day == {
        datetime(2027, 3, 23, 7, 0, tzinfo=UTC): {PAEDAGOG, PSYKOLOG, LEAD},
        datetime(2027, 3, 24, 7, 0, tzinfo=UTC): {PAEDAGOG, PSYKOLOG, LEAD},
    }
    text = next(r for r in rows if r.recipient == PAEDAGOG).payload["text"]
    assert "📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00 (Børnehuset Solsikken)" in text
    assert "Deltagere: Mette Jensen (pædagog), Peter Friis (psykolog), Karsten Bro (leder)" in text
    assert "Du får denne besked, fordi du er pædagog for AK12." in text


async def test_planning_again_or_twice_at_once_creates_nothing_new(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    case_id = await _case_id(db)
    await asyncio.gather(
        plan_case(db, case_id, now=clock.now(), zone=CPH), plan_case(db, case_id, now=clock.now(), zone=CPH)
    )
    await plan_all(db, now=clock.now(), zone=CPH)
    assert len(await _meetings(db)) == 1
    async with db.read() as session:
        rows = (await session.exec(select(Notification))).all()
    keys = [n.dedupe_key for n in rows if n.kind == "meeting.reminder"]
    assert len(keys) == 6 == len(set(keys))
    assert len(rows) == len({n.dedupe_key for n in rows})


async def test_reminders_follow_summer_time(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 4, 1, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 4, 1))
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert meeting.day == date(2027, 5, 13)
    dues = sorted({r.due_at for r in await _pending(db)})
    assert [d.astimezone(CPH).hour for d in dues] == [8, 8]
    assert [d.hour for d in dues] == [6, 6]  # 06:00 UTC in summer


async def test_series_continues_from_the_last_meeting_across_a_year_with_week_53(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 9, 1, 12, 0))
    await load_small_roster(
        db,
        now=clock.now(),
        start_meeting=date(2026, 9, 1),
        closing_days=["2027-07-12..2027-07-30"],
        municipality_closing=["2026-12-28..2026-12-31"],
    )
    case_id = await _case_id(db)
    day = date(2026, 9, 1)
    while day <= date(2027, 12, 31):
        clock.set(datetime(day.year, day.month, day.day, 0, 5))
        await plan_case(db, case_id, now=clock.now(), zone=CPH)
        day += timedelta(days=7)
    meetings = await _meetings(db)
    days = [m.day for m in meetings]
    assert days[:5] == [date(2026, 10, 13), date(2026, 11, 24), date(2027, 1, 5), date(2027, 2, 16), date(2027, 3, 30)]
    for earlier, later in zip(days, days[1:], strict=False):
        assert timedelta(weeks=6) <= later - earlier <= timedelta(weeks=9)
        assert later.weekday() < 5
    assert not any(date(2027, 7, 12) <= d <= date(2027, 7, 30) for d in days)
    assert all(m.status == "held" for m in meetings[:-1])


async def test_interval_per_case_overrides_the_municipality(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now(), interval_weeks=8, municipality={"meeting_time": "09:30"})
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert (meeting.day, meeting.start) == (date(2027, 4, 8), "09:30")


async def test_absent_pedagogue_is_replaced_by_the_substitute(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(
        db, now=clock.now(), absences=[{"from": "2027-03-20", "to": "2027-04-02", "substitute": SUBSTITUTE}]
    )
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    rows = await _pending(db)
    assert {r.recipient for r in rows} == {SUBSTITUTE, PSYKOLOG, LEAD}
    text = next(r for r in rows if r.recipient == SUBSTITUTE).payload["text"]
    assert "Ali Hassan (pædagog, for Mette Jensen)" in text
    assert "fordi du er stedfortræder for Mette Jensen (pædagog for AK12)" in text


async def test_closing_a_case_cancels_its_pending_reminders(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    case_id = await _case_id(db)
    await plan_case(db, case_id, now=clock.now(), zone=CPH)
    async with db.write() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        case.status = "closed"
    await plan_case(db, case_id, now=clock.now(), zone=CPH)
    assert await _pending(db) == []


async def test_planned_too_late_for_every_reminder_the_last_one_goes_out_next_working_morning(
    db: Database, clock: FakeClock
) -> None:
    # Langfredag, four days before a meeting on the Tuesday after Easter: the 7-day reminder (23 March) and
    # the 1-day reminder (moved back over Easter to 24 March) have both passed. The holidays keep it until
    # the meeting day's morning, 08:00 summer time.
    clock.set(datetime(2027, 3, 26, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 16))
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert meeting.day == date(2027, 3, 30)
    rows = await _pending(db)
    assert {r.due_at for r in rows} == {datetime(2027, 3, 30, 6, 0, tzinfo=UTC)}
    assert {r.recipient for r in rows} == {PAEDAGOG, PSYKOLOG, LEAD}
    # Planning again later does not add a second reminder.
    clock.advance(hours=1)
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    async with db.read() as session:
        assert len((await session.exec(select(Notification))).all()) == 3


async def test_planned_too_late_on_a_working_day_the_reminder_goes_out_at_once(db: Database, clock: FakeClock) -> None:
    # Wednesday before Easter, 09:30: the 1-day reminder moved back to 08:00 today and has just passed.
    clock.set(datetime(2027, 3, 24, 9, 30))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 12))
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert meeting.day == date(2027, 3, 30)  # 26 March is Langfredag: the Tuesday after Easter
    assert {r.due_at for r in await _pending(db)} == {clock.now()}


async def test_a_reminder_that_came_due_while_the_bot_was_down_still_goes_out_at_the_restart(
    db: Database, clock: FakeClock
) -> None:
    """The bot is down across 08:00 on Tuesday 23 March, when the 7-day reminder is due. A restart plans before it
    delivers: the pass must keep the queued reminder (it cancelled it, and nobody heard of the meeting a week ahead)."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 23, 8, 5))
    messenger = RecordingMessenger()
    scheduler = BotScheduler(db, messenger, clock, CPH)
    await scheduler.start()  # recover, plan, deliver what is due
    await scheduler.stop()
    reminded = [to for to, reply, _ in messenger.sent if "Statusmøde for AK12 tirsdag 30. marts 2027" in reply.text]
    assert sorted(reminded) == sorted([PAEDAGOG, PSYKOLOG, LEAD])
    # The 1-day reminder is still to come, once.
    assert {(r.due_at, r.recipient) for r in await _reminders(db)} == {
        (datetime(2027, 3, 24, 7, 0, tzinfo=UTC), who) for who in (PAEDAGOG, PSYKOLOG, LEAD)
    }


async def test_a_pass_while_due_reminders_wait_for_delivery_or_a_retry_keeps_them(
    db: Database, clock: FakeClock
) -> None:
    """The planner's pass at 08:00:20 falls among the 08:00 reminders: those not yet delivered (a large municipality's
    queue, or a post Slack refused for now) stay queued, at their time."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    due = datetime(2027, 3, 23, 7, 0, tzinfo=UTC)
    async with db.write() as session:
        one = (await session.exec(select(Notification).where(Notification.due_at == due))).first()
        assert one is not None
        one.attempts, one.next_attempt_at = 1, due + timedelta(seconds=30)  # Slack answered 429
    clock.set(datetime(2027, 3, 23, 8, 0, 20))
    await plan_all(db, now=clock.now(), zone=CPH)
    assert [r.due_at for r in await _reminders(db)] == [due] * 3 + [datetime(2027, 3, 24, 7, 0, tzinfo=UTC)] * 3


async def test_a_reminder_due_before_the_last_one_that_passed_too_is_not_sent_late(
    db: Database, clock: FakeClock
) -> None:
    """Down from before the 7-day reminder until after the 1-day one: only the 1-day reminder goes out, once."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 24, 9, 0))
    await plan_all(db, now=clock.now(), zone=CPH)
    rows = await _reminders(db)
    assert {r.recipient for r in rows} == {PAEDAGOG, PSYKOLOG, LEAD}
    assert len(rows) == 3 and all(":r1:" in r.dedupe_key for r in rows)


async def test_reminders_that_fall_back_to_the_same_working_day_go_out_once(db: Database, clock: FakeClock) -> None:
    """A meeting pushed past a summer closure to Monday 2 August: 7 days before and 1 day before both fall back to
    Friday 9 July, the last working day before the closure. Each participant gets one reminder, not the same one
    twice in the same minute."""
    clock.set(datetime(2027, 6, 7, 12, 0))
    await load_small_roster(
        db, now=clock.now(), start_meeting=date(2027, 6, 7), closing_days=["2027-07-12..2027-07-30"]
    )
    await plan_case(db, await _case_id(db), now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert meeting.day == date(2027, 8, 2)
    rows = await _pending(db)
    assert sorted(r.recipient for r in rows) == sorted([PAEDAGOG, PSYKOLOG, LEAD])
    assert {r.due_at for r in rows} == {datetime(2027, 7, 9, 6, 0, tzinfo=UTC)}


async def test_a_closing_period_announced_after_planning_moves_the_meeting_and_its_reminders(
    db: Database, clock: FakeClock
) -> None:
    """The institution closes 30 March – 2 April, announced (a roster import) after the meeting on 30 March was
    planned: the meeting goes to the first working day after, and the reminders with it; nobody is invited to a
    closed house."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    async with db.write() as session:  # two had confirmed the 30th
        [planned] = (await session.exec(select(Meeting))).all()
        planned.confirmed_by = [1, 2]
    clock.set(datetime(2027, 3, 1, 12, 0))
    await load_small_roster(db, now=clock.now(), closing_days=["2027-03-30..2027-04-02"])
    await plan_all(db, now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert (meeting.day, meeting.status) == (date(2027, 4, 5), "planned")
    assert meeting.confirmed_by == []  # nobody has confirmed the new date
    # 7 days before, Monday 29 March (2. påskedag), falls back to Wednesday 24 March; 1 day before, Sunday 4 April,
    # falls back over the closure and Easter to the same Wednesday: one reminder each, that day.
    rows = await _reminders(db)
    assert sorted(r.recipient for r in rows) == sorted([PAEDAGOG, PSYKOLOG, LEAD])
    assert {r.due_at for r in rows} == {datetime(2027, 3, 24, 7, 0, tzinfo=UTC)}
    assert all("mandag 5. april 2027" in r.payload["text"] for r in rows)
    # Told now, as a person's move would be: the reminder alone, three weeks on, would only show the new date.
    notices = await _notices(db, "meeting.moved")
    assert sorted(r.recipient for r in notices) == sorted([PAEDAGOG, PSYKOLOG, LEAD])
    assert {r.due_at for r in notices} == {clock.now()}
    assert {r.payload["text"].splitlines()[0] for r in notices} == {
        "🔁 Statusmødet for AK12 er flyttet fra tirsdag 30. marts 2027 til mandag 5. april 2027 kl. 14.00: "
        "tirsdag 30. marts 2027 er blevet lukkedag i institutionen."
    }
    clock.advance(hours=1)
    await plan_all(db, now=clock.now(), zone=CPH)
    assert len(await _notices(db, "meeting.moved")) == 3  # once per move, however many passes


async def test_a_meeting_already_begun_today_stays_on_a_day_that_becomes_a_closing_day(
    db: Database, clock: FakeClock
) -> None:
    """An import at 17:00 makes today a closing day: the 14:00 meeting was held, not moved to tomorrow."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 30, 17, 0))
    await load_small_roster(db, now=clock.now(), closing_days=["2027-03-30"])
    await plan_all(db, now=clock.now(), zone=CPH)
    meetings = await _meetings(db)
    assert meetings[0].day == date(2027, 3, 30)
    assert await _notices(db, "meeting.moved") == []
    clock.set(datetime(2027, 3, 31, 9, 0))
    await plan_all(db, now=clock.now(), zone=CPH)
    assert (await _meetings(db))[0].status == "held"


async def test_a_person_s_move_during_a_pass_that_moves_the_meeting_off_a_closing_day_wins(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mette moves the meeting while a pass moves it off a new closing day: one comes after the other (the case's
    row is locked), so her day stands and hers is the notice people get; the pass did not write over it."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 1, 12, 0))
    await load_small_roster(db, now=clock.now(), closing_days=["2027-03-30"])
    moving: list[asyncio.Task[Any]] = []
    real = teambot.scheduler.planner.queries.work_calendars

    async def calendars_while_a_person_moves(session: Any, ids: Any) -> Any:
        # The pass has read the meetings; the person's move starts now, in its own transaction.
        if not moving:
            context = Context(db=db, clock=clock, user_id=PAEDAGOG)
            moving.append(asyncio.create_task(run_command(context, "/teambot", "flyt AK12 2027-03-18")))
            if not db.is_sqlite:  # SQLite: the move waits for the pass's write turn, whenever it gets there
                await until_waiting_for_locks(db, or_done=moving[0])  # for the case's row, or it has moved it
        return await real(session, ids)

    monkeypatch.setattr(teambot.scheduler.planner.queries, "work_calendars", calendars_while_a_person_moves)
    await plan_all(db, now=clock.now(), zone=CPH)
    reply = await moving[0]
    assert "18. marts 2027" in reply.text
    monkeypatch.undo()
    [meeting] = await _meetings(db)
    assert (meeting.day, meeting.status) == (date(2027, 3, 18), "moved")
    pending = [row for row in await _notices(db, "meeting.moved") if row.status == "pending"]
    assert pending and all("til torsdag 18. marts 2027" in row.payload["text"] for row in pending)


async def test_a_meeting_moved_off_a_closing_day_twice_tells_only_the_last_move(db: Database, clock: FakeClock) -> None:
    """A second closure announced before the first notice went out: the first notice names a day that no longer
    holds, so only the last move is told."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now())
    await plan_all(db, now=clock.now(), zone=CPH)
    await load_small_roster(db, now=clock.now(), closing_days=["2027-03-30"])
    await plan_all(db, now=clock.now(), zone=CPH)
    await load_small_roster(db, now=clock.now(), closing_days=["2027-03-30..2027-03-31"])
    await plan_all(db, now=clock.now(), zone=CPH)
    [meeting] = await _meetings(db)
    assert meeting.day == date(2027, 4, 1)
    notices = await _notices(db, "meeting.moved")
    pending = [r for r in notices if r.status == "pending"]
    assert sorted(r.recipient for r in pending) == sorted([PAEDAGOG, PSYKOLOG, LEAD])
    assert all("fra onsdag 31. marts 2027 til torsdag 1. april 2027" in r.payload["text"] for r in pending)
    assert {r.status for r in notices if r not in pending} == {"cancelled"}

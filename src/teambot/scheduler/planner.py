"""The planner fills the outbox ahead of time. Running it again, or in two processes, changes nothing.

Status meetings: each active case keeps its series materialised up to the next meeting ahead; passed
meetings count as held unless cancelled; reminders go to the routed participants at the configured local
time on working days.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import as_payload, meeting_reminder
from teambot.domain.calendar import WorkCalendar
from teambot.domain.meetings import (
    DEFAULT_INTERVAL_WEEKS,
    late_reminder_instant,
    local_instant,
    meeting_after,
    parse_hhmm,
    reminder_day,
)
from teambot.scheduler.digest import plan_digests
from teambot.scheduler.nudges import plan_nudges
from teambot.scheduler.visits import plan_visits_and_cafes
from teambot.store import outbox, queries
from teambot.store.db import Database
from teambot.store.models import Case, Meeting, Municipality

log = logging.getLogger(__name__)

REMINDER = "meeting.reminder"
MEETING_KINDS = (REMINDER,)
PASSED, CANCELLED_MEETING = "held", "cancelled"


def interval_of(case: Case, municipality: Municipality) -> int:
    return case.meeting_interval_weeks or municipality.meeting_interval_weeks or DEFAULT_INTERVAL_WEEKS


async def plan_all(db: Database, *, now: datetime, zone: ZoneInfo) -> int:
    """Plan every case and today's rating nudges; returns the number of cases planned.

    One transaction per case keeps locks short."""
    async with db.read() as session:
        case_ids = list((await session.exec(select(Case.id).order_by(col(Case.id)))).all())
    for case_id in case_ids:
        if case_id is not None:
            await plan_case(db, case_id, now=now, zone=zone)
    await plan_nudges(db, now=now, zone=zone)
    await plan_visits_and_cafes(db, now=now, zone=zone)
    await plan_digests(db, now=now, zone=zone)
    return len(case_ids)


async def plan_case(db: Database, case_id: int, *, now: datetime, zone: ZoneInfo) -> None:
    async with db.write() as session:
        # Lock the case row (PostgreSQL) so two planners never extend the same series at once; SQLite's
        # write transaction already serialises them.
        case = (await session.exec(select(Case).where(Case.id == case_id).with_for_update())).first()
        if case is None:
            return
        municipality = await queries.municipality(session)
        calendar = await queries.work_calendar(session, case.institution_id)
        meetings = list(
            (await session.exec(select(Meeting).where(Meeting.case_id == case_id).order_by(col(Meeting.seq)))).all()
        )
        if case.status != "active" or case.start_meeting is None:
            for meeting in meetings:
                assert meeting.id is not None
                await outbox.cancel_pending(session, ref_type="meeting", ref_id=meeting.id, kinds=MEETING_KINDS)
            return
        for meeting in meetings:
            if meeting.status == CANCELLED_MEETING and meeting.id is not None:
                await outbox.cancel_pending(session, ref_type="meeting", ref_id=meeting.id, kinds=MEETING_KINDS)
        today = now.astimezone(zone).date()
        upcoming = await _extend_series(session, case, meetings, municipality, calendar, today)
        await _plan_reminders(session, case, upcoming, municipality, calendar, now=now, zone=zone)


async def _extend_series(
    session: AsyncSession,
    case: Case,
    meetings: list[Meeting],
    municipality: Municipality,
    calendar: WorkCalendar,
    today: date,
) -> Meeting:
    """Mark passed meetings held and add meetings until one that is not cancelled lies ahead (today counts)."""
    assert case.id is not None and case.start_meeting is not None
    interval = interval_of(case, municipality)
    start = municipality.meeting_time or "14:00"
    for meeting in meetings:
        if meeting.day < today and meeting.status in {"planned", "moved"}:
            meeting.status = PASSED
    # A cancelled meeting keeps the rhythm: the series goes on N weeks after its date.
    while not meetings or meetings[-1].day < today or meetings[-1].status == CANCELLED_MEETING:
        anchor = meetings[-1].day if meetings else case.start_meeting
        day = meeting_after(anchor, interval, calendar)
        status = "planned" if day >= today else PASSED
        meeting = Meeting(case_id=case.id, seq=len(meetings) + 1, planned_day=day, day=day, start=start, status=status)
        session.add(meeting)
        meetings.append(meeting)
    await session.flush()
    return meetings[-1]


async def _plan_reminders(
    session: AsyncSession,
    case: Case,
    meeting: Meeting,
    municipality: Municipality,
    calendar: WorkCalendar,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    assert meeting.id is not None
    planned: list[outbox.Planned] = []
    if meeting.status != CANCELLED_MEETING:
        facts = await queries.meeting_facts(session, case, meeting)
        remind_at = parse_hhmm(municipality.reminder_time or "08:00")
        event_at = local_instant(meeting.day, parse_hhmm(meeting.start), zone)
        offsets = sorted(set(municipality.reminder_days or [7, 1]), reverse=True)
        dues = {d: local_instant(reminder_day(meeting.day, d, calendar), remind_at, zone) for d in offsets}
        if event_at > now and offsets and all(due < now for due in dues.values()):
            # Planned too late for every reminder (a case added or a meeting moved close to the date): the
            # last reminder goes out at the next decent moment before the meeting, if there is one. Its key
            # is the usual one, so a reminder already sent is not sent again.
            late = late_reminder_instant(now, calendar, remind_at, zone)
            dues = {offsets[-1]: late} if late < event_at else {}
        for days_before, due in dues.items():
            if due < now:
                continue  # that reminder's moment has passed; a later one still comes
            for delivery in facts.deliveries:
                reply = meeting_reminder(facts, delivery, days_before)
                planned.append(
                    outbox.Planned(
                        dedupe_key=(
                            f"meeting:{meeting.id}:{meeting.day.isoformat()}:{meeting.start}:"
                            f"r{days_before}:{delivery.recipient.slack_id}"
                        ),
                        kind=REMINDER,
                        recipient=delivery.recipient.slack_id,
                        subject=case.code,
                        due_at=due,
                        ref_type="meeting",
                        ref_id=meeting.id,
                        event_day=meeting.day,
                        institution_id=case.institution_id,
                        payload=as_payload(reply, event_at=event_at.isoformat()),
                    )
                )
    await outbox.sync(session, ref_type="meeting", ref_id=meeting.id, kinds=MEETING_KINDS, planned=planned, now=now)

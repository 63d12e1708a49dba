"""The planner fills the outbox ahead of time. Running it again, or in two processes, changes nothing.

Status meetings: each active case keeps its series materialised up to the next meeting ahead; passed
meetings count as held unless cancelled; reminders go to the routed participants at the configured local
time on working days.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import (
    MEETING_MOVED,
    as_payload,
    meeting_moved_off_closed_day,
    meeting_reminder,
    meeting_row,
)
from teambot.domain.calendar import WorkCalendar
from teambot.domain.meetings import (
    MeetingFacts,
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
from teambot.store.revisions import revise

log = logging.getLogger(__name__)

REMINDER = "meeting.reminder"
MEETING_KINDS = (REMINDER,)
PASSED, CANCELLED_MEETING = "held", "cancelled"
# Cases per transaction in a full pass. Per-case cost is the same from 100 to 250 (a chunk costs a dozen
# queries); 100 keeps a chunk's write lock, which commands wait for on SQLite, to ~0.2 s at M.
CHUNK_CASES = 100


async def plan_all(db: Database, *, now: datetime, zone: ZoneInfo, chunk: int = CHUNK_CASES) -> int:
    """Plan every case and today's rating nudges; returns the number of cases planned.

    Cases are planned in chunks of `chunk` by id, one transaction per chunk: a handful of queries per chunk
    instead of a dozen per case, short enough locks, and memory bounded by the chunk, whatever the size."""
    count, after = 0, 0
    while True:
        async with db.write() as session:
            # The chunk's case rows are locked (PostgreSQL): a second planner, or a command re-planning one of
            # them, waits and then sees the meetings this one added, so no series is extended twice.
            cases = await queries.cases_to_plan(session, after=after, limit=chunk)
            await _plan_cases(session, cases, now=now, zone=zone)
        count += len(cases)
        if len(cases) < chunk or cases[-1].id is None:
            break
        after = cases[-1].id
    await plan_nudges(db, now=now, zone=zone)
    await plan_visits_and_cafes(db, now=now, zone=zone)
    await plan_digests(db, now=now, zone=zone)
    return count


async def plan_case(db: Database, case_id: int, *, now: datetime, zone: ZoneInfo) -> None:
    await plan_cases(db, [case_id], now=now, zone=zone)


async def plan_cases(db: Database, case_ids: Sequence[int], *, now: datetime, zone: ZoneInfo) -> None:
    """Plan the given cases in one transaction (keep them to a chunk's worth)."""
    async with db.write() as session:
        await _plan_cases(session, await queries.cases_locked(session, case_ids), now=now, zone=zone)


async def _plan_cases(session: AsyncSession, cases: Sequence[Case], *, now: datetime, zone: ZoneInfo) -> None:
    """Plan locked cases: extend each active series, then bring its next meeting's reminders up to date."""
    if not cases:
        return
    municipality = await queries.municipality(session)
    meetings_of = await queries.meetings_of_cases(session, [c.id for c in cases if c.id is not None])
    stopped: list[int] = []  # meetings whose pending reminders go: of inactive cases, and cancelled ones
    active: list[Case] = []
    for case in cases:
        meetings = meetings_of.get(case.id or 0, [])
        if case.status != "active" or case.start_meeting is None:
            stopped += [m.id for m in meetings if m.id is not None]
            continue
        stopped += [m.id for m in meetings if m.status == CANCELLED_MEETING and m.id is not None]
        active.append(case)
    await outbox.cancel_pending_many(session, ref_type="meeting", ref_ids=stopped, kinds=MEETING_KINDS, now=now)
    if not active:
        return
    calendars = await queries.work_calendars(session, {c.institution_id for c in active})
    moved: dict[int, date] = {}  # meetings moved off a day that has become a closing day: their old day
    upcoming = [
        (
            case,
            _extend_series(
                session,
                case,
                meetings_of.get(case.id or 0, []),
                municipality,
                calendars[case.institution_id],
                now.astimezone(zone),
                moved,
            ),
        )
        for case in active
    ]
    await session.flush()  # the new meetings get their ids
    facts = await queries.meeting_facts_of(
        session, [(case, meeting) for case, meeting in upcoming if meeting.status != CANCELLED_MEETING]
    )
    planned: dict[int, list[outbox.Planned]] = {}
    for case, meeting in upcoming:
        assert meeting.id is not None
        planned[meeting.id] = _reminders(
            case, meeting, facts.get(meeting.id), municipality, calendars[case.institution_id], now=now, zone=zone
        )
    await outbox.sync_many(session, ref_type="meeting", kinds=MEETING_KINDS, planned=planned, now=now)
    await _tell_moved(session, upcoming, facts, moved, now=now)


async def _tell_moved(
    session: AsyncSession,
    upcoming: list[tuple[Case, Meeting]],
    facts: dict[int, MeetingFacts],
    moved: dict[int, date],
    *,
    now: datetime,
) -> None:
    """Tell the participants of a meeting the pass moved off a new closing day, as a person's move would: the
    reminders alone would only show the new date. One notice per move (the key holds the new day)."""
    notices: list[outbox.Planned] = []
    told: list[int] = []
    for case, meeting in upcoming:
        meeting_facts = facts.get(meeting.id or 0)
        if meeting.id not in moved or meeting_facts is None:
            continue
        told.append(meeting.id)
        for delivery in meeting_facts.deliveries:
            reply = meeting_moved_off_closed_day(meeting_facts, delivery, old_day=moved[meeting.id])
            notices.append(
                meeting_row(
                    meeting_facts,
                    delivery,
                    # The kind a person's move has: a later move or cancellation replaces it.
                    kind=MEETING_MOVED,
                    key=f"meeting:{meeting.id}:{MEETING_MOVED}:{meeting.day}:closing:{delivery.recipient.slack_id}",
                    due_at=now,
                    institution_id=case.institution_id,
                    payload=as_payload(reply),
                )
            )
    # A notice of an earlier move still waiting says a day that no longer holds.
    await outbox.cancel_pending_many(session, ref_type="meeting", ref_ids=told, kinds=(MEETING_MOVED,), now=now)
    await outbox.insert_new(session, notices, now)


def _extend_series(
    session: AsyncSession,
    case: Case,
    meetings: list[Meeting],
    municipality: Municipality,
    calendar: WorkCalendar,
    local_now: datetime,
    moved: dict[int, date],
) -> Meeting:
    """Mark passed meetings held and add meetings until one that is not cancelled lies ahead (today counts); a
    planned meeting moved off a new closing day goes into `moved` with its old day.

    The new meetings are added to the session; the caller flushes."""
    assert case.id is not None and case.start_meeting is not None
    today = local_now.date()
    interval = queries.interval_of(case, municipality)
    start = municipality.meeting_time or "14:00"
    for meeting in meetings:
        if meeting.day < today and meeting.status in {"planned", "moved"}:
            meeting.status = PASSED
        elif (
            meeting.status == "planned"
            and not calendar.is_working_day(meeting.day)
            and (meeting.day > today or parse_hhmm(meeting.start) > local_now.time())
        ):
            # Closing days announced after the meeting was planned (a roster import): it goes to the first working
            # day after, as it would have been planned; its reminders follow (their key holds the day), and the
            # confirmations of the old day go. A day a person chose (`moved`) stays theirs, and a meeting that has
            # begun today was held.
            if meeting.id is not None:
                moved[meeting.id] = meeting.day
            meeting.day, meeting.confirmed_by = calendar.next_working_day(meeting.day), []
            revise(meeting, local_now)
    # A cancelled meeting keeps the rhythm: the series goes on N weeks after its date.
    while not meetings or meetings[-1].day < today or meetings[-1].status == CANCELLED_MEETING:
        anchor = meetings[-1].day if meetings else case.start_meeting
        day = meeting_after(anchor, interval, calendar)
        status = "planned" if day >= today else PASSED
        # Every field given: pydantic's default for `confirmed_by` inspects `list` and cost ~1 ms a meeting.
        meeting = Meeting(
            id=None,
            case_id=case.id,
            seq=len(meetings) + 1,
            planned_day=day,
            day=day,
            start=start,
            status=status,
            cancel_reason=None,
            confirmed_by=[],
            revision=0,
            changed_at=None,
        )
        session.add(meeting)
        meetings.append(meeting)
    return meetings[-1]


def _reminders(
    case: Case,
    meeting: Meeting,
    facts: MeetingFacts | None,
    municipality: Municipality,
    calendar: WorkCalendar,
    *,
    now: datetime,
    zone: ZoneInfo,
) -> list[outbox.Planned]:
    """The reminder rows the meeting should have (none for a cancelled meeting)."""
    assert meeting.id is not None
    planned: list[outbox.Planned] = []
    if meeting.status != CANCELLED_MEETING and facts is not None:
        remind_at = parse_hhmm(municipality.reminder_time or "08:00")
        event_at = local_instant(meeting.day, parse_hhmm(meeting.start), zone)
        offsets = sorted(set(municipality.reminder_days or [7, 1]), reverse=True)
        dues: dict[int, datetime] = {}
        for days_before in offsets:
            due = local_instant(reminder_day(meeting.day, days_before, calendar), remind_at, zone)
            # Two offsets that fall back to one working day (a closure before the meeting) would send the same
            # reminder twice in the same minute: the earlier offset's key carries it.
            if due not in dues.values():
                dues[days_before] = due
        if event_at > now and dues and all(due < now for due in dues.values()):
            # Planned too late for every reminder (a case added or a meeting moved close to the date): the
            # last reminder goes out at the next decent moment before the meeting, if there is one. Its key
            # is the usual one, so a reminder already sent is not sent again.
            late = late_reminder_instant(now, calendar, remind_at, zone)
            dues = {min(dues): late} if late < event_at else {}
        # The latest reminder whose moment has passed is kept if it is queued and not yet delivered (the bot was
        # down at its time, Slack asked for a retry, the dispatcher has not reached it): a pass cancelled it.
        # One still earlier is not sent late: the later one that passed too says the same.
        passed = [days_before for days_before, due in dues.items() if due < now]
        for days_before, due in dues.items():
            if due < now and days_before != min(passed):
                continue
            for delivery in facts.deliveries:
                reply = meeting_reminder(facts, delivery, days_before)
                planned.append(
                    meeting_row(
                        facts,
                        delivery,
                        kind=REMINDER,
                        key=(
                            f"meeting:{meeting.id}:{meeting.day.isoformat()}:{meeting.start}:"
                            f"r{days_before}:{delivery.recipient.slack_id}"
                        ),
                        due_at=due,
                        institution_id=case.institution_id,
                        payload=as_payload(reply, event_at=event_at.isoformat()),
                        queued_only=due < now,
                    )
                )
    return planned

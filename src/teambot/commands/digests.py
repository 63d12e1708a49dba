"""The weekly digest's plan: which leads get one on the week's digest day and who gets each (the lead, or while he
is away the substitute he registered, else nobody), and the outbox rows that carry them.

Here in the commands, not the scheduler: the planner's pass plans with it (`teambot.scheduler.digest`), and
`/teambot fravær` re-plans with it the day's digests an absence concerns and reads who gets a lead's, so the two
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import WorkCalendar
from teambot.domain.meetings import WORKDAY_END, local_instant
from teambot.domain.roles import Role
from teambot.domain.routing import Absence, absence_on
from teambot.i18n import t
from teambot.store import outbox, queries
from teambot.store.models import Absence as AbsenceRow
from teambot.store.models import Notification, Staff

DIGEST = "digest.week"
DIGEST_WEEKDAY = 4  # Friday
DIGEST_TIME = time(12, 0)


def digest_day(today: date, calendar: WorkCalendar) -> date | None:
    """The day of this ISO week's digest: Friday, else the last working day before it in the week (None: none)."""
    friday = today + timedelta(days=DIGEST_WEEKDAY - today.weekday())
    day = friday if calendar.is_working_day(friday) else calendar.previous_working_day(friday)
    return day if day.isocalendar()[:2] == today.isocalendar()[:2] else None


async def replan_digests(session: AsyncSession, lead_id: int, *, now: datetime, zone: ZoneInfo) -> None:
    """Today's digests that an absence of lead `lead_id` can change, brought up to date at once in the command's
    transaction: a digest due in minutes would otherwise reach its lead before the planner's next pass. The pass's own
    planning, so the two cannot disagree; the other leads' rows are the pass's to bring in line. On PostgreSQL the
    day's pending rows stay locked until the caller commits, so no dispatcher takes one meanwhile, what the reply
    reads of them afterwards is what goes out, and two leads' absences re-plan one after the other."""
    today = await planning_day(session, now=now, zone=zone)
    if today is not None:
        await sync_digests(session, today, now=now, zone=zone, concerning=lead_id)


async def planning_day(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> date | None:
    """Today, if it is the week's digest day and its passes may still plan one (until the working day's end)."""
    today = now.astimezone(zone).date()
    if now > local_instant(today, WORKDAY_END, zone):
        return None
    # The municipality's own closing days count: a lead's institutions may differ, the week's end does not.
    calendar = await queries.municipality_calendar(session)
    return today if digest_day(today, calendar) == today else None


class _Leads(NamedTuple):
    """The leads who get a digest, their institutions' codes and their absences from a day on."""

    leads: list[Staff]
    codes: dict[int, list[str]]
    absences: dict[int, list[Absence]]


async def _leads_on(session: AsyncSession, day: date, among: Collection[int] | None = None) -> _Leads:
    """`among`: only those staff (a lead and whoever stands in for him: all the rule needs of one lead)."""
    query = select(Staff).where(col(Staff.active))
    if among is not None:
        query = query.where(col(Staff.id).in_(among))
    leads = [s for s in (await session.exec(query)).all() if Role.LEDER in s.roles and s.slack_id and s.id is not None]
    ids = [lead.id for lead in leads if lead.id is not None]
    return _Leads(
        leads,
        await queries.institution_codes_of(session, ids),
        await queries.absences_of(session, ids, ending_from=day),
    )


def _had_own(found: _Leads, gone: dict[int, list[_Seen]], day: date) -> set[int]:
    """The leads whose own digest of `day` went out (`gone`: `_gone_out`'s), not one a substitute got for them."""
    keys = {row.dedupe_key for rows in gone.values() for row in rows}
    return {lead.id or 0 for lead in found.leads if _key(lead, lead.slack_id, day) in keys}


def _recipients(found: _Leads, day: date, had_own: set[int]) -> dict[int, str | None]:
    """Who gets each lead's digest of `day` (by lead id; None: nobody). A co-lead covers a lead away when she is here
    that day, or when her own digest went out (`had_own`): she has had the week of his institutions, and an absence
    of hers registered since brings her no copy of his."""
    covering = {
        lead.id for lead in found.leads if absence_on(found.absences, lead.id or 0, day) is None or lead.id in had_own
    }
    return {
        lead.id or 0: _digest_to(lead, absence_on(found.absences, lead.id or 0, day), covering, found.codes)
        for lead in found.leads
    }


async def sync_digests(
    session: AsyncSession, today: date, *, now: datetime, zone: ZoneInfo, concerning: int | None = None
) -> int:
    """Plan today's digests (today is the digest day); the number planned or gone out. The leads and their absences
    are read after the day's rows are locked: read before, a pass would write back what a `/teambot fravær` that
    committed meanwhile had rerouted (reviewer-106). `concerning`: only the digests an absence of that lead can
    change (`_concerned`), told after the lock too: a lead who named him in a command that committed meanwhile is
    among them."""
    due_at = max(local_instant(today, DIGEST_TIME, zone), now)
    sent = 0
    gone = _gone_out(await _digests_of(session, today))
    leads, among = (None, None) if concerning is None else await _concerned(session, concerning, today)
    found = await _leads_on(session, today, among)
    by_lead = {lead.id or 0: lead for lead in found.leads}
    planned: dict[int, list[outbox.Planned]] = {
        lead_id: [] if to is None else [_plan(by_lead[lead_id], to, found.codes, due_at=due_at, day=today)]
        for lead_id, to in _recipients(found, today, _had_own(found, gone, today)).items()
        if leads is None or lead_id in leads  # not a lead read only as someone's substitute: not all his rule's read
    }
    gone = {lead_id: rows for lead_id, rows in gone.items() if lead_id in planned}
    unsettled = await _whole(session, [row.id for rows in gone.values() for row in rows if _unsettled(row)])
    for lead_id, rows in gone.items():
        if lead_id in planned:
            # His digest of the week went out, or is being or may have been posted (to him, or to whoever stood
            # in): it stays as it is, and an absence registered or removed since plans no second one. One sent
            # needs no plan to stay as it is: `sync_many` changes no row sent.
            # Kept as drawn, not as the placeholder a new plan carries: only the digest is redrawn at send time,
            # so only here does the plan's text differ from the message a look would settle the row with.
            planned[lead_id] = [outbox.Planned.kept(unsettled[row.id]) for row in rows if row.id in unsettled]
            sent += sum(row.status == outbox.SENT for row in rows)
    await outbox.sync_many(session, ref_type="staff", kinds=(DIGEST,), planned=planned, now=now, since=today)
    return sent + sum(len(rows) for rows in planned.values())


async def _concerned(session: AsyncSession, lead_id: int, day: date) -> tuple[set[int], set[int]]:
    """The leads whose digest of `day` an absence of lead `lead_id` can change, and the staff their rule reads
    (`_recipients`). His own, and those of the leads away that day who named him as their substitute: whether he is
    here decides if he covers theirs as a co-lead. No other lead's: a co-lead who did not name him gets her own
    digest whoever else is away, and his substitute's own does not depend on him. The rule reads, besides, whoever
    stands in for each of them that day (is she here, does she lead all his institutions)."""
    on_day = (col(AbsenceRow.start) <= day, col(AbsenceRow.end) >= day)
    named_him = await session.exec(select(AbsenceRow.staff_id).where(AbsenceRow.substitute_id == lead_id, *on_day))
    leads = {lead_id, *named_him.all()}
    standing_in = await session.exec(
        select(AbsenceRow.substitute_id).where(col(AbsenceRow.staff_id).in_(leads), *on_day)
    )
    return leads, leads | {staff_id for staff_id in standing_in.all() if staff_id is not None}


def _plan(lead: Staff, to: str, codes: dict[int, list[str]], *, due_at: datetime, day: date) -> outbox.Planned:
    return outbox.Planned(
        dedupe_key=_key(lead, to, day),
        kind=DIGEST,
        recipient=to,
        subject=",".join(codes.get(lead.id or 0, []))[:20] or "-",  # the lead's institutions
        due_at=due_at,
        ref_type="staff",
        ref_id=lead.id,  # whose digest it is: the absent lead's, for his substitute
        event_day=day,
        payload={"text": t("digest.pending")},
    )


def _key(lead: Staff, to: str | None, day: date) -> str:
    """The key of `lead`'s digest of `day`'s week to `to`: one per lead a substitute stands in for (she may for
    several); a lead's own keeps the plain key."""
    year, week = day.isocalendar()[:2]
    return f"digest:{to}:{year}-W{week:02d}" + ("" if to == lead.slack_id else f":for:{lead.slack_id}")


def _digest_to(
    lead: Staff, absence: Absence | None, covering: set[int | None], codes: dict[int, list[str]]
) -> str | None:
    """Who gets `lead`'s digest (a Slack id; None: nobody). He does, or while he is away the substitute registered
    with `/teambot fravær`, else nobody. She gets it besides her own (one per lead she stands in for), unless she
    leads all his institutions too and is `covering` them (here today, or had her own digest): her own digest shows
    them (a co-lead)."""
    if absence is None:
        return lead.slack_id
    substitute = absence.substitute
    if substitute is None:
        return None
    if substitute.staff_id in covering and set(codes.get(lead.id or 0, [])) <= set(codes.get(substitute.staff_id, [])):
        return None
    return substitute.slack_id


class _Seen(NamedTuple):
    """What the planner reads of a digest row: enough to tell whether it went out, not its drawn message."""

    id: int
    ref_id: int | None
    dedupe_key: str
    status: str
    attempts: int
    last_error: str | None


async def _digests_of(session: AsyncSession, day: date, *, lock: bool = True) -> list[_Seen]:
    """The digest rows of `day` as they are now. On PostgreSQL the pending and cancelled ones are locked first (in id
    order, as `outbox.sync_many` locks), so a dispatcher's claim, which skips locked rows, cannot take one between
    this read and the sync; one sent or being sent is the dispatcher's, and is neither locked nor waited for.
    `lock=False`: a plain read, for a look that changes nothing."""
    of_day = (col(Notification.kind) == DIGEST, col(Notification.event_day) == day)
    if lock and session.get_bind().dialect.name == "postgresql":
        await session.exec(
            select(col(Notification.id))
            .where(*of_day, col(Notification.status).in_((outbox.PENDING, outbox.CANCELLED)))
            .order_by(col(Notification.id))
            .with_for_update()
        )
    connection = await session.connection()  # Core rows: sqlmodel's select() types at most 4 columns
    rows = await connection.execute(
        core_select(
            col(Notification.id),
            col(Notification.ref_id),
            col(Notification.dedupe_key),
            col(Notification.status),
            col(Notification.attempts),
            col(Notification.last_error),
        ).where(*of_day)
    )
    return [
        _Seen(row_id or 0, ref_id, key, status, attempts, error)
        for row_id, ref_id, key, status, attempts, error in rows.all()
    ]


def _gone_out(rows: list[_Seen]) -> dict[int, list[_Seen]]:
    """The rows, by lead (ref_id), whose digest reached its recipient, is being posted, or an attempt may have posted
    (also one cancelled since, `CANCELLED_UNSURE`), or Slack refused it for the message itself, as it would to a
    substitute (`outbox.gone_out`); one cancelled sure, or refused for anything else (its
    recipient, the bot's token), posted nothing."""
    gone: dict[int, list[_Seen]] = {}
    for row in rows:
        if row.ref_id is not None and outbox.gone_out(row.status, row.attempts, row.last_error):
            gone.setdefault(row.ref_id, []).append(row)
    return gone


async def digest_recipients(
    session: AsyncSession, lead: Staff, start: date, end: date, *, now: datetime, zone: ZoneInfo
) -> list[str | None]:
    """Who gets `lead`'s digests still to go out for days in `start`–`end`, by the planner's own rule (`_recipients`):
    one entry per digest (a Slack id; None: nobody, or a co-lead covering him with her own). A later day's counts,
    and today's while the day's passes may still plan it and it has not gone out (to him or to whoever stood in);
    read after `replan_digests` in the same transaction, today's is the row that goes out."""
    today = now.astimezone(zone).date()
    calendar = await queries.municipality_calendar(session)
    days: list[date] = []
    week = max(start, today)
    while week <= end:
        day = digest_day(week, calendar)
        if day is not None and max(start, today) <= day <= end:
            days.append(day)
        week += timedelta(days=7 - week.weekday())  # the next week's Monday
    if not days or lead.id is None:
        return []
    own = await queries.absences_of(session, [lead.id], ending_from=today)
    found = await _leads_on(
        session, today, {lead.id, *(a.substitute.staff_id for a in own.get(lead.id, []) if a.substitute)}
    )
    gone = _gone_out(await _digests_of(session, today, lock=False)) if days[0] == today else {}
    if days[0] == today and (now > local_instant(today, WORKDAY_END, zone) or lead.id in gone):
        days = days[1:]
    had_own = _had_own(found, gone, today)
    return [
        to_whom[lead.id]
        for day in days
        if lead.id in (to_whom := _recipients(found, day, had_own if day == today else set()))
    ]


def _unsettled(row: _Seen) -> bool:
    """Whether a row gone out is still to be kept by its plan: one being posted, or that may have been."""
    return row.status not in (outbox.SENT, outbox.CANCELLED)


async def _whole(session: AsyncSession, ids: list[int]) -> dict[int, Notification]:
    """The rows `ids` with their drawn messages, by id: few if any (at most one per lead)."""
    if not ids:
        return {}
    rows = await session.exec(select(Notification).where(col(Notification.id).in_(ids)))
    return {row.id or 0: row for row in rows.all()}

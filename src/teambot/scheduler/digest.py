"""The weekly digest: each lead gets the week's status (what `/uge` shows) on Friday at 12:00 local time, or on the
week's last working day before it when Friday is a holiday or the municipality is closed (Langfredag, juledag).
A lead away that day has his digest go to the substitute registered (besides her own: one per lead she stands in
for), else to nobody.

Planned in the morning, drawn at send time, so it shows the ratings given up to the moment it goes out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import as_payload, plain_notice
from teambot.commands.registry import Context
from teambot.commands.week import week_for_digest
from teambot.domain.calendar import WorkCalendar
from teambot.domain.clock import Clock
from teambot.domain.meetings import WORKDAY_END, local_instant
from teambot.domain.roles import Role
from teambot.domain.routing import Absence, absence_on
from teambot.i18n import t, weekday_name
from teambot.scheduler.dispatcher import Refresher
from teambot.store import outbox, queries
from teambot.store.db import Database
from teambot.store.models import Notification, Staff

DIGEST = "digest.week"
DIGEST_WEEKDAY = 4  # Friday
DIGEST_TIME = time(12, 0)


def digest_day(today: date, calendar: WorkCalendar) -> date | None:
    """The day of this ISO week's digest: Friday, else the last working day before it in the week (None: none)."""
    friday = today + timedelta(days=DIGEST_WEEKDAY - today.weekday())
    day = friday if calendar.is_working_day(friday) else calendar.previous_working_day(friday)
    return day if day.isocalendar()[:2] == today.isocalendar()[:2] else None


async def plan_digests(db: Database, *, now: datetime, zone: ZoneInfo) -> int:
    local = now.astimezone(zone)
    today = local.date()
    if now > local_instant(today, WORKDAY_END, zone):
        return 0
    async with db.read() as session:
        # The municipality's own closing days count: a lead's institutions may differ, the week's end does not.
        calendar = await queries.municipality_calendar(session)
    if digest_day(today, calendar) != today:
        return 0
    async with db.read() as session:
        leads = [
            s
            for s in (await session.exec(select(Staff).where(col(Staff.active)))).all()
            if Role.LEDER in s.roles and s.slack_id and s.id is not None
        ]
        codes = await queries.institution_codes_of(session, [lead.id for lead in leads if lead.id is not None])
        absences = await queries.absences_of(
            session, [lead.id for lead in leads if lead.id is not None], ending_from=today
        )
    due_at = max(local_instant(today, DIGEST_TIME, zone), now)
    sent = 0
    async with db.write() as session:
        gone = _gone_out(await _digests_of(session, today))
        # A co-lead covers a lead away when she is here today, or when her own digest went out: she has had the week
        # of his institutions, and an absence of hers registered since brings her no copy of his.
        keys_gone = {row.dedupe_key for rows in gone.values() for row in rows}
        covering = {
            lead.id
            for lead in leads
            if absence_on(absences, lead.id or 0, today) is None or _key(lead, lead.slack_id, today) in keys_gone
        }
        planned: dict[int, list[outbox.Planned]] = {}
        for lead in leads:
            to = _digest_to(lead, absence_on(absences, lead.id or 0, today), covering, codes)
            planned[lead.id or 0] = [] if to is None else [_plan(lead, to, codes, due_at=due_at, day=today)]
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


async def _digests_of(session: AsyncSession, day: date) -> list[_Seen]:
    """The digest rows of `day` as they are now. On PostgreSQL the pending and cancelled ones are locked first (in id
    order, as `outbox.sync_many` locks), so a dispatcher's claim, which skips locked rows, cannot take one between
    this read and the sync; one sent or being sent is the dispatcher's, and is neither locked nor waited for."""
    of_day = (col(Notification.kind) == DIGEST, col(Notification.event_day) == day)
    if session.get_bind().dialect.name == "postgresql":
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
    (also one cancelled since, `CANCELLED_UNSURE`); one cancelled sure, or refused, posted nothing."""
    gone: dict[int, list[_Seen]] = {}
    for row in rows:
        if row.ref_id is not None and _went_out(row):
            gone.setdefault(row.ref_id, []).append(row)
    return gone


def _went_out(row: _Seen) -> bool:
    return row.status == outbox.SENT or outbox.may_have_reached(row.status, row.attempts, row.last_error)


async def digest_to_come(
    session: AsyncSession, lead: Staff, start: date, end: date, *, now: datetime, zone: ZoneInfo
) -> bool:
    """Whether a digest of `lead`'s for a day in `start`–`end` is still to go out: one on a later day, or today's
    while the day's passes may still plan it and it has not gone out (to him or to whoever stood in)."""
    today = now.astimezone(zone).date()
    calendar = await queries.municipality_calendar(session)
    week = max(start, today)
    while week <= end:
        day = digest_day(week, calendar)
        if day is not None and max(start, today) <= day <= end:
            if day > today or (
                now <= local_instant(today, WORKDAY_END, zone) and not await _gone_out_on(session, lead, today)
            ):
                return True
        week += timedelta(days=7 - week.weekday())  # the next week's Monday
    return False


async def _gone_out_on(session: AsyncSession, lead: Staff, day: date) -> bool:
    rows = await session.exec(
        select(
            col(Notification.id), col(Notification.status), col(Notification.attempts), col(Notification.last_error)
        ).where(
            col(Notification.kind) == DIGEST, col(Notification.event_day) == day, col(Notification.ref_id) == lead.id
        )
    )
    return any(
        _went_out(_Seen(row_id or 0, lead.id, "", status, attempts, error))
        for row_id, status, attempts, error in rows.all()
    )


def _unsettled(row: _Seen) -> bool:
    """Whether a row gone out is still to be kept by its plan: one being posted, or that may have been."""
    return row.status not in (outbox.SENT, outbox.CANCELLED)


async def _whole(session: AsyncSession, ids: list[int]) -> dict[int, Notification]:
    """The rows `ids` with their drawn messages, by id: few if any (at most one per lead)."""
    if not ids:
        return {}
    rows = await session.exec(select(Notification).where(col(Notification.id).in_(ids)))
    return {row.id or 0: row for row in rows.all()}


def digest_refreshers(db: Database, clock: Clock, zone: ZoneInfo) -> dict[str, Refresher]:
    async def refresh(row: Notification) -> dict[str, Any] | None:
        if row.event_day is None:
            return None
        async with db.read() as session:
            lead = None if row.ref_id is None else await session.get(Staff, row.ref_id)
        if lead is None or not lead.active:
            return None  # the lead left: no digest
        context = Context(db=db, clock=clock, user_id=row.recipient, zone=zone, staff=lead)
        year, week = row.event_day.isocalendar()[:2]
        # A week that cannot be drawn now (the database busy) raises: the dispatcher tries the digest again later.
        stand_in = lead.slack_id != row.recipient
        week_reply = await week_for_digest(context, lead, year, week, for_substitute=stand_in)
        if week_reply is None:
            return None  # nothing to report: no digest
        reply = plain_notice(week_reply.text, why_digest(row.event_day, lead if stand_in else None))
        blocks = [*(week_reply.blocks or [])[:48], *(reply.blocks or [])[-1:]]
        return as_payload(reply, blocks=blocks, cases=week_reply.case_codes)

    return {DIGEST: refresh}


def why_digest(day: date, absent: Staff | None) -> str:
    """Why the digest: the lead's own, or the one his substitute gets in his place (`absent`)."""
    friday = day.weekday() == DIGEST_WEEKDAY
    if absent is not None:
        if friday:
            return t("why.digest_substitute", name=absent.name)
        return t("why.digest_early_substitute", name=absent.name, weekday=weekday_name(day))
    return t("why.digest") if friday else t("why.digest_early", weekday=weekday_name(day))

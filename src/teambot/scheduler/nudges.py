"""The daily rating nudge: one DM a person a working day with unrated goals to rate, at the local nudge time.

A substitute's one nudge also holds the children of the absent colleagues she stands in for that day
(`queries.nudge_scopes`); an absent pædagog gets none.

The nudge is planned early in the day and redrawn just before it is sent, so goals rated in the
meantime are not asked for again, and a pædagog who has rated everything gets nothing, unless she has something
new to rate later that day (the nudge cancelled unsent comes back then, until the working day ends).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import nudge_payload
from teambot.domain.clock import Clock
from teambot.domain.meetings import WORKDAY_END, local_instant, parse_hhmm
from teambot.scheduler.dispatcher import Refresher
from teambot.store import outbox, queries
from teambot.store.db import Database
from teambot.store.models import Absence, Case, Goal, Notification, Rating, Staff
from teambot.store.ratings import nudge_items

NUDGE = "rating.nudge"


NUDGE_CHUNK = 500  # pædagoger whose nudge items are read at once


async def plan_nudges(db: Database, *, now: datetime, zone: ZoneInfo) -> int:
    """Plan today's nudges; returns how many were planned or brought back (existing ones are kept as they are).

    A pædagog whose nudge for today is already in the outbox is skipped without reading their goals: the nudge
    is redrawn when it is sent anyway, so a pass every 10 minutes costs a few queries, not a few per pædagog.
    Only a nudge cancelled unsent (she had rated everything) is looked at again, when she may have something to
    rate since: a goal added to a case of hers or a case given to her (`_with_unrated_goals`), or, for a substitute,
    a colleague's absence registered since. The nudge then comes back, sent at once after its time; still one a
    day."""
    today = now.astimezone(zone).date()
    async with db.read() as session:
        municipality = await queries.municipality(session)
        at = local_instant(today, parse_hhmm(municipality.rating_nudge_time or "14:00"), zone)
        if now > local_instant(today, WORKDAY_END, zone):
            return 0
        active_paedagogs = select(Case.paedagog_id).where(Case.status == "active")
        covers_today = (col(Absence.start) <= today) & (col(Absence.end) >= today)
        absent = select(Absence.staff_id).where(covers_today)
        # Who may have a nudge today: the children's pædagoger, and the substitutes of those absent today
        # (`queries.nudge_scopes` decides whose children each one's nudge holds).
        substitutes = select(Absence.substitute_id).where(covers_today, col(Absence.staff_id).in_(active_paedagogs))
        staff = (
            await session.exec(
                select(Staff)
                .where(
                    col(Staff.id).in_(active_paedagogs) | col(Staff.id).in_(substitutes),
                    col(Staff.id).not_in(absent),
                )
                .order_by(col(Staff.id))
            )
        ).all()
        rows = (
            await session.exec(
                select(Notification.dedupe_key, Notification.status, Notification.last_error).where(
                    Notification.kind == NUDGE, Notification.event_day == today
                )
            )
        ).all()
        status_of: dict[str, str] = {key: status for key, status, _ in rows}
        # Cancelled while an earlier attempt may have been posted: never brought back (`outbox.bring_back_cancelled`).
        unsure = {key for key, status, error in rows if status == outbox.CANCELLED and error == outbox.CANCELLED_UNSURE}
        # Whose nudge cancelled unsent is looked at again: substitutes (a colleague may have left since) and those
        # with something unrated (a goal or a case new since). The rest who had rated everything cost no reads.
        revive: set[int | None] = set()
        if outbox.CANCELLED in status_of.values():
            revive = set((await session.exec(substitutes)).all()) | await _with_unrated_goals(session, today)
    due: list[Staff] = []
    for s in staff:
        slack_id = queries.reachable_id(s)
        if slack_id is None:
            continue
        key = _nudge_key(slack_id, today)
        status = status_of.get(key)
        if status is None or (status == outbox.CANCELLED and key not in unsure and s.id in revive):
            due.append(s)
    count = 0
    for first in range(0, len(due), NUDGE_CHUNK):
        # Chunk by chunk, so the drawn nudges of a large municipality are never all in memory at once.
        group = due[first : first + NUDGE_CHUNK]
        planned: list[outbox.Planned] = []
        async with db.read() as session:
            items_of = await queries.nudge_items_of(session, group, today)
        for member in group:
            assert member.id is not None and member.slack_id is not None
            items = items_of[member.id]
            if not any(item.value is None for item in items):
                continue
            planned.append(
                outbox.Planned(
                    dedupe_key=_nudge_key(member.slack_id, today),
                    kind=NUDGE,
                    recipient=member.slack_id,
                    subject=items[0].case_code,
                    due_at=max(at, now),
                    ref_type="staff",
                    ref_id=member.id,
                    event_day=today,
                    payload=nudge_payload(today, items),
                )
            )
        new = [p for p in planned if p.dedupe_key not in status_of]
        async with db.write() as session:
            await outbox.insert_new(session, new, now)
            await outbox.bring_back_cancelled(session, [p for p in planned if p.dedupe_key in status_of])
        count += len(planned)
    return count


async def _with_unrated_goals(session: AsyncSession, day: date) -> set[int]:
    """Whose nudge on `day` was cancelled unsent but who is the pædagog of an active case with an active goal
    unrated that day (a goal or a case new since): one query, so a pass after the nudge time does not read the
    goals of everyone who had rated everything. `queries.nudge_items_of` decides what the nudge holds."""
    cancelled = select(Notification.ref_id).where(
        Notification.kind == NUDGE, Notification.event_day == day, Notification.status == outbox.CANCELLED
    )
    rated = select(Rating.id).where(Rating.goal_id == Goal.id, Rating.day == day)
    found = await session.exec(
        select(Case.paedagog_id)
        .join(Goal, col(Goal.case_id) == col(Case.id))
        .where(
            col(Case.paedagog_id).in_(cancelled),
            Case.status == "active",
            col(Case.start_meeting).is_(None) | (col(Case.start_meeting) <= day),
            col(Goal.active),
            ~rated.exists(),
        )
        .distinct()
    )
    return set(found.all())


def _nudge_key(slack_id: str, day: date) -> str:
    """One nudge a person a day: the key the outbox keeps it unique by."""
    return f"nudge:{slack_id}:{day.isoformat()}"


async def refresh_nudge(db: Database, row: Notification, today: date) -> dict[str, Any] | None:
    """Redraw the nudge with the ratings given since it was planned; None when nothing is left to rate, or its day
    is over (the bot was down then: "Husk dagens registreringer" for a past day is no reminder)."""
    if row.event_day is None or row.event_day < today:
        return None
    async with db.read() as session:
        staff = await queries.staff_by_slack_id(session, row.recipient)
        if staff is None:
            return None
        # Whose children are in it is decided again now: an absence registered after planning stops her own
        # nudge, and brings the absent colleague's children into her substitute's.
        items = await nudge_items(session, staff, row.event_day)
    if not any(item.value is None for item in items):
        return None
    return nudge_payload(row.event_day, items)


def nudge_refreshers(db: Database, clock: Clock, zone: ZoneInfo) -> dict[str, Refresher]:
    async def refresh(row: Notification) -> dict[str, Any] | None:
        return await refresh_nudge(db, row, clock.now().astimezone(zone).date())

    return {NUDGE: refresh}

"""Planning consultant visits and småbørnscaféer into the outbox.

Each run keeps the årshjul complete for this year (and next year from October), never placing a new visit
sooner than the parents' notice period, then brings the outbox rows of the visits of the coming weeks up to
date. Cafés are proposed from the registered counts, and their invitations and reminders are queued; so is the
monthly ask to the leads for the counts still missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.cafe_notices import (
    CAFE_KINDS,
    COUNT_MISSING,
    INSTITUTION,
    sync_cafe_outboxes,
    sync_count_reminders,
)
from teambot.commands.cafe_notices import tell_closing_moves as tell_cafe_moves
from teambot.commands.visit_notices import MOVED, VISIT_KINDS, sync_visit_outboxes, tell_closing_moves
from teambot.domain.calendar import WorkCalendar
from teambot.domain.visits import CONFIRM_LEAD_DAYS, quarter_of
from teambot.store import cafe as cafe_store
from teambot.store import outbox, queries
from teambot.store import visits as store
from teambot.store.db import Database
from teambot.store.models import CafeSession, Visit

log = logging.getLogger(__name__)

PAST_DAYS = 7  # rows of visits and cafés this recently passed are cancelled if still pending
MARGIN_DAYS = 14  # beyond the confirm request's lead time: holidays push it back by a few days
# Visits and cafés per transaction when their outbox rows are synced: a chunk costs a handful of queries, and
# its write lock, which commands wait for on SQLite, stays short.
CHUNK_VISITS = 200
CHUNK_CAFES = 200


@dataclass(frozen=True)
class VisitPlanning:
    created: int
    cafes: int


def years_to_plan(today: date) -> list[int]:
    """This year; from October also next year, so the coming årshjul can be seen and agreed in good time."""
    return [today.year, today.year + 1] if quarter_of(today) == 4 else [today.year]


async def plan_visits(db: Database, *, now: datetime, zone: ZoneInfo, chunk: int = CHUNK_VISITS) -> int:
    """Complete the årshjul and sync the outbox rows of the coming visits; returns how many visits were added.

    The outbox rows are synced in chunks of `chunk` visits, one transaction each, from bulk reads: a handful of
    queries per chunk instead of half a dozen per visit, and nothing written when nothing changed."""
    today = now.astimezone(zone).date()
    created = 0
    async with db.write() as session:
        await store.lock_planning(session)
        municipality = await queries.municipality(session)
        policy = store.visit_policy(municipality)
        table = await store.routing_table(session)
        calendars = await store.calendars(session)
        for year in years_to_plan(today):
            plan = await store.plan_year(
                session,
                year,
                earliest=today + timedelta(days=policy.notice_days),
                now=now,
                table=table,
                calendar_of=calendars,
            )
            created += len(plan.created)
            await tell_closing_moves(session, plan.moved_off_closing, table=table, now=now, today=today)
            for missing in plan.unplaced:
                log.info(
                    "no day for the %s visit to %s in quarter %s of %s",
                    missing.round.discipline,
                    missing.round.institution_code,
                    missing.quarter,
                    missing.year,
                )
        await outbox.cancel_passed(session, ref_type="visit", kinds=(*VISIT_KINDS, MOVED), before=today, now=now)
    horizon = today + timedelta(days=policy.notice_days + CONFIRM_LEAD_DAYS + MARGIN_DAYS)
    since = today - timedelta(days=PAST_DAYS)
    async with db.read() as session:
        ids = (
            await session.exec(
                select(Visit.id)
                .where(col(Visit.day) >= since, col(Visit.day) <= horizon)
                .order_by(col(Visit.day), col(Visit.id))
            )
        ).all()
    # The routing table and calendars read above serve every chunk: reading them per chunk would make a pass
    # grow with the square of the municipality. A move, a confirmation or a new theme re-syncs its own visit at
    # once (the commands do, and the chunks read visits and themes afresh); an absence or an assignment changed
    # while the pass runs is not seen by it: the next pass picks it up.
    for part in _chunks([i for i in ids if i is not None], chunk):
        async with db.write() as session:
            visits = (
                await session.exec(
                    select(Visit)
                    .where(col(Visit.id).in_(part), col(Visit.day) >= since, col(Visit.day) <= horizon)
                    .order_by(col(Visit.day), col(Visit.id))
                )
            ).all()
            await _read_missing_calendars(session, calendars, {v.institution_id for v in visits})
            await sync_visit_outboxes(
                session,
                visits,
                table=table,
                policy=policy,
                calendars=calendars,
                remind_at=municipality.reminder_time or "08:00",
                now=now,
                zone=zone,
            )
    return created


async def plan_cafes(db: Database, *, now: datetime, zone: ZoneInfo, chunk: int = CHUNK_CAFES) -> int:
    """Propose the cafés that are due and sync the outbox rows of the coming ones; returns how many were proposed.

    Proposing is one transaction; the coming cafés' rows are synced in chunks of `chunk`, like the visits'."""
    today = now.astimezone(zone).date()
    since = today - timedelta(days=PAST_DAYS)
    async with db.write() as session:
        await outbox.cancel_passed(session, ref_type="cafe", kinds=CAFE_KINDS, before=today, now=now)
        municipality = await queries.municipality(session)
        table = await store.routing_table(session)
        calendars = await store.calendars(session)
        # Cafés moved off new closing days first: the new ones are then planned around their new days.
        moves = await cafe_store.move_off_closing_days(session, today=today, now=now, table=table, calendars=calendars)
        await tell_cafe_moves(session, moves, table=table, now=now, today=today)
        proposed = await cafe_store.propose(session, today=today, now=now, table=table, calendars=calendars)
        # An ask for counts not sent on its day (the bot was down) is not sent later: next month's asks again.
        await outbox.cancel_passed(session, ref_type=INSTITUTION, kinds=(COUNT_MISSING,), before=today, now=now)
        await sync_count_reminders(
            session,
            table=table,
            calendars=calendars,
            remind_at=municipality.reminder_time or "08:00",
            now=now,
            zone=zone,
        )
    async with db.read() as session:
        ids = (
            await session.exec(
                select(CafeSession.id)
                .where(col(CafeSession.day) >= since)
                .order_by(col(CafeSession.day), col(CafeSession.id))
            )
        ).all()
    for part in _chunks([i for i in ids if i is not None], chunk):
        async with db.write() as session:
            cafes = (
                await session.exec(
                    select(CafeSession)
                    .where(col(CafeSession.id).in_(part), col(CafeSession.day) >= since)
                    .order_by(col(CafeSession.day), col(CafeSession.id))
                )
            ).all()
            await _read_missing_calendars(session, calendars, {c.institution_id for c in cafes})
            await sync_cafe_outboxes(
                session,
                cafes,
                table=table,
                calendars=calendars,
                remind_at=municipality.reminder_time or "08:00",
                now=now,
                zone=zone,
            )
    return len(proposed)


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def _read_missing_calendars(
    session: AsyncSession, calendars: dict[int, WorkCalendar], institution_ids: set[int]
) -> None:
    """Add the calendars of institutions created since `calendars` was read: a café or visit of one (a command
    can add it between two chunks) must not fail the rest of the pass."""
    for institution_id in sorted(institution_ids - calendars.keys()):
        calendars[institution_id] = await queries.work_calendar(session, institution_id)


async def plan_visits_and_cafes(db: Database, *, now: datetime, zone: ZoneInfo) -> VisitPlanning:
    return VisitPlanning(await plan_visits(db, now=now, zone=zone), await plan_cafes(db, now=now, zone=zone))

"""The daily rating nudge: one DM per pædagog per working day with unrated goals, at the local nudge time.

The nudge is planned early in the day and redrawn just before it is sent, so goals rated in the
meantime are not asked for again, and a pædagog who has rated everything gets nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from teambot.commands.notices import as_payload, rating_nudge
from teambot.domain.meetings import WORKDAY_END, local_instant, parse_hhmm
from teambot.scheduler.dispatcher import Refresher
from teambot.store import outbox, queries
from teambot.store.db import Database
from teambot.store.models import Absence, Case, Notification, Staff
from teambot.store.ratings import nudge_items

NUDGE = "rating.nudge"


async def plan_nudges(db: Database, *, now: datetime, zone: ZoneInfo) -> int:
    """Plan today's nudges; returns how many were planned (existing ones are kept as they are)."""
    today = now.astimezone(zone).date()
    async with db.read() as session:
        municipality = await queries.municipality(session)
        at = local_instant(today, parse_hhmm(municipality.rating_nudge_time or "14:00"), zone)
        if now > local_instant(today, WORKDAY_END, zone):
            return 0
        paedagog_ids = set((await session.exec(select(Case.paedagog_id).where(Case.status == "active"))).all())
        absent = set(
            (
                await session.exec(
                    select(Absence.staff_id).where(col(Absence.start) <= today, col(Absence.end) >= today)
                )
            ).all()
        )
        planned: list[outbox.Planned] = []
        for staff_id in sorted(paedagog_ids - absent):
            staff = await session.get(Staff, staff_id)
            if staff is None or not staff.active or not staff.slack_id:
                continue
            items = await nudge_items(session, staff, today)
            if not any(item.value is None for item in items):
                continue
            planned.append(
                outbox.Planned(
                    dedupe_key=f"nudge:{staff.slack_id}:{today.isoformat()}",
                    kind=NUDGE,
                    recipient=staff.slack_id,
                    subject=items[0].case_code,
                    due_at=max(at, now),
                    ref_type="staff",
                    ref_id=staff_id,
                    event_day=today,
                    payload=as_payload(rating_nudge(today, items)),
                )
            )
    async with db.write() as session:
        await outbox.insert_new(session, planned, now)
    return len(planned)


async def refresh_nudge(db: Database, row: Notification) -> dict[str, Any] | None:
    """Redraw the nudge with the ratings given since it was planned; None when nothing is left to rate."""
    if row.event_day is None:
        return None
    async with db.read() as session:
        staff = await queries.staff_by_slack_id(session, row.recipient)
        if staff is None or await queries.is_absent(session, staff, row.event_day):
            return None  # an absence registered after planning also stops the nudge
        items = await nudge_items(session, staff, row.event_day)
    if not any(item.value is None for item in items):
        return None
    return as_payload(rating_nudge(row.event_day, items))


def nudge_refreshers(db: Database) -> dict[str, Refresher]:
    async def refresh(row: Notification) -> dict[str, Any] | None:
        return await refresh_nudge(db, row)

    return {NUDGE: refresh}

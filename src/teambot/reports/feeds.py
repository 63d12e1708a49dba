"""A person's calendar feed, for `teambot ics` and the secret HTTP address."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from teambot.domain.clock import Clock
from teambot.reports.calendar import build_calendar
from teambot.store import audit
from teambot.store.calendar import events_for, staff_for_token
from teambot.store.db import Database
from teambot.store.models import Staff


async def calendar_for(
    db: Database, clock: Clock, zone: ZoneInfo, staff: Staff, *, actor: str | None = None, via: str = "calendar"
) -> bytes:
    """`staff`'s calendar, read by `actor`: the feed's owner (their calendar program) unless someone else is named."""
    today = clock.now().astimezone(zone).date()
    async with db.read() as session:  # not under the write lock: on SQLite that would hold up every /rating
        events = await events_for(session, staff, today, zone)
    # Every fetch (a calendar program's, or an export) is a read of the children's meetings, so it is audited.
    codes = [event.case_code for event in events if event.case_code]
    if codes:
        async with db.write() as session:
            await audit.record_reads(
                session,
                codes,
                at=clock.now(),
                actor=actor or staff.slack_id or f"staff:{staff.id}",
                action="meeting.read",
                via=via,
            )
    return build_calendar(events, name=f"teambot · {staff.name}", zone=zone, now=clock.now())


async def calendar_for_token(db: Database, clock: Clock, zone: ZoneInfo, token: str) -> bytes | None:
    async with db.read() as session:
        staff = await staff_for_token(session, token)
    return None if staff is None else await calendar_for(db, clock, zone, staff)

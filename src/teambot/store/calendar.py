"""Calendar feeds: secret per-person tokens (stored hashed) and the events a person's feed shows."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.meetings import local_instant, parse_hhmm
from teambot.reports.calendar import CalendarEvent
from teambot.store import queries
from teambot.store.models import CalendarFeed, Staff

HISTORY_DAYS = 60  # past events kept in the feed, so last month's meetings do not vanish from Outlook


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_feed(session: AsyncSession, staff: Staff, now: datetime) -> str:
    """Revoke the person's current feed and return the token of a new one (shown once, stored hashed)."""
    for feed in (
        await session.exec(
            select(CalendarFeed).where(CalendarFeed.staff_id == staff.id, col(CalendarFeed.revoked_at).is_(None))
        )
    ).all():
        feed.revoked_at = now
    token = secrets.token_urlsafe(24)
    assert staff.id is not None
    session.add(CalendarFeed(staff_id=staff.id, token_hash=_hash(token), created_at=now))
    return token


async def revoke_feeds(session: AsyncSession, staff: Staff, now: datetime) -> int:
    feeds = (
        await session.exec(
            select(CalendarFeed).where(CalendarFeed.staff_id == staff.id, col(CalendarFeed.revoked_at).is_(None))
        )
    ).all()
    for feed in feeds:
        feed.revoked_at = now
    return len(feeds)


async def staff_for_token(session: AsyncSession, token: str) -> Staff | None:
    feed = (
        await session.exec(
            select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token), col(CalendarFeed.revoked_at).is_(None))
        )
    ).first()
    if feed is None:
        return None
    staff = await session.get(Staff, feed.staff_id)
    return staff if staff is not None and staff.active else None


async def events_for(session: AsyncSession, staff: Staff, today: date, zone: ZoneInfo) -> list[CalendarEvent]:
    """The person's status meetings from HISTORY_DAYS ago on, cancelled ones marked as such."""
    rows = await queries.meetings_for(session, staff, today - timedelta(days=HISTORY_DAYS))
    events = []
    for row in rows:
        facts = await queries.meeting_facts(session, row.case, row.meeting)
        names = ", ".join(f"{d.recipient.name} ({d.role})" for d in facts.deliveries)
        events.append(
            CalendarEvent(
                uid=f"meeting-{row.meeting.id}@teambot",
                start=local_instant(row.meeting.day, parse_hhmm(row.meeting.start), zone).astimezone(zone),
                duration=timedelta(hours=1),
                summary=f"Statusmøde {row.case.code}",
                location=row.institution,
                description=f"Deltagere: {names}",
                cancelled=row.meeting.status == "cancelled",
                case_code=row.case.code,
            )
        )
    return events

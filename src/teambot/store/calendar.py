"""Calendar feeds: secret per-person tokens (stored hashed) and the events a person's feed shows: status meetings,
consultant visits and småbørnscaféer."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.meetings import local_instant, parse_hhmm
from teambot.domain.routing_table import Reason, visitor
from teambot.i18n import t, t_count
from teambot.reports.calendar import CalendarEvent
from teambot.store import queries
from teambot.store import visits as visit_store
from teambot.store.cafe import DECLINED
from teambot.store.models import (
    Absence,
    Assignment,
    CafeInvite,
    CafeRelease,
    CafeSession,
    CalendarFeed,
    Institution,
    Staff,
    Visit,
    VisitVisitor,
)

HISTORY_DAYS = 60  # past events kept in the feed, so last month's meetings do not vanish from Outlook
CAFE_LENGTH = timedelta(hours=2)  # a café stores its start only; two hours keeps the morning free in Outlook


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
    """The person's status meetings, consultant visits and småbørnscaféer from HISTORY_DAYS ago on."""
    since = today - timedelta(days=HISTORY_DAYS)
    return [
        *await _meeting_events(session, staff, since, zone),
        *await _visit_events(session, staff, since, today),
        *await _cafe_events(session, staff, since, zone),
    ]


async def _meeting_events(session: AsyncSession, staff: Staff, since: date, zone: ZoneInfo) -> list[CalendarEvent]:
    """Status meetings, cancelled ones marked as such: case data, so each carries its code for the audit log."""
    events = []
    # Those of a case closed in the window too: its coming meetings were cancelled, and a re-imported file must
    # say so to Outlook rather than leave them out (Outlook would keep them).
    for row in await queries.meetings_for(session, staff, since, closed_since=since):
        names = ", ".join(f"{d.recipient.name} ({d.role})" for d in row.facts.deliveries)
        events.append(
            CalendarEvent(
                uid=f"meeting-{row.meeting.id}@teambot",
                start=local_instant(row.meeting.day, parse_hhmm(row.meeting.start), zone).astimezone(zone),
                duration=timedelta(hours=1),
                summary=t("calendar.meeting", code=row.case.code),
                location=row.institution,
                description=t("meeting.participants", names=names),
                cancelled=row.meeting.status == "cancelled",
                case_code=row.case.code,
                sequence=row.meeting.revision,
                last_modified=row.meeting.changed_at,
            )
        )
    return events


async def _visit_events(session: AsyncSession, staff: Staff, since: date, today: date) -> list[CalendarEvent]:
    """The visits `staff` makes, by the routing their messages follow: the fixed consultant on the day, or her
    substitute while she is away; and, cancelled, those she had and has no longer. A visit has a day but no time:
    an all-day event. Only institutions are named.

    "She had it" is what the planner recorded (VisitVisitor: everyone each visit has been routed to at a pass), so
    a visit another discipline makes, or one at an institution that was never hers, is not there. SEQUENCE is the
    visit's moves (`revision`) plus how often it changed hands (`reroutes`), plus one while the live routing says
    otherwise for her than the planner last recorded (a fravær since the last pass): recorded, the count grows by
    that same one. So each change for her raises it, and a visit that comes back to her is confirmed with a higher
    SEQUENCE than its cancellation. A Flyt, `/teambot fravær` and a roster import record at once
    (`record_visitors`, `record_absence`, `record_coming_visitors`), so a visit that leaves her and comes back
    between two passes does too."""
    # Only where she, or someone she stands in for, is assigned can a visit be routed to her: the routing table of
    # those institutions alone (the whole is read from 10,000 staff on L, and every Outlook polls its feed), and of
    # the institutions of the visits she had.
    assert staff.id is not None
    covered = {staff.id} | set(
        (await session.exec(select(Absence.staff_id).where(Absence.substitute_id == staff.id))).all()
    )
    assigned = (
        await session.exec(
            select(col(Assignment.institution_id), col(Assignment.district_id)).where(
                col(Assignment.staff_id).in_(list(covered))
            )
        )
    ).all()
    places = (
        await session.exec(
            select(col(Institution.id)).where(
                or_(
                    col(Institution.id).in_({i for i, _ in assigned if i is not None}),
                    col(Institution.district_id).in_({d for _, d in assigned if d is not None}),
                )
            )
        )
    ).all()
    had = dict(
        (
            await session.exec(
                select(col(Visit.id), col(Visit.institution_id))
                .join(VisitVisitor, col(VisitVisitor.visit_id) == col(Visit.id))
                .where(VisitVisitor.staff_id == staff.id, col(Visit.day) >= since)
            )
        ).all()
    )
    table = await visit_store.routing_table(
        session, institutions={i for i in places if i is not None} | set(had.values())
    )
    institution_ids = sorted(set(table.covered_by(*covered)) | set(had.values()))
    if not institution_ids:
        return []
    events = []
    for row in await visit_store.visits_in(session, since, date.max, institution_ids=institution_ids):
        visit, name = row.visit, row.institution.name
        routed = table.route(visit.institution_id, visit.discipline, visit.day)
        person = visitor(routed)
        live = person is not None and person.staff_id == staff.id
        # A past visit stays with whom the planner last found it routed to (it records coming ones only).
        hers = live if visit.day >= today else visit.visitor_id == staff.id
        if not hers and visit.id not in had:
            continue
        absent = routed[0].assigned if hers and live and routed[0].reason is Reason.SUBSTITUTE else None
        if not hers:
            description = t("calendar.visit_not_yours", role=visit.discipline, institution=name)
        elif absent is not None:
            description = t("calendar.visit_stand_in", name=absent.name, role=visit.discipline, institution=name)
        else:
            description = t("calendar.visit_for", role=visit.discipline.capitalize(), institution=name)
        unrecorded = hers != (visit.visitor_id == staff.id)
        changes = [c for c in (visit.changed_at, visit.rerouted_at) if c is not None]
        events.append(
            CalendarEvent(
                uid=f"visit-{visit.id}@teambot",
                start=visit.day,
                duration=timedelta(days=1),
                summary=t("calendar.visit", institution=name, role=visit.discipline),
                location=name,
                description=description,
                cancelled=not hers,
                sequence=visit.revision + visit.reroutes + int(unrecorded),
                last_modified=max(changes) if changes else None,
            )
        )
    return events


async def _cafe_events(session: AsyncSession, staff: Staff, since: date, zone: ZoneInfo) -> list[CalendarEvent]:
    """The cafés `staff` is invited to (as consultant, stand-in or lead); cancelled, those she said **Kan ikke**
    to, and those a move released her from (invited to the old day, not to the new). A moved café keeps its row,
    so its UID, and shows its new day. Only the institution and a count of children are named.

    SEQUENCE is the café's `revision`, for everyone invited: a move, a new count of children, and also an answer
    that takes the café out of her diary or puts it back (Kan ikke, or Kommer after Kan ikke) count one, so her
    cancelled event has a higher SEQUENCE than she ever saw it with, and a café asked about again after a move
    (her answer then starts afresh) a higher one still. The move that released her counted one too."""
    rows = (
        await session.exec(
            select(CafeSession, CafeInvite, Institution)
            .join(CafeInvite, col(CafeInvite.session_id) == col(CafeSession.id))
            .join(Institution, col(Institution.id) == col(CafeSession.institution_id))
            .where(CafeInvite.staff_id == staff.id, col(CafeSession.day) >= since)
            .order_by(col(CafeSession.day), col(CafeSession.id))
        )
    ).all()
    events = [
        _cafe_event(
            cafe,
            institution,
            invite.role,
            t("calendar.cafe_declined")
            if invite.status == DECLINED
            else t_count("calendar.cafe_children", cafe.children),
            cancelled=invite.status == DECLINED,
            zone=zone,
        )
        for cafe, invite, institution in rows
    ]
    invited = {cafe.id for cafe, _, _ in rows}
    released = (
        await session.exec(
            select(CafeSession, CafeRelease, Institution)
            .join(CafeRelease, col(CafeRelease.session_id) == col(CafeSession.id))
            .join(Institution, col(Institution.id) == col(CafeSession.institution_id))
            .where(CafeRelease.staff_id == staff.id, col(CafeSession.day) >= since)
            .order_by(col(CafeSession.day), col(CafeSession.id))
        )
    ).all()
    events += [
        _cafe_event(cafe, institution, release.role, t("calendar.cafe_released"), cancelled=True, zone=zone)
        for cafe, release, institution in released
        if cafe.id not in invited  # asked again after a later move: her invitation says how it stands
    ]
    return events


def _cafe_event(
    cafe: CafeSession, institution: Institution, role: str, description: str, *, cancelled: bool, zone: ZoneInfo
) -> CalendarEvent:
    return CalendarEvent(
        uid=f"cafe-{cafe.id}@teambot",
        start=local_instant(cafe.day, parse_hhmm(cafe.start), zone).astimezone(zone),
        duration=CAFE_LENGTH,
        summary=t("calendar.cafe", institution=institution.name, role=role),
        location=institution.name,
        description=description,
        cancelled=cancelled,
        sequence=cafe.revision,
        last_modified=cafe.changed_at,
    )

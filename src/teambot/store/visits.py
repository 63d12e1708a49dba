"""Visits, their themes and the routing table, loaded and saved: the SQL behind the årshjul."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.roles import Role
from teambot.domain.routing import Person
from teambot.domain.routing_table import AssignmentFact, RoutingTable, visitor
from teambot.domain.visits import (
    Round,
    Unplaced,
    VisitPolicy,
    place_near,
    plan_visit_round,
    quarter_weekdays,
)
from teambot.store import queries
from teambot.store.models import (
    Absence,
    Assignment,
    ClosingPeriod,
    District,
    Institution,
    Municipality,
    Staff,
    StaffInstitution,
    Visit,
    VisitTheme,
    VisitVisitor,
)
from teambot.store.revisions import revise

log = logging.getLogger(__name__)

CONFIRMED, MOVED, PLANNED = "confirmed", "moved", "planned"


def visit_policy(municipality: Municipality) -> VisitPolicy:
    default = VisitPolicy()
    return VisitPolicy(
        disciplines=tuple(municipality.visiting_disciplines or default.disciplines),
        notice_days=municipality.visit_notice_days or default.notice_days,
        reminder_working_days=municipality.visit_reminder_days or default.reminder_working_days,
    )


async def routing_table(session: AsyncSession, *, institutions: Collection[int] | None = None) -> RoutingTable:
    """Every institution's fixed consultants, leads and the absences that apply, in a few queries. Plain columns
    are read, not rows: the planner reads the table twice a pass, and L has 10,000 staff.

    `institutions`: the table for those alone (their own and their districts' assignments, their leads), for a
    reader that needs a handful of them, such as a calendar feed fetched by every consultant's Outlook."""
    query = select(col(Institution.id), col(Institution.district_id))
    if institutions is not None:
        query = query.where(col(Institution.id).in_(list(institutions)))
    districts = {i: d for i, d in (await session.exec(query)).all() if i is not None}
    assigned = select(
        col(Assignment.role), col(Assignment.staff_id), col(Assignment.institution_id), col(Assignment.district_id)
    )
    members = select(col(StaffInstitution.staff_id), col(StaffInstitution.institution_id))
    people = select(col(Staff.id), col(Staff.slack_id), col(Staff.name), col(Staff.roles)).where(col(Staff.active))
    if institutions is not None:
        assigned = assigned.where(
            or_(
                col(Assignment.institution_id).in_(list(districts)),
                col(Assignment.district_id).in_({d for d in districts.values() if d is not None}),
            )
        )
        members = members.where(col(StaffInstitution.institution_id).in_(list(districts)))
        people = people.where(
            or_(
                col(Staff.id).in_(assigned.with_only_columns(col(Assignment.staff_id))),
                col(Staff.id).in_(members.with_only_columns(col(StaffInstitution.staff_id))),
            )
        )
    staff: dict[int, tuple[Person, list[str]]] = {}
    for staff_id, slack_id, name, roles in (await session.exec(people)).all():
        if staff_id is not None:
            staff[staff_id] = (Person(staff_id=staff_id, slack_id=slack_id or "", name=name), roles)
    facts = [
        AssignmentFact(role, staff[staff_id][0], institution_id, district_id)
        for role, staff_id, institution_id, district_id in (await session.exec(assigned)).all()
        if staff_id in staff
    ]
    leads: dict[int, list[Person]] = {}
    for staff_id, institution_id in (await session.exec(members)).all():
        member = staff.get(staff_id)
        if member is not None and Role.LEDER in member[1]:
            leads.setdefault(institution_id, []).append(member[0])
    for them in leads.values():
        them.sort(key=lambda p: (p.name, p.staff_id))
    # The leads' absences too: a message for the leads follows a lead's absence as a consultant's follows hers.
    absences = await queries.absences_of(
        session, {f.person.staff_id for f in facts} | {p.staff_id for them in leads.values() for p in them}
    )
    return RoutingTable.of(facts, districts, leads, absences)


async def calendars(session: AsyncSession) -> dict[int, WorkCalendar]:
    """Every institution's working-day calendar, from one query."""
    periods = (await session.exec(select(ClosingPeriod))).all()
    shared = [DateRange(p.start, p.end) for p in periods if p.institution_id is None]
    own: dict[int, list[DateRange]] = {}
    for p in periods:
        if p.institution_id is not None:
            own.setdefault(p.institution_id, []).append(DateRange(p.start, p.end))
    ids = (await session.exec(select(Institution.id))).all()
    return {i: WorkCalendar.of([*shared, *own.get(i, [])]) for i in ids if i is not None}


async def institution_by_text(session: AsyncSession, text: str) -> Institution | None:
    """An institution by its code, its full name, or a word of its name that only it has ('Solsikken')."""
    wanted = " ".join(text.split()).lower()
    if not wanted:
        return None
    institutions = (await session.exec(select(Institution).order_by(col(Institution.code)))).all()
    for institution in institutions:
        if institution.code.lower() == wanted or institution.name.lower() == wanted:
            return institution
    partial = [i for i in institutions if wanted in i.name.lower().split()]
    return partial[0] if len(partial) == 1 else None


async def district_name(session: AsyncSession, district_id: int | None) -> str | None:
    district = await session.get(District, district_id) if district_id is not None else None
    return district.name if district else None


@dataclass
class YearPlan:
    created: list[Visit]
    reassigned: list[Visit]
    unplaced: list[Unplaced]
    # Visits moved off a day that has become a closing day, with the day they had: their people are told.
    moved_off_closing: list[tuple[Visit, date]] = field(default_factory=list)


async def lock_planning(session: AsyncSession) -> None:
    """Serialise planners (PostgreSQL): the unique keys would otherwise make the second one fail."""
    await session.exec(select(Municipality).with_for_update())


async def plan_year(
    session: AsyncSession,
    year: int,
    *,
    earliest: date,
    now: datetime,
    table: RoutingTable | None = None,
    calendar_of: Mapping[int, WorkCalendar] | None = None,
) -> YearPlan:
    """Add the visits the year's årshjul still lacks, on days from `earliest` on. Visits already planned stay;
    a coming visit whose institution has a new fixed consultant becomes the new one's, and an unconfirmed one from
    `earliest` on moves to the nearest free day if she is busy that day. `table` and `calendar_of` are read when not
    given (a caller planning several years reads them once)."""
    await lock_planning(session)
    municipality = await queries.municipality(session)
    policy = visit_policy(municipality)
    if table is None:
        table = await routing_table(session)
    if calendar_of is None:
        calendar_of = await calendars(session)
    institutions = (await session.exec(select(Institution).order_by(col(Institution.code)))).all()
    existing = list((await session.exec(select(Visit).where(Visit.year == year))).all())
    booked: dict[int, set[date]] = {}
    for consultant_id, day in (
        await session.exec(select(col(Visit.consultant_id), col(Visit.day)).where(col(Visit.day) >= date(year, 1, 1)))
    ).all():
        booked.setdefault(consultant_id, set()).add(day)

    codes = {i.id: i.code for i in institutions}
    reassigned: list[Visit] = []
    moved_off_closing: list[tuple[Visit, date]] = []
    today = now.date()
    for visit in existing:
        calendar = calendar_of[visit.institution_id]
        if visit.day >= today and not calendar.is_working_day(visit.day):
            # A closing day announced after planning (a roster import): the visit goes to the nearest working day
            # of its quarter its consultant is free, from `earliest` on if it can (the notice then says so); the
            # confirmation of the closed day goes.
            diary = booked.setdefault(visit.consultant_id, set())
            diary.discard(visit.day)
            grid = quarter_weekdays(visit.year, visit.quarter)
            target = grid.index(visit.day) if visit.day in grid else 0
            moved = place_near(target, grid, calendar, diary, max(earliest, today)) or place_near(
                target, grid, calendar, diary, today
            )
            if moved is not None:
                moved_off_closing.append((visit, visit.day))
                visit.day, visit.confirmed_by, visit.status = moved, None, "moved"
                revise(visit, now)
            else:
                # Every pass says so until someone moves it (Flyt) or reopens the day.
                log.warning(
                    "no free working day left in its quarter to move visit %s (%s, %s) off closing day %s",
                    visit.id,
                    codes.get(visit.institution_id, "?"),
                    visit.discipline,
                    visit.day.isoformat(),
                )
            diary.add(visit.day)
        assignee = table.fixed(visit.institution_id, visit.discipline)
        if assignee is None or assignee.person.staff_id == visit.consultant_id or visit.day < today:
            continue  # a past visit stays with whom it was planned for
        new_id = assignee.person.staff_id
        diary = booked.setdefault(new_id, set())
        day = visit.day
        if day in diary and day >= earliest and visit.confirmed_by is None:
            grid = quarter_weekdays(visit.year, visit.quarter)
            day = place_near(grid.index(day), grid, calendar_of[visit.institution_id], diary, earliest) or day
        # Agreed, sooner than the notice, or with no free day left, it keeps its day; either way it is the new
        # consultant's now, as its messages are (the årshjul, Flyt's check of her diary and the next plan see it).
        booked.get(visit.consultant_id, set()).discard(visit.day)
        if day != visit.day:
            revise(visit, now)
        visit.consultant_id, visit.day = new_id, day
        diary.add(day)
        reassigned.append(visit)

    rounds = []
    for institution in institutions:
        assert institution.id is not None
        for discipline in policy.disciplines:
            assignee = table.fixed(institution.id, discipline)
            if assignee is not None:
                rounds.append(
                    Round(
                        institution.id,
                        institution.code,
                        discipline,
                        assignee.person.staff_id,
                        calendar_of[institution.id],
                    )
                )
    plan = plan_visit_round(
        year,
        rounds,
        existing={(v.institution_id, v.discipline, v.quarter) for v in existing},
        booked=booked,
        earliest=earliest,
    )
    created = [
        Visit(
            institution_id=p.institution_id,
            discipline=p.discipline,
            year=p.year,
            quarter=p.quarter,
            consultant_id=p.consultant_id,
            visitor_id=p.consultant_id,
            planned_day=p.day,
            day=p.day,
        )
        for p in plan.placed
    ]
    session.add_all(created)
    await session.flush()
    session.add_all(VisitVisitor(visit_id=v.id, staff_id=v.consultant_id) for v in created if v.id is not None)
    await record_visitors(session, [v for v in [*existing, *created] if v.day >= today], table, now)
    return YearPlan(created, reassigned, plan.unplaced, moved_off_closing)


async def record_visitors(session: AsyncSession, visits: Sequence[Visit], table: RoutingTable, now: datetime) -> None:
    """Note whom each visit is routed to now (its consultant, her substitute, or none: the leads on Slack, if any), and
    count a change, as `revise` does a move: a calendar that had the visit must be told it is not hers any more
    (the feed keeps it there, cancelled), or that it is hers again. Runs at every planner pass, over the year's
    coming visits: a past one stays with whom it was last routed to, as it stays with its consultant."""
    changed: dict[int, int] = {}
    for visit in visits:
        person = visitor(table.route(visit.institution_id, visit.discipline, visit.day))
        now_id = person.staff_id if person is not None else None
        if now_id == visit.visitor_id:
            continue
        visit.visitor_id, visit.reroutes, visit.rerouted_at = now_id, visit.reroutes + 1, now
        if visit.id is not None and now_id is not None:
            changed[visit.id] = now_id
    if not changed:
        return
    known = set(
        (
            await session.exec(
                select(col(VisitVisitor.visit_id), col(VisitVisitor.staff_id)).where(
                    col(VisitVisitor.visit_id).in_(list(changed))
                )
            )
        ).all()
    )
    session.add_all(VisitVisitor(visit_id=v, staff_id=s) for v, s in changed.items() if (v, s) not in known)
    await session.flush()


async def record_absence(session: AsyncSession, absence: Absence, *, today: date, now: datetime) -> Sequence[Visit]:
    """Note, as the planner would at its next pass, whom the coming visits the absent person makes in the absence
    are routed to now: her calendar feed shows them cancelled at once, and one that comes back to her (the absence
    taken out again) then gets a higher SEQUENCE than the cancellation she may have fetched meanwhile. Returns
    those visits, by day, each with its `visitor_id` now (None: nobody stands in; the leads on Slack, if any)."""
    await session.flush()  # the routing table reads the absence from the database
    rows = (
        await session.exec(
            select(Visit)
            .where(
                Visit.visitor_id == absence.staff_id,
                col(Visit.day) >= max(absence.start, today),
                col(Visit.day) <= absence.end,
            )
            .order_by(col(Visit.day), col(Visit.id))
        )
    ).all()
    if rows:
        table = await routing_table(session, institutions={v.institution_id for v in rows})
        await record_visitors(session, rows, table, now)
    return rows


async def record_absence_gone(
    session: AsyncSession, staff_id: int, start: date, end: date, *, today: date, now: datetime
) -> list[Visit]:
    """After an absence of `staff_id`'s is taken out or cut short (`start`–`end`: the days it no longer covers), note
    whom the coming visits of those days are routed to now, as `record_absence` does when one is registered. Returns
    the visits she makes herself again, by day: those her absence had handed on (another absence of hers still
    covering a day keeps that day's visits where they are)."""
    await session.flush()  # the routing table reads the absences left from the database
    rows = (
        await session.exec(
            select(Visit)
            .where(Visit.consultant_id == staff_id, col(Visit.day) >= max(start, today), col(Visit.day) <= end)
            .order_by(col(Visit.day), col(Visit.id))
        )
    ).all()
    if not rows:
        return []
    elsewhere = {v.id for v in rows if v.visitor_id != staff_id}
    table = await routing_table(session, institutions={v.institution_id for v in rows})
    await record_visitors(session, rows, table, now)
    return [v for v in rows if v.id in elsewhere and v.visitor_id == staff_id]


async def record_coming_visitors(session: AsyncSession, *, today: date, now: datetime) -> None:
    """Note, as the planner would at its next pass, whom every coming visit is routed to now: after a roster
    import, which may add, change or take out absences and give institutions new consultants. Recorded at once, a
    visit that leaves someone and comes back before the next pass reaches her calendar with a higher SEQUENCE each
    time, and whoever had it in between keeps it, cancelled."""
    await session.flush()  # the routing table reads the roster from the database
    rows = (await session.exec(select(Visit).where(col(Visit.day) >= today))).all()
    if rows:
        await record_visitors(session, rows, await routing_table(session), now)


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    institution: Institution
    consultant: Staff
    visitor: Staff | None  # whom its messages were last routed to (None: nobody stood in; the leads on Slack, if any)


async def visits_in(
    session: AsyncSession,
    start: date,
    end: date,
    *,
    disciplines: Sequence[str] | None = None,
    institution_ids: Sequence[int] | None = None,
) -> list[VisitRow]:
    visitor = aliased(Staff)
    query = (
        select(Visit, Institution, Staff, visitor)
        .join(Institution, col(Institution.id) == col(Visit.institution_id))
        .join(Staff, col(Staff.id) == col(Visit.consultant_id))
        .outerjoin(visitor, col(visitor.id) == col(Visit.visitor_id))
        .where(col(Visit.day) >= start, col(Visit.day) <= end)
        .order_by(col(Visit.day), col(Institution.code), col(Visit.discipline))
    )
    if disciplines is not None:
        query = query.where(col(Visit.discipline).in_(list(disciplines)))
    if institution_ids is not None:
        query = query.where(col(Visit.institution_id).in_(list(institution_ids)))
    return [VisitRow(v, i, s, w) for v, i, s, w in (await session.exec(query)).all()]


async def next_visit(
    session: AsyncSession, institution_id: int, today: date, disciplines: Sequence[str]
) -> Visit | None:
    return (
        await session.exec(
            select(Visit)
            .where(
                Visit.institution_id == institution_id,
                col(Visit.day) >= today,
                col(Visit.discipline).in_(list(disciplines)),
            )
            .order_by(col(Visit.day), col(Visit.discipline))
        )
    ).first()


async def themes_of(session: AsyncSession, visit_id: int) -> list[str]:
    rows = (
        await session.exec(
            select(VisitTheme)
            .where(VisitTheme.visit_id == visit_id)
            .order_by(col(VisitTheme.added_at), col(VisitTheme.id))
        )
    ).all()
    return [r.text for r in rows]


async def themes_of_visits(session: AsyncSession, visit_ids: Iterable[int]) -> dict[int, list[str]]:
    """`themes_of` many visits (by visit id), from one query."""
    ids = list(visit_ids)
    if not ids:
        return {}
    rows = (
        await session.exec(
            select(VisitTheme.visit_id, VisitTheme.text)
            .where(col(VisitTheme.visit_id).in_(ids))
            .order_by(col(VisitTheme.added_at), col(VisitTheme.id))
        )
    ).all()
    themes: dict[int, list[str]] = {}
    for visit_id, text in rows:
        themes.setdefault(visit_id, []).append(text)
    return themes


async def is_member(session: AsyncSession, staff: Staff, institution_id: int) -> bool:
    found = await session.exec(
        select(StaffInstitution).where(
            StaffInstitution.staff_id == staff.id, StaffInstitution.institution_id == institution_id
        )
    )
    return found.first() is not None

"""Queries and writes for goal ratings and the access rules around a child's case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, Exists, bindparam, exists, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.ratings import Access, NudgeItem, case_access
from teambot.store import audit
from teambot.store.models import (
    Case,
    CaseConsultant,
    ClosingPeriod,
    Goal,
    Institution,
    Rating,
    Staff,
    StaffInstitution,
)
from teambot.store.queries import closings_of, work_calendar


@dataclass(frozen=True)
class CaseView:
    case: Case
    institution: Institution
    goals: list[Goal]  # active goals, by number


async def case_view(session: AsyncSession, code: str) -> CaseView | None:
    found = (
        await session.exec(
            select(Case, Institution)
            .join(Institution, col(Institution.id) == col(Case.institution_id))
            .where(Case.code == code.upper())
        )
    ).first()
    if found is None:
        return None
    case, institution = found
    goals = (
        await session.exec(select(Goal).where(Goal.case_id == case.id, col(Goal.active)).order_by(col(Goal.number)))
    ).all()
    return CaseView(case, institution, list(goals))


@dataclass(frozen=True)
class RatingFacts:
    """What `/rating` needs to store one child's rating for one day, from one statement."""

    staff: Staff
    view: CaseView | None  # None: no child has that code
    access: Access
    day: date
    existing: dict[int, Rating]  # the ratings already given that day, by goal id
    calendar: WorkCalendar  # the institution's calendar as far as `day` goes: closed if a closing period covers it


def _works_at(staff_id: Any, institution_id: Any) -> Exists:
    return exists().where(
        col(StaffInstitution.staff_id) == staff_id, col(StaffInstitution.institution_id) == institution_id
    )


def _consults(case_id: Any, staff_id: Any) -> Exists:
    return exists().where(col(CaseConsultant.case_id) == case_id, col(CaseConsultant.staff_id) == staff_id)


_SLACK_ID: BindParameter[str] = bindparam("slack_id")
_CODE: BindParameter[str] = bindparam("code")
_DAY: BindParameter[date] = bindparam("day")
# Built once: SQLAlchemy then reuses its cache key and compiled form on every /rating.
# sqlmodel's select() is typed for four entities at most; its Select class takes any number.
_RATING_FACTS = (
    Select[Staff, Case | None, Institution | None, Goal | None, Rating | None, bool, bool, bool](
        Staff,
        Case,
        Institution,
        Goal,
        Rating,
        _works_at(col(Staff.id), col(Case.institution_id)).label("works_here"),
        _consults(col(Case.id), col(Staff.id)).label("consultant"),
        exists()
        .where(closings_of(col(Case.institution_id)), col(ClosingPeriod.start) <= _DAY, col(ClosingPeriod.end) >= _DAY)
        .label("closed"),
    )
    .select_from(Staff)
    .outerjoin(Case, col(Case.code) == _CODE)
    .outerjoin(Institution, col(Institution.id) == col(Case.institution_id))
    .outerjoin(Goal, (col(Goal.case_id) == col(Case.id)) & col(Goal.active))
    .outerjoin(Rating, (col(Rating.goal_id) == col(Goal.id)) & (col(Rating.day) == _DAY))
    .where(col(Staff.slack_id) == _SLACK_ID, col(Staff.active))
    .order_by(col(Goal.number))
)


async def rating_facts(session: AsyncSession, slack_id: str, code: str, day: date) -> RatingFacts | None:
    """The active staff member `slack_id` (None if there is none), the case `code` with its active goals, what
    `case_access` decides, that day's ratings and closing: what `staff_by_slack_id`, `case_view`, `access_to`,
    `rating_on` and `work_calendar` read, in one round trip."""
    rows = (await session.exec(_RATING_FACTS, params={"slack_id": slack_id, "code": code.upper(), "day": day})).all()
    if not rows:
        return None
    staff, case, institution, _, _, works_here, consultant, closed = rows[0]
    if case is None or institution is None:
        return RatingFacts(staff, None, Access(read=False, write=False), day, {}, WorkCalendar())
    access = case_access(
        roles=staff.roles,
        works_at_institution=bool(works_here),
        is_case_consultant=bool(consultant),
        consent_professions=case.consent_professions,
    )
    goals = [row[3] for row in rows if row[3] is not None]
    existing = {row[4].goal_id: row[4] for row in rows if row[4] is not None}
    calendar = WorkCalendar.of([DateRange(day, day)] if closed else [])
    return RatingFacts(staff, CaseView(case, institution, goals), access, day, existing, calendar)


async def access_to(session: AsyncSession, staff: Staff, case: Case) -> Access:
    # Both facts in one round trip: every /rating, button and report asks this.
    works_here = _works_at(staff.id, case.institution_id).label("works_here")
    row = (await session.exec(select(works_here, _consults(case.id, staff.id).label("consultant")))).one()
    return case_access(
        roles=staff.roles,
        works_at_institution=bool(row[0]),
        is_case_consultant=bool(row[1]),
        consent_professions=case.consent_professions,
    )


async def visible_cases(session: AsyncSession, staff: Staff) -> list[CaseView]:
    """Active cases `staff` may rate: the pædagog's own first, then the rest of their institutions'."""
    member_of = set(
        (await session.exec(select(StaffInstitution.institution_id).where(StaffInstitution.staff_id == staff.id))).all()
    )
    consultant_of = set(
        (await session.exec(select(CaseConsultant.case_id).where(CaseConsultant.staff_id == staff.id))).all()
    )
    cases = (
        await session.exec(
            select(Case)
            .where(
                Case.status == "active",
                col(Case.institution_id).in_(member_of) | col(Case.id).in_(consultant_of),
            )
            .order_by(col(Case.code))
        )
    ).all()
    views = []
    for case in sorted(cases, key=lambda c: (c.paedagog_id != staff.id, c.code)):
        if (await access_to(session, staff, case)).write:
            view = await case_view(session, case.code)
            if view is not None and view.goals:
                views.append(view)
    return views


async def rating_on(session: AsyncSession, goal_id: int, day: date) -> Rating | None:
    return (await session.exec(select(Rating).where(Rating.goal_id == goal_id, Rating.day == day))).first()


async def ratings_between(session: AsyncSession, goal_ids: Sequence[int], start: date, end: date) -> list[Rating]:
    rows = await session.exec(
        select(Rating)
        .where(col(Rating.goal_id).in_(goal_ids), col(Rating.day) >= start, col(Rating.day) <= end)
        .order_by(col(Rating.day))
    )
    return list(rows.all())


_INSERT_RATING = insert(Rating)  # built once, as _RATING_FACTS


async def record_rating(
    session: AsyncSession,
    *,
    case: Case,
    goal: Goal,
    day: date,
    value: int,
    note: str | None,
    staff: Staff,
    now: datetime,
    actor: str,
    existing: Rating | None,
) -> int | None:
    """Store the rating; a second rating of the same goal and day replaces the first (`existing`, read in this
    transaction). Returns the old value.

    The audit entry keeps the old value, who gave it and when, so a correction never loses history. A new rating
    and every entry go in as one INSERT each, without the ORM's unit of work at commit (cheaper on every /rating); a
    correction changes the loaded row, so the session's copy stays true.
    """
    assert goal.id is not None and staff.id is not None
    about: dict[str, Any] = {"case_code": case.code, "goal": goal.number, "day": day.isoformat()}
    if existing is None:
        await (await session.connection()).execute(
            _INSERT_RATING,
            {"goal_id": goal.id, "day": day, "value": value, "note": note, "rated_by": staff.id, "rated_at": now},
        )
        await audit.append(session, at=now, actor=actor, action="rating.create", **about, value=value)
        return None
    old = existing.value
    await audit.append(
        session,
        at=now,
        actor=actor,
        action="rating.correct",
        **about,
        old_value=existing.value,
        old_note=existing.note,
        old_by=existing.rated_by,
        old_at=existing.rated_at.isoformat(),
        new_value=value,
    )
    # A correction without a note keeps the note given with the first rating.
    existing.value, existing.rated_by, existing.rated_at = value, staff.id, now
    existing.note = note if note is not None else existing.note
    return old


async def nudge_items(session: AsyncSession, staff: Staff, day: date) -> list[NudgeItem]:
    """The goals `staff` is the primary pædagog for, with the ratings given for `day` so far.

    Only cases whose institution is open that day count: no nudge for a closed day.
    """
    cases = (
        await session.exec(
            select(Case).where(Case.paedagog_id == staff.id, Case.status == "active").order_by(col(Case.code))
        )
    ).all()
    items: list[NudgeItem] = []
    names: dict[int, str] = {}
    for case in cases:
        if case.start_meeting is not None and day < case.start_meeting:
            continue
        if not (await work_calendar(session, case.institution_id)).is_working_day(day):
            continue
        goals = (
            await session.exec(select(Goal).where(Goal.case_id == case.id, col(Goal.active)).order_by(col(Goal.number)))
        ).all()
        for goal in goals:
            assert goal.id is not None
            rating = await rating_on(session, goal.id, day)
            rated_by = None
            if rating is not None:
                if rating.rated_by not in names:
                    rater = await session.get(Staff, rating.rated_by)
                    names[rating.rated_by] = rater.name if rater else "?"
                rated_by = names[rating.rated_by]
            items.append(
                NudgeItem(case.code, goal.id, goal.number, goal.text, rating.value if rating else None, rated_by)
            )
    return items

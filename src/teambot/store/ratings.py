"""Queries and writes for goal ratings and the access rules around a child's case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.ratings import Access, NudgeItem, case_access
from teambot.store import audit
from teambot.store.models import Case, CaseConsultant, Goal, Institution, Rating, Staff, StaffInstitution
from teambot.store.queries import work_calendar


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


async def access_to(session: AsyncSession, staff: Staff, case: Case) -> Access:
    # Both facts in one round trip: every /rating, button and report asks this.
    works_here = exists().where(
        col(StaffInstitution.staff_id) == staff.id, col(StaffInstitution.institution_id) == case.institution_id
    )
    consultant = exists().where(col(CaseConsultant.case_id) == case.id, col(CaseConsultant.staff_id) == staff.id)
    row = (await session.exec(select(works_here.label("works_here"), consultant.label("consultant")))).one()
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
) -> int | None:
    """Store the rating; a second rating of the same goal and day replaces the first. Returns the old value.

    The audit entry keeps the old value, who gave it and when, so a correction never loses history.
    """
    assert goal.id is not None and staff.id is not None
    existing = await rating_on(session, goal.id, day)
    old = None
    if existing is None:
        session.add(Rating(goal_id=goal.id, day=day, value=value, note=note, rated_by=staff.id, rated_at=now))
    else:
        old = existing.value
        audit.record(
            session,
            at=now,
            actor=actor,
            action="rating.correct",
            case_code=case.code,
            goal=goal.number,
            day=day.isoformat(),
            old_value=existing.value,
            old_note=existing.note,
            old_by=existing.rated_by,
            old_at=existing.rated_at.isoformat(),
            new_value=value,
        )
        # A correction without a note keeps the note given with the first rating.
        existing.value, existing.rated_by, existing.rated_at = value, staff.id, now
        existing.note = note if note is not None else existing.note
    if old is None:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="rating.create",
            case_code=case.code,
            goal=goal.number,
            day=day.isoformat(),
            value=value,
        )
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

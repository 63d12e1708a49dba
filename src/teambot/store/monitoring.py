"""Aggregates for monitoring: grouped SQL counts per institution, plus expected rating days from each
institution's calendar. No child-level row leaves this module."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case as when
from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.monitoring import InstitutionFigures, count_between
from teambot.store import queries
from teambot.store.models import Case, CaseConsultant, Goal, Institution, Meeting, Rating, Staff


async def institution_figures(
    session: AsyncSession, start: date, end: date, today: date, institution_ids: set[int] | None = None
) -> list[InstitutionFigures]:
    institutions = (await session.exec(select(Institution).order_by(col(Institution.code)))).all()
    chosen = [i for i in institutions if institution_ids is None or i.id in institution_ids]
    figures = {i.id: InstitutionFigures(i.code, i.name, i.id or 0) for i in chosen}
    last = min(end, today)

    rows = await session.exec(
        select(
            col(Case.institution_id),
            func.count(col(Rating.id)),
            func.sum(when((col(Rating.value) >= 3, 1), else_=0)),
        )
        .join(Goal, col(Goal.id) == col(Rating.goal_id))
        .join(Case, col(Case.id) == col(Goal.case_id))
        .where(col(Rating.day) >= start, col(Rating.day) <= end)
        .group_by(col(Case.institution_id))
    )
    for institution_id, count, met in rows.all():
        if institution_id in figures:
            figures[institution_id].ratings, figures[institution_id].ratings_met = int(count), int(met or 0)

    goals = await session.exec(
        select(Goal, Case)
        .join(Case, col(Case.id) == col(Goal.case_id))
        .where(
            or_(Case.status == "active", col(Case.closed_on) >= start),
            or_(col(Goal.active), col(Goal.ended_on) >= start),
        )
    )
    working: dict[int, list[date]] = {}
    cases_seen: dict[int, set[int]] = defaultdict(set)
    for goal, child in goals.all():
        figure = figures.get(child.institution_id)
        if figure is None:
            continue
        if child.institution_id not in working:
            calendar = await queries.work_calendar(session, child.institution_id)
            working[child.institution_id] = calendar.working_days(start, last) if last >= start else []
        first = max(d for d in (start, goal.started_on, child.start_meeting) if d is not None)
        stop = min(d for d in (last, goal.ended_on, child.closed_on) if d is not None)
        figure.expected_ratings += count_between(working[child.institution_id], first, stop)
        if goal.active and child.status == "active":
            figure.active_goals += 1
            cases_seen[child.institution_id].add(child.id or 0)
    for institution_id, ids in cases_seen.items():
        figures[institution_id].active_cases = len(ids)

    meetings = await session.exec(
        select(Meeting, Case)
        .join(Case, col(Case.id) == col(Meeting.case_id))
        .where(col(Meeting.day) >= start, col(Meeting.day) <= last)
    )
    consultants: dict[int, int] = defaultdict(int)
    pairs = await session.exec(
        select(Case, Staff)
        .join(CaseConsultant, col(CaseConsultant.case_id) == col(Case.id))
        .join(Staff, col(Staff.id) == col(CaseConsultant.staff_id))
        .where(col(Staff.active))
    )
    for child, consultant in pairs.all():
        if set(consultant.roles) & set(child.consent_professions):
            consultants[child.id or 0] += 1
    leads: dict[int, int] = {}
    for meeting, child in meetings.all():
        figure = figures.get(child.institution_id)
        if figure is None:
            continue
        if meeting.status == "cancelled":
            figure.meetings_cancelled += 1
            continue
        if meeting.day == meeting.planned_day:
            figure.meetings_on_time += 1
        else:
            figure.meetings_moved += 1
        if child.institution_id not in leads:
            leads[child.institution_id] = len(await queries.leads_of(session, child.institution_id))
        # The pædagog, the consultants the consent covers and the leads (substitutes stand in one for one).
        figure.meeting_invitations += 1 + consultants[child.id or 0] + leads[child.institution_id]
    return list(figures.values())

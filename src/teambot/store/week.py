"""Everything `/uge` shows for one institution's ISO week, loaded with a handful of indexed queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.ratings import case_access
from teambot.domain.routing import Absence as RoutingAbsence
from teambot.domain.routing import Person, absence_on
from teambot.domain.week import GoalWeek, goal_week, overdue, silent_case, week_days
from teambot.store import queries
from teambot.store.models import Case, CaseConsultant, Goal, Institution, Meeting, Rating, Staff, StaffInstitution


@dataclass(frozen=True)
class MeetingLine:
    case_code: str
    day: date
    start: str
    status: str
    confirmed: int
    participants: int


@dataclass
class AwayToday:
    """A pædagog away today, and who rates her children here instead (her substitute's nudge holds them)."""

    name: str
    substitute: str | None = None
    done: int = 0  # of her goals here rated today, by anyone
    due: int = 0  # of her goals here her substitute is asked to rate today


@dataclass
class InstitutionWeek:
    institution: Institution
    year: int
    week: int
    days: list[date]
    goals: list[GoalWeek] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    meetings: list[MeetingLine] = field(default_factory=list)
    today_done: int = 0
    today_due: int = 0
    # By pædagog (name, staff id: two with one name are two people) → "AK12 mål 2"; → missing ratings this week
    missing_today: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    missing_week: dict[tuple[str, int], int] = field(default_factory=dict)
    # Of those, the ones missing on days a substitute stood in for her: by pædagog → by substitute → the day of each
    # (the days tell two substitutes with one name apart).
    missing_with_substitute: dict[tuple[str, int], dict[tuple[str, int], list[date]]] = field(default_factory=dict)
    # By staff id: pædagoger with registered absence today.
    away_today: dict[int, AwayToday] = field(default_factory=dict)
    # By staff id: each pædagog's name, and the codes of her children in the grid (which tell two namesakes apart).
    paedagogs: dict[int, str] = field(default_factory=dict)
    children_of: dict[int, list[str]] = field(default_factory=dict)

    @property
    def case_codes(self) -> list[str]:
        """Every child the week names: in the grid, and in a meeting line or flag without goals in the grid."""
        meetings = {m.case_code for m in self.meetings}
        return sorted({g.case_code for g in self.goals} | meetings | set(self.silent) | set(self.overdue))


async def institution_week(
    session: AsyncSession,
    institution: Institution,
    year: int,
    week: int,
    today: date,
    *,
    only_cases: set[int] | None = None,
) -> InstitutionWeek:
    """The week for `institution`; `only_cases` limits it to those case ids (staff who are not leads)."""
    days = week_days(year, week)
    result = InstitutionWeek(institution, year, week, days)
    monday, friday = days[0], days[-1]
    # Each case with its pædagog's name, in one read.
    query = (
        select(Case, Staff.name)
        .outerjoin(Staff, col(Staff.id) == col(Case.paedagog_id))
        .where(
            Case.institution_id == institution.id,
            or_(Case.status == "active", col(Case.closed_on) >= monday),
            or_(col(Case.start_meeting).is_(None), col(Case.start_meeting) <= friday),
        )
    )
    found = [(c, name) for c, name in (await session.exec(query)).all() if only_cases is None or c.id in only_cases]
    cases = [c for c, _ in found]
    names = {c.paedagog_id: name for c, name in found if name is not None}
    if not cases:
        return result
    by_id = {c.id: c for c in cases}
    goals = (
        await session.exec(
            select(Goal)
            .where(
                col(Goal.case_id).in_(by_id),
                or_(col(Goal.active), col(Goal.ended_on) >= monday),
            )
            .order_by(col(Goal.case_id), col(Goal.number))
        )
    ).all()
    goal_ids = [g.id for g in goals if g.id is not None]
    ratings: dict[int, dict[date, int]] = defaultdict(dict)
    rows = await session.exec(
        select(col(Rating.goal_id), col(Rating.day), col(Rating.value)).where(
            col(Rating.goal_id).in_(goal_ids), col(Rating.day) >= monday - timedelta(days=14), col(Rating.day) <= friday
        )
    )
    for goal_id, day, value in rows.all():
        ratings[goal_id][day] = value
    calendar = await queries.work_calendar(session, institution.id or 0)
    paedagog_ids = {c.paedagog_id for c in cases}
    # Her substitutes' absences too: a substitute away herself stood in for nobody that day.
    absences = await queries.absences_of(session, paedagog_ids, and_their_substitutes=True)

    def away(staff_id: int, day: date) -> bool:
        return absence_on(absences, staff_id, day) is not None

    in_week_working_day = monday <= today <= friday and calendar.is_working_day(today)
    theirs = {i: a for i, a in absences.items() if i in paedagog_ids}
    covered = await _covered_today(session, theirs, today) if in_week_working_day else {}
    stood_in = await _stood_in(session, institution, cases, absences, [d for d in days if d < today])

    def asked_instead(case: Case, goal_id: int, day: date) -> Person | None:
        """Who stands in to rate the goal on `day` in its absent pædagog's place, by the nudge's rules: today, whose
        nudge holds it; an earlier day, by the absences as registered now (one registered after the day names a
        substitute who was not asked then: the line says "on days with", not "asked")."""
        return covered.get(goal_id) if day == today else stood_in.get((case.paedagog_id, case.id or 0, day))

    rated_days: dict[int, set[date]] = defaultdict(set)
    for goal in goals:
        assert goal.id is not None
        case = by_id[goal.case_id]
        rated_days[goal.case_id] |= set(ratings[goal.id])
        row = goal_week(
            case_code=case.code,
            goal_number=goal.number,
            goal_text=goal.text,
            paedagog=names.get(case.paedagog_id, "?"),
            ratings=ratings[goal.id],
            days=days,
            calendar=calendar,
            today=today,
            active_from=queries.first_day_of(case, goal),
        )
        row = _limit_to_life(row, goal, case)
        result.goals.append(row)
        who = (row.paedagog, case.paedagog_id)
        result.paedagogs[case.paedagog_id] = row.paedagog
        children = result.children_of.setdefault(case.paedagog_id, [])
        if case.code not in children:
            children.append(case.code)
        asked = queries.asked_from(case, goal)
        for cell in row.cells:
            if cell.value is not None or cell.closed or cell.future or (asked is not None and cell.day < asked):
                continue
            if not away(case.paedagog_id, cell.day):
                result.missing_week[who] = result.missing_week.get(who, 0) + 1
            elif (instead := asked_instead(case, goal.id, cell.day)) is not None:
                # A substitute stood in for it that day: missing as on any other day, and she is named.
                result.missing_week[who] = result.missing_week.get(who, 0) + 1
                by_substitute = result.missing_with_substitute.setdefault(who, {})
                by_substitute.setdefault((instead.name, instead.staff_id), []).append(cell.day)
            # Otherwise nobody stood in to rate it that day (away without a substitute): not missing.
        if not in_week_working_day:
            continue  # today's absence and due ratings belong to the week of today, on a day ratings are asked
        if not _asked_today(row, goal, case, today):
            continue  # neither due nor missing today, and her absence is nothing to this goal
        if away(case.paedagog_id, today):
            absent = result.away_today.setdefault(case.paedagog_id, AwayToday(row.paedagog))
            substitute = covered.get(goal.id)
            if substitute is not None:
                # Her substitute is asked to rate it: it counts as due today, and a rating by anyone as given.
                absent.substitute = substitute.name
                absent.due += 1
                result.today_due += 1
                if today in ratings[goal.id]:
                    absent.done += 1
                    result.today_done += 1
        else:
            result.today_due += 1
            if today in ratings[goal.id]:
                result.today_done += 1
            else:
                who = (row.paedagog, case.paedagog_id)
                result.missing_today.setdefault(who, []).append(f"{case.code} mål {goal.number}")
    result.goals.sort(key=lambda g: (g.case_code, g.goal_number))
    in_week_today = min(max(today, monday), friday)
    active_goals: dict[int, list[Goal]] = defaultdict(list)
    for goal in goals:
        if goal.active:
            active_goals[goal.case_id].append(goal)
    for case in cases:
        if case.status == "active" and case.id in active_goals and monday <= today:
            began = _asked_since(case, active_goals[case.id])
            if silent_case(rated_days[case.id], calendar, in_week_today, began):
                result.silent.append(case.code)
    await _meetings(session, result, cases, today)
    return result


async def _covered_today(
    session: AsyncSession, absences: dict[int, list[RoutingAbsence]], today: date
) -> dict[int, Person]:
    """Goal id → the substitute whose nudge holds it today, for the pædagoger away today: exactly what her nudge
    asks of her (`queries.nudge_items_of`: who stands in, and only children she may rate)."""
    substitute_ids = {
        a.substitute.staff_id
        for staff_absences in absences.values()
        for a in staff_absences
        if a.covers(today) and a.substitute is not None
    }
    if not substitute_ids:
        return {}
    substitutes = (await session.exec(select(Staff).where(col(Staff.id).in_(substitute_ids)))).all()
    items_of = await queries.nudge_items_of(session, substitutes, today)
    return {
        item.goal_id: queries.person(substitute)
        for substitute in substitutes
        for item in items_of.get(substitute.id or 0, [])
        if item.on_behalf_of_id is not None
    }


async def _stood_in(
    session: AsyncSession,
    institution: Institution,
    cases: list[Case],
    absences: dict[int, list[RoutingAbsence]],
    days: list[date],
) -> dict[tuple[int, int, date], Person]:
    """(Pædagog id, case id, day) → the substitute whose nudge held the case on that earlier day of the week, by the
    nudge's rules (`queries.nudge_scopes`, `nudge_items_of`): her first absence covering the day names a substitute
    who was not away herself and may rate the child. One query, and only when someone stood in this week."""
    standing: dict[tuple[int, date], Person] = {}
    for paedagog_id in {c.paedagog_id for c in cases}:
        for day in days:
            decisive = absence_on(absences, paedagog_id, day)
            substitute = decisive.substitute if decisive is not None else None
            if substitute is not None and absence_on(absences, substitute.staff_id, day) is None:
                standing[paedagog_id, day] = substitute
    if not standing:
        return {}
    stood_in_for = {paedagog_id for paedagog_id, _ in standing}
    their_cases = [c for c in cases if c.paedagog_id in stood_in_for]
    rows = (
        await session.exec(
            select(Staff.id, Staff.roles, StaffInstitution.institution_id, CaseConsultant.case_id)
            .outerjoin(
                StaffInstitution,
                (col(StaffInstitution.staff_id) == col(Staff.id))
                & (col(StaffInstitution.institution_id) == institution.id),
            )
            .outerjoin(
                CaseConsultant,
                (col(CaseConsultant.staff_id) == col(Staff.id))
                & col(CaseConsultant.case_id).in_([c.id for c in their_cases]),
            )
            .where(col(Staff.id).in_({p.staff_id for p in standing.values()}))
        )
    ).all()
    roles = {staff_id: staff_roles for staff_id, staff_roles, _, _ in rows}
    works_here = {staff_id for staff_id, _, works_at, _ in rows if works_at is not None}
    consults = {(staff_id, case_id) for staff_id, _, _, case_id in rows if case_id is not None}

    def may_rate(staff_id: int, case: Case) -> bool:
        return case_access(
            roles=roles.get(staff_id, []),
            works_at_institution=staff_id in works_here,
            is_case_consultant=(staff_id, case.id) in consults,
            consent_professions=case.consent_professions,
        ).write

    return {
        (case.paedagog_id, case.id or 0, day): substitute
        for case in their_cases
        for day in days
        if (substitute := standing.get((case.paedagog_id, day))) is not None and may_rate(substitute.staff_id, case)
    }


def _asked_today(row: GoalWeek, goal: Goal, case: Case, today: date) -> bool:
    """Whether the daily nudge asks for the goal today (`queries.nudge_items_of`): an active goal of an active case,
    from its start (today's cell open). Only then is it due today, and its pædagog's absence today something to the
    week: "Fraværende i dag" lists only those whose children here are asked about today."""
    today_open = any(c.day == today and not c.closed for c in row.cells)
    return goal.active and case.status == "active" and today_open


def _asked_since(case: Case, active_goals: list[Goal]) -> date | None:
    """The first day the nudge asked for any of the case's goals: the earliest of their first days asked
    (`queries.asked_from`; None: one has no first day but the backfill window's)."""
    firsts = [queries.asked_from(case, g) for g in active_goals]
    return None if None in firsts else min(filter(None, firsts), default=case.start_meeting)


def _limit_to_life(row: GoalWeek, goal: Goal, case: Case) -> GoalWeek:
    """Days after a goal ended or its case closed count as closed for it, so they are not 'missing': nobody is asked
    to rate them (the nudge holds active cases only). The day itself counts, as in the quarter's figures."""
    closed_on = case.closed_on if case.status == "closed" else None
    end = min(filter(None, (goal.ended_on, closed_on)), default=None)
    if end is None:
        return row
    cells = [replace(c, closed=c.closed or c.day > end) for c in row.cells]
    return replace(row, cells=cells)


async def _meetings(session: AsyncSession, result: InstitutionWeek, cases: list[Case], today: date) -> None:
    municipality = await queries.municipality(session)
    case_ids = [c.id for c in cases]
    meetings = (
        await session.exec(select(Meeting).where(col(Meeting.case_id).in_(case_ids)).order_by(col(Meeting.day)))
    ).all()
    by_case: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_case[meeting.case_id].append(meeting)
    monday, friday = result.days[0], result.days[-1]
    for case in cases:
        series = by_case.get(case.id or 0, [])
        for meeting in series:
            if monday <= meeting.day <= friday:
                facts = await queries.meeting_facts(session, case, meeting)
                result.meetings.append(
                    MeetingLine(
                        case.code,
                        meeting.day,
                        meeting.start,
                        meeting.status,
                        len(meeting.confirmed_by),
                        len(facts.deliveries),
                    )
                )
        held = [m.day for m in series if m.status == "held"]
        upcoming = [m.day for m in series if m.day >= today and m.status != "cancelled"]
        interval = queries.interval_of(case, municipality)
        if case.status == "active" and overdue(max(held, default=None), min(upcoming, default=None), interval, today):
            result.overdue.append(case.code)
    result.meetings.sort(key=lambda m: (m.day, m.start, m.case_code))

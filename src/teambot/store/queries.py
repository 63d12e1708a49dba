"""The queries the app needs, in one place so commands hold no SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.meetings import DEFAULT_INTERVAL_WEEKS, MeetingFacts, parse_hhmm
from teambot.domain.ratings import NudgeItem, case_access, first_asked_day, first_rating_day
from teambot.domain.roles import CONSULTANT_ROLES, Role
from teambot.domain.routing import Absence as RoutingAbsence
from teambot.domain.routing import Away, Participant, Person, away, route
from teambot.store.models import (
    Absence,
    Case,
    CaseConsultant,
    ClosingPeriod,
    District,
    Goal,
    Institution,
    Meeting,
    Municipality,
    Rating,
    Staff,
    StaffInstitution,
)

# Whether the bot can send a staff member anything: still in the roster (active) and on Slack (a Slack id; one known
# by e-mail only is looked up at start-up). The same rule twice, side by side: a statement's condition (a NULL id is
# not true either) and a loaded row's.
REACHABLE: ColumnElement[bool] = col(Staff.active) & (col(Staff.slack_id) != "")


def reachable_id(staff: Staff | None) -> str | None:
    """`REACHABLE` of a loaded staff member: its Slack id when the bot can send it anything, else None."""
    return staff.slack_id if staff is not None and staff.active and staff.slack_id else None


async def staff_by_slack_id(session: AsyncSession, slack_id: str) -> Staff | None:
    result = await session.exec(select(Staff).where(Staff.slack_id == slack_id, col(Staff.active)))
    return result.first()


async def institution_by_code(session: AsyncSession, code: str) -> Institution | None:
    return (await session.exec(select(Institution).where(Institution.code == code.upper()))).first()


async def institutions_of(session: AsyncSession, staff: Staff) -> Sequence[Institution]:
    result = await session.exec(
        select(Institution)
        .join(StaffInstitution, col(StaffInstitution.institution_id) == col(Institution.id))
        .where(StaffInstitution.staff_id == staff.id)
        .order_by(col(Institution.code))
    )
    return result.all()


async def active_cases_of_paedagog(session: AsyncSession, staff: Staff) -> Sequence[Case]:
    result = await session.exec(
        select(Case).where(Case.paedagog_id == staff.id, Case.status == "active").order_by(col(Case.code))
    )
    return result.all()


async def active_cases_consulted_by(session: AsyncSession, staff: Staff) -> list[Case]:
    """Active cases `staff` is a consultant on and may read: those whose consent covers her profession."""
    cases = (
        await session.exec(
            select(Case)
            .join(CaseConsultant, col(CaseConsultant.case_id) == col(Case.id))
            .where(CaseConsultant.staff_id == staff.id, Case.status == "active")
            .order_by(col(Case.code))
        )
    ).all()
    return [
        case
        for case in cases
        if case_access(
            roles=staff.roles,
            works_at_institution=False,
            is_case_consultant=True,
            consent_professions=case.consent_professions,
        ).read
    ]


async def institution_codes_of(session: AsyncSession, staff_ids: Iterable[int]) -> dict[int, list[str]]:
    """The codes of each staff member's institutions, by code (`institutions_of` for many, in one query)."""
    rows = await session.exec(
        select(StaffInstitution.staff_id, Institution.code)
        .join(Institution, col(Institution.id) == col(StaffInstitution.institution_id))
        .where(col(StaffInstitution.staff_id).in_(list(staff_ids)))
        .order_by(col(Institution.code))
    )
    result: dict[int, list[str]] = {}
    for staff_id, code in rows.all():
        result.setdefault(staff_id, []).append(code)
    return result


@dataclass(frozen=True)
class InstitutionRow:
    institution: Institution
    district: str | None
    leads: list[str]


async def institution_overview(session: AsyncSession) -> list[InstitutionRow]:
    institutions = (await session.exec(select(Institution).order_by(col(Institution.code)))).all()
    districts = {d.id: d.name for d in (await session.exec(select(District))).all()}
    memberships = (
        await session.exec(
            select(StaffInstitution.institution_id, Staff).join(Staff, col(Staff.id) == col(StaffInstitution.staff_id))
        )
    ).all()
    leads: dict[int, list[str]] = {}
    for institution_id, staff in memberships:
        if Role.LEDER in staff.roles and staff.active:
            leads.setdefault(institution_id, []).append(staff.name)
    return [InstitutionRow(i, districts.get(i.district_id), sorted(leads.get(i.id or 0, []))) for i in institutions]


def closings_of(institution_id: Any) -> ColumnElement[bool]:
    """The closing periods that apply to an institution (a value or a column): its own and the municipality's."""
    own: ColumnElement[bool] = col(ClosingPeriod.institution_id) == institution_id
    return own | col(ClosingPeriod.institution_id).is_(None)


async def work_calendar(session: AsyncSession, institution_id: int) -> WorkCalendar:
    """The institution's calendar: its own and the municipality's closing periods."""
    result = await session.exec(select(ClosingPeriod).where(closings_of(institution_id)))
    return WorkCalendar.of(DateRange(p.start, p.end) for p in result.all())


def interval_of(case: Case, municipality: Municipality) -> int:
    """Weeks between a case's status meetings: its own, the municipality's, or the default."""
    return case.meeting_interval_weeks or municipality.meeting_interval_weeks or DEFAULT_INTERVAL_WEEKS


async def municipality_calendar(session: AsyncSession) -> WorkCalendar:
    """The calendar every institution shares: public holidays and the municipality's own closing days."""
    result = await session.exec(select(ClosingPeriod).where(col(ClosingPeriod.institution_id).is_(None)))
    return WorkCalendar.of(DateRange(p.start, p.end) for p in result.all())


async def municipality(session: AsyncSession) -> Municipality:
    """The municipality's policy row; defaults when nothing has been imported yet."""
    return (await session.exec(select(Municipality))).first() or Municipality(name="")


def person(staff: Staff) -> Person:
    assert staff.id is not None
    return Person(staff_id=staff.id, slack_id=staff.slack_id or "", name=staff.name)


async def leads_of(session: AsyncSession, institution_id: int) -> Sequence[Staff]:
    result = await session.exec(
        select(Staff)
        .join(StaffInstitution, col(StaffInstitution.staff_id) == col(Staff.id))
        .where(StaffInstitution.institution_id == institution_id, col(Staff.active))
        .order_by(col(Staff.name))
    )
    return [s for s in result.all() if Role.LEDER in s.roles]


async def case_participants(session: AsyncSession, case: Case) -> list[Participant]:
    """Who takes part in the case's status meetings: its pædagog, its consultants whose profession the consent
    covers, and the institution's leads."""
    paedagog = await session.get(Staff, case.paedagog_id)
    consultants = (
        await session.exec(
            select(Staff)
            .join(CaseConsultant, col(CaseConsultant.staff_id) == col(Staff.id))
            .where(CaseConsultant.case_id == case.id, col(Staff.active))
            .order_by(col(Staff.name))
        )
    ).all()
    return participants_of(case, paedagog, consultants, await leads_of(session, case.institution_id))


def participants_of(
    case: Case, paedagog: Staff | None, consultants: Iterable[Staff], leads: Iterable[Staff]
) -> list[Participant]:
    """The participants of `case` from its pædagog, its active consultants and the institution's active leads
    (both by name)."""
    participants: list[Participant] = []
    if paedagog is not None and reachable_id(paedagog):
        participants.append(Participant(person(paedagog), Role.PAEDAGOG.value))
    for consultant in consultants:
        # Without consent covering their profession, the bot tells a consultant nothing about the child; with two
        # professions, the one consent covers counts (as in case_access).
        role = next((r for r in consultant.roles if r in CONSULTANT_ROLES and r in case.consent_professions), None)
        if consultant.slack_id and role is not None:
            participants.append(Participant(person(consultant), role))
    for lead in leads:
        if lead.slack_id and all(p.person.staff_id != lead.id for p in participants):
            participants.append(Participant(person(lead), Role.LEDER.value))
    return participants


async def absences_of(
    session: AsyncSession,
    staff_ids: Iterable[int],
    *,
    ending_from: date | None = None,
    and_their_substitutes: bool = False,
) -> dict[int, list[RoutingAbsence]]:
    """Absences of `staff_ids` (those ending on or after `ending_from`, when given), with usable substitutes;
    `and_their_substitutes`: the absences of whoever stands in for them too, in the same statement (someone away
    herself stands in for nobody)."""
    ids = list(staff_ids)
    whose: ColumnElement[bool] = col(Absence.staff_id).in_(ids)
    if and_their_substitutes:
        whose = whose | col(Absence.staff_id).in_(select(Absence.substitute_id).where(col(Absence.staff_id).in_(ids)))
    query = select(Absence).where(whose)
    if ending_from is not None:
        query = query.where(col(Absence.end) >= ending_from)
    rows = (await session.exec(query.order_by(col(Absence.id)))).all()
    substitutes = {  # only those who can get messages are usable
        s.id: s
        for s in (
            await session.exec(
                select(Staff).where(col(Staff.id).in_([r.substitute_id for r in rows if r.substitute_id]), REACHABLE)
            )
        ).all()
    }
    result: dict[int, list[RoutingAbsence]] = {}
    for row in rows:
        substitute = substitutes.get(row.substitute_id) if row.substitute_id else None
        result.setdefault(row.staff_id, []).append(
            RoutingAbsence(row.start, row.end, person(substitute) if substitute is not None else None)
        )
    return result


async def meeting_facts(session: AsyncSession, case: Case, meeting: Meeting) -> MeetingFacts:
    assert meeting.id is not None
    participants = await case_participants(session, case)
    absences = await absences_of(session, [p.person.staff_id for p in participants])
    institution = await session.get(Institution, case.institution_id)
    return MeetingFacts(
        meeting_id=meeting.id,
        case_code=case.code,
        institution_name=institution.name if institution else "",
        day=meeting.day,
        start=parse_hhmm(meeting.start),
        deliveries=route(participants, absences, meeting.day),
    )


async def away_on(session: AsyncSession, case: Case, day: date) -> list[Away]:
    """The case's meeting participants absent on `day`, with whom their messages go to instead."""
    participants = await case_participants(session, case)
    absences = await absences_of(session, [p.person.staff_id for p in participants])
    return away(participants, absences, day)


async def case_by_code(session: AsyncSession, code: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.code == code.upper()))).first()


async def staff_by_name(session: AsyncSession, name: str) -> Staff | None:
    """An active staff member whose full name matches (case-insensitive), if exactly one does."""
    wanted = " ".join(name.split()).lower()
    matches = [
        s for s in (await session.exec(select(Staff).where(col(Staff.active)))).all() if s.name.lower() == wanted
    ]
    return matches[0] if len(matches) == 1 else None


async def next_meeting(session: AsyncSession, case: Case, today: date) -> Meeting | None:
    """The case's next status meeting on or after `today` that is not cancelled."""
    return (
        await session.exec(
            select(Meeting)
            .where(Meeting.case_id == case.id, col(Meeting.day) >= today, Meeting.status != "cancelled")
            .order_by(col(Meeting.day))
        )
    ).first()


async def meeting_with_case(
    session: AsyncSession, meeting_id: int, *, lock: bool = False
) -> tuple[Meeting | None, Case | None]:
    """The meeting and its case. `lock`, for a change: the case row is locked as the planner locks it, so a pass
    that moves the meeting (a new closing day) and a person's move or confirmation come one after the other, and the
    meeting is read as the pass left it; otherwise the pass would write its day over the person's."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        return None, None
    if not lock:
        return meeting, await session.get(Case, meeting.case_id)
    locked = await cases_locked(session, [meeting.case_id])
    meeting = await session.get(Meeting, meeting_id, populate_existing=True)
    return meeting, locked[0] if locked and meeting is not None else None


def _open(closed_since: date | None) -> ColumnElement[bool]:
    """Active cases, and with `closed_since` those closed on or after it too."""
    if closed_since is None:
        return col(Case.status) == "active"
    return or_(col(Case.status) == "active", col(Case.closed_on) >= closed_since)


async def case_ids_involving(session: AsyncSession, staff: Staff, *, closed_since: date | None = None) -> list[int]:
    """Active cases (and those closed since `closed_since`) where `staff` is pædagog, consultant, or lead of the
    institution."""
    live = _open(closed_since)
    ids = set((await session.exec(select(Case.id).where(Case.paedagog_id == staff.id, live))).all())
    ids |= set(
        (
            await session.exec(
                select(CaseConsultant.case_id)
                .join(Case, col(Case.id) == col(CaseConsultant.case_id))
                .where(CaseConsultant.staff_id == staff.id, live)
            )
        ).all()
    )
    if Role.LEDER in staff.roles:
        institutions = [i.id for i in await institutions_of(session, staff)]
        ids |= set((await session.exec(select(Case.id).where(col(Case.institution_id).in_(institutions), live))).all())
    return sorted(i for i in ids if i is not None)


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    case: Case
    institution: str
    facts: MeetingFacts  # who takes part on the meeting's day

    @property
    def participants(self) -> int:
        return len(self.facts.deliveries)


async def meetings_for(
    session: AsyncSession, staff: Staff, today: date, *, closed_since: date | None = None
) -> list[MeetingRow]:
    """Upcoming meetings `staff` takes part in, in their own right or standing in for someone absent; of active
    cases, and with `closed_since` of cases closed since then too (a calendar shows their meetings cancelled)."""
    case_ids = set(await case_ids_involving(session, staff, closed_since=closed_since))
    stood_in_for = (await session.exec(select(Absence).where(Absence.substitute_id == staff.id))).all()
    for absence in stood_in_for:
        absent = await session.get(Staff, absence.staff_id)
        if absent is not None:
            case_ids |= set(await case_ids_involving(session, absent, closed_since=closed_since))
    rows: list[MeetingRow] = []
    upcoming = (
        await session.exec(
            select(Meeting, Case, Institution)
            .join(Case, col(Case.id) == col(Meeting.case_id))
            .join(Institution, col(Institution.id) == col(Case.institution_id))
            .where(col(Meeting.case_id).in_(case_ids), col(Meeting.day) >= today, _open(closed_since))
            .order_by(col(Meeting.day), col(Meeting.start), col(Case.code))  # "HH:MM": in order as text
        )
    ).all()
    for meeting, case, institution in upcoming:
        facts = await meeting_facts(session, case, meeting)
        if any(d.recipient.staff_id == staff.id for d in facts.deliveries):
            rows.append(MeetingRow(meeting, case, institution.name, facts))
    return rows


# -- batches for the planner: a few queries for a chunk of cases instead of a dozen per case -------------------


async def cases_to_plan(session: AsyncSession, *, after: int, limit: int) -> list[Case]:
    """The next `limit` cases by id after `after`, locked (PostgreSQL) so two planners never extend the same
    series at once; SQLite's write transaction already serialises them."""
    query = select(Case).where(col(Case.id) > after).order_by(col(Case.id)).limit(limit).with_for_update()
    return list((await session.exec(query)).all())


async def cases_locked(session: AsyncSession, case_ids: Sequence[int]) -> list[Case]:
    """The cases `case_ids`, by id, locked like `cases_to_plan`."""
    query = select(Case).where(col(Case.id).in_(case_ids)).order_by(col(Case.id)).with_for_update()
    return list((await session.exec(query)).all())


async def meetings_of_cases(session: AsyncSession, case_ids: Iterable[int]) -> dict[int, list[Meeting]]:
    """Each case's status meetings in series order."""
    rows = await session.exec(
        select(Meeting).where(col(Meeting.case_id).in_(list(case_ids))).order_by(col(Meeting.case_id), col(Meeting.seq))
    )
    result: dict[int, list[Meeting]] = {}
    for meeting in rows.all():
        result.setdefault(meeting.case_id, []).append(meeting)
    return result


async def work_calendars(session: AsyncSession, institution_ids: Iterable[int]) -> dict[int, WorkCalendar]:
    """`work_calendar` of each institution, from one query."""
    ids = list(institution_ids)
    periods = (
        await session.exec(
            select(ClosingPeriod).where(
                col(ClosingPeriod.institution_id).in_(ids) | col(ClosingPeriod.institution_id).is_(None)
            )
        )
    ).all()
    return {
        i: WorkCalendar.of(
            DateRange(p.start, p.end) for p in periods if p.institution_id is None or p.institution_id == i
        )
        for i in ids
    }


async def leads_of_institutions(session: AsyncSession, institution_ids: Iterable[int]) -> dict[int, list[Staff]]:
    """`leads_of` each institution, from one query."""
    rows = await session.exec(
        select(StaffInstitution.institution_id, Staff)
        .join(Staff, col(Staff.id) == col(StaffInstitution.staff_id))
        .where(col(StaffInstitution.institution_id).in_(list(institution_ids)), col(Staff.active))
        .order_by(col(Staff.name))
    )
    result: dict[int, list[Staff]] = {}
    for institution_id, staff in rows.all():
        if Role.LEDER in staff.roles:
            result.setdefault(institution_id, []).append(staff)
    return result


async def meeting_facts_of(session: AsyncSession, meetings: Sequence[tuple[Case, Meeting]]) -> dict[int, MeetingFacts]:
    """`meeting_facts` of many meetings (by meeting id), in a handful of queries whatever their number."""
    if not meetings:
        return {}
    cases = {case.id: case for case, _ in meetings if case.id is not None}
    institution_ids = {case.institution_id for case in cases.values()}
    names: dict[int | None, str] = dict(
        (
            await session.exec(select(Institution.id, Institution.name).where(col(Institution.id).in_(institution_ids)))
        ).all()
    )
    paedagogs = {
        s.id: s
        for s in (
            await session.exec(select(Staff).where(col(Staff.id).in_({c.paedagog_id for c in cases.values()})))
        ).all()
    }
    consultants: dict[int, list[Staff]] = {}
    for case_id, staff in (
        await session.exec(
            select(CaseConsultant.case_id, Staff)
            .join(Staff, col(Staff.id) == col(CaseConsultant.staff_id))
            .where(col(CaseConsultant.case_id).in_(list(cases)), col(Staff.active))
            .order_by(col(Staff.name))
        )
    ).all():
        consultants.setdefault(case_id, []).append(staff)
    leads = await leads_of_institutions(session, institution_ids)
    participants = {
        ident: participants_of(
            case, paedagogs.get(case.paedagog_id), consultants.get(ident, []), leads.get(case.institution_id, [])
        )
        for ident, case in cases.items()
    }
    # Routing only asks which absence covers the meeting day, so absences that ended before it do not matter.
    absences = await absences_of(
        session,
        {p.person.staff_id for people in participants.values() for p in people},
        ending_from=min(meeting.day for _, meeting in meetings),
    )
    facts: dict[int, MeetingFacts] = {}
    for case, meeting in meetings:
        assert case.id is not None and meeting.id is not None
        facts[meeting.id] = MeetingFacts(
            meeting_id=meeting.id,
            case_code=case.code,
            institution_name=names.get(case.institution_id, ""),
            day=meeting.day,
            start=parse_hhmm(meeting.start),
            deliveries=route(participants[case.id], absences, meeting.day),
        )
    return facts


@dataclass(frozen=True)
class NudgeScope:
    """Whose children are in one person's daily nudge on a day."""

    own: bool  # her own children: not while she is absent
    covering: tuple[Staff, ...] = ()  # the absent colleagues she is the substitute for that day, by name


async def nudge_scopes(
    session: AsyncSession, staff_ids: Iterable[int], day: date, *, asked: bool = False
) -> dict[int, NudgeScope]:
    """Whose children are in each person's nudge on `day`: her own unless she is absent, and those of each absent
    colleague she is the registered substitute for that day (as meeting invitations are routed, `route`: the
    colleague's first absence covering the day decides). Someone absent herself stands in for nobody.

    `asked`: the list she asks for herself (`/rating mangler`, Home, a button's redraw) holds her own children
    while she is absent too: she may still rate them, and without a substitute nobody else is asked to."""
    ids = list(staff_ids)
    covers = (col(Absence.start) <= day) & (col(Absence.end) >= day)
    stood_in_for = select(Absence.staff_id).where(covers, col(Absence.substitute_id).in_(ids))
    absences = (
        await session.exec(
            select(Absence)
            .where(covers, col(Absence.staff_id).in_(ids) | col(Absence.staff_id).in_(stood_in_for))
            .order_by(col(Absence.id))
        )
    ).all()
    first: dict[int, Absence] = {}
    for absence in absences:
        first.setdefault(absence.staff_id, absence)
    covering: dict[int, list[int]] = {}
    for absent_id, absence in first.items():
        if absence.substitute_id in ids and absence.substitute_id not in first:
            covering.setdefault(absence.substitute_id, []).append(absent_id)
    colleagues = {
        s.id: s
        for s in (
            await session.exec(select(Staff).where(col(Staff.id).in_([i for c in covering.values() for i in c])))
        ).all()
    }
    return {
        ident: NudgeScope(
            own=asked or ident not in first,
            covering=tuple(
                sorted(
                    (colleagues[c] for c in covering.get(ident, []) if c in colleagues), key=lambda s: (s.name, s.id)
                )
            ),
        )
        for ident in ids
    }


def first_day_of(case: Case, goal: Goal) -> date | None:
    """The first day `goal` can be rated (`first_rating_day`): `/rating`, the nudge and `/uge` all ask this."""
    return first_rating_day(case.start_meeting, goal.started_on, from_start_meeting=goal.from_start_meeting)


def asked_from(case: Case, goal: Goal) -> date | None:
    """The first day the nudge asked for `goal` (`first_asked_day`): what `/uge` counts missing from."""
    return first_asked_day(case.start_meeting, goal.started_on)


async def nudge_items_of(
    session: AsyncSession, staff: Sequence[Staff], day: date, *, asked: bool = False
) -> dict[int, list[NudgeItem]]:
    """Each person's daily nudge on `day`, by staff id: the active goals of the children in it (`nudge_scopes`:
    her own first, then each absent colleague's she stands in for) with the ratings given so far; in a few queries
    whatever their number.

    Only cases whose institution is open that day count, and only children she may rate (`case_access`): a
    substitute from elsewhere gets no buttons she could not use."""
    members = {s.id: s for s in staff if s.id is not None}
    scopes = await nudge_scopes(session, members, day, asked=asked)
    paedagog_ids = {i for i, scope in scopes.items() if scope.own} | {
        c.id for scope in scopes.values() for c in scope.covering if c.id is not None
    }
    cases = (
        await session.exec(
            select(Case)
            .where(col(Case.paedagog_id).in_(paedagog_ids), Case.status == "active")
            .order_by(col(Case.code))
        )
    ).all()
    calendars = await work_calendars(session, {case.institution_id for case in cases})
    counted: dict[int, list[Case]] = {}
    for case in cases:
        # Only cases whose institution is open that day count: no nudge for a closed day.
        if (case.start_meeting is None or day >= case.start_meeting) and calendars[case.institution_id].is_working_day(
            day
        ):
            counted.setdefault(case.paedagog_id, []).append(case)
    case_ids = [c.id for cs in counted.values() for c in cs]
    works_at = set(
        (
            await session.exec(
                select(StaffInstitution.staff_id, StaffInstitution.institution_id).where(
                    col(StaffInstitution.staff_id).in_(list(members))
                )
            )
        ).all()
    )
    consults = set(
        (
            await session.exec(
                select(CaseConsultant.case_id, CaseConsultant.staff_id).where(
                    col(CaseConsultant.case_id).in_(case_ids), col(CaseConsultant.staff_id).in_(list(members))
                )
            )
        ).all()
    )
    goals: dict[int, list[Goal]] = {}
    for goal in (
        await session.exec(
            select(Goal)
            .where(col(Goal.case_id).in_(case_ids), col(Goal.active))
            .order_by(col(Goal.case_id), col(Goal.number))
        )
    ).all():
        goals.setdefault(goal.case_id, []).append(goal)
    goal_ids = [g.id for gs in goals.values() for g in gs]
    ratings = {
        r.goal_id: r
        for r in (await session.exec(select(Rating).where(col(Rating.goal_id).in_(goal_ids), Rating.day == day))).all()
    }
    raters: dict[int | None, str] = dict(
        (
            await session.exec(
                select(Staff.id, Staff.name).where(col(Staff.id).in_({r.rated_by for r in ratings.values()}))
            )
        ).all()
    )
    items: dict[int, list[NudgeItem]] = {ident: [] for ident in members}
    for ident, scope in scopes.items():
        member = members[ident]
        whose: list[tuple[int, Staff | None]] = [(ident, None)] if scope.own else []
        whose += [(c.id, c) for c in scope.covering if c.id is not None]
        for paedagog_id, colleague in whose:
            for case in counted.get(paedagog_id, []):
                access = case_access(
                    roles=member.roles,
                    works_at_institution=(ident, case.institution_id) in works_at,
                    is_case_consultant=(case.id, ident) in consults,
                    consent_professions=case.consent_professions,
                )
                if not access.write:
                    continue  # no button she could not use: the child is left out of her nudge
                for goal in goals.get(case.id or 0, []):
                    first = first_day_of(case, goal)
                    if first is not None and day < first:
                        continue  # not begun that day: `/rating` would refuse the button (an earlier day's nudge)
                    assert goal.id is not None
                    rating = ratings.get(goal.id)
                    items[ident].append(
                        NudgeItem(
                            case.code,
                            goal.id,
                            goal.number,
                            goal.text,
                            rating.value if rating else None,
                            raters.get(rating.rated_by, "?") if rating else None,
                            colleague.name if colleague else None,
                            colleague.id if colleague else None,
                        )
                    )
    return items

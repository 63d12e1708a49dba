"""`/teambot forløb`: create and manage a child's case in Slack — goals, consultants, consent, closing.

Only the institution's leads and the case's pædagog may change a case; everything is audited.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.domain.dates import looks_like_day, parse_nearest_day, parse_past_event_day
from teambot.domain.meetings import local_instant, parse_hhmm
from teambot.domain.numbers import parse_int
from teambot.domain.roles import CONSULTANT_ROLES, Role, parse_role
from teambot.domain.roster import CASE_CODE, is_new_case_code
from teambot.i18n import format_date, t
from teambot.store import audit, queries
from teambot.store import ratings as store
from teambot.store.models import Case, CaseConsultant, Goal, Institution, Meeting, Staff, StaffInstitution
from teambot.store.revisions import revise

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
MAX_GOAL = 300


async def _person(session: AsyncSession, text: str) -> Staff:
    match = MENTION.match(text.strip())
    found = await queries.staff_by_slack_id(session, match.group(1) or match.group(2)) if match else None
    found = found or await queries.staff_by_name(session, text.lstrip("@"))
    if found is None:
        raise UserError(t("case.unknown_person", text=text.strip()))
    return found


async def _manageable(session: AsyncSession, staff: Staff, code: str) -> Case:
    """The case, if `staff` may change it: a lead of its institution or its own pædagog."""
    case = await queries.case_by_code(session, code)
    if case is None or not await _may_manage(session, staff, case):
        raise UserError(t("case.unknown_or_not_yours", code=code.upper()))
    return case


async def _may_manage(session: AsyncSession, staff: Staff, case: Case) -> bool:
    """Its own pædagog or a lead, working at the child's institution (a pædagog who has moved on may not)."""
    if case.paedagog_id != staff.id and Role.LEDER not in staff.roles:
        return False
    member = await session.exec(
        select(StaffInstitution).where(
            StaffInstitution.staff_id == staff.id, StaffInstitution.institution_id == case.institution_id
        )
    )
    return member.first() is not None


async def _replan(ctx: Context, case: Case) -> None:
    if ctx.replan is not None and case.id is not None:
        await ctx.replan(case.id)


@REGISTRY.command("/teambot", "forløb", key="forloeb", aliases=("forlob", "forloeb", "case"))
async def case_command(ctx: Context, args: str) -> Reply:
    """`/teambot forløb <kode>` shows a case; `opret`, `start`, `mål`, `afslut`, `konsulent`, `samtykke`, `luk`
    change it."""
    staff = ctx.require_staff()
    word, _, rest = args.strip().partition(" ")
    handlers = {
        "opret": _create,
        "start": _start,
        "mål": _add_goal,
        "maal": _add_goal,
        "afslut": _end_goal,
        "konsulent": _add_consultant,
        "samtykke": _consent,
        "luk": _close,
    }
    handler = handlers.get(word.lower())
    if handler is not None:
        return await handler(ctx, staff, rest.strip())
    if not word:
        raise UserError(t("case.usage"))
    return await _show(ctx, staff, word)


async def _show(ctx: Context, staff: Staff, code: str) -> Reply:
    async with ctx.db.write() as session:
        view = await store.case_view(session, code)
        if view is None or not (await store.access_to(session, staff, view.case)).read:
            raise UserError(t("case.unknown_or_hidden", code=code.upper()))
        case = view.case
        paedagog = await session.get(Staff, case.paedagog_id)
        consultants = (
            await session.exec(
                select(Staff)
                .join(CaseConsultant, col(CaseConsultant.staff_id) == col(Staff.id))
                .where(CaseConsultant.case_id == case.id)
                .order_by(col(Staff.name))
            )
        ).all()
        audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="case.read", case_code=case.code)
    consent = (
        t("case.consent_line", date=format_date(case.consent_date), professions=", ".join(case.consent_professions))
        if case.consent_date and case.consent_professions
        else t("case.no_consent")
    )
    lines = [
        t(
            "case.title",
            code=case.code,
            institution=view.institution.name,
            status=_status(case),
        ),
        t("case.paedagog_line", name=paedagog.name if paedagog else "–"),
        t("case.consultants_line", names=", ".join(f"{c.name} ({', '.join(c.roles)})" for c in consultants) or "–"),
        consent,
        _start_line(case),
        t("case.goals_title"),
        *(t("rating.goal_line", number=g.number, text=g.text) for g in view.goals),
    ]
    if not view.goals:
        # A closed case takes no new goals: no hint at a command that would be refused.
        lines.append(t("case.no_goals", code=case.code) if case.status == "active" else t("case.no_goals_closed"))
    return Reply("\n".join(lines))


def _status(case: Case) -> str:
    if case.status == "active":
        return t("case.status_active")
    return t("case.status_closed_on", date=format_date(case.closed_on)) if case.closed_on else t("case.status_closed")


def _start_line(case: Case) -> str:
    if case.start_meeting:
        return t("case.start_line", date=format_date(case.start_meeting))
    return t("case.no_start") if case.status == "active" else t("case.no_start_closed")


async def _create(ctx: Context, staff: Staff, args: str) -> Reply:
    words = args.split()
    if not words:
        raise UserError(t("case.create_usage"))
    code = words[0].upper()
    if not CASE_CODE.match(code):
        raise UserError(t("case.bad_code", code=words[0]))
    if not is_new_case_code(code):
        raise UserError(t("case.code_without_digit", code=words[0]))
    async with ctx.db.write() as session:
        if await queries.case_by_code(session, code) is not None:
            raise UserError(t("case.exists", code=code))
        institutions = list(await queries.institutions_of(session, staff))
        institution: Institution | None = None
        paedagog: Staff = staff
        start = None
        named: list[str] = []  # the pædagog: a mention, or a name of one or more words ("Ali Hassan")
        for word in words[1:]:
            found = next((i for i in institutions if i.code == word.upper()), None)
            if found is not None:
                institution = found
                continue
            if await queries.institution_by_code(session, word) is not None:  # a real one, just not theirs
                raise UserError(t("case.not_your_institution", code=word.upper()))
            day = parse_nearest_day(word, ctx.today())
            if day is None and looks_like_day(word):
                raise UserError(t("meeting.bad_date", text=word))  # 31/2: a date that does not exist
            if day is not None:
                start = day
                continue
            named.append(word)
        if named:
            paedagog = await _person(session, " ".join(named))
        if institution is None:
            if len(institutions) != 1:
                raise UserError(t("case.which_institution", codes=", ".join(i.code for i in institutions) or "–"))
            institution = institutions[0]
        if Role.LEDER not in staff.roles and paedagog.id != staff.id:
            raise UserError(t("case.only_lead_assigns"))
        if Role.PAEDAGOG not in paedagog.roles:
            raise UserError(t("case.not_a_paedagog", name=paedagog.name))
        works_there = await session.exec(
            select(StaffInstitution).where(
                StaffInstitution.staff_id == paedagog.id, StaffInstitution.institution_id == institution.id
            )
        )
        if works_there.first() is None:
            raise UserError(t("case.paedagog_elsewhere", name=paedagog.name, institution=institution.name))
        assert institution.id is not None and paedagog.id is not None
        case = Case(code=code, institution_id=institution.id, paedagog_id=paedagog.id, start_meeting=start)
        if start is not None:
            await _check_start(session, case, start, ctx.today())
        session.add(case)
        await session.flush()
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="case.create",
            case_code=code,
            institution=institution.code,
        )
    await _replan(ctx, case)
    when = t("case.created_start", date=format_date(start)) if start else t("case.created_no_start", code=code)
    return Reply(t("case.created", code=code, institution=institution.name, name=paedagog.name, when=when))


async def _check_start(session: AsyncSession, case: Case, day: date, today: date) -> None:
    """A start meeting lies at most one meeting interval back and a year ahead, on a working day of the case's
    institution. It cannot be changed once set: a mistyped year would plan years of meetings, all "held"."""
    weeks = queries.interval_of(case, await queries.municipality(session))
    if not today - timedelta(weeks=weeks) <= day <= today + timedelta(days=365):
        raise UserError(t("case.start_out_of_range", date=format_date(day), weeks=weeks))
    if not (await queries.work_calendar(session, case.institution_id)).is_working_day(day):
        raise UserError(t("case.start_closed", date=format_date(day)))


async def _start(ctx: Context, staff: Staff, args: str) -> Reply:
    """The start meeting of a case made without one: the series of status meetings is planned from it."""
    words = args.split()
    day = parse_nearest_day(words[1], ctx.today()) if len(words) == 2 else None
    if day is None:
        raise UserError(t("case.start_usage"))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, words[0])
        if case.status != "active":
            raise UserError(t("case.already_closed", code=case.code))
        if case.start_meeting is not None:
            # Moving the anchor would reshuffle meetings already planned and announced; `flyt` moves one meeting.
            raise UserError(t("case.start_already", code=case.code, date=format_date(case.start_meeting)))
        await _check_start(session, case, day, ctx.today())
        case.start_meeting = day
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="case.start",
            case_code=case.code,
            day=day.isoformat(),
        )
    await _replan(ctx, case)
    return Reply(t("case.start_set", code=case.code, date=format_date(day)))


async def _add_goal(ctx: Context, staff: Staff, args: str) -> Reply:
    code, _, text = args.partition(" ")
    text = " ".join(text.split())
    if not code or not text:
        raise UserError(t("case.goal_usage"))
    if len(text) > MAX_GOAL:
        raise UserError(t("case.goal_too_long", max=MAX_GOAL))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, code)
        if case.status != "active":
            raise UserError(t("case.already_closed", code=case.code))
        number = (await session.exec(select(func.max(Goal.number)).where(Goal.case_id == case.id))).one() or 0
        assert case.id is not None
        session.add(Goal(case_id=case.id, number=number + 1, text=text, started_on=ctx.today()))
        audit.record(
            session, at=ctx.clock.now(), actor=ctx.user_id, action="goal.create", case_code=case.code, goal=number + 1
        )
    return Reply(t("case.goal_added", code=case.code, number=number + 1, text=text))


async def _end_goal(ctx: Context, staff: Staff, args: str) -> Reply:
    words = args.split()
    number = parse_int(words[1]) if len(words) == 2 else None
    if number is None:
        raise UserError(t("case.end_goal_usage"))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, words[0])
        goal = (
            await session.exec(select(Goal).where(Goal.case_id == case.id, Goal.number == number, col(Goal.active)))
        ).first()
        if goal is None:
            raise UserError(t("case.no_such_goal", code=case.code, number=words[1]))
        goal.active, goal.ended_on = False, ctx.today()
        audit.record(
            session, at=ctx.clock.now(), actor=ctx.user_id, action="goal.end", case_code=case.code, goal=goal.number
        )
    return Reply(t("case.goal_ended", code=case.code, number=goal.number, text=goal.text))


async def _add_consultant(ctx: Context, staff: Staff, args: str) -> Reply:
    code, _, who = args.partition(" ")
    if not code or not who.strip():
        raise UserError(t("case.consultant_usage"))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, code)
        person = await _person(session, who)
        if not set(person.roles) & CONSULTANT_ROLES:
            raise UserError(t("case.not_a_consultant", name=person.name))
        exists = await session.exec(
            select(CaseConsultant).where(CaseConsultant.case_id == case.id, CaseConsultant.staff_id == person.id)
        )
        if exists.first() is not None:
            raise UserError(t("case.consultant_exists", name=person.name, code=case.code))
        assert case.id is not None and person.id is not None
        session.add(CaseConsultant(case_id=case.id, staff_id=person.id))
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="case.consultant",
            case_code=case.code,
            staff=person.id,
        )
    await _replan(ctx, case)
    covered = bool(set(person.roles) & set(case.consent_professions))
    note = "" if covered else " " + t("case.consultant_needs_consent", role=person.roles[0])
    return Reply(t("case.consultant_added", name=person.name, code=case.code) + note)


async def _consent(ctx: Context, staff: Staff, args: str) -> Reply:
    words = args.split()
    if len(words) < 2:
        raise UserError(t("case.consent_usage"))
    code, professions_text, rest = words[0], words[1], words[2:]
    day = ctx.today()
    if rest:
        text = " ".join(rest)
        # "5/12" typed on 4 December is tomorrow, refused as a consent to come, not recorded a year old.
        parsed = parse_past_event_day(text, ctx.today())
        if parsed is None or parsed > ctx.today():
            raise UserError(t("case.bad_consent_date", text=" ".join(rest)))
        day = parsed
    professions: list[str] = []
    if professions_text.lower() != "ingen":
        # An empty item ("psykolog," or a doubled comma) is no profession, not an unknown one.
        for text in filter(None, professions_text.split(",")):
            role = parse_role(text)
            if role is None or role not in CONSULTANT_ROLES:
                raise UserError(t("case.unknown_profession", text=text))
            professions.append(role.value)
        if not professions:
            raise UserError(t("case.consent_usage"))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, code)
        if professions:
            await _check_consent(ctx, case, day)
        case.consent_professions = sorted(set(professions))
        case.consent_date = day if professions else None
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="case.consent",
            case_code=case.code,
            professions=case.consent_professions,
            date=day.isoformat(),
        )
    if not professions:
        return Reply(t("case.consent_withdrawn", code=case.code))
    return Reply(
        t(
            "case.consent_recorded",
            code=case.code,
            professions=", ".join(case.consent_professions),
            date=format_date(day),
        )
    )


async def _check_consent(ctx: Context, case: Case, day: date) -> None:
    """Parents consent at the start meeting or before it, a waiting list's months before at most: a consent more than
    a year before the start meeting (or, with none set, than today) is a typo. Not tighter: the date is the parents'
    and only shown, and a case imported at rollout may have begun long before teambot knew it."""
    began = case.start_meeting or ctx.today()
    earliest = _year_before(began)
    if day < earliest:
        key = "case.consent_too_early" if case.start_meeting else "case.consent_too_early_no_start"
        raise UserError(t(key, date=format_date(day), start=format_date(began)))


def _year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)


async def _close(ctx: Context, staff: Staff, args: str) -> Reply:
    code = args.strip()
    if not code or " " in code:
        raise UserError(t("case.close_usage"))
    async with ctx.db.write() as session:
        case = await _manageable(session, staff, code)
        if case.status == "closed":
            raise UserError(t("case.already_closed", code=case.code))
        case.status, case.closed_on = "closed", ctx.today()
        # Its coming meetings are cancelled, as the answer says: left "planned", they counted as held once passed.
        # One earlier today was held (a case is often closed after its last meeting).
        coming = await session.exec(
            select(Meeting).where(
                Meeting.case_id == case.id,
                col(Meeting.day) >= ctx.today(),
                col(Meeting.status).in_(("planned", "moved")),
            )
        )
        for meeting in coming.all():
            if local_instant(meeting.day, parse_hhmm(meeting.start), ctx.zone) > ctx.clock.now():
                meeting.status = "cancelled"
                revise(meeting, ctx.clock.now())
        audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="case.close", case_code=case.code)
    await _replan(ctx, case)
    return Reply(t("case.closed", code=case.code, date=format_date(ctx.today())))

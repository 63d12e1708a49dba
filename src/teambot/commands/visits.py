"""Consultant visits in Slack: `/teambot hvem` (the routing table), `/teambot besøg` (the årshjul), `/teambot tema`
(parents' themes for the next visit), and the Bekræft · Flyt buttons on a visit message."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.commands.visit_notices import (
    REMINDER,
    role_definite,
    sync_visit_outbox,
    tell_about_move,
    week_label,
)
from teambot.domain.numbers import parse_int
from teambot.domain.roles import CONSULTANT_ROLES, Role
from teambot.domain.routing_table import RoutingTable, Scope
from teambot.domain.visits import MAX_THEME_LENGTH, MAX_THEMES, may_move_to, quarter_bounds, quarter_of
from teambot.i18n import format_date, format_short_date, t
from teambot.store import outbox, queries
from teambot.store import visits as store
from teambot.store.models import Institution, Notification, Staff, Visit, VisitTheme
from teambot.store.revisions import revise

MAX_LINES = 150  # a Slack message stays readable on a phone; the rest is asked for per institution
ROLE_ORDER = [r.value for r in Role if r in CONSULTANT_ROLES]


async def _institution(session: AsyncSession, text: str, *, saving: bool) -> Institution:
    institution = await store.institution_by_text(session, text)
    if institution is None:
        codes = ", ".join(i.code for i in (await session.exec(select(Institution).order_by(col(Institution.code)))))
        key = "visit.unknown_institution_saving" if saving else "visit.unknown_institution"
        raise UserError(t(key, text=text.strip(), codes=codes or "–"))
    return institution


# -- /teambot hvem ----------------------------------------------------------------------------------------------


@REGISTRY.command("/teambot", "hvem", key="hvem", aliases=("who",))
async def who(ctx: Context, args: str) -> Reply:
    """The routing table for an institution: who gets messages for each discipline, today."""
    staff = ctx.require_staff()
    today = ctx.today()
    async with ctx.db.read() as session:
        table = await store.routing_table(session)
        if args.strip():
            institutions = [await _institution(session, args, saving=False)]
        else:
            institutions = list(await queries.institutions_of(session, staff))
            if not institutions and staff.id is not None:
                covered = set(table.covered_by(staff.id))
                institutions = [
                    i
                    for i in (await session.exec(select(Institution).order_by(col(Institution.code))))
                    if i.id in covered
                ]
        if not institutions:
            raise UserError(t("who.which"))
        sections = [await _who_section(session, table, institution, today) for institution in institutions]
    return Reply("\n\n".join(sections))


async def _who_section(session: AsyncSession, table: RoutingTable, institution: Institution, today: date) -> str:
    assert institution.id is not None
    district = await store.district_name(session, institution.district_id)
    lines = [
        t("who.title", institution=institution.name, code=institution.code, district=district or "–"),
    ]
    leads = table.leads.get(institution.id, ())
    lines.append(t("who.leads", names=", ".join(p.name for p in leads) or t("who.none")))
    for role in ROLE_ORDER:
        assignee = table.fixed(institution.id, role)
        if assignee is None:
            lines.append(t("who.no_one", role=role))
            continue
        scope = (
            t("who.scope_institution")
            if assignee.scope is Scope.INSTITUTION
            else t("who.scope_district", district=district or "–")
        )
        line = t("who.line", role=role, name=assignee.person.name, scope=scope)
        absence = table.absence(assignee.person, today)
        if absence is not None:
            if absence.substitute is not None:
                line += t("who.absent_substitute", end=format_date(absence.end), name=absence.substitute.name)
            else:
                line += t("who.absent", end=format_date(absence.end))
        lines.append(line)
    lines.append(t("who.footer"))
    return "\n".join(lines)


# -- /teambot besøg ---------------------------------------------------------------------------------------------


@REGISTRY.command("/teambot", "besøg", key="besoeg", aliases=("besog", "besoeg", "visits"))
async def visits(ctx: Context, args: str) -> Reply:
    """The årshjul by ISO week: the caller's visits, one institution's, or the whole municipality's (`alle`)."""
    staff = ctx.require_staff()
    today = ctx.today()
    words = args.split()
    year = today.year
    if words and parse_int(words[0]) is not None:
        year = parse_int(words.pop(0)) or 0
        if not 2000 <= year <= 2100:
            raise UserError(t("visit.bad_year", text=str(year)))
    everyone = bool(words) and words[0].lower() == "alle"
    async with ctx.db.read() as session:
        policy = store.visit_policy(await queries.municipality(session))
        scope: list[int] | None = None
        title_for = ""
        if everyone:
            title_for = t("visit.scope_all")
        elif words:
            institution = await _institution(session, " ".join(words), saving=False)
            scope, title_for = [institution.id or 0], institution.name
        rows = await store.visits_in(
            session, date(year, 1, 1), date(year, 12, 31), disciplines=policy.disciplines, institution_ids=scope
        )
        if scope is None and not everyone:
            mine = {i.id for i in await queries.institutions_of(session, staff)}
            rows = [
                r
                for r in rows
                if staff.id in (r.visit.consultant_id, r.visit.visitor_id) or r.visit.institution_id in mine
            ]
    if not rows:
        if scope is None and not everyone:
            planned = await _year_planned(ctx, year)
            return Reply(t("visit.none_mine", year=year) if planned else _not_planned(year))
        return Reply(_not_planned(year) if everyone else t("visit.none_here", year=year, institution=title_for))
    lines = [t("visit.wheel_title", year=year, scope=f" · {title_for}" if title_for else "")]
    lines += wheel_lines(rows[:MAX_LINES], year)
    if len(rows) > MAX_LINES:
        lines.append(t("visit.more", n=len(rows) - MAX_LINES, year=year))
    return Reply("\n".join(lines))


def wheel_lines(rows: list[store.VisitRow], year: int) -> list[str]:
    """The årshjul by quarter and ISO week: 'uge 10: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske)'."""
    lines = []
    quarter = 0
    for row in rows:
        if row.visit.quarter != quarter:
            quarter = row.visit.quarter
            lines.append(t("visit.quarter", n=quarter))
        state = {"confirmed": t("visit.state_confirmed"), "moved": t("visit.state_moved")}.get(row.visit.status, "")
        state += _stand_in(row)
        lines.append(
            t(
                "visit.wheel_line",
                week=week_label(row.visit.day, year),
                institution=row.institution.name,
                name=row.consultant.name,
                role=row.visit.discipline,
                date=format_short_date(row.visit.day),
                state=state,
            )
        )
    return lines


def _stand_in(row: store.VisitRow) -> str:
    """Who makes the visit in the consultant's place, as its messages are routed (an absence, a new consultant)."""
    if row.visit.visitor_id == row.visit.consultant_id:
        return ""
    return t("visit.state_instead", name=row.visitor.name) if row.visitor else t("visit.state_leads")


def _not_planned(year: int) -> str:
    return t("visit.not_planned", year=year, october=format_date(date(year - 1, 10, 1)))


async def _year_planned(ctx: Context, year: int) -> bool:
    async with ctx.db.read() as session:
        return (await session.exec(select(Visit.id).where(Visit.year == year))).first() is not None


# -- /teambot tema ----------------------------------------------------------------------------------------------


@REGISTRY.command("/teambot", "tema", key="tema", aliases=("theme",))
async def theme(ctx: Context, args: str) -> Reply:
    """Add a parents' theme to an institution's next visit, or list the themes so far."""
    staff = ctx.require_staff()
    today = ctx.today()
    words = args.split()
    if not words:
        raise UserError(t("theme.usage"))
    async with ctx.db.write() as session:
        institution = await _institution(session, words[0], saving=True)
        assert institution.id is not None
        policy = store.visit_policy(await queries.municipality(session))
        disciplines = list(policy.disciplines)
        rest = words[1:]
        if rest and rest[0].lower() in policy.disciplines:
            disciplines = [rest.pop(0).lower()]
        visit = await store.next_visit(session, institution.id, today, disciplines)
        if visit is None or visit.id is None:
            raise UserError(t("theme.no_visit", institution=institution.name))
        themes = await store.themes_of(session, visit.id)
        if not rest:
            return _theme_list(institution, visit, themes)
        if not await _may_add_theme(session, staff, visit):
            raise UserError(t("theme.not_yours", institution=institution.name))
        text = " ".join(rest)
        if len(text) > MAX_THEME_LENGTH:
            raise UserError(t("theme.too_long", n=len(text), max=MAX_THEME_LENGTH))
        if any(existing.lower() == text.lower() for existing in themes):
            raise UserError(t("theme.duplicate", text=text))
        if len(themes) >= MAX_THEMES:
            raise UserError(t("theme.full", max=MAX_THEMES))
        assert staff.id is not None
        session.add(VisitTheme(visit_id=visit.id, text=text, added_by=staff.id, added_at=ctx.clock.now()))
        await session.flush()
        await _resync(ctx, session, visit)
        reminded = await _reminder_sent(session, visit)
    lines = [
        t(
            "theme.added",
            text=text,
            definite=role_definite(visit.discipline),
            institution=institution.name,
            date=format_date(visit.day),
            n=len(themes) + 1,
        )
    ]
    if reminded:
        lines.append(t("theme.already_reminded", who=role_definite(visit.discipline).capitalize()))
    return Reply("\n".join(lines))


def _theme_list(institution: Institution, visit: Visit, themes: list[str]) -> Reply:
    title = t("theme.list_title", institution=institution.name, date=format_date(visit.day), role=visit.discipline)
    if not themes:
        return Reply(f"{title}\n{t('theme.list_empty', code=institution.code)}")
    return Reply("\n".join([title, *(f"• {text}" for text in themes)]))


async def _may_add_theme(session: AsyncSession, staff: Staff, visit: Visit) -> bool:
    """The institution's staff, and the consultant who visits."""
    if staff.id == visit.consultant_id:
        return True
    return await store.is_member(session, staff, visit.institution_id)


async def _reminder_sent(session: AsyncSession, visit: Visit) -> bool:
    found = await session.exec(
        select(Notification.id).where(
            Notification.ref_type == "visit",
            Notification.ref_id == visit.id,
            Notification.kind == REMINDER,
            Notification.event_day == visit.day,
            Notification.status == outbox.SENT,
        )
    )
    return found.first() is not None


async def _resync(ctx: Context, session: AsyncSession, visit: Visit, table: RoutingTable | None = None) -> RoutingTable:
    municipality = await queries.municipality(session)
    table = table if table is not None else await store.routing_table(session)
    await sync_visit_outbox(
        session,
        visit,
        table=table,
        policy=store.visit_policy(municipality),
        calendar=await queries.work_calendar(session, visit.institution_id),
        remind_at=municipality.reminder_time or "08:00",
        now=ctx.clock.now(),
        zone=ctx.zone,
    )
    return table


# -- buttons ----------------------------------------------------------------------------------------------------


def _visit_id(value: str) -> int:
    return _visit_button(value)[0]


def _visit_button(value: str) -> tuple[int, date | None]:
    """The visit and day a button names: `id:day`, or the id alone on buttons sent before the day was added."""
    number_text, _, day_text = value.partition(":")
    number = parse_int(number_text)
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError:
        number = None
    if number is None or (day is None and ":" in value):
        raise UserError(t("visit.gone"))
    return number, day


async def _changeable(session: AsyncSession, staff: Staff, visit_id: int, today: date) -> tuple[Visit, Institution]:
    """The visit, if `staff` may confirm or move it: its consultant (or whoever stands in) or a lead there."""
    visit = await session.get(Visit, visit_id)
    institution = await session.get(Institution, visit.institution_id) if visit else None
    if visit is None or institution is None:
        raise UserError(t("visit.gone"))
    table = await store.routing_table(session)
    allowed = {r.recipient.staff_id for r in table.route(visit.institution_id, visit.discipline, visit.day)}
    allowed |= {visit.consultant_id, *(p.staff_id for p in table.leads.get(visit.institution_id, ()))}
    if staff.id not in allowed:
        raise UserError(t("visit.not_yours", institution=institution.name))
    if visit.day < today:
        raise UserError(t("visit.passed", institution=institution.name, date=format_date(visit.day)))
    return visit, institution


@REGISTRY.action("visit_confirm")
async def confirm(ctx: Context, value: str) -> Reply:
    staff = ctx.require_staff()
    async with ctx.db.write() as session:
        visit_id, day = _visit_button(value)
        visit, institution = await _changeable(session, staff, visit_id, ctx.today())
        # A button with the id alone (sent before buttons named the day) is stale once the visit's day has changed:
        # counted since migration 0010 (`revision`); before that, only the planner left a moved visit unconfirmed.
        stale = (
            visit.day != day
            if day is not None
            else visit.revision > 0 or (visit.status == store.MOVED and visit.confirmed_by is None)
        )
        if stale:
            raise UserError(t("visit.moved_answer", institution=institution.name, date=format_date(visit.day)))
        if visit.confirmed_by is None:
            visit.confirmed_by = staff.id
            if visit.status == store.PLANNED:
                visit.status = store.CONFIRMED
            visit.changed_at = ctx.clock.now()
            await _resync(ctx, session, visit)
    return Reply(
        t("visit.confirmed", institution=institution.name, date=format_date(visit.day)),
        replace_original=True,
    )


@REGISTRY.action("visit_move")
async def move_button(ctx: Context, value: str) -> Reply:
    staff = ctx.require_staff()
    async with ctx.db.read() as session:
        visit, institution = await _changeable(session, staff, _visit_id(value), ctx.today())
    modal: dict[str, Any] = {
        "type": "modal",
        "callback_id": "visit_move_modal",
        "private_metadata": str(visit.id),
        "title": {"type": "plain_text", "text": t("visit.modal.title")},
        "submit": {"type": "plain_text", "text": t("visit.modal.submit")},
        "close": {"type": "plain_text", "text": t("visit.modal.close")},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": t(
                        "visit.modal.about",
                        role=visit.discipline,
                        institution=institution.name,
                        date=format_date(visit.day),
                        quarter=visit.quarter,
                    ),
                },
            },
            {
                "type": "input",
                "block_id": "input",
                "label": {"type": "plain_text", "text": t("visit.modal.new_date")},
                "element": {"type": "datepicker", "action_id": "day", "initial_date": visit.day.isoformat()},
            },
        ],
    }
    return Reply(t("visit.move_hint", institution=institution.name), modal=modal)


@REGISTRY.view("visit_move_modal")
async def move_submitted(ctx: Context, values: dict[str, str], metadata: str) -> Reply:
    try:
        day = date.fromisoformat(values.get("day", ""))
    except ValueError:
        raise UserError(t("visit.bad_date", text=values.get("day", ""))) from None
    return await move_visit(ctx, _visit_id(metadata), day)


async def move_visit(ctx: Context, visit_id: int, day: date) -> Reply:
    staff = ctx.require_staff()
    today = ctx.today()
    async with ctx.db.write() as session:
        visit, institution = await _changeable(session, staff, visit_id, today)
        if day == visit.day:
            raise UserError(t("visit.same_day", date=format_date(day)))
        calendar = await queries.work_calendar(session, visit.institution_id)
        problem = may_move_to(day, today=today, year=visit.year, quarter=visit.quarter, calendar=calendar)
        if problem is not None:
            first, last = quarter_bounds(visit.year, visit.quarter)
            raise UserError(
                t(
                    f"visit.move_{problem}",
                    date=format_date(day),
                    quarter=visit.quarter,
                    year=visit.year,
                    first=format_date(first),
                    last=format_date(last),
                )
            )
        clash = (
            await session.exec(
                select(Visit, Institution)
                .join(Institution, col(Institution.id) == col(Visit.institution_id))
                .where(Visit.consultant_id == visit.consultant_id, Visit.day == day, Visit.id != visit.id)
            )
        ).first()
        if clash is not None:
            consultant = await session.get(Staff, visit.consultant_id)
            raise UserError(
                t(
                    "visit.move_clash",
                    name=consultant.name if consultant else "?",
                    date=format_date(day),
                    institution=clash[1].name,
                )
            )
        old_day = visit.day
        visit.day, visit.status, visit.confirmed_by = day, store.MOVED, staff.id
        revise(visit, ctx.clock.now())
        assert quarter_of(day) == visit.quarter
        table = await store.routing_table(session)
        # The move's messages first: the visit's rows synced after them know who was told of the move (no second
        # message that she comes, `visit_notices._wanted_rows`).
        told = await tell_about_move(
            session, visit, old_day=old_day, mover=staff, table=table, now=ctx.clock.now(), today=ctx.today()
        )
        await _resync(ctx, session, visit, table)
        # Routed on its new day as the planner's next pass would find it: a move to a day its consultant is away
        # and back again before that pass still raises her calendar's SEQUENCE each time (store/calendar.py).
        await store.record_visitors(session, [visit], table, ctx.clock.now())
    return Reply(
        t("visit.moved", institution=institution.name, date=format_date(day), n=told),
        replace_original=True,
    )

"""The småbørnscafé in Slack: `/teambot café` (who is coming), `/teambot café børn` (register how many children
reach 18 months in a month — counts only), `/teambot café tekst` (the parent invitation for Aula), and the
Deltager · Kan ikke buttons on an invitation."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.cafe_leads import Unfilled
from teambot.commands.cafe_notices import (
    COUNT_MISSING,
    ask_counts_again,
    attendance_lines,
    count_ask_key,
    headline,
    joined,
    months_label,
    parent_invitation,
    staff_names,
    sync_cafe_outbox,
    title,
)
from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.domain.cafe import (
    MAX_COUNT,
    PROPOSE_DAYS,
    CafeGroup,
    first_of_month,
    month_at,
    month_index,
)
from teambot.domain.dates import parse_month
from teambot.domain.numbers import parse_int
from teambot.domain.routing import absence_on
from teambot.i18n import format_date, month_name, t, t_count
from teambot.store import cafe as store
from teambot.store import outbox, queries
from teambot.store import visits as visit_store
from teambot.store.models import CafeInvite, CafeSession, Institution, Staff
from teambot.store.revisions import revise

PAST_MONTHS = 3  # a cohort registered this late can still be in the age window
FUTURE_MONTHS = 24


@REGISTRY.command("/teambot", "café", key="cafe", aliases=("cafe", "kafe", "kafé"))
async def cafe(ctx: Context, args: str) -> Reply:
    """`café [institution]` shows the cafés and answers; `café børn <måned> <antal>` registers a count;
    `café tekst [institution]` drafts the parent invitation."""
    staff = ctx.require_staff()
    word, _, rest = args.strip().partition(" ")
    if word.lower() in {"børn", "boern", "born"}:
        return await _register(ctx, staff, rest.strip())
    if word.lower() in {"tekst", "aula"}:
        return await _parent_text(ctx, staff, rest.strip())
    return await _overview(ctx, staff, args.strip())


async def _own_institution(
    session: AsyncSession,
    staff: Staff,
    text: str,
    *,
    standing_in_on: date | None = None,
    for_text: bool = False,
) -> Institution:
    """The named institution, which the caller must belong to; or the caller's only institution. `standing_in_on`:
    the caller may also stand in that day for an absent lead of the named institution (who gets its count ask).
    `for_text`: for the parents' text, a read, whose refusals say so (the others speak of registering children)."""
    kind = "cafe.text_" if for_text else "cafe."
    if text:
        institution = await visit_store.institution_by_text(session, text)
        if institution is None:
            raise UserError(t("cafe.unknown_institution", text=text))
        if institution.id is None or not (
            await visit_store.is_member(session, staff, institution.id)
            or (
                standing_in_on is not None
                and await _stands_in_for_a_lead(session, staff, institution.id, standing_in_on)
            )
        ):
            raise UserError(t(f"{kind}not_member", institution=institution.name))
        return institution
    mine = list(await queries.institutions_of(session, staff))
    if not mine:
        raise UserError(t(f"{kind}no_institution"))
    if len(mine) > 1:
        codes = ", ".join(i.code for i in mine)
        raise UserError(t(f"{kind}which_institution", codes=codes, example=mine[0].code))
    return mine[0]


async def _stands_in_for_a_lead(session: AsyncSession, staff: Staff, institution_id: int, day: date) -> bool:
    """Whether `staff` answers for an absent lead of the institution: she is the registered substitute of one away
    on `day`, or she was sent this month's count ask in a lead's place (`sync_count_reminders` routes it as a
    meeting's), and may answer it after a one-day absence too."""
    if staff.slack_id and await outbox.was_sent(session, count_ask_key(institution_id, day, staff.slack_id)):
        return True
    leads = [lead.id for lead in await queries.leads_of(session, institution_id) if lead.id is not None]
    absences = await queries.absences_of(session, leads, ending_from=day)
    standing_in = (absence_on(absences, lead, day) for lead in leads)
    return any(a is not None and a.substitute is not None and a.substitute.staff_id == staff.id for a in standing_in)


async def _count_institution(session: AsyncSession, staff: Staff, text: str, today: date, *, typed: str) -> Institution:
    """The institution a count is for: the one named, else the only one she may count for. One who may count for
    several must name it (a lead of several, or one standing in for a lead elsewhere who has an institution of her
    own: her count went into her own, silently, while she was asked about the other); she is shown them by name.
    `typed`: her month and count, for the example she is shown."""
    if text:
        return await _own_institution(session, staff, text, standing_in_on=today)
    standing_in = await _stood_in_for(session, staff, today)
    choices = {i.id: i for i in [*await queries.institutions_of(session, staff), *standing_in]}
    if not choices:
        raise UserError(t("cafe.no_institution"))
    in_order = sorted(choices.values(), key=lambda i: i.code)
    if len(in_order) == 1:
        return in_order[0]
    raise UserError(
        t(
            "cafe.count_which_institution",
            institutions=joined([f"{i.name} ({i.code})" for i in in_order]),
            # The one she was asked about, or stands in for, when there is one.
            example=f"{typed} {(standing_in or in_order)[0].code}",
        )
    )


async def _stood_in_for(session: AsyncSession, staff: Staff, day: date) -> list[Institution]:
    """The institutions whose count `staff` may register on `day` as a lead's stand-in (`_stands_in_for_a_lead`),
    those she was sent this month's ask for first."""
    found = []
    for institution_id in await store.stand_in_candidates(session, staff, day=day, ask_kind=COUNT_MISSING):
        if await _stands_in_for_a_lead(session, staff, institution_id, day):
            institution = await session.get(Institution, institution_id)
            if institution is not None:
                found.append(institution)
    return found


# -- counts -----------------------------------------------------------------------------------------------------


async def _register(ctx: Context, staff: Staff, text: str) -> Reply:
    words = text.split()
    if len(words) < 2:
        raise UserError(t("cafe.count_usage"))
    today = ctx.today()
    # The month is one word ('2027-03', 'marts') or two ('marts 2027').
    taken = 2 if len(words) >= 3 and parse_int(words[1]) is not None and len(words[1]) == 4 else 1
    month = parse_month(" ".join(words[:taken]), today)
    if month is None:
        raise UserError(t("cafe.bad_month", text=" ".join(words[:taken])))
    count_text = words[taken] if len(words) > taken else ""
    if parse_int(count_text, maximum=MAX_COUNT) is None:
        raise UserError(t("cafe.bad_count", text=count_text, max=MAX_COUNT))
    children = int(count_text)
    earliest = month_at(month_index(first_of_month(today)) - PAST_MONTHS)
    latest = month_at(month_index(first_of_month(today)) + FUTURE_MONTHS)
    if not earliest <= month <= latest:
        raise UserError(t("cafe.month_out_of_range", month=_month(month), first=_month(earliest), last=_month(latest)))
    async with ctx.db.write() as session:
        institution = await _count_institution(
            session, staff, " ".join(words[taken + 1 :]), today, typed=" ".join(words[: taken + 1])
        )
        assert institution.id is not None
        old = await store.set_count(session, institution.id, month, children, actor=ctx.user_id, now=ctx.clock.now())
        covering = await store.sessions_covering(session, institution.id, month)
        await _ask_again(ctx, session, institution.id)
    lines = [t_count("cafe.count_recorded", children, institution=institution.name, month=_month(month))]
    if old is not None and old != children:
        lines[0] += t("cafe.count_was", old=old)
    if covering:
        lines.append(t("cafe.count_in_cafe", date=format_date(covering[0].day)))
    else:
        lines.append(t("cafe.count_next"))
    return Reply("\n".join(lines))


async def _ask_again(ctx: Context, session: AsyncSession, institution_id: int) -> None:
    """The leads' ask for missing counts follows at once: a count registered just before it goes out is not asked
    for (the planner's next pass would be too late)."""
    await ask_counts_again(session, [institution_id], now=ctx.clock.now(), zone=ctx.zone)


def _month(month: date) -> str:
    return f"{month_name(month.month)} {month.year}"


# -- overview ---------------------------------------------------------------------------------------------------


async def _overview(ctx: Context, staff: Staff, text: str) -> Reply:
    today = ctx.today()
    async with ctx.db.read() as session:
        if text:
            institution = await visit_store.institution_by_text(session, text)
            if institution is None:
                raise UserError(t("cafe.unknown_institution_view", text=text))
            institutions = [institution]
        else:
            institutions = list(await queries.institutions_of(session, staff))
            if not institutions:
                invited = await _invited_institutions(session, staff, today)
                if not invited:
                    return Reply(t("cafe.none_for_you"))
                institutions = invited
        policy = store.cafe_policy(await queries.municipality(session))
        sections = []
        for institution in institutions:
            assert institution.id is not None
            sessions = await store.sessions_of(session, institution.id, since=today)
            waiting = await store.waiting_groups(session, institution.id, policy, today)
            sections.append(await _section(session, institution, sessions, waiting, policy.min_children))
    return Reply("\n\n".join(sections))


async def _invited_institutions(session: AsyncSession, staff: Staff, today: date) -> list[Institution]:
    rows = (
        await session.exec(
            select(Institution)
            .join(CafeSession, col(CafeSession.institution_id) == col(Institution.id))
            .join(CafeInvite, col(CafeInvite.session_id) == col(CafeSession.id))
            .where(CafeInvite.staff_id == staff.id, col(CafeSession.day) >= today)
            .order_by(col(Institution.code))
        )
    ).all()
    return list({i.id: i for i in rows}.values())  # one section per institution, however many cafés


async def _section(
    session: AsyncSession,
    institution: Institution,
    sessions: list[CafeSession],
    waiting: list[CafeGroup],
    minimum: int,
) -> str:
    lines = [t("cafe.overview_title", institution=institution.name)]
    for cafe in sessions:
        assert cafe.id is not None
        invites = await store.invites_of(session, cafe.id)
        names = await staff_names(
            session, {i.staff_id for i in invites} | {i.stands_in_for for i in invites if i.stands_in_for}
        )
        lines.append(
            t_count(
                "cafe.overview_cafe",
                cafe.children,
                headline=headline(cafe, institution),
                months=months_label(cafe.first_month, cafe.last_month),
            )
        )
        lines.extend(f"    {line}" for line in attendance_lines(invites, names))
        lines.extend(f"    {t('cafe.line.unfilled', role=role)}" for role in store.unfilled_roles(invites))
    for group in waiting:
        months = months_label(group.first, group.last)
        if group.children < minimum:
            lines.append(t_count("cafe.waiting_few", group.children, months=months, min=minimum))
        else:
            lines.append(
                t_count("cafe.waiting", group.children, months=months, month=_month(group.month), days=PROPOSE_DAYS)
            )
    if not sessions and not waiting:
        lines.append(t("cafe.overview_empty", code=institution.code))
    elif sessions:
        lines.append(t("cafe.overview_text", code=institution.code))
    return "\n".join(lines)


async def _parent_text(ctx: Context, staff: Staff, text: str) -> Reply:
    async with ctx.db.read() as session:
        institution = await _own_institution(session, staff, text, for_text=True)
        assert institution.id is not None
        sessions = await store.sessions_of(session, institution.id, since=ctx.today())
    if not sessions:
        raise UserError(t("cafe.no_cafe", institution=institution.name))
    return Reply(
        "\n".join(
            [
                t("cafe.text_title", headline=headline(sessions[0], institution)),
                parent_invitation(sessions[0], institution),
            ]
        )
    )


# -- buttons ----------------------------------------------------------------------------------------------------


def _button(value: str) -> tuple[int, int | None, date | None]:
    """The invitation, café and day a button names: `id:café:day`, or the id alone on buttons sent before the
    café and day were added."""
    parts = value.split(":")
    number = parse_int(parts[0])
    if len(parts) == 1 and number is not None:
        return number, None, None
    cafe_id = parse_int(parts[1]) if len(parts) == 3 else None
    try:
        day = date.fromisoformat(parts[2]) if len(parts) == 3 else None
    except ValueError:
        day = None
    if number is None or cafe_id is None or day is None:
        raise UserError(t("cafe.gone"))
    return number, cafe_id, day


async def _my_invite(
    session: AsyncSession, staff: Staff, value: str, today: date
) -> tuple[CafeInvite, CafeSession, Institution]:
    invite_id, cafe_id, day = _button(value)
    invite = await session.get(CafeInvite, invite_id)
    if cafe_id is None and (invite is None or invite.asked_for is not None):
        # A button with the id alone was sent before invitations were asked again or made anew: its invitation is
        # gone with its café's old day, or asked again for the new day, or its id now another's (SQLite).
        raise UserError(t("cafe.invite_stale"))
    if cafe_id is not None and (invite is None or invite.session_id != cafe_id):
        invite = None  # gone with the day it was for; its id may be another invitation's now
    # Its row held (PostgreSQL) until this answer commits: an answer counts in the café's revision (a calendar's
    # SEQUENCE), and a move or a new count in another transaction must not write the same number.
    cafe = (
        await session.get(CafeSession, invite.session_id if invite else cafe_id, with_for_update=True)
        if invite or cafe_id
        else None
    )
    if invite is not None and cafe is not None:
        # Read again now that the café is held: a second click that waited for the first sees its answer.
        await session.refresh(invite)
    institution = await session.get(Institution, cafe.institution_id) if cafe else None
    if cafe is not None and institution is not None and day is not None and cafe.day != day:
        mine = (
            await session.exec(
                select(CafeInvite.status).where(CafeInvite.session_id == cafe.id, CafeInvite.staff_id == staff.id)
            )
        ).first()
        key = {None: "cafe.moved_answer_released", store.INVITED: "cafe.moved_answer_again"}.get(
            mine, "cafe.moved_answer_answered"
        )
        raise UserError(t(key, institution=institution.name, date=format_date(cafe.day)))
    if invite is None or cafe is None or institution is None:
        raise UserError(t("cafe.gone"))
    if invite.staff_id != staff.id:
        raise UserError(t("cafe.not_your_invite"))
    if cafe.day < today:
        raise UserError(t("cafe.over", date=format_date(cafe.day)))
    return invite, cafe, institution


async def _resync(ctx: Context, session: AsyncSession, cafe: CafeSession) -> dict[str, Unfilled]:
    """Sync the café's outbox; returns its 'nobody can come' notices as planned, by role."""
    municipality = await queries.municipality(session)
    return await sync_cafe_outbox(
        session,
        cafe,
        table=await visit_store.routing_table(session),
        calendar=await queries.work_calendar(session, cafe.institution_id),
        remind_at=municipality.reminder_time or "08:00",
        now=ctx.clock.now(),
        zone=ctx.zone,
    )


@REGISTRY.action("cafe_yes")
async def accept(ctx: Context, value: str) -> Reply:
    staff = ctx.require_staff()
    async with ctx.db.write() as session:
        invite, cafe, institution = await _my_invite(session, staff, value, ctx.today())
        if invite.status == store.DECLINED:
            replacement = await _replacement(session, invite)
            if replacement is not None:
                raise UserError(t("cafe.already_replaced", name=replacement))
            revise(cafe, ctx.clock.now())  # back in her calendar feed, above the cancellation it showed
        invite.status, invite.answered_at = store.ACCEPTED, ctx.clock.now()
        await session.flush()
        await _resync(ctx, session, cafe)
    return Reply(t("cafe.accepted", cafe=title(cafe, institution)), replace_original=True)


@REGISTRY.action("cafe_no")
async def decline(ctx: Context, value: str) -> Reply:
    staff = ctx.require_staff()
    async with ctx.db.write() as session:
        invite, cafe, institution = await _my_invite(session, staff, value, ctx.today())
        if invite.status == store.DECLINED:
            raise UserError(t("cafe.already_declined"))
        invite.status, invite.answered_at = store.DECLINED, ctx.clock.now()
        revise(cafe, ctx.clock.now())  # her calendar feed keeps the café, cancelled: a SEQUENCE she has not seen
        await session.flush()
        table = await visit_store.routing_table(session)
        stand_in = None
        if invite.role != store.LEAD_ROLE:
            stand_in = await store.stand_in_for(session, cafe, invite.role, staff.id, table, ctx.clock.now())
        unfilled = (await _resync(ctx, session, cafe)).get(invite.role)
        chosen = await session.get(Staff, stand_in.staff_id) if stand_in else None
    text = t("cafe.declined", cafe=title(cafe, institution))
    if invite.role == store.LEAD_ROLE:
        return Reply(text, replace_original=True)
    if chosen is not None:
        return Reply(f"{text} {t('cafe.asking', name=chosen.name, role=invite.role)}", replace_original=True)
    if unfilled is None:
        return Reply(text, replace_original=True)  # someone of her profession is still coming or asked
    # Who is told that nobody can come, as the sync just planned it.
    return Reply(f"{text} {_who_is_told(unfilled)}", replace_original=True)


def _who_is_told(unfilled: Unfilled) -> str:
    """The «Kan ikke» answer's last sentence when nobody of the role is left to ask: who gets the notice, as planned,
    or why nobody does."""
    role = unfilled.role
    if unfilled.nobody is not None:
        return t(f"cafe.nobody_left_{unfilled.nobody.value}", role=role)
    if all(to.on_behalf_of is None and not to.away for to in unfilled.told):
        return t("cafe.nobody_left", role=role, leads=", ".join(to.recipient.name for to in unfilled.told))
    names = [
        t("cafe.told_substitute", name=to.recipient.name, lead=to.on_behalf_of.name)
        if to.on_behalf_of is not None
        else t("cafe.told_away" if to.away else "cafe.told_lead", name=to.recipient.name)
        for to in unfilled.told
    ]
    return t("cafe.nobody_left_told", role=role, told=joined(names))


async def _replacement(session: AsyncSession, invite: CafeInvite) -> str | None:
    """Who was asked in `invite`'s place, if anyone."""
    found = (
        await session.exec(
            select(Staff)
            .join(CafeInvite, col(CafeInvite.staff_id) == col(Staff.id))
            .where(CafeInvite.session_id == invite.session_id, CafeInvite.stands_in_for == invite.staff_id)
        )
    ).first()
    return found.name if found else None

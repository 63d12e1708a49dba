"""`/teambot fravær`: register an absence with an optional substitute, list one's own, or take one back (`slet`).
The reply says what follows from it: who gets the meeting invitations, the children's rating reminder, a
consultant's visits, a lead's Friday digest and the café's messages to the leads. A lead's digest, count asks and
café notices due today are planned again at once, in the same transaction, so none due in minutes still reaches
him; taking an absence back re-plans the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.cafe_notices import ask_counts_again, count_asks_to_nobody, joined, plan_lead_notices_again
from teambot.commands.digests import digest_recipients, replan_digests
from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.domain.dates import (
    Direction,
    day_readings,
    names_year,
    parse_day,
    parse_last_day,
    parse_nearest_day,
    split_day,
)
from teambot.domain.meetings import parse_hhmm
from teambot.domain.roles import Role
from teambot.i18n import format_date, format_period, format_time, t
from teambot.store import cafe as cafe_store
from teambot.store import queries
from teambot.store import visits as visit_store
from teambot.store.cafe import LEAD_ROLE
from teambot.store.models import Absence, Case, Institution, Staff, Visit
from teambot.store.ratings import access_to

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


@REGISTRY.command("/teambot", "fravær", key="fravaer", aliases=("fravaer", "absence"))
async def absence(ctx: Context, args: str) -> Reply:
    """Record the caller's absence with an optional substitute: `/teambot fravær 2/3 13/3 @Ali`."""
    staff = ctx.require_staff()
    today = ctx.today()
    words = args.split()
    if not words:
        return await _list_absences(ctx, staff, today)
    if words[0].lower() == "slet":
        return await _take_back(ctx, staff, today, words[1:])
    first, rest = split_day(words)  # "i dag i morgen": two days in two words each
    if not rest:
        raise UserError(t("absence.usage"))
    last, rest = split_day(rest)
    start = parse_day(first, today, Direction.FUTURE)
    end = parse_last_day(last, start or today, today)
    # "1/12 10/12" typed on 5 December: away since Monday, not next December. Said without its year, a start more
    # than half a year ahead is the one just gone when the absence it begins is not over yet.
    gone = parse_nearest_day(first, today)
    if start is not None and gone is not None and gone < start:
        until = parse_last_day(last, gone, today)
        if until is not None and until >= today:
            start, end = gone, until
    if start is None or end is None:
        raise UserError(t("absence.bad_date", text=first if start is None else last))
    if end < start:
        raise UserError(t("absence.end_before_start"))
    if end < today:
        raise UserError(t("absence.past"))
    if end - start > timedelta(days=366):
        raise UserError(t("absence.too_long"))
    if end.year > start.year and not names_year(last) and end - start > timedelta(days=183):
        # "10/12 8/12": the end, typed without its year, became next year's, most likely two dates swapped.
        raise UserError(
            t("absence.end_wraps", start=format_date(start), end=format_date(end), typed=last, year=end.year)
        )
    async with ctx.db.write() as session:
        substitute = await _substitute(session, " ".join(rest), staff) if rest else None
        assert staff.id is not None
        earlier = await _first_absence(session, staff, start, end)
        away = Absence(staff_id=staff.id, start=start, end=end, substitute_id=substitute.id if substitute else None)
        session.add(away)
        visits = await visit_store.record_absence(session, away, today=today, now=ctx.clock.now())
        await _digests_follow(session, staff, start, ctx)
        case_ids = await queries.case_ids_involving(session, staff)
        period = format_period(start, end)
        if earlier is not None and earlier.start <= start and earlier.end >= end:
            # The first absence covering a day decides who stands in (meetings and the nudge alike): this one
            # decides nothing, and the reply promises nothing.
            lines = [t("absence.recorded_covered", period=period, **await _earlier(session, earlier))]
        else:
            # One who cannot get messages (`queries.reachable_id`: not on Slack yet, or gone) stands in for nobody (the
            # routing and the nudge alike): promise her nothing; the reply says "as long as" of her.
            reachable = substitute if queries.reachable_id(substitute) else None
            if substitute is not None and reachable is None:
                lines = [t("absence.recorded_unreachable", period=period, name=substitute.name)]
            else:
                lines = [
                    t("absence.recorded_with", period=period, name=substitute.name)
                    if substitute
                    else t("absence.recorded", period=period)
                ]
            lines += await _lead_messages(session, staff, reachable, start, end, ctx)
            lines += await _children_reminded(session, staff, reachable)
            if reachable is not None:
                lines += await _substitute_away(session, reachable, start, end)
            if earlier is not None:
                lines.append(t("absence.overlaps", **await _earlier(session, earlier)))
            lines += await _visits_handed_on(session, staff, visits)
            lines += await _cafes_to_decline(session, staff, max(start, today), end)
            lines += await _count_asks_to_nobody(session, staff, max(start, today), end)
        await _lead_plans_follow(session, staff, ctx)
    await _replan(ctx, case_ids)
    return Reply(" ".join(lines))


async def _take_back(ctx: Context, staff: Staff, today: date, words: list[str]) -> Reply:
    """`/teambot fravær slet [dag]`: take out the caller's absence covering `dag` (without one: her only coming
    one). One begun already is cut short to yesterday instead, so the days she was away keep who stood in. What
    registering it re-planned is re-planned again: the visits, a lead's digests, count asks and café notices, and
    each case's meeting messages and nudges."""
    # A day typed without its year may be the one to come or the one just gone (an absence begun in the spring, or
    # one planned for next summer): whichever an absence covers. "i dag" is one day in two words.
    days = day_readings(" ".join(words), today) if words else None
    if days == []:
        raise UserError(t("absence.delete_usage") if len(words) > 1 else t("absence.bad_date", text=words[0]))
    assert staff.id is not None
    async with ctx.db.write() as session:
        coming = (
            await session.exec(
                select(Absence)
                .where(Absence.staff_id == staff.id, col(Absence.end) >= today)
                .order_by(col(Absence.start), col(Absence.id))
            )
        ).all()
        chosen = _to_take_back(coming, days)
        start, end = min(a.start for a in chosen), max(a.end for a in chosen)  # the days no longer covered
        begun = any(a.start < today for a in chosen)
        lines = []
        for absence in chosen:
            period = format_period(absence.start, absence.end)
            if absence.start >= today:
                await session.delete(absence)
                lines.append(t("absence.deleted", period=period))
            else:
                absence.end = today - timedelta(days=1)
                session.add(absence)
                lines.append(t("absence.cut_short", period=period, last=format_date(absence.end)))
        taken = {a.id for a in chosen}
        left = [a for a in coming if a.id not in taken and a.start <= end and a.end >= max(start, today)]
        if left:
            # Another absence still covers some of the days: on those, it decides who gets her messages.
            lines += [t("absence.still_away", period=format_period(a.start, a.end)) for a in left]
        else:
            lines.append(t("absence.back_from_today" if begun else "absence.back"))
            if Role.LEDER in staff.roles:
                lines.append(t("absence.lead_back"))
        visits = await visit_store.record_absence_gone(session, staff.id, start, end, today=today, now=ctx.clock.now())
        await _digests_follow(session, staff, start, ctx)
        for visit in visits:
            institution = await session.get(Institution, visit.institution_id)
            place = institution.name if institution else ""
            lines.append(t("absence.visit_back", institution=place, date=format_date(visit.day)))
        await _lead_plans_follow(session, staff, ctx)
        case_ids = await queries.case_ids_involving(session, staff)
    await _replan(ctx, case_ids)
    return Reply(" ".join(lines))


def _to_take_back(coming: Sequence[Absence], days: list[date] | None) -> list[Absence]:
    """The absences `fravær slet` takes back: the one covering the day (of several, those beginning that day; of two
    readings of a day, the nearest any covers), or without a day the only coming one. Refuses, listing them, where
    that names none, or absences beginning on different days."""
    listed = "; ".join(format_period(a.start, a.end) for a in coming)
    if not coming:
        raise UserError(t("absence.delete_nothing"))
    if days is None:
        if len(coming) == 1:
            return list(coming)
        raise UserError(t("absence.delete_which", absences=listed))
    for day in days:
        covering = [a for a in coming if a.start <= day <= a.end]
        if len(covering) > 1:
            covering = [a for a in covering if a.start == day] or covering
            if len({a.start for a in covering}) > 1:
                raise UserError(t("absence.delete_several", date=format_date(day), absences=listed))
        if covering:
            return covering
    raise UserError(t("absence.delete_none_on", date=format_date(days[0]), absences=listed))


async def _visits_handed_on(session: AsyncSession, staff: Staff, visits: Sequence[Visit]) -> list[str]:
    """Who has the visits she would have made in the absence, as their messages are routed now. One she makes in an
    absent colleague's place stays hers (a substitute's own absence hands nothing on, as for meetings): say so.
    With nobody standing in, the routing falls back to the institution's leads on Slack; where it has none, the
    messages reach no one, and she must hear that rather than be told the leads have them."""
    unrouted = [v for v in visits if v.visitor_id is None]
    table = (
        await visit_store.routing_table(session, institutions={v.institution_id for v in unrouted})
        if unrouted
        else None
    )
    lines = []
    for visit in visits:
        institution = await session.get(Institution, visit.institution_id)
        place, day = (institution.name if institution else ""), format_date(visit.day)
        if visit.visitor_id == staff.id:
            if visit.consultant_id != staff.id:
                colleague = await session.get(Staff, visit.consultant_id)
                name = colleague.name if colleague else ""
                lines.append(t("absence.visit_still_yours", institution=place, date=day, name=name))
            continue
        stand_in = await session.get(Staff, visit.visitor_id) if visit.visitor_id is not None else None
        if stand_in is not None:
            lines.append(t("absence.visit_to", institution=place, date=day, name=stand_in.name))
        elif table is not None and table.route(visit.institution_id, visit.discipline, visit.day):
            lines.append(t("absence.visit_leads", institution=place, date=day))
        elif table is not None and any(lead.slack_id for lead in table.leads.get(visit.institution_id, ())):
            # Leads on Slack, all away that day with nobody standing in: they are there, only not then.
            lines.append(t("absence.visit_nobody_leads_away", institution=place, date=day))
        else:
            lines.append(t("absence.visit_nobody", institution=place, date=day))
    return lines


async def _lead_messages(
    session: AsyncSession, staff: Staff, substitute: Staff | None, start: date, end: date, ctx: Context
) -> list[str]:
    """A lead's: who gets his Friday digest and his messages about visits in the absence (routed as meetings are;
    `substitute`: one who can get messages, else None). The digest is named only where the digest planner's rule
    sends one of the period still to go out to the substitute (or to nobody): not one gone out, nor to a co-lead here
    that day, whose own shows his institutions."""
    if Role.LEDER not in staff.roles:
        return []
    to = await digest_recipients(session, staff, start, end, now=ctx.clock.now(), zone=ctx.zone)
    if substitute is None:
        return [t("absence.lead_messages_nobody" if None in to else "absence.visit_messages_nobody")]
    if substitute.slack_id is not None and substitute.slack_id in to:
        return [t("absence.lead_messages_to", name=substitute.name)]
    return [t("absence.visit_messages_to", name=substitute.name)]


async def _digests_follow(session: AsyncSession, staff: Staff, start: date, ctx: Context) -> None:
    """A lead's absence from today re-plans today's digests it can change at once, not at the planner's next pass:
    one due in minutes would reach him all the same. Before the reply reads who gets his (`_lead_messages`)."""
    if Role.LEDER in staff.roles and start <= ctx.today():
        assert staff.id is not None
        await replan_digests(session, staff.id, now=ctx.clock.now(), zone=ctx.zone)


async def _lead_plans_follow(session: AsyncSession, staff: Staff, ctx: Context) -> None:
    """A lead's count asks follow his absence (registered or taken back) now, not at the planner's next pass: one due
    in minutes would reach him all the same, and count as reached, so his substitute would never be asked. So do the
    café's notices to the leads waiting to go out ('nobody can come')."""
    if Role.LEDER in staff.roles:
        mine = [i.id for i in await queries.institutions_of(session, staff) if i.id is not None]
        await plan_lead_notices_again(session, mine, now=ctx.clock.now(), zone=ctx.zone)
        await ask_counts_again(session, mine, now=ctx.clock.now(), zone=ctx.zone)


async def _replan(ctx: Context, case_ids: Sequence[int]) -> None:
    """Each case she is part of, re-planned after the transaction: its meeting messages follow the absence."""
    if ctx.replan:
        for case_id in case_ids:
            await ctx.replan(case_id)


async def _cafes_to_decline(session: AsyncSession, staff: Staff, start: date, end: date) -> list[str]:
    """Cafés in the absence she is still invited to: the answer is hers to give (a consultant's «Kan ikke» asks a
    colleague; a lead's tells the others only by the overview)."""
    assert staff.id is not None
    return [
        t(
            "absence.cafe_invited_lead" if role == LEAD_ROLE else "absence.cafe_invited",
            institution=institution.name,
            date=format_date(cafe.day),
            time=format_time(parse_hhmm(cafe.start)),
            button=t("cafe.button.no"),
        )
        for cafe, institution, role in await cafe_store.invitations_of(session, staff.id, start, end)
    ]


async def _count_asks_to_nobody(session: AsyncSession, staff: Staff, start: date, end: date) -> list[str]:
    """A lead's: the café's monthly ask for counts that nobody gets in his absence (no other lead, nobody in his
    place): he must hear it, as nothing says so later, and the month's counts are asked for by no one."""
    return [
        t("absence.cafe_count_nobody", institution=institution.name, dates=joined([format_date(d) for d in days]))
        for institution, days in await count_asks_to_nobody(session, staff, start, end)
    ]


async def _first_absence(session: AsyncSession, staff: Staff, start: date, end: date) -> Absence | None:
    """`staff`'s first registered absence with a day in `start`–`end`: the first covering a day decides."""
    return (
        await session.exec(
            select(Absence)
            .where(Absence.staff_id == staff.id, col(Absence.start) <= end, col(Absence.end) >= start)
            .order_by(col(Absence.id))
        )
    ).first()


async def _earlier(session: AsyncSession, earlier: Absence) -> dict[str, str]:
    named = await session.get(Staff, earlier.substitute_id) if earlier.substitute_id else None
    return {
        "earlier_period": format_period(earlier.start, earlier.end),
        "substitute": named.name if named else t("absence.no_substitute"),
    }


async def _substitute_away(session: AsyncSession, substitute: Staff, start: date, end: date) -> list[str]:
    """A substitute away herself stands in for nobody in the daily nudge (`queries.nudge_scopes`); meeting
    invitations still go to her."""
    own = await _first_absence(session, substitute, start, end)
    if own is None:
        return []
    return [
        t(
            "absence.substitute_away",
            name=substitute.name,
            period=format_period(max(own.start, start), min(own.end, end)),
        )
    ]


async def _children_reminded(session: AsyncSession, staff: Staff, substitute: Staff | None) -> list[str]:
    """What the reply says of the daily rating reminder for the children `staff` is the pædagog of: nothing if she
    has none; which of them the substitute may rate, and so gets in her nudge, and which not (the access rule
    `queries.nudge_items_of` applies; who stands in on a day is `queries.nudge_scopes`'s, see the callers)."""
    cases = (
        await session.exec(
            select(Case).where(Case.paedagog_id == staff.id, Case.status == "active").order_by(col(Case.code))
        )
    ).all()
    if not cases:
        return []
    if substitute is None:
        return [t("absence.children_nobody")]
    rated = [c.code for c in cases if (await access_to(session, substitute, c)).write]
    left = [c.code for c in cases if c.code not in rated]
    if not left:
        return [t("absence.children_all", name=substitute.name)]
    if not rated:
        return [t("absence.children_none", name=substitute.name, codes=", ".join(left))]
    return [t("absence.children_some", name=substitute.name, codes=", ".join(rated), left=", ".join(left))]


async def _substitute(session: AsyncSession, text: str, staff: Staff) -> Staff:
    text = text.strip().lstrip("@")
    match = MENTION.match(text if text.startswith("<") else f"<@{text}>") if text else None
    found = await queries.staff_by_slack_id(session, match.group(1)) if match else None
    if found is None:
        found = await queries.staff_by_name(session, text)
    if found is None:
        raise UserError(t("absence.unknown_substitute", text=text))
    if found.id == staff.id:
        raise UserError(t("absence.self_substitute"))
    return found


async def _list_absences(ctx: Context, staff: Staff, today: date) -> Reply:
    async with ctx.db.read() as session:
        rows = (
            await session.exec(
                select(Absence)
                .where(Absence.staff_id == staff.id, col(Absence.end) >= today)
                .order_by(col(Absence.start))
            )
        ).all()
        names = {s.id: s.name for s in (await session.exec(select(Staff))).all()}
    if not rows:
        return Reply(t("absence.none"))
    lines = [t("absence.list_title")]
    for row in rows:
        substitute = names.get(row.substitute_id) if row.substitute_id else None
        lines.append(
            t(
                "absence.list_line",
                period=format_period(row.start, row.end),
                substitute=substitute or t("absence.no_substitute"),
            )
        )
    lines.append(t("absence.list_hint"))
    return Reply("\n".join(lines))

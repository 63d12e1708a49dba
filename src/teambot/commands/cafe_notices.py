"""What the bot sends about a småbørnscafé, and the outbox rows one café wants.

Invitations (with Deltager · Kan ikke) go out once, at the next decent moment after someone is invited; the lead's
invitation carries a draft parent invitation for Aula. When no one of a profession can come, the lead is told.
The working day before, everyone still coming gets a reminder saying who has accepted. And since cafés are planned
only from the counts an institution registers, its leads are asked each month for the missing ones of that month and
the coming ones.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.cafe_leads import Nobody, Unfilled, lead_notice_why, plan_unfilled
from teambot.commands.notices import actions, as_payload, button, plain_notice
from teambot.commands.registry import Block, Reply
from teambot.commands.visit_notices import role_definite
from teambot.domain.cafe import CAFE_ROLES, count_ask_day, counting_since, month_at, month_index, months_to_count
from teambot.domain.cafe_leads import LeadNotice, cafe_leads_on
from teambot.domain.calendar import WorkCalendar
from teambot.domain.meetings import WORKDAY_END, late_reminder_instant, local_instant, parse_hhmm
from teambot.domain.roles import Role
from teambot.domain.routing import Delivery, Participant, route
from teambot.domain.routing_table import RoutingTable
from teambot.i18n import format_date, format_time, month_name, t, t_count
from teambot.store import outbox, queries
from teambot.store import visits as visit_store
from teambot.store.cafe import (
    DECLINED,
    INVITED,
    LEAD_ROLE,
    CafeMove,
    asks_gone_out,
    counted_months,
    invites_of_sessions,
    lock_count_asks,
    lock_lead_notices,
    unfilled_roles,
)
from teambot.store.models import CafeInvite, CafeSession, Institution, Notification, Staff

INVITE, UNFILLED, REMINDER, MOVED = "cafe.invite", "cafe.unfilled", "cafe.reminder", "cafe.moved"
CAFE_KINDS = (INVITE, UNFILLED, REMINDER, MOVED)
# Asking an institution's leads for the counts still missing: about the institution, not a café.
COUNT_MISSING, INSTITUTION = "cafe.count_missing", "institution"


def months_label(first: date, last: date) -> str:
    """'marts 2027', 'marts–april 2027' or 'december 2026–januar 2027'."""
    if first == last:
        return f"{month_name(first.month)} {first.year}"
    if first.year == last.year:
        return f"{month_name(first.month)}–{month_name(last.month)} {last.year}"
    return f"{month_name(first.month)} {first.year}–{month_name(last.month)} {last.year}"


def months_list(months: Sequence[date]) -> str:
    """'maj 2027', 'april og maj 2027', 'december 2026 og januar 2027': each year once, after its last month."""
    names = [
        month_name(month.month) + ("" if later is not None and later.year == month.year else f" {month.year}")
        for month, later in zip(months, [*months[1:], None], strict=True)
    ]
    return joined(names)


def joined(names: Sequence[str]) -> str:
    """'A', 'A og B', 'A, B og C' (at least one name)."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + t("cafe.and") + names[-1]


def title(cafe: CafeSession, institution: Institution) -> str:
    """'småbørnscaféen i Vuggestuen Mariehønen onsdag 14. april 2027 kl. 09.30', for running text."""
    return t(
        "cafe.title",
        institution=institution.name,
        date=format_date(cafe.day),
        time=format_time(parse_hhmm(cafe.start)),
    )


def headline(cafe: CafeSession, institution: Institution) -> str:
    return t(
        "cafe.headline",
        institution=institution.name,
        date=format_date(cafe.day),
        time=format_time(parse_hhmm(cafe.start)),
    )


def parent_invitation(cafe: CafeSession, institution: Institution) -> str:
    """The draft for Aula: the bot never messages parents, staff post this."""
    text = t(
        "cafe.parents_text",
        date=format_date(cafe.day),
        time=format_time(parse_hhmm(cafe.start)),
        institution=institution.name,
        months=months_label(cafe.first_month, cafe.last_month),
        professions=joined([role_definite(r) for r in CAFE_ROLES]),
    )
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def why_invited(invite: CafeInvite, institution: Institution, names: dict[int, str], table: RoutingTable) -> str:
    if invite.role == LEAD_ROLE:
        return t("why.cafe.lead", institution=institution.name)
    if invite.stands_in_for is not None:
        return t(
            "why.cafe.stand_in",
            name=names.get(invite.stands_in_for, "?"),
            role=invite.role,
            institution=institution.name,
        )
    fixed = table.fixed(institution.id or 0, invite.role)
    if fixed is not None and fixed.person.staff_id == invite.staff_id:
        return t("why.visit.assigned", role=invite.role, institution=institution.name)
    return t("why.cafe.district", role=invite.role, institution=institution.name)


def invite_button_value(invite_id: int, cafe: CafeSession) -> str:
    """A button's value names the café and its day besides the invitation: a button sent before the café moved
    (or before SQLite gave a deleted invitation's id to another) must not answer for the new day."""
    return f"{invite_id}:{cafe.id}:{cafe.day.isoformat()}"


def _buttons(value: str) -> Block:
    return actions(
        button(t("cafe.button.yes"), "cafe_yes", value, "primary"),
        button(t("cafe.button.no"), "cafe_no", value),
    )


def invitation(
    cafe: CafeSession, institution: Institution, invite: CafeInvite, why: str, *, lead: bool = False
) -> Reply:
    """`lead`: the invitee leads the institution (invited as its consultant too, in one invitation): the text for the
    parents is theirs to post all the same."""
    assert invite.id is not None
    lines = [
        headline(cafe, institution),
        t_count("cafe.invite_body", cafe.children, months=months_label(cafe.first_month, cafe.last_month)),
    ]
    if invite.role == LEAD_ROLE or lead:
        lines += [
            t("cafe.lead_post"),
            parent_invitation(cafe, institution),
            t("cafe.lead_follow", code=institution.code),
        ]
    lines.append(t("cafe.question"))
    return plain_notice("\n".join(lines), why, _buttons(invite_button_value(invite.id, cafe)))


def attendance_lines(invites: list[CafeInvite], names: dict[int, str]) -> list[str]:
    """One line per invited person with their answer, profession by profession, the lead last."""
    order = [*CAFE_ROLES, LEAD_ROLE]
    lines = []
    for invite in sorted(invites, key=lambda i: (order.index(i.role) if i.role in order else len(order), i.id or 0)):
        role = invite.role
        if invite.stands_in_for is not None:
            role += t("cafe.line.for", name=names.get(invite.stands_in_for, "?"))
        lines.append(t(f"cafe.line.{invite.status}", name=names.get(invite.staff_id, "?"), role=role))
    return lines


def reminder(
    cafe: CafeSession, institution: Institution, invites: list[CafeInvite], names: dict[int, str], why: str
) -> Reply:
    coming = [i for i in invites if i.status == "accepted"]
    silent = [i for i in invites if i.status == INVITED]
    lines = [
        t(
            "cafe.reminder_headline",
            institution=institution.name,
            date=format_date(cafe.day),
            time=format_time(parse_hhmm(cafe.start)),
        )
    ]
    people = ", ".join(t("cafe.person", name=names.get(i.staff_id, "?"), role=i.role) for i in coming)
    lines.append(t("cafe.reminder_coming", names=people or t("cafe.nobody")))
    if silent:
        waiting = ", ".join(t("cafe.person", name=names.get(i.staff_id, "?"), role=i.role) for i in silent)
        lines.append(t("cafe.reminder_silent", names=waiting))
    return plain_notice("\n".join(lines), why)


def unfilled(cafe: CafeSession, institution: Institution, role: str, why: str) -> Reply:
    body = t(
        "cafe.unfilled",
        role=role,
        institution=institution.name,
        date=format_date(cafe.day),
        time=format_time(parse_hhmm(cafe.start)),
    )
    return plain_notice(body, why)


async def staff_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    rows = (await session.exec(select(Staff).where(col(Staff.id).in_(list(ids))))).all()
    return {s.id: s.name for s in rows if s.id is not None}


async def tell_closing_moves(
    session: AsyncSession, moves: Sequence[CafeMove], *, table: RoutingTable, now: datetime, today: date
) -> int:
    """Tell those invited to each café moved off a new closing day (`store.cafe.move_off_closing_days`) who had not
    declined, and its leads, at once, whether they are asked again; the leads are reminded to tell the parents. The
    leads are those `today`, when it goes out (`cafe_leads_on`: an absent lead's substitute on his behalf; the leads
    themselves when nobody stands in for any). The invitations and reminders still waiting name the old day and go;
    the next sync sends the new day's. One notice per move: a later pass finds the café on a working day."""
    if not moves:
        return 0
    ids = [move.cafe.id for move in moves if move.cafe.id is not None]
    # The old day's invitations and reminders go; an earlier move's notice still waiting goes out before this one,
    # so that each tells the day its reader last heard of.
    await outbox.cancel_pending_many(session, ref_type="cafe", ref_ids=ids, kinds=(INVITE, UNFILLED, REMINDER), now=now)
    invites_now = await invites_of_sessions(session, ids)
    before = [i for move in moves for i in move.invited_before]
    people = {i.staff_id for i in before} | {i.stands_in_for for i in before if i.stands_in_for}
    people |= {i.staff_id for invites in invites_now.values() for i in invites}
    staff = {s.id: s for s in (await session.exec(select(Staff).where(col(Staff.id).in_(list(people))))).all()}
    names = {i: s.name for i, s in staff.items() if i is not None}
    institutions = {
        i.id: i
        for i in (
            await session.exec(
                select(Institution).where(col(Institution.id).in_({m.cafe.institution_id for m in moves}))
            )
        ).all()
    }
    planned: list[outbox.Planned] = []
    for move in moves:
        cafe = move.cafe
        assert cafe.id is not None
        institution = institutions[cafe.institution_id]
        told: dict[str, str] = {}
        for invite in move.invited_before:
            if invite.status != DECLINED and (slack_id := queries.reachable_id(staff.get(invite.staff_id))):
                told.setdefault(slack_id, why_invited(invite, institution, names, table))
        leads: set[str] = set()
        for to in cafe_leads_on(table, cafe.institution_id, today):
            leads.add(to.recipient.slack_id)
            # The lead's why, also to one invited: it says why the parents are hers (or his) to tell.
            told[to.recipient.slack_id] = lead_notice_why(to, institution.name)
        invited_again = {
            person.slack_id
            for invite in invites_now.get(cafe.id, [])
            if invite.status == INVITED and (person := staff.get(invite.staff_id)) is not None and person.slack_id
        }
        headline = t(
            "cafe.closed_day_notice",
            institution=institution.name,
            old=format_date(move.old_day),
            date=format_date(cafe.day),
            time=format_time(parse_hhmm(cafe.start)),
        )

        for recipient, why in told.items():
            lines = [headline]
            if recipient in invited_again:
                lines.append(t("cafe.closed_day_invited"))
            elif recipient not in leads:
                lines.append(t("cafe.closed_day_released"))
            if recipient in leads:
                lines.append(t("cafe.closed_day_parents", code=institution.code))
            key = f"cafe:{cafe.id}:moved:{cafe.day.isoformat()}:{now.isoformat()}:{recipient}"
            planned.append(_row(cafe, institution, MOVED, key, recipient, plain_notice(" ".join(lines), why), now))
    await outbox.insert_new(session, planned, now)
    return len(planned)


def _row(
    cafe: CafeSession, institution: Institution, kind: str, key: str, recipient: str, reply: Reply, when: datetime
) -> outbox.Planned:
    """One outbox row about `cafe`."""
    return outbox.Planned(
        dedupe_key=key,
        kind=kind,
        recipient=recipient,
        subject=institution.code,
        due_at=when,
        ref_type="cafe",
        ref_id=cafe.id,
        event_day=cafe.day,
        institution_id=cafe.institution_id,
        payload=as_payload(reply),
    )


async def sync_cafe_outbox(
    session: AsyncSession,
    cafe: CafeSession,
    *,
    table: RoutingTable,
    calendar: WorkCalendar,
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> dict[str, Unfilled]:
    """Queue the café's invitations (once each) and 'nobody can come' notices, and keep its reminders current.
    Returns the 'nobody can come' notice of each role nobody can come in, as planned (the «Kan ikke» answer names
    who gets it from this)."""
    synced = await sync_cafe_outboxes(
        session,
        [cafe],
        table=table,
        calendars={cafe.institution_id: calendar},
        remind_at=remind_at,
        now=now,
        zone=zone,
    )
    return synced.get(cafe.id or 0, {})


async def sync_cafe_outboxes(
    session: AsyncSession,
    cafes: Sequence[CafeSession],
    *,
    table: RoutingTable,
    calendars: Mapping[int, WorkCalendar],
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> dict[int, dict[str, Unfilled]]:
    """`sync_cafe_outbox` for many cafés at once: a handful of queries whatever their number, and writes only for
    the rows that are new or change. New rows go in in the order one café after the other would insert them.
    Returns the 'nobody can come' notices planned, by café and role."""
    if not cafes:
        return {}
    today = now.astimezone(zone).date()
    ids = [c.id for c in cafes if c.id is not None]
    institutions = {
        i.id: i
        for i in (
            await session.exec(select(Institution).where(col(Institution.id).in_({c.institution_id for c in cafes})))
        ).all()
    }
    # Before the invitations are read, and held until the caller commits: an answer («Deltager», «Kan ikke») syncs
    # its café under the same lock, so a pass that read the invitations before it cannot write back the notice the
    # answer cancelled (or cancel the one it planned). The leads' absences are read after it too.
    await lock_lead_notices(session)
    invites_of_cafe = await invites_of_sessions(session, ids)
    every_invite = [i for invites in invites_of_cafe.values() for i in invites]
    people = {i.staff_id for i in every_invite} | {i.stands_in_for for i in every_invite if i.stands_in_for}
    staff = {s.id: s for s in (await session.exec(select(Staff).where(col(Staff.id).in_(list(people))))).all()}
    names = {i: s.name for i, s in staff.items() if i is not None}
    unfilled_in = {
        c.id for c in cafes if c.id is not None and c.day >= today and unfilled_roles(invites_of_cafe.get(c.id, []))
    }
    if unfilled_in:
        table = await _with_current_absences(
            session, table, {c.institution_id for c in cafes if c.id in unfilled_in}, today
        )
    known: set[str] = set()
    reminded: set[int] = set()  # cafés with reminder rows already: the only ones the sync below can change
    waiting: set[int] = set()  # cafés with 'nobody can come' rows waiting: their sync may cancel one
    for ref_id, key, kind, status in (
        await session.exec(
            select(
                col(Notification.ref_id), col(Notification.dedupe_key), col(Notification.kind), col(Notification.status)
            ).where(Notification.ref_type == "cafe", col(Notification.ref_id).in_(ids))
        )
    ).all():
        known.add(key)
        if kind == REMINDER and ref_id is not None:
            reminded.add(ref_id)
        if kind == UNFILLED and ref_id is not None and status == outbox.PENDING:
            waiting.add(ref_id)
    # The 'nobody can come' rows of the cafés whose notices are planned again: few, read whole (a row that may have
    # reached its lead is kept as it is).
    notice_rows: dict[int, list[Notification]] = {}
    if unfilled_in:
        for row in (
            await session.exec(
                select(Notification).where(
                    Notification.ref_type == "cafe",
                    col(Notification.ref_id).in_(sorted(unfilled_in)),
                    Notification.kind == UNFILLED,
                )
            )
        ).all():
            notice_rows.setdefault(row.ref_id or 0, []).append(row)
    new: list[outbox.Planned] = []
    planned: dict[int, list[outbox.Planned]] = {}
    notices: dict[int, list[outbox.Planned]] = {cafe_id: [] for cafe_id in waiting | unfilled_in}
    synced: dict[int, dict[str, Unfilled]] = {}
    for cafe in cafes:
        assert cafe.id is not None
        once, reminders = _wanted_rows(
            cafe,
            institutions[cafe.institution_id],
            invites_of_cafe.get(cafe.id, []),
            staff,
            names,
            known,
            table=table,
            calendar=calendars[cafe.institution_id],
            remind_at=remind_at,
            now=now,
            zone=zone,
        )
        new += [p for p in [*once, *reminders] if p.dedupe_key not in known]
        if cafe.id in reminded:
            planned[cafe.id] = reminders
        if cafe.id in unfilled_in:
            synced[cafe.id], notices[cafe.id] = _unfilled_rows(
                cafe,
                institutions[cafe.institution_id],
                invites_of_cafe.get(cafe.id, []),
                notice_rows.get(cafe.id, []),
                table=table,
                calendar=calendars[cafe.institution_id],
                remind_at=remind_at,
                now=now,
                zone=zone,
            )
    # New rows go in here, in order; the sync then has nothing to insert and only updates or cancels the rows of
    # cafés that had reminders (a café without any is done: the sync of it would read back what was just added).
    await outbox.insert_new(session, new, now)
    await outbox.sync_many(session, ref_type="cafe", kinds=(REMINDER,), planned=planned, now=now)
    # A notice waiting whose role is filled again, or whose lead is away now, goes; one planned anew goes in.
    await outbox.sync_many(session, ref_type="cafe", kinds=(UNFILLED,), planned=notices, now=now)
    return synced


async def plan_lead_notices_again(
    session: AsyncSession, institutions: Collection[int], *, now: datetime, zone: ZoneInfo
) -> None:
    """The coming cafés of `institutions` synced at once, by a command whose change of a lead's absence the
    planner's next pass would see too late: a 'nobody can come' notice waiting to go out follows it now."""
    if not institutions:
        return
    today = now.astimezone(zone).date()
    cafes = (
        await session.exec(
            select(CafeSession)
            .where(col(CafeSession.institution_id).in_(list(institutions)), col(CafeSession.day) >= today)
            .order_by(col(CafeSession.day), col(CafeSession.id))
        )
    ).all()
    if not cafes:
        return
    municipality = await queries.municipality(session)
    await sync_cafe_outboxes(
        session,
        cafes,
        table=await visit_store.routing_table(session, institutions=institutions),
        calendars=await queries.work_calendars(session, institutions),
        remind_at=municipality.reminder_time or "08:00",
        now=now,
        zone=zone,
    )


async def _with_current_absences(
    session: AsyncSession, table: RoutingTable, institutions: set[int], today: date
) -> RoutingTable:
    """`table` with the absences of the `institutions`' leads as they are now (the caller holds `lock_lead_notices`):
    a planner pass reads its table once, before its chunks, and must not route a notice by an absence registered or
    removed since (the command re-planned it at once, and would be undone)."""
    leads = {lead.staff_id for i in institutions for lead in table.leads.get(i, ())}
    current = await queries.absences_of(session, leads, ending_from=today) if leads else {}
    absences = {staff_id: found for staff_id, found in table.absences.items() if staff_id not in leads}
    return replace(table, absences={**absences, **current})


def _unfilled_rows(
    cafe: CafeSession,
    institution: Institution,
    invites: list[CafeInvite],
    found: list[Notification],
    *,
    table: RoutingTable,
    calendar: WorkCalendar,
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[dict[str, Unfilled], list[outbox.Planned]]:
    """The 'nobody can come' notice of each role nobody can come in, to the leads on the day it goes out (at the next
    decent moment), and its rows. Not to a lead who was the role's only one asked and said no himself: he knows."""
    assert cafe.id is not None
    soon = late_reminder_instant(now, calendar, parse_hhmm(remind_at), zone)
    starts = local_instant(cafe.day, parse_hhmm(cafe.start), zone)
    leads_on_slack = [lead.staff_id for lead in table.leads.get(cafe.institution_id, ()) if lead.slack_id]

    def draw(role: str) -> Callable[[LeadNotice, str, datetime], outbox.Planned]:
        def row(to: LeadNotice, key: str, due: datetime) -> outbox.Planned:
            reply = unfilled(cafe, institution, role, lead_notice_why(to, institution.name))
            return _row(cafe, institution, UNFILLED, key, to.recipient.slack_id, reply, due)

        return row

    synced: dict[str, Unfilled] = {}
    rows: list[outbox.Planned] = []
    for role in unfilled_roles(invites):
        asked = [i.staff_id for i in invites if i.role == role]
        himself = asked[0] if len(asked) == 1 else None
        synced[role], planned = plan_unfilled(
            role,
            f"cafe:{cafe.id}:{cafe.day.isoformat()}:unfilled:{role}",
            cafe_leads_on(table, cafe.institution_id, soon.astimezone(zone).date(), leaving_out=himself),
            found,
            soon=soon if soon < starts else None,
            nobody=Nobody.YOU_LEAD if leads_on_slack else Nobody.NO_LEAD,
            draw=draw(role),
        )
        rows += planned
    return synced, rows


def _wanted_rows(
    cafe: CafeSession,
    institution: Institution,
    invites: list[CafeInvite],
    staff: Mapping[int | None, Staff],
    names: dict[int, str],
    known: Container[str],
    *,
    table: RoutingTable,
    calendar: WorkCalendar,
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[list[outbox.Planned], list[outbox.Planned]]:
    """The café's invitations, which go out once, not `known` yet, and the reminders it wants now ('nobody can
    come': `_unfilled_rows`). A known row that goes out once is left as it is: rendering it again was most of a
    steady pass's work."""
    assert cafe.id is not None
    at = parse_hhmm(remind_at)
    starts = local_instant(cafe.day, parse_hhmm(cafe.start), zone)
    today = now.astimezone(zone).date()
    prefix = f"cafe:{cafe.id}:{cafe.day.isoformat()}"

    def row(kind: str, key: str, recipient: str, reply: Reply, when: datetime) -> outbox.Planned:
        return _row(cafe, institution, kind, key, recipient, reply, when)

    once: list[outbox.Planned] = []
    reminders: list[outbox.Planned] = []
    if cafe.day >= today:
        soon = late_reminder_instant(now, calendar, at, zone)
        leads = {lead.staff_id for lead in table.leads.get(cafe.institution_id, ())}
        for invite in invites:
            slack_id = queries.reachable_id(staff.get(invite.staff_id))
            if slack_id is None:
                continue
            why = why_invited(invite, institution, names, table)
            if invite.status == INVITED and soon < starts and f"{prefix}:invite:{invite.id}" not in known:
                once.append(
                    row(
                        INVITE,
                        f"{prefix}:invite:{invite.id}",
                        slack_id,
                        invitation(cafe, institution, invite, why, lead=invite.staff_id in leads),
                        soon,
                    )
                )
            if invite.status != DECLINED:
                key = f"{prefix}:reminder:{slack_id}"
                due = local_instant(calendar.add_working_days(cafe.day, -1), at, zone)
                if due < now:
                    due = soon  # planned after the reminder moment (a late stand-in): at the next decent moment
                if due < starts:
                    reminders.append(
                        row(REMINDER, key, slack_id, reminder(cafe, institution, invites, names, why), due)
                    )
    return once, reminders


def counts_wanted(institution: Institution, missing: Sequence[date], to: Delivery) -> Reply:
    """The month's ask to a lead, or whoever stands in for one, for the counts still `missing` (counts only: the
    children are never named)."""
    body = t(
        "cafe.count_missing",
        institution=institution.name,
        months=months_list(missing),
        month=f"{missing[0]:%Y-%m}",
        code=institution.code,
    )
    absent = to.on_behalf_of
    why = (
        t("why.visit.substitute", name=absent.name, role=LEAD_ROLE, institution=institution.name)
        if absent is not None
        else t("why.cafe.lead", institution=institution.name)
    )
    return plain_notice(body, why)


def count_ask_leads(table: RoutingTable, institution_id: int) -> list[Participant]:
    """Those the institution's count ask is for, before absences are routed: its leads on Slack."""
    return [Participant(lead, LEAD_ROLE) for lead in table.leads.get(institution_id, ()) if lead.slack_id]


def count_ask_key(institution_id: int, day: date, slack_id: str) -> str:
    """The key of the count ask of `day`'s month to one recipient: one a month, whatever day it goes out."""
    return f"cafe-count:{institution_id}:{day:%Y-%m}:{slack_id}"


async def ask_counts_again(
    session: AsyncSession, institutions: Collection[int], *, now: datetime, zone: ZoneInfo
) -> None:
    """The leads' asks of `institutions` brought up to date at once, by a command whose change the planner's next pass
    would see too late for an ask about to go out (a count registered, a lead's absence). A pass syncing them
    meanwhile is waited for, not the whole pass (`sync_count_reminders` takes `lock_count_asks`): it cannot write
    the old state back after this. Call it last in the transaction."""
    if not institutions:
        return
    municipality = await queries.municipality(session)
    await sync_count_reminders(
        session,
        table=await visit_store.routing_table(session, institutions=institutions),
        calendars=await queries.work_calendars(session, institutions),
        remind_at=municipality.reminder_time or "08:00",
        now=now,
        zone=zone,
        institutions=institutions,
    )


async def sync_count_reminders(
    session: AsyncSession,
    *,
    table: RoutingTable,
    calendars: dict[int, WorkCalendar],
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
    institutions: Collection[int] | None = None,
) -> None:
    """Keep this month's ask for missing counts current: for each institution in the café model that still counts
    (a count registered for a month at most `COUNT_LAPSE_MONTHS` before this one) with this month or a coming one
    uncounted, one message to each of its leads on Slack, on its first working day of the month at `remind_at` (a
    bot down then sends it when back that working day); narrowed as counts come in (also one Slack may have posted,
    answered 500, before the look that settles it: it keeps its due time; one routed away from its lead by an absence
    registered since is kept as it is), cancelled when none is missing, and cancelled when the ask day is gone (a
    closing took it, or it moved earlier and has passed): next month asks again. `institutions`: only those (a
    command registering a count). The calendars of institutions missing from `calendars` are read into it."""
    # Before the counts are read, and held until the caller commits: call this last in a transaction.
    await lock_count_asks(session)
    today = now.astimezone(zone).date()
    local_now = now.astimezone(zone).time()
    months = months_to_count(today)
    # Only an institution still counting is asked: one whose latest count is at most `COUNT_LAPSE_MONTHS` before
    # this month. One that stopped long ago stopped having cafés, and its leads were asked every month for ever.
    counted = await counted_months(session, months, since=counting_since(today), institutions=institutions)
    at = parse_hhmm(remind_at)
    for institution_id in sorted(counted.keys() - calendars.keys()):
        # Created since `calendars` was read (a command between two transactions of a pass): read its own.
        calendars[institution_id] = await queries.work_calendar(session, institution_id)
    ask_days = {
        institution_id: day
        for institution_id in sorted(counted)
        if (day := count_ask_day(today, calendars[institution_id])) is not None
        and (day > today or (day == today and local_now < WORKDAY_END))
    }
    missing = {i: [m for m in months if m not in counted[i]] for i in ask_days}
    named = [i for i, gaps in missing.items() if gaps]
    places = {i.id: i for i in (await session.exec(select(Institution).where(col(Institution.id).in_(named)))).all()}
    leads = {i: count_ask_leads(table, i) for i in named}
    absences = await queries.absences_of(
        session, {p.person.staff_id for them in leads.values() for p in them}, ending_from=today
    )
    # A lead the month's ask reached (or may have: `asks_gone_out`) has it: an absence he registers after it went asks
    # nobody in his place. One Slack may have posted and still waiting for its retry (`unsettled`) stays his.
    reached, unsettled = await asks_gone_out(
        session, [count_ask_key(i, today, p.person.slack_id) for i, them in leads.items() for p in them]
    )
    waiting = {row.dedupe_key: row for row in unsettled}
    # Every institution in the model: one with no ask left this month, or nothing missing, has a waiting ask cancelled.
    planned: dict[int, list[outbox.Planned]] = {institution_id: [] for institution_id in counted}
    for institution_id, day in ask_days.items():
        institution = places.get(institution_id)
        if institution is None:
            continue
        due = max(local_instant(day, at, zone), now)
        # A lead away on the ask's day is routed as a meeting's participant is: to the substitute registered with
        # `/teambot fravær`, else to nobody in his place (the institution's other leads are asked in their own
        # right); with no lead left, nobody is asked this month and next month's ask asks again. Once a month:
        # not in the place of a lead it reached already. One Slack may have posted to a lead is planned as his own
        # while he is not away (`sync_many` keeps its due time for the look before its retry, and narrows its text
        # to the months still missing); routed away from him, it is kept as it is, and nobody is asked in his place.
        not_asked = [
            p
            for p in leads[institution_id]
            if (key := count_ask_key(institution_id, today, p.person.slack_id)) not in reached or key in waiting
        ]
        routed = route(not_asked, absences, day)
        own = {to.recipient.slack_id for to in routed if to.on_behalf_of is None}
        for p in not_asked:
            key = count_ask_key(institution_id, today, p.person.slack_id)
            if key in waiting and p.person.slack_id not in own:
                planned[institution_id].append(outbox.Planned.kept(waiting[key]))
        for to in routed:
            if to.on_behalf_of is not None and (
                count_ask_key(institution_id, today, to.on_behalf_of.slack_id or "") in waiting
            ):
                continue  # his ask may have reached him: kept above, nobody is asked in his place
            planned[institution_id].append(
                outbox.Planned(
                    dedupe_key=count_ask_key(institution_id, today, to.recipient.slack_id),
                    kind=COUNT_MISSING,
                    recipient=to.recipient.slack_id,
                    subject=institution.code,
                    due_at=due,
                    ref_type=INSTITUTION,
                    ref_id=institution_id,
                    event_day=day,
                    institution_id=institution_id,
                    payload=as_payload(counts_wanted(institution, missing[institution_id], to)),
                )
            )
    # Rows of days before today are past asks (sent, or cancelled by the planner's pass): not read.
    await outbox.sync_many(session, ref_type=INSTITUTION, kinds=(COUNT_MISSING,), planned=planned, now=now, since=today)


async def count_asks_to_nobody(
    session: AsyncSession, staff: Staff, start: date, end: date
) -> list[tuple[Institution, list[date]]]:
    """The count asks that nobody gets, as `sync_count_reminders` routes them now, on the ask days from `start` to
    `end` of the institutions `staff` leads (his absence there, just registered): by institution, those in the café
    model on the day with a month still to count. An ask that reached a lead already is not lost."""
    if Role.LEDER not in staff.roles or not staff.slack_id:
        return []  # only a lead on Slack is asked: nothing of his goes to nobody
    mine = await queries.institutions_of(session, staff)
    ids = [i.id for i in mine if i.id is not None]
    table = await visit_store.routing_table(session, institutions=ids)
    leads = {i: count_ask_leads(table, i) for i in ids}
    absences = await queries.absences_of(
        session, {p.person.staff_id for them in leads.values() for p in them}, ending_from=start
    )
    calendars = await queries.work_calendars(session, ids)
    lost: dict[int, list[date]] = {}
    for month in (month_at(m) for m in range(month_index(start), month_index(end) + 1)):
        counted = await counted_months(session, months_to_count(month), since=counting_since(month), institutions=ids)
        for institution_id, have in counted.items():
            day = count_ask_day(month, calendars[institution_id])
            if day is None or not start <= day <= end or set(months_to_count(month)) <= have:
                continue
            if route(leads[institution_id], absences, day):
                continue
            keys = [count_ask_key(institution_id, day, p.person.slack_id) for p in leads[institution_id]]
            if (await asks_gone_out(session, keys))[0]:  # the month's: its key is the month's, whatever day it went
                continue
            lost.setdefault(institution_id, []).append(day)
    return [(i, lost[i.id]) for i in mine if i.id in lost]

"""What the bot sends about a consultant visit, and the outbox rows one visit wants.

Three messages per visit: a request to confirm the day (to the consultant, a week before the parents' notice),
the notice with a ready-to-post Aula text for parents (to the institution's channel, else its leads), and the
consultant's reminder listing the parents' themes. The planner syncs the coming visits' rows in bulk
(`sync_visit_outboxes`); a move, a confirmation or a new theme re-syncs its own visit at once (`sync_visit_outbox`,
the same code for one visit), while an absence or a new assignment reaches the rows at the planner's next pass.

A parents' text names who comes, and its outbox key keeps that person's Slack ID (`notice_key`): when the visitor
changes after a text went out (an absence registered or taken back, a new consultant), the institution gets a new
text at once (`Handover`). Whoever last heard the visit is hers and no longer has it, or has it now after hearing it
was not, is told so (`Heard`, `visit.handed`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import actions, as_payload, button, plain_notice
from teambot.commands.registry import Block, Reply
from teambot.domain.calendar import WorkCalendar
from teambot.domain.meetings import late_reminder_instant, local_instant, parse_hhmm
from teambot.domain.roles import Role
from teambot.domain.routing import Delivery, Person
from teambot.domain.routing_table import Reason, Routed, RoutingTable, visitor
from teambot.domain.visits import (
    CONFIRM_LEAD_DAYS,
    VisitPolicy,
    notice_day,
    theme_deadline,
    visit_reminder_day,
)
from teambot.i18n import format_date, t
from teambot.store import outbox, queries
from teambot.store import visits as store
from teambot.store.models import Institution, Notification, Staff, Visit

CONFIRM, NOTICE, REMINDER, MOVED = "visit.confirm", "visit.notice", "visit.reminder", "visit.moved"
HANDED = "visit.handed"  # to the visitor the parents were told of, when someone else comes instead
VISIT_KINDS = (CONFIRM, NOTICE, REMINDER, HANDED)
NOBODY = "-"  # the visitor of a parents' text that names nobody (only the leads get the consultant's messages)
VISITOR, LEFT = ":visitor", ":left"  # the end of a move's key: it told its reader the new day is hers, or is not
_AFTER = re.compile(r":notice:after(\d+):")


def notice_key(prefix: str, recipient: str, visitor: Person | None, marker: str | None = None) -> str:
    """The outbox key of a parents' text: the visit and its day (`prefix`), what makes it a new text for a day they
    were told of before (`marker`), where it goes, and the Slack ID of the visitor it names."""
    middle = f"{marker}:" if marker else ""
    return f"{prefix}:notice:{middle}{recipient}:v:{visitor.slack_id if visitor else NOBODY}"


def told_visitor(key: str) -> str | None:
    """The Slack ID of the visitor a parents' text named (`NOBODY`: none), from its key; None for one whose key did
    not keep it (sent before it did)."""
    _, found, visitor = key.rpartition(":v:")
    return visitor if found else None


@dataclass(frozen=True)
class Handover:
    """A visit whose visitor is not the one its parents were last told of (`told`, a Slack ID or `NOBODY`), or was
    not until the parents' text that told them so went out (`pending` False)."""

    after: int  # the outbox row of the parents' text that named `told`
    told: str
    name: str | None  # `told`'s name, when known
    pending: bool


@dataclass(frozen=True)
class Heard:
    """What one person last heard of a visit's day, by the latest message sent: that it is hers (a confirm request, a
    reminder, a `taken` message, a parents' text naming her) or that it is not (a `handed` message)."""

    sent_at: datetime
    row_id: int
    hers: bool


def role_definite(role: str) -> str:
    """'sundhedsplejersken', 'tale-hørekonsulenten': the catalog knows each discipline's definite form."""
    return t(f"role.definite.{role}")


def week_label(day: date, year: int) -> str:
    """'uge 10', or 'uge 53 (2026)' for a day whose ISO week belongs to another year."""
    iso_year, week, _ = day.isocalendar()
    return t("visit.week", week=week) if iso_year == year else t("visit.week_of_year", week=week, year=iso_year)


def routing_why(routed: Routed, institution: str) -> str:
    """The one line saying why this person gets a message about an institution's discipline."""
    if routed.reason is Reason.SUBSTITUTE and routed.assigned is not None:
        return t("why.visit.substitute", name=routed.assigned.name, role=routed.role, institution=institution)
    if routed.reason is Reason.LEAD_FALLBACK and routed.on_behalf_of is not None:
        return t(
            "why.visit.lead_fallback_substitute",
            name=routed.on_behalf_of.name,
            role=routed.role,
            institution=institution,
        )
    if routed.reason is Reason.LEAD_FALLBACK:
        return t("why.visit.lead_fallback", role=routed.role, institution=institution)
    return t("why.visit.assigned", role=routed.role, institution=institution)


def lead_why(to: Delivery, institution: str, own: str) -> str:
    """The why line of a message for an institution's leads: `own` (a catalog key) for a lead, or that she stands
    in for one (as the café's count ask says)."""
    if to.on_behalf_of is not None:
        return t("why.visit.substitute", name=to.on_behalf_of.name, role=Role.LEDER.value, institution=institution)
    return t(own, institution=institution)


@dataclass(frozen=True)
class VisitFacts:
    visit_id: int
    year: int
    institution: Institution
    discipline: str
    day: date
    confirmed: bool
    routed: list[Routed]  # who gets the consultant's messages on the day
    # Who gets a message for the leads sent on a day (`RoutingTable.leads_on`): one the leads act on when they get
    # it (the parents' notice to post, a move to know of) is routed by the day it goes out, not the visit's.
    leads_on: Callable[[date], list[Delivery]]
    themes: list[str]

    @property
    def visitor(self) -> Person | None:
        """The consultant who comes: the fixed one or their substitute; None when only the lead is told."""
        return visitor(self.routed)


async def visit_facts(session: AsyncSession, visit: Visit, table: RoutingTable) -> VisitFacts:
    assert visit.id is not None
    return (await visit_facts_of(session, [visit], table))[visit.id]


async def visit_facts_of(session: AsyncSession, visits: Sequence[Visit], table: RoutingTable) -> dict[int, VisitFacts]:
    """`visit_facts` of many visits (by visit id), from three queries whatever their number."""
    if not visits:
        return {}
    institution_ids = {v.institution_id for v in visits}
    institutions = {
        i.id: i
        for i in (await session.exec(select(Institution).where(col(Institution.id).in_(list(institution_ids))))).all()
    }
    themes = await store.themes_of_visits(session, [v.id for v in visits if v.id is not None])
    facts: dict[int, VisitFacts] = {}
    for visit in visits:
        assert visit.id is not None
        facts[visit.id] = VisitFacts(
            visit_id=visit.id,
            year=visit.year,
            institution=institutions[visit.institution_id],
            discipline=visit.discipline,
            day=visit.day,
            confirmed=visit.confirmed_by is not None,
            routed=table.route(visit.institution_id, visit.discipline, visit.day),
            leads_on=partial(table.leads_on, visit.institution_id),
            themes=themes.get(visit.id, []),
        )
    return facts


def _buttons(visit_id: int, day: date) -> Block:
    # The day too: a confirm request for a day the visit has since left must not confirm the new one.
    value = f"{visit_id}:{day.isoformat()}"
    return actions(
        button(t("visit.button.confirm"), "visit_confirm", value, "primary"),
        button(t("visit.button.move"), "visit_move", value),
    )


def confirm_request(facts: VisitFacts, routed: Routed, notice_on: date) -> Reply:
    body = "\n".join(
        [
            t(
                "visit.confirm_headline",
                institution=facts.institution.name,
                date=format_date(facts.day),
                week=week_label(facts.day, facts.year),
            ),
            t("visit.confirm_body", notice=format_date(notice_on)),
        ]
    )
    return plain_notice(body, routing_why(routed, facts.institution.name), _buttons(facts.visit_id, facts.day))


def parent_text(facts: VisitFacts, deadline: date) -> str:
    """The Aula post for parents (the bot never messages parents; staff post this)."""
    visitor = facts.visitor
    arrival = (
        t(
            "visit.parents_arrival_named",
            date=format_date(facts.day),
            role=facts.discipline,
            name=visitor.name,
            institution=facts.institution.name,
        )
        if visitor
        else t(
            "visit.parents_arrival",
            date=format_date(facts.day),
            role=facts.discipline,
            institution=facts.institution.name,
        )
    )
    text = t(
        "visit.parents_text",
        arrival=arrival[:1].upper() + arrival[1:],
        definite=role_definite(facts.discipline).capitalize(),
        deadline=format_date(deadline),
        institution=facts.institution.name,
    )
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _who(facts: VisitFacts) -> str:
    visitor = facts.visitor
    if visitor:
        return t("visit.visitor", name=visitor.name, role=facts.discipline)
    return t("visit.someone", role=facts.discipline)


def _notice_headline(facts: VisitFacts, *, moved: bool, replaces: Handover | None) -> str:
    where = {"institution": facts.institution.name, "date": format_date(facts.day)}
    if moved or replaces is None:
        return t("visit.notice_moved" if moved else "visit.notice_headline", who=_who(facts), **where)
    if replaces.name is None:
        return t("visit.notice_handed_unnamed", who=_who(facts), **where)
    if facts.visitor is None:
        return t("visit.notice_handed_nobody", old=replaces.name, **where)
    return t("visit.notice_handed", who=_who(facts), old=replaces.name, **where)


def parents_notice(
    facts: VisitFacts,
    *,
    deadline: date,
    reminder_working_days: int,
    why: str,
    moved: bool,
    replaces: Handover | None = None,
) -> Reply:
    """The parents' text for the institution; `replaces`: the visitor changed since the parents' last text."""
    body = "\n".join(
        [
            _notice_headline(facts, moved=moved, replaces=replaces),
            t("visit.notice_post_again" if replaces else "visit.notice_post"),
            parent_text(facts, deadline),
            t(
                "visit.notice_themes",
                code=facts.institution.code,
                definite=role_definite(facts.discipline),
                n=reminder_working_days,
            ),
        ]
    )
    return plain_notice(body, why)


def visit_reminder(facts: VisitFacts, routed: Routed) -> Reply:
    lines = [
        t(
            "visit.reminder_headline",
            institution=facts.institution.name,
            date=format_date(facts.day),
        )
    ]
    if facts.themes:
        lines.append(t("visit.reminder_themes", n=len(facts.themes)))
        lines.extend(f"• {theme}" for theme in facts.themes)
    else:
        lines.append(t("visit.reminder_no_themes"))
    buttons = None if facts.confirmed else _buttons(facts.visit_id, facts.day)
    return plain_notice("\n".join(lines), routing_why(routed, facts.institution.name), buttons)


def handed_notice(facts: VisitFacts, *, institution_told: bool, named_to_parents: bool, lead: bool = False) -> Reply:
    """To one who last heard the visit is hers, when someone else has it now; `named_to_parents`: the parents' last
    text named her; `lead`: she is a lead of the institution, who got the consultant's messages in her place (the
    visit was never hers: she hears who gets them now)."""
    visitor = facts.visitor
    where = {"institution": facts.institution.name, "date": format_date(facts.day)}
    if lead and visitor is not None and not named_to_parents:
        lines = [t("visit.handed_lead", name=visitor.name, **where)]
        if institution_told:
            lines.append(t("visit.handed_parents"))
        return plain_notice("\n".join(lines), t("why.visit.lead_of", institution=facts.institution.name))
    lines = [
        t("visit.handed_to", name=visitor.name, **where)
        if visitor
        else t("visit.handed_to_leads", role=facts.discipline, **where)
    ]
    if institution_told:
        lines.append(t("visit.handed_parents"))
    return plain_notice("\n".join(lines), t("why.visit.told_parents" if named_to_parents else "why.visit.was_yours"))


def taken_notice(facts: VisitFacts, routed: Routed, *, institution_told: bool) -> Reply:
    """To a visitor who comes now, after she heard the visit was not hers, or standing in for a confirmed visit."""
    lines = [t("visit.taken", institution=facts.institution.name, date=format_date(facts.day))]
    if institution_told:
        lines.append(t("visit.taken_parents"))
    return plain_notice("\n".join(lines), routing_why(routed, facts.institution.name))


def moved_notice(facts: VisitFacts, *, old_day: date, by: str, why: str, left: bool = False) -> Reply:
    body = t(
        "visit.moved_notice",
        institution=facts.institution.name,
        old=format_date(old_day),
        date=format_date(facts.day),
        name=by,
    )
    return plain_notice(_and_who_comes(body, facts) if left else body, why)


def _and_who_comes(body: str, facts: VisitFacts) -> str:
    """A move's message to one who had the visit on its old day and not on its new: who has it now."""
    visitor = facts.visitor
    if visitor is not None:
        return f"{body}\n{t('visit.moved_not_yours', name=visitor.name)}"
    return f"{body}\n{t('visit.moved_not_yours_leads', role=facts.discipline)}"


def institution_recipients(facts: VisitFacts, day: date) -> list[tuple[str, str]]:
    """Where the parents' notice sent on `day` goes: the institution's channel, or else each of its leads that day
    (posting it in Aula is a task for the day it arrives); with the why line."""
    if facts.institution.channel:
        return [(facts.institution.channel, t("why.visit.channel", institution=facts.institution.name))]
    name = facts.institution.name
    return [(to.recipient.slack_id, lead_why(to, name, "why.visit.lead")) for to in facts.leads_on(day)]


async def sync_visit_outbox(
    session: AsyncSession,
    visit: Visit,
    *,
    table: RoutingTable,
    policy: VisitPolicy,
    calendar: WorkCalendar,
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """Make the visit's pending rows match what it wants now (after a plan run, a move, a theme or an absence)."""
    await sync_visit_outboxes(
        session,
        [visit],
        table=table,
        policy=policy,
        calendars={visit.institution_id: calendar},
        remind_at=remind_at,
        now=now,
        zone=zone,
    )


async def sync_visit_outboxes(
    session: AsyncSession,
    visits: Sequence[Visit],
    *,
    table: RoutingTable,
    policy: VisitPolicy,
    calendars: Mapping[int, WorkCalendar],
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """`sync_visit_outbox` for many visits at once: a handful of queries whatever their number, and writes only for
    the rows that change (none when nothing did)."""
    today = now.astimezone(zone).date()
    coming = [v for v in visits if v.day >= today and v.discipline in policy.disciplines]
    facts = await visit_facts_of(session, coming, table)
    existing: dict[int, dict[str, datetime]] = {}
    live: dict[int, set[str]] = {}  # the keys of the rows not cancelled, by visit
    moved: set[int] = set()  # visits whose parents were told another date
    told: dict[int, set[str]] = {}  # the keys of the parents' texts sent, by visit
    unsure: dict[int, list[Notification]] = {}  # the parents' texts of the visit's day Slack may have posted
    # Visits whose parents' text of the day Slack refused for the text itself: anyone would be refused it the same way.
    refused_visits: set[int] = set()
    handovers: dict[int, Handover] = {}
    heard: dict[int, dict[str, Heard]] = {}  # by visit, what each person last heard of its day
    own: dict[int, dict[str, Heard]] = {}  # by visit, what each person last heard of its day in a message to her
    gone: dict[int, set[str]] = {}  # by visit, the keys of the rows sent
    reachable: set[tuple[int, str]] = set()  # (visit, Slack ID) of those who can hear it is no longer theirs
    if coming:
        day_of = {v.id: v.day for v in coming}
        ids = list(day_of)
        connection = await session.connection()  # Core rows: sqlmodel's select() types at most 4 columns
        rows = await connection.execute(
            core_select(
                col(Notification.id),
                col(Notification.ref_id),
                col(Notification.dedupe_key),
                col(Notification.due_at),
                col(Notification.status),
                col(Notification.kind),
                col(Notification.event_day),
                col(Notification.attempts),
                col(Notification.last_error),
                col(Notification.recipient),
                col(Notification.sent_at),
            ).where(col(Notification.ref_type) == "visit", col(Notification.ref_id).in_(ids))
        )
        unsure_ids: list[int] = []
        for row_id, ref_id, key, due_at, status, kind, day, attempts, error, recipient, sent_at in rows.all():
            if ref_id is not None:
                existing.setdefault(ref_id, {})[key] = due_at
                if status != outbox.CANCELLED:
                    live.setdefault(ref_id, set()).add(key)
                if status == outbox.SENT:
                    gone.setdefault(ref_id, set()).add(key)
                if status == outbox.SENT and day == day_of[ref_id] and sent_at is not None and row_id is not None:
                    _note_heard(heard.setdefault(ref_id, {}), kind, key, recipient, sent_at, row_id)
                    if kind != NOTICE:
                        _note_heard(own.setdefault(ref_id, {}), kind, key, recipient, sent_at, row_id)
                if kind == NOTICE and day == day_of[ref_id] and outbox.may_have_reached(status, attempts, error):
                    unsure_ids.append(row_id or 0)
                elif kind == NOTICE and day == day_of[ref_id] and outbox.refused_to_anyone(status, error):
                    refused_visits.add(ref_id)
        if unsure_ids:  # few, if any: only these are read whole, to be kept as they are
            for notice in (await session.exec(select(Notification).where(col(Notification.id).in_(unsure_ids)))).all():
                unsure.setdefault(notice.ref_id or 0, []).append(notice)
        notices = await session.exec(
            select(
                col(Notification.id),
                col(Notification.ref_id),
                col(Notification.event_day),
                col(Notification.dedupe_key),
            )
            .where(
                Notification.ref_type == "visit",
                col(Notification.ref_id).in_(ids),
                Notification.kind == NOTICE,
                Notification.status == outbox.SENT,
            )
            .order_by(col(Notification.sent_at), col(Notification.id))
        )
        # The date the parents heard last is that of the latest text sent (by when: a cancelled text brought back
        # keeps its old row): after 11 → 16 → 11 March, a text for the 11th was sent before, yet they last heard
        # of the 16th.
        last_told: dict[int, date] = {}
        last_sent: dict[int, tuple[int, str]] = {}  # the row id and key of the latest text sent, by visit
        sent_keys: dict[int, str] = {}  # the keys of the texts sent, by row id
        for row_id, ref_id, day, key in notices.all():
            if ref_id is not None and day is not None and row_id is not None:
                last_told[ref_id] = day
                last_sent[ref_id] = (row_id, key)
                sent_keys[row_id] = key
                told.setdefault(ref_id, set()).add(key)
        moved = {r for r, day in last_told.items() if day != day_of[r]}
        handovers = await _handovers(
            session,
            {r: sent for r, sent in last_sent.items() if r not in moved and r not in refused_visits},
            sent_keys,
            facts,
        )
        reachable = await _reachable(session, heard, facts)
    reachable_of: dict[int, set[str]] = {}
    for visit_id, who in reachable:
        reachable_of.setdefault(visit_id, set()).add(who)
    planned: dict[int, list[outbox.Planned]] = {}
    for visit in visits:
        assert visit.id is not None
        found = facts.get(visit.id)
        planned[visit.id] = (
            []
            if found is None
            else _wanted_rows(
                visit,
                found,
                existing.get(visit.id, {}),
                live=live.get(visit.id, set()),
                moved=visit.id in moved,
                told=told.get(visit.id, set()),
                unsure=unsure.get(visit.id, []),
                refused=visit.id in refused_visits,
                handover=handovers.get(visit.id),
                heard=heard.get(visit.id, {}),
                own=own.get(visit.id, {}),
                gone=gone.get(visit.id, set()),
                reachable=reachable_of.get(visit.id, set()),
                policy=policy,
                calendar=calendars[visit.institution_id],
                remind_at=remind_at,
                now=now,
                zone=zone,
            )
        )
    await outbox.sync_many(session, ref_type="visit", kinds=VISIT_KINDS, planned=planned, now=now)


async def _handovers(
    session: AsyncSession,
    last_sent: Mapping[int, tuple[int, str]],
    sent_keys: Mapping[int, str],
    facts: Mapping[int, VisitFacts],
) -> dict[int, Handover]:
    """The visits whose visitor changed since the parents' last text of their day (`last_sent`: its row id and key,
    by visit), or whose last text was the one that told the parents so (its key names the text it followed)."""
    found: dict[int, tuple[int, str, bool]] = {}
    for visit_id, (row_id, key) in last_sent.items():
        told, fact = told_visitor(key), facts.get(visit_id)
        if told is None or fact is None:
            continue  # a text sent before its key kept whom it named, or a passed visit
        if told != (fact.visitor.slack_id if fact.visitor else NOBODY):
            found[visit_id] = (row_id, told, True)
        elif (after := _AFTER.search(key)) is not None and (earlier := sent_keys.get(int(after[1]))) is not None:
            if (before := told_visitor(earlier)) is not None:
                found[visit_id] = (int(after[1]), before, False)
    slack_ids = {told for _, told, _ in found.values() if told != NOBODY}
    # Her name also once she left the roster: the institution's text names whom the parents were told of.
    names: dict[str, str] = {}
    if slack_ids:
        query = select(col(Staff.slack_id), col(Staff.name)).where(col(Staff.slack_id).in_(list(slack_ids)))
        names = {slack_id: name for slack_id, name in (await session.exec(query)).all() if slack_id is not None}
    return {visit_id: Handover(row, told, names.get(told), pending) for visit_id, (row, told, pending) in found.items()}


def _note_heard(heard: dict[str, Heard], kind: str, key: str, recipient: str, sent_at: datetime, row_id: int) -> None:
    """Keep in `heard` what a sent row of the visit's day told its reader, if it is the latest she got: a parents'
    text tells the visitor it names (not its reader) that the visit is hers; a move's message to a lead tells her
    nothing of whose it is."""
    if kind == NOTICE:
        named = told_visitor(key)
        if named is None or named == NOBODY:
            return
        recipient, hers = named, True
    elif kind in (CONFIRM, REMINDER):
        hers = True
    elif kind == HANDED:
        hers = ":taken:" in key
    elif kind == MOVED and key.endswith((VISITOR, LEFT)):
        hers = key.endswith(VISITOR)
    else:
        return
    latest = heard.get(recipient)
    if latest is None or (sent_at, row_id) > (latest.sent_at, latest.row_id):
        heard[recipient] = Heard(sent_at, row_id, hers)


async def _reachable(
    session: AsyncSession, heard: Mapping[int, Mapping[str, Heard]], facts: Mapping[int, VisitFacts]
) -> set[tuple[int, str]]:
    """Of those who last heard a visit is theirs and no longer have it, the (visit, Slack ID) of each the bot can
    tell: on the roster, and not away that day (her own absence is why, most often)."""
    candidates: set[tuple[int, str]] = set()
    for visit_id, by_person in heard.items():
        fact = facts.get(visit_id)
        if fact is None:
            continue
        # Whoever the visit is still routed to (a lead in the consultant's place too) still gets its messages.
        routed = {r.recipient.slack_id for r in fact.routed}
        candidates |= {(visit_id, who) for who, last in by_person.items() if last.hers and who not in routed}
    if not candidates:
        return set()
    query = select(col(Staff.id), col(Staff.slack_id)).where(
        col(Staff.slack_id).in_(list({who for _, who in candidates})), col(Staff.active)
    )
    staff = {slack_id: staff_id for staff_id, slack_id in (await session.exec(query)).all() if staff_id is not None}
    away = await queries.absences_of(
        session, list(staff.values()), ending_from=min(facts[visit_id].day for visit_id, _ in candidates)
    )
    return {
        (visit_id, who)
        for visit_id, who in candidates
        if who in staff and not any(a.covers(facts[visit_id].day) for a in away.get(staff[who], []))
    }


def _wanted_rows(
    visit: Visit,
    facts: VisitFacts,
    existing: Mapping[str, datetime],
    *,
    live: set[str],
    moved: bool,
    told: set[str],
    unsure: Sequence[Notification],
    refused: bool,
    handover: Handover | None,
    heard: Mapping[str, Heard],
    own: Mapping[str, Heard],
    gone: set[str],
    reachable: set[str],
    policy: VisitPolicy,
    calendar: WorkCalendar,
    remind_at: str,
    now: datetime,
    zone: ZoneInfo,
) -> list[outbox.Planned]:
    """The rows a coming visit wants: `existing` holds the due times of its rows already in the outbox (`live` the
    keys of those not cancelled), `moved` whether the parents last heard of another day, `told` the keys of the texts
    they were sent, `unsure` the texts of this day Slack may have posted, `refused` whether Slack refused a text of
    this day for the text itself (`outbox.refused_to_anyone`), `handover` whether they last heard of another
    visitor; `heard` what each person last heard of the visit's day (`own`: in a message to her, not a parents' text
    naming her), `gone` the keys of its rows sent, `reachable` those who last heard it is theirs, no longer have it
    and can be told."""
    assert visit.id is not None
    planned: list[outbox.Planned] = []
    at = parse_hhmm(remind_at)
    starts = local_instant(visit.day, at, zone)

    def due(day: date, key: str, *, at_once: bool = False) -> datetime | None:
        """When a row goes out: at the reminder time on its day; planned too late (or `at_once`), at the next
        decent moment before the visit. A row already queued or sent for a passed moment keeps its time."""
        moment = local_instant(day, at, zone)
        if moment >= now and not at_once:
            return moment
        if key in existing:
            return existing[key]
        late = late_reminder_instant(now, calendar, at, zone)
        return late if late < starts else None

    def sent_on(day: date, *, at_once: bool = False) -> date:
        """The local day a row for `day` goes out: that day, or planned too late (or `at_once`) the next decent one."""
        if local_instant(day, at, zone) >= now and not at_once:
            return day
        return late_reminder_instant(now, calendar, at, zone).astimezone(zone).date()

    def row(kind: str, key: str, recipient: str, reply: Reply, when: datetime) -> outbox.Planned:
        return outbox.Planned(
            dedupe_key=key,
            kind=kind,
            recipient=recipient,
            subject=facts.institution.code,
            due_at=when,
            ref_type="visit",
            ref_id=visit.id,
            event_day=visit.day,
            institution_id=visit.institution_id,
            payload=as_payload(reply),
        )

    notice_on = notice_day(visit.day, policy.notice_days, calendar)
    reminder_on = visit_reminder_day(visit.day, policy.reminder_working_days, calendar)
    prefix = f"visit:{visit.id}:{visit.day.isoformat()}"
    asked: dict[str, datetime] = {}  # the earliest confirm request or reminder still to reach each recipient
    for routed in facts.routed:
        recipient = routed.recipient.slack_id
        if not facts.confirmed:
            key = f"{prefix}:confirm:{recipient}"
            confirm_on = calendar.previous_working_day(notice_on - timedelta(days=CONFIRM_LEAD_DAYS))
            if (when := due(confirm_on, key)) is not None:
                planned.append(row(CONFIRM, key, recipient, confirm_request(facts, routed, notice_on), when))
                if key not in gone:
                    asked[recipient] = min(when, asked.get(recipient, when))
        key = f"{prefix}:reminder:{recipient}"
        if (when := due(reminder_on, key)) is not None:
            planned.append(row(REMINDER, key, recipient, visit_reminder(facts, routed), when))
            if key not in gone:
                asked[recipient] = min(when, asked.get(recipient, when))
    # Parents who were told another date must hear of the new one now, not two weeks before it. Once they were told
    # of this day, the text went to the leads: an absence registered since gives it to nobody new. So too when a text
    # of this day may have reached its lead (answered 500, say) and is still to be settled: it stays his as it is,
    # and the look before its next attempt finds it. One cancelled unsure (a move took it) is never settled: it does
    # not stand for the parents being told (reviewer-102: a visit moved back to its day was told to nobody). One Slack
    # refused for the text itself (too long, say) is not handed to anyone new either: it would be refused the same way.
    # Parents told of another visitor hear of this one now, in a text of its own (marked with the text it follows),
    # unless a text of this day may have reached a lead and is still to be settled: its settling comes first. Once
    # one of those new texts went out (`pending` False), the others still waiting (a second lead's, held by a 429)
    # keep their key, text and time: they are what that lead is still to hear. One that failed for good while it
    # may have posted is never settled: it holds nothing back.
    settling = any(f.status in (outbox.PENDING, outbox.SENDING) for f in unsure)
    handed = handover is not None and handover.pending and not settling
    following = handover if handover is not None and (handed or not handover.pending) else None
    told_of_this_day = (
        (bool(told) and not moved) or any(found.status != outbox.CANCELLED for found in unsure) or refused
    )
    unsure_keys = {found.dedupe_key for found in unsure}  # one cancelled unsure comes back to a lead still told
    recipients = institution_recipients(facts, sent_on(notice_on, at_once=moved or following is not None))
    change = visit.changed_at.isoformat() if visit.changed_at else "again"  # stable from pass to pass
    for recipient, why in recipients:
        key, told_moved = notice_key(prefix, recipient, facts.visitor), moved
        if moved and key in told:  # moved back to a day they were told of before: this change gets its own text
            key = notice_key(prefix, recipient, facts.visitor, change)
        elif not moved and (again := notice_key(prefix, recipient, facts.visitor, change)) in live:
            # That text went out to another lead: this one's, still waiting (held by a 429), is what she is to hear.
            key, told_moved = again, True
        elif following is not None:
            key = notice_key(prefix, recipient, facts.visitor, f"after{following.after}")
        if told_of_this_day and not handed and key not in live and key not in unsure_keys:
            continue
        reply = parents_notice(
            facts,
            deadline=theme_deadline(reminder_on, calendar),
            reminder_working_days=policy.reminder_working_days,
            why=why,
            moved=told_moved,
            replaces=following,
        )
        if (when := due(notice_on, key, at_once=moved or following is not None)) is not None:
            planned.append(row(NOTICE, key, recipient, reply, when))
    # Who last heard the visit is hers and no longer has it hears that it is not; a visitor who last heard it is not
    # (or, standing in for a confirmed visit, heard nothing: no confirm request goes to her) hears that it is. Each
    # message is keyed by the one it follows, so a change undone before it went out sends nothing, and a change back
    # later gets its own.
    # A new consultant of a confirmed visit that someone else had hears it too (the roster gave it to her).
    # A message that she comes is for one who hears nothing else of it now: not when her confirm request or reminder
    # goes out as soon (a change after the reminder day), nor when a move to this day told her (the move's message,
    # `_move_rows`). A parents' text naming her is no message to her: one still queued stays once it went out.
    parents = handed and bool(recipients)
    leads = {to.recipient.slack_id for to in facts.leads_on(facts.day)} if reachable else set()
    for who in sorted(reachable):
        key = f"{prefix}:handed:after{heard[who].row_id}:{who}"
        if (when := due(notice_on, key, at_once=True)) is not None:
            named = handover is not None and handover.told == who
            reply = handed_notice(facts, institution_told=parents, named_to_parents=named, lead=who in leads)
            planned.append(row(HANDED, key, who, reply, when))
    first = facts.routed[0] if facts.routed else None
    if first is not None and first.reason is not Reason.LEAD_FALLBACK:
        who = first.recipient.slack_id
        last = own.get(who)
        moved_here = _moved_prefix(visit)
        if (last is not None and not last.hers) or (
            last is None
            and facts.confirmed
            and (first.reason is Reason.SUBSTITUTE or any(h.hers for p, h in heard.items() if p != who))
            and not any(k.startswith(moved_here) and k.endswith(f":{who}{VISITOR}") for k in live)
        ):
            key = f"{prefix}:taken:after{last.row_id if last else 0}:{who}"
            when = due(notice_on, key, at_once=True)
            if when is not None and not (key not in existing and who in asked and asked[who] <= when):
                reply = taken_notice(facts, first, institution_told=parents)
                planned.append(row(HANDED, key, who, reply, when))
    wanted = {p.dedupe_key for p in planned}
    planned += [
        outbox.Planned.kept(found)
        for found in unsure
        if found.status != outbox.CANCELLED and found.dedupe_key not in wanted
    ]
    return planned


def _moved_prefix(visit: Visit) -> str:
    """The start of the keys of the messages about a move of the visit to its day (`_move_rows`)."""
    return f"visit:{visit.id}:moved:{visit.day.isoformat()}:"


def _move_rows(
    visit: Visit,
    facts: VisitFacts,
    notice: Callable[[str, bool], Reply],
    *,
    before: Sequence[Routed],
    now: datetime,
    today: date,
    skip: str | None = None,
) -> list[outbox.Planned]:
    """A 'visit moved' message at once to its consultant (or who stands in) and the leads, and to whoever had it on
    its old day (`before`: a substitute for that day only), but `skip`; `notice(why, left)` is the message with its
    why line, `left` for one who no longer has the visit. One key per move: a visit may come back to a day it had
    before. It goes out now, so the leads are those here `today` (or who stands in for one away). The key ends with
    what the message told its reader of the new day (`_note_heard`): that it is hers (`:visitor`), that it is not
    (`:left`), or, to a lead, neither."""
    assert visit.id is not None
    targets: dict[str, tuple[str, str]] = {}
    for routed in facts.routed:
        targets.setdefault(routed.recipient.slack_id, (routing_why(routed, facts.institution.name), VISITOR))
    for to in facts.leads_on(today):
        targets.setdefault(to.recipient.slack_id, (lead_why(to, facts.institution.name, "why.visit.lead_of"), ""))
    for routed in before:
        if routed.reason is not Reason.LEAD_FALLBACK:
            targets.setdefault(routed.recipient.slack_id, (routing_why(routed, facts.institution.name), LEFT))
    return [
        outbox.Planned(
            dedupe_key=f"{_moved_prefix(visit)}{now.isoformat()}:{recipient}{told}",
            kind=MOVED,
            recipient=recipient,
            subject=facts.institution.code,
            due_at=now,
            ref_type="visit",
            ref_id=visit.id,
            event_day=visit.day,
            institution_id=visit.institution_id,
            payload=as_payload(notice(why, told == LEFT)),
        )
        for recipient, (why, told) in targets.items()
        if recipient != skip
    ]


def _closed_day_notice(body: str, facts: VisitFacts, why: str, left: bool) -> Reply:
    return plain_notice(_and_who_comes(body, facts) if left else body, why)


async def tell_closing_moves(
    session: AsyncSession, moves: Sequence[tuple[Visit, date]], *, table: RoutingTable, now: datetime, today: date
) -> int:
    """Tell the consultant and the leads of each visit the planner moved off a day that has become a closing day
    (`plan_year`), as a person's move would: the parents' notice and the reminders alone showed only the new day.
    One notice per move (a later pass finds the visit on a working day); one still waiting about an earlier move
    goes out first, so that each tells the day its reader last heard of."""
    if not moves:
        return 0
    facts_of = await visit_facts_of(session, [visit for visit, _ in moves], table)
    planned: list[outbox.Planned] = []
    for visit, old_day in moves:
        assert visit.id is not None
        facts = facts_of[visit.id]
        body = t(
            "visit.closed_day_notice",
            institution=facts.institution.name,
            old=format_date(old_day),
            date=format_date(facts.day),
        )
        before = table.route(visit.institution_id, visit.discipline, old_day)
        planned += _move_rows(
            visit, facts, partial(_closed_day_notice, body, facts), before=before, now=now, today=today
        )
    await outbox.insert_new(session, planned, now)
    return len(planned)


async def tell_about_move(
    session: AsyncSession,
    visit: Visit,
    *,
    old_day: date,
    mover: Staff,
    table: RoutingTable,
    now: datetime,
    today: date,
) -> int:
    """A 'visit moved' message at once to the consultant and the leads, except whoever moved it."""
    facts = await visit_facts(session, visit, table)

    def notice(why: str, left: bool) -> Reply:
        return moved_notice(facts, old_day=old_day, by=mover.name, why=why, left=left)

    before = table.route(visit.institution_id, visit.discipline, old_day)
    planned = _move_rows(visit, facts, notice, before=before, now=now, today=today, skip=mover.slack_id)
    await outbox.insert_new(session, planned, now)
    return len(planned)

"""Småbørnscafé counts, sessions and invitations: proposing cafés from the counts, and the stand-in rotation."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import case, func
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.cafe import (
    CAFE_ROLES,
    CafeGroup,
    CafePolicy,
    cafe_day,
    first_of_month,
    group_cohorts,
    is_due,
    moved_cafe_day,
    pick_stand_in,
)
from teambot.domain.calendar import WorkCalendar
from teambot.domain.roles import Role
from teambot.domain.routing import Person
from teambot.domain.routing_table import Reason, RoutingTable, visitor
from teambot.store import outbox, queries
from teambot.store import visits as visit_store
from teambot.store.models import (
    Absence,
    CafeCount,
    CafeInvite,
    CafeRelease,
    CafeSession,
    Institution,
    Municipality,
    Notification,
    Staff,
    StaffInstitution,
    Visit,
)
from teambot.store.revisions import revise

log = logging.getLogger(__name__)

INVITED, ACCEPTED, DECLINED = "invited", "accepted", "declined"
LEAD_ROLE = Role.LEDER.value


def cafe_policy(municipality: Municipality) -> CafePolicy:
    default = CafePolicy()
    return CafePolicy(
        min_children=municipality.cafe_min_children or default.min_children,
        max_children=municipality.cafe_max_children or default.max_children,
        age_from=municipality.cafe_age_from or default.age_from,
        age_to=municipality.cafe_age_to or default.age_to,
        time=municipality.cafe_time or default.time,
    )


async def counts_of(session: AsyncSession, institution_id: int) -> dict[date, int]:
    rows = (await session.exec(select(CafeCount).where(CafeCount.institution_id == institution_id))).all()
    return {r.month: r.children for r in rows}


# The keys of the PostgreSQL advisory locks of the monthly count ask's syncs and of the cafés' outbox syncs ("cafe",
# "caff" in ASCII).
COUNT_ASK_LOCK = 0x63616665
LEAD_NOTICE_LOCK = 0x63616666


async def _advisory_xact_lock(session: AsyncSession, key: int) -> None:
    """Take the PostgreSQL advisory lock `key` until the transaction ends. SQLite runs one write transaction at a time
    already."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.exec(select(func.pg_advisory_xact_lock(key)))


async def lock_count_asks(session: AsyncSession) -> None:
    """Serialise the syncs of the count ask (PostgreSQL) until the transaction ends: a pass that has read the counts
    must not write its older months over the ask a command just narrowed. Not the planner's lock
    (`visits.lock_planning`), which a pass holds while it plans the whole årshjul: a command registering a count
    waits only for another sync of the ask, which is the last step of its transaction."""
    await _advisory_xact_lock(session, COUNT_ASK_LOCK)


async def lock_lead_notices(session: AsyncSession) -> None:
    """Serialise the syncs of cafés' outboxes (PostgreSQL) until the transaction ends, each of which reads the
    invitations and the leads' absences after taking it: a planner pass must not write a 'nobody can come' notice
    planned from an answer or an absence it read before the command changing it («Deltager», «Kan ikke», `/teambot
    fravær`) re-planned it. Taken after the rows a command locks (the café's, the day's digest rows), before
    `lock_count_asks`."""
    await _advisory_xact_lock(session, LEAD_NOTICE_LOCK)


async def counted_months(
    session: AsyncSession, months: Sequence[date], *, since: date, institutions: Collection[int] | None = None
) -> dict[int, set[date]]:
    """Every institution in the café model (a count registered for some month from `since` on, 0 included), in id
    order, with those of `months` it has a count for: one query, whatever the number of institutions. `institutions`:
    only those."""
    in_months = col(CafeCount.month).in_(list(months))
    counting = select(col(CafeCount.institution_id)).where(col(CafeCount.month) >= since)
    query = (
        select(col(CafeCount.institution_id), case((in_months, col(CafeCount.month)), else_=None))
        .where(col(CafeCount.institution_id).in_(counting))
        .distinct()
        # In id order: the month's asks to a lead of several institutions are due at the same instant and posted in
        # the order they were planned, which is this one (PostgreSQL's DISTINCT by hashing has none).
        .order_by(col(CafeCount.institution_id))
    )
    if institutions is not None:
        query = query.where(col(CafeCount.institution_id).in_(list(institutions)))
    counted: dict[int, set[date]] = {}
    for institution_id, month in (await session.exec(query)).all():
        found = counted.setdefault(institution_id, set())
        if month is not None:
            found.add(month)
    return counted


async def asks_gone_out(session: AsyncSession, keys: Collection[str]) -> tuple[set[str], list[Notification]]:
    """Those of the count asks `keys` that went out, as the other notices count it (`outbox.gone_out`): sent, being
    posted, an attempt Slack may have posted (answered 500) with no look since, or refused for the message itself.
    One refused for any other reason (its recipient, the bot's token), or cancelled sure, reached nobody. Besides,
    whole, those of them still waiting for their retry, for the look that settles them: a planner plans one again for
    its lead (its due time kept, its text narrowed), or keeps it as it is (`outbox.Planned.kept`) when he is routed
    away."""
    if not keys:
        return set(), []
    connection = await session.connection()  # Core rows: sqlmodel's select() types at most 4 columns
    rows = await connection.execute(
        core_select(
            col(Notification.id),
            col(Notification.dedupe_key),
            col(Notification.status),
            col(Notification.attempts),
            col(Notification.last_error),
        ).where(col(Notification.dedupe_key).in_(list(keys)))
    )
    gone = [
        (row_id, key, status)
        for row_id, key, status, attempts, error in rows.all()
        if outbox.gone_out(status, attempts, error)
    ]
    waiting = [row_id for row_id, _, status in gone if status == outbox.PENDING]
    kept: list[Notification] = []
    if waiting:  # few, if any: only these are read whole
        kept = list((await session.exec(select(Notification).where(col(Notification.id).in_(waiting)))).all())
    return {key for _, key, _ in gone}, kept


async def stand_in_candidates(session: AsyncSession, staff: Staff, *, day: date, ask_kind: str) -> list[int]:
    """The institutions `staff` may stand in for a lead of on `day`, those asked of her first: those whose count
    ask (`ask_kind`) went to her this month, then those of the people whose substitute she is in an absence not
    over by `day`. Some may not hold (an absence from a later day, someone who is not a lead there): the caller
    checks each."""
    asked: Sequence[int | None] = []
    if staff.slack_id:
        asked = (
            await session.exec(
                select(col(Notification.institution_id))
                .where(
                    Notification.kind == ask_kind,
                    Notification.recipient == staff.slack_id,
                    Notification.status == outbox.SENT,
                    col(Notification.event_day) >= first_of_month(day),
                )
                .distinct()
            )
        ).all()
    stood_in_for = select(col(Absence.staff_id)).where(Absence.substitute_id == staff.id, col(Absence.end) >= day)
    theirs = (
        await session.exec(
            select(col(StaffInstitution.institution_id))
            .where(col(StaffInstitution.staff_id).in_(stood_in_for))
            .distinct()
        )
    ).all()
    return list(dict.fromkeys([*sorted(i for i in asked if i is not None), *sorted(theirs)]))


async def set_count(
    session: AsyncSession, institution_id: int, month: date, children: int, *, actor: str, now: datetime
) -> int | None:
    """Record the count for one month; returns the previous count, if there was one. A café already proposed
    for that month alone follows the new count."""
    row = (
        await session.exec(
            select(CafeCount).where(CafeCount.institution_id == institution_id, CafeCount.month == month)
        )
    ).first()
    old = row.children if row else None
    if row is None:
        session.add(
            CafeCount(institution_id=institution_id, month=month, children=children, updated_by=actor, updated_at=now)
        )
    else:
        row.children, row.updated_by, row.updated_at = children, actor, now
    await session.flush()
    sessions = await sessions_covering(session, institution_id, month)
    if len(sessions) == 1:
        cafe = sessions[0]
        counts = await counts_of(session, institution_id)
        children = sum(n for m, n in counts.items() if cafe.first_month <= m <= cafe.last_month)
        if children != cafe.children:
            cafe.children = children
            revise(cafe, now)  # the calendar event says how many children
    return old


async def sessions_covering(session: AsyncSession, institution_id: int, month: date) -> list[CafeSession]:
    """The cafés whose children's months cover `month`, their rows held (PostgreSQL) until the transaction ends: a
    new count revises them, and so may an answer or a move in another transaction (see `revise`)."""
    return list(
        (
            await session.exec(
                select(CafeSession)
                .where(
                    CafeSession.institution_id == institution_id,
                    col(CafeSession.first_month) <= month,
                    col(CafeSession.last_month) >= month,
                )
                .order_by(col(CafeSession.day), col(CafeSession.id))  # the order every writer holds cafés in
                .with_for_update()
            )
        ).all()
    )


async def sessions_of(session: AsyncSession, institution_id: int, *, since: date) -> list[CafeSession]:
    return list(
        (
            await session.exec(
                select(CafeSession)
                .where(CafeSession.institution_id == institution_id, col(CafeSession.day) >= since)
                .order_by(col(CafeSession.day))
            )
        ).all()
    )


async def invites_of(session: AsyncSession, session_id: int) -> list[CafeInvite]:
    return list(
        (
            await session.exec(
                select(CafeInvite).where(CafeInvite.session_id == session_id).order_by(col(CafeInvite.id))
            )
        ).all()
    )


async def invites_of_sessions(session: AsyncSession, session_ids: Sequence[int]) -> dict[int, list[CafeInvite]]:
    """`invites_of` many cafés (by café id), from one query."""
    if not session_ids:
        return {}
    rows = (
        await session.exec(
            select(CafeInvite).where(col(CafeInvite.session_id).in_(list(session_ids))).order_by(col(CafeInvite.id))
        )
    ).all()
    found: dict[int, list[CafeInvite]] = {}
    for invite in rows:
        found.setdefault(invite.session_id, []).append(invite)
    return found


def uncovered(counts: dict[date, int], spans: Sequence[tuple[date, date]]) -> dict[date, int]:
    """The months no café has been proposed for yet, given the cafés' (first month, last month) spans."""
    return {m: n for m, n in counts.items() if not any(first <= m <= last for first, last in spans)}


async def waiting_groups(
    session: AsyncSession, institution_id: int, policy: CafePolicy, today: date
) -> list[CafeGroup]:
    """The groups of registered children not yet given a café, as they stand today."""
    counts = await counts_of(session, institution_id)
    sessions = (await session.exec(select(CafeSession).where(CafeSession.institution_id == institution_id))).all()
    return group_cohorts(uncovered(counts, [(s.first_month, s.last_month) for s in sessions]), policy, today)


@dataclass
class _Diaries:
    """What keeps a new café off a day, kept up to date while cafés are proposed: each institution's café days, and
    the diaries of everyone its cafés could invite (`_invitable`): their visits and the cafés they are invited to
    (not declined), counted by day."""

    table: RoutingTable
    cafe_days: dict[int, set[date]]
    visit_days: dict[int, Counter[date]]  # by who makes the visit, routed as its messages are
    invited_days: dict[int, Counter[date]]  # by whoever is invited

    def clashes(self, institution_id: int, day: date) -> int | None:
        """How many visits and cafés those a café at the institution on `day` would invite have that day already:
        each profession's person for the day (a substitute in an absent consultant's place) and the leads; and one
        for each consultant away that day with nobody in her place, whom a colleague must stand in for. Counted,
        not just whether any: when a district's cafés outnumber the days in the children's window, they spread over
        the days instead of piling on the first. None when the institution has a café that day, or its
        sundhedsplejerske for the day is busy: the café is hers above all."""
        if day in self.cafe_days.get(institution_id, ()):
            return None
        load: dict[int, int] = {}
        away = 0
        for role in CAFE_ROLES:
            comes = visitor(self.table.route(institution_id, role, day))
            if comes is None:
                # Nobody can come that day: a colleague is asked. A day she is there is better, if there is one (one
                # without Slack is never invited, so her days off are no worse).
                fixed = self.table.fixed(institution_id, role)
                away += bool(fixed and fixed.person.slack_id and self.table.absence(fixed.person, day))
                continue
            person = comes.staff_id
            load[person] = self.booked(person, day)
            if role == Role.SUNDHEDSPLEJERSKE.value and load[person]:
                return None
        for lead in self.table.leads.get(institution_id, ()):
            load[lead.staff_id] = self.booked(lead.staff_id, day)
        return sum(load.values()) + away

    def booked(self, staff_id: int, day: date) -> int:
        """`staff_id`'s visits and cafés on `day`."""
        return _on(self.invited_days, staff_id, day) + _on(self.visit_days, staff_id, day)

    def book(self, cafe: CafeSession, invited: Sequence[CafeInvite]) -> None:
        # A moved café's invitations stay counted on its old day: cafés are moved in order of day, each to a day
        # after its own, so no later one could take that day.
        self.cafe_days.setdefault(cafe.institution_id, set()).add(cafe.day)
        for invite in invited:
            if invite.status != DECLINED:
                self.invited_days.setdefault(invite.staff_id, Counter())[cafe.day] += 1


def _on(diaries: dict[int, Counter[date]], staff_id: int, day: date) -> int:
    diary = diaries.get(staff_id)
    return diary[day] if diary else 0


def _invitable(table: RoutingTable, institution_ids: Iterable[int]) -> set[int]:
    """Everyone a café at `institution_ids` could invite on some day: the fixed consultant of every profession a
    café invites, their substitutes, and the leads."""
    people: set[int] = set()
    for i in set(institution_ids):
        fixed = [a.person for role in CAFE_ROLES if (a := table.fixed(i, role)) is not None]
        people |= {p.staff_id for p in fixed}
        people |= {a.substitute.staff_id for p in fixed for a in table.absences.get(p.staff_id, []) if a.substitute}
        people |= {lead.staff_id for lead in table.leads.get(i, ())}
    return people


async def _diaries(
    session: AsyncSession,
    table: RoutingTable,
    cafe_days: dict[int, set[date]],
    people: set[int],
    since: date,
    *,
    until: date = date.max,
    besides: int | None = None,
) -> _Diaries:
    """The diaries of `people` from `since` to `until` (a new café's day is never sooner; a district's consultants
    are invited to every café of the district, year after year), leaving out café `besides`."""
    # Visits are made by whom their messages go to, not by the consultant a visit was planned for (an institution
    # may have a new one since): read those at institutions where one of `people`, or someone she stands in for,
    # is the fixed consultant, and route each.
    visitors = people | {
        whom
        for whom, spells in table.absences.items()
        for a in spells
        if a.substitute and a.substitute.staff_id in people
    }
    places = table.covered_by(*visitors)
    visit_days: dict[int, Counter[date]] = {}
    invited_days: dict[int, Counter[date]] = {}
    for institution_id, discipline, day in (
        await session.exec(
            select(col(Visit.institution_id), col(Visit.discipline), col(Visit.day)).where(
                col(Visit.institution_id).in_(places), col(Visit.day) >= since, col(Visit.day) <= until
            )
        )
    ).all():
        if (person := visitor(table.route(institution_id, discipline, day))) is not None:
            visit_days.setdefault(person.staff_id, Counter())[day] += 1
    invited = (
        select(col(CafeInvite.staff_id), col(CafeSession.day))
        .join(CafeSession, col(CafeSession.id) == col(CafeInvite.session_id))
        .where(
            col(CafeInvite.staff_id).in_(list(people)),
            CafeInvite.status != DECLINED,
            col(CafeSession.day) >= since,
            col(CafeSession.day) <= until,
        )
    )
    if besides is not None:
        invited = invited.where(col(CafeSession.id) != besides)
    for staff_id, day in (await session.exec(invited)).all():
        invited_days.setdefault(staff_id, Counter())[day] += 1
    return _Diaries(table, cafe_days, visit_days, invited_days)


async def propose(
    session: AsyncSession,
    *,
    today: date,
    now: datetime,
    table: RoutingTable,
    calendars: dict[int, WorkCalendar],
) -> list[CafeSession]:
    """Turn every due group of cohorts into a café with its invitations. Returns the new cafés.

    The counts and cafés of every institution are read at once, and the diaries of the consultants of the
    institutions with a due group in two more queries: a pass with nothing due costs three queries."""
    await visit_store.lock_planning(session)  # one proposer at a time (PostgreSQL)
    policy = cafe_policy(await queries.municipality(session))
    counts: dict[int, dict[date, int]] = {}
    for institution_id, month, children in (
        await session.exec(select(col(CafeCount.institution_id), col(CafeCount.month), col(CafeCount.children)))
    ).all():
        counts.setdefault(institution_id, {})[month] = children
    spans: dict[int, list[tuple[date, date]]] = {}
    cafe_days: dict[int, set[date]] = {}
    for institution_id, first, last, held in (
        await session.exec(
            select(
                col(CafeSession.institution_id),
                col(CafeSession.first_month),
                col(CafeSession.last_month),
                col(CafeSession.day),
            )
        )
    ).all():
        spans.setdefault(institution_id, []).append((first, last))
        cafe_days.setdefault(institution_id, set()).add(held)
    due: list[tuple[int, CafeGroup]] = []
    for institution_id in sorted(counts):
        waiting = uncovered(counts[institution_id], spans.get(institution_id, []))
        due += [(institution_id, g) for g in group_cohorts(waiting, policy, today) if is_due(g, policy, today)]
    if not due:
        return []
    diaries = await _diaries(session, table, cafe_days, _invitable(table, (i for i, _ in due)), today)
    created: list[CafeSession] = []
    for institution_id, group in due:
        day = cafe_day(group, policy, calendars[institution_id], today, partial(diaries.clashes, institution_id))
        if day is None:
            continue  # no free working day while the children are in the window; the lead sees them waiting
        cafe = CafeSession(
            institution_id=institution_id,
            day=day,
            start=policy.time,
            first_month=group.first,
            last_month=group.last,
            children=group.children,
            created_at=now,
        )
        session.add(cafe)
        await session.flush()
        diaries.book(cafe, await _invite_everyone(session, cafe, table, now))
        created.append(cafe)
    await session.flush()
    return created


@dataclass(frozen=True)
class CafeMove:
    """A café the planner moved off a new closing day: its day before, and who had been invited to that day."""

    cafe: CafeSession
    old_day: date
    invited_before: list[CafeInvite]  # as they were (not in the session any more)


async def move_off_closing_days(
    session: AsyncSession, *, today: date, now: datetime, table: RoutingTable, calendars: dict[int, WorkCalendar]
) -> list[CafeMove]:
    """Coming cafés whose day has become a closing day (a roster import) go to the first free working day after,
    as far as the notice and the children's age window allow, and everyone is asked afresh for that day as for a
    new café (absences, stand-ins and answers were the old day's). A café with no day left stays; the log says so
    at every pass."""
    await visit_store.lock_planning(session)
    # Columns first: every pass looks at every coming café, and hardly ever finds one to move.
    closed_ids = [
        cafe_id
        for cafe_id, institution_id, day in (
            await session.exec(
                select(col(CafeSession.id), col(CafeSession.institution_id), col(CafeSession.day)).where(
                    col(CafeSession.day) >= today
                )
            )
        ).all()
        if institution_id in calendars and not calendars[institution_id].is_working_day(day)
    ]
    if not closed_ids:
        return []
    order = (col(CafeSession.day), col(CafeSession.id))
    # Held until the pass commits: a move revises the café, and an answer in another transaction may too.
    closed = (
        await session.exec(
            select(CafeSession).where(col(CafeSession.id).in_(closed_ids)).order_by(*order).with_for_update()
        )
    ).all()
    policy = cafe_policy(await queries.municipality(session))
    cafe_days: dict[int, set[date]] = {}
    for institution_id, day in (
        await session.exec(select(col(CafeSession.institution_id), col(CafeSession.day)))
    ).all():
        cafe_days.setdefault(institution_id, set()).add(day)
    diaries = await _diaries(session, table, cafe_days, _invitable(table, (c.institution_id for c in closed)), today)
    invites = await invites_of_sessions(session, [c.id for c in closed if c.id is not None])
    moved: list[CafeMove] = []
    for cafe in closed:
        assert cafe.id is not None
        group = CafeGroup(cafe.first_month, cafe.last_month, cafe.children, cafe.day, full=True)
        clashes = partial(diaries.clashes, cafe.institution_id)
        new_day = moved_cafe_day(cafe.day, group, policy, calendars[cafe.institution_id], today, clashes)
        if new_day is None:
            log.warning("no day to move café %s of institution %s off a closing day", cafe.id, cafe.institution_id)
            continue
        rows = invites.get(cafe.id, [])
        before = [CafeInvite.model_validate(invite.model_dump()) for invite in rows]
        moved.append(CafeMove(cafe, cafe.day, before))
        cafe.day = new_day
        revise(cafe, now)
        session.add(cafe)
        await session.flush()
        diaries.book(cafe, await _invite_everyone(session, cafe, table, now, kept={i.staff_id: i for i in rows}))
    await session.flush()
    return moved


async def _invite_everyone(
    session: AsyncSession,
    cafe: CafeSession,
    table: RoutingTable,
    now: datetime,
    *,
    kept: dict[int, CafeInvite] | None = None,
) -> list[CafeInvite]:
    """Invite each profession's person for the café's day (a colleague where nobody can come) and its leads;
    returns the invitations.

    `kept` are a moved café's invitations by person: whoever is invited again keeps their row, asked again (the
    rotation counts the rows, and an old button names its row); the old day's stand-in too, where one is needed
    again and she can come. The rest go before colleagues are asked, so that anyone may be asked anew."""
    assert cafe.id is not None
    kept = dict(kept or {})
    invited: list[CafeInvite] = []

    def ask(role: str, staff_id: int, stands_in: int | None) -> None:
        if any(i.staff_id == staff_id for i in invited):
            return  # one invitation per person and café (the table's key)
        invite = kept.pop(staff_id, None)
        if invite is None:
            invite = _invite(cafe, role, staff_id, now, stands_in)
        else:
            invite.role, invite.stands_in_for, invite.status, invite.answered_at = role, stands_in, INVITED, None
            invite.asked_for = cafe.day
        session.add(invite)
        invited.append(invite)

    direct: dict[str, tuple[int, int | None]] = {}  # role: (who, whose substitute)
    for role in CAFE_ROLES:
        routed = table.route(cafe.institution_id, role, cafe.day)
        first = routed[0] if routed else None
        if first is not None and first.reason is not Reason.LEAD_FALLBACK:
            stands_in = first.assigned.staff_id if first.reason is Reason.SUBSTITUTE and first.assigned else None
            direct[role] = (first.recipient.staff_id, stands_in)
    leads = table.leads.get(cafe.institution_id, ())
    # The old day's stand-in for a profession that needs one again keeps her row, if she can come that day: her
    # ask still counts in the rotation, and she has said yes or no to the café once already.
    again = await _stand_ins_again(session, cafe, table, [r for r in CAFE_ROLES if r not in direct], kept)
    unwanted = set(kept) - {who for who, _ in direct.values()} - {lead.staff_id for lead in leads} - set(again.values())
    for staff_id in unwanted:
        await _release(session, kept.pop(staff_id))
    if unwanted:
        await session.flush()  # before a colleague is asked: the old day's stand-in may be asked again
    for role in CAFE_ROLES:
        if role in direct:
            ask(role, *direct[role])
            continue
        # The fixed consultant cannot come (absent without a substitute) or there is none: ask a colleague.
        absent = table.fixed(cafe.institution_id, role)
        absent_id = absent.person.staff_id if absent else None
        if (stand_in := again.get(role)) is not None:
            ask(role, stand_in, absent_id)
            continue
        colleague = await stand_in_for(session, cafe, role, absent_id, table, now)
        if colleague is not None:
            invited.append(colleague)
    for lead in leads:
        ask(LEAD_ROLE, lead.staff_id, None)
    return invited  # flushed with the next café, by the next query, or at the end of `propose`


async def _release(session: AsyncSession, invite: CafeInvite) -> None:
    """Take away an invitation a moved café's new day does not need, and note that she was released: the café
    stays in her calendar feed, cancelled, rather than leaving it (her calendar program would keep the old day)."""
    if await session.get(CafeRelease, (invite.session_id, invite.staff_id)) is None:
        session.add(CafeRelease(session_id=invite.session_id, staff_id=invite.staff_id, role=invite.role))
    await session.delete(invite)


async def _stand_ins_again(
    session: AsyncSession, cafe: CafeSession, table: RoutingTable, roles: Sequence[str], kept: dict[int, CafeInvite]
) -> dict[str, int]:
    """Of a moved café's stand-ins (`kept`), the one for each of `roles` who can still be asked on its new day: in
    the district's pool for the role and not away that day, and not at another café that day."""
    candidates = {
        i.role: i.staff_id
        for i in kept.values()
        if i.role in roles and i.stands_in_for is not None and i.status != DECLINED
    }
    if not candidates:
        return {}
    district = table.districts.get(cafe.institution_id)
    return {
        role: staff_id
        for role, staff_id in candidates.items()
        if staff_id in {p.staff_id for p in await _free_colleagues(session, cafe, table, role, district)}
    }


async def _free_colleagues(
    session: AsyncSession, cafe: CafeSession, table: RoutingTable, role: str, district: int | None
) -> list[Person]:
    """The district's colleagues of `role` who could stand in at `cafe`: not away that day, nor at another café or
    on a visit (their own, or one they make in place of someone away), as the café day reads their diaries."""
    pool = table.colleagues(district, role)
    day = cafe.day
    diaries = await _diaries(session, table, {}, {p.staff_id for p in pool}, day, until=day, besides=cafe.id)
    return [p for p in pool if table.absence(p, day) is None and not diaries.booked(p.staff_id, day)]


def _invite(cafe: CafeSession, role: str, staff_id: int, now: datetime, stands_in: int | None) -> CafeInvite:
    assert cafe.id is not None
    return CafeInvite(
        session_id=cafe.id, role=role, staff_id=staff_id, stands_in_for=stands_in, created_at=now, asked_for=cafe.day
    )


async def stand_in_counts(session: AsyncSession) -> dict[int, int]:
    """How many times each person has been asked to stand in at a café: the measure the rotation evens out. An ask
    a café's move made unneeded (her colleague can come on the new day) is gone with its invitation and not
    counted."""
    rows = (
        await session.exec(
            select(CafeInvite.staff_id, func.count())
            .where(col(CafeInvite.stands_in_for).is_not(None))
            .group_by(col(CafeInvite.staff_id))
        )
    ).all()
    return dict(rows)


async def stand_in_for(
    session: AsyncSession,
    cafe: CafeSession,
    role: str,
    declined_by: int | None,
    table: RoutingTable,
    now: datetime,
) -> CafeInvite | None:
    """Invite the next colleague of `role` in the institution's district, or None when nobody is left."""
    assert cafe.id is not None
    institution = await session.get(Institution, cafe.institution_id)
    district = institution.district_id if institution else None
    asked = {i.staff_id for i in await invites_of(session, cafe.id)}
    if declined_by is not None:
        asked.add(declined_by)
    pool = await _free_colleagues(session, cafe, table, role, district)
    chosen = pick_stand_in(pool, exclude=asked, stand_ins=await stand_in_counts(session))
    if chosen is None:
        return None
    invite = _invite(cafe, role, chosen.staff_id, now, declined_by)
    session.add(invite)
    await session.flush()
    return invite


def unfilled_roles(invites: Sequence[CafeInvite]) -> list[str]:
    """The professions nobody is coming or still asked for."""
    return [r for r in CAFE_ROLES if not any(i.role == r and i.status != DECLINED for i in invites)]


async def invitations_of(
    session: AsyncSession, staff_id: int, start: date, end: date
) -> list[tuple[CafeSession, Institution, str]]:
    """The cafés from `start` to `end` (by day) that `staff_id` is invited to and has not said «Kan ikke» to, with
    the role she is invited as."""
    found = await session.exec(
        select(CafeSession, Institution, CafeInvite.role)
        .join(CafeInvite, col(CafeInvite.session_id) == col(CafeSession.id))
        .join(Institution, col(Institution.id) == col(CafeSession.institution_id))
        .where(
            CafeInvite.staff_id == staff_id,
            CafeInvite.status != DECLINED,
            col(CafeSession.day) >= start,
            col(CafeSession.day) <= end,
        )
        .order_by(col(CafeSession.day), col(CafeSession.id))
    )
    return list(found.all())

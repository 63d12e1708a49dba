"""Queries and writes for goal ratings and the access rules around a child's case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    bindparam,
    exists,
    false,
    func,
    insert,
    inspect,
    literal,
    true,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.ratings import Access, NudgeItem, case_access
from teambot.store import audit
from teambot.store.direct import Direct, Statements, loaded
from teambot.store.models import (
    Case,
    CaseConsultant,
    ClosingPeriod,
    Goal,
    Institution,
    Rating,
    Staff,
    StaffInstitution,
)
from teambot.store.queries import closings_of, nudge_items_of
from teambot.store.requests import RECORD_POSTGRESQL, Replay


@dataclass(frozen=True)
class CaseView:
    case: Case
    institution: Institution
    goals: list[Goal]  # active goals, by number


async def case_view(session: AsyncSession, code: str) -> CaseView | None:
    found = (
        await session.exec(
            select(Case, Institution)
            .join(Institution, col(Institution.id) == col(Case.institution_id))
            .where(Case.code == code.upper())
        )
    ).first()
    if found is None:
        return None
    case, institution = found
    goals = (
        await session.exec(select(Goal).where(Goal.case_id == case.id, col(Goal.active)).order_by(col(Goal.number)))
    ).all()
    return CaseView(case, institution, list(goals))


@dataclass(frozen=True)
class RatingFacts:
    """What `/rating` needs to store one child's rating for one day, from one statement."""

    staff: Staff
    view: CaseView | None  # None: no child has that code
    access: Access
    day: date
    existing: dict[int, Rating]  # the ratings already given that day, by goal id
    calendar: WorkCalendar  # the institution's calendar as far as `day` goes: closed if a closing period covers it


# Scalar subqueries (an index probe a row; the primary key keeps each to one row), not EXISTS: PostgreSQL may
# answer an EXISTS in a read of several rows (`/rating`'s: one a goal) by reading and hashing the whole table (a
# "hashed SubPlan"), its costs taking that for cheaper on small tables, where it cost /rating's read a third of its
# time. COALESCE keeps the answer true or false, never NULL, so a negation means what it says.
def _a_row(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    return func.coalesce(core_select(true()).where(*where).scalar_subquery(), false())


def _works_at(staff_id: Any, institution_id: Any) -> ColumnElement[bool]:
    return _a_row(col(StaffInstitution.staff_id) == staff_id, col(StaffInstitution.institution_id) == institution_id)


def _consults(case_id: Any, staff_id: Any) -> ColumnElement[bool]:
    return _a_row(col(CaseConsultant.case_id) == case_id, col(CaseConsultant.staff_id) == staff_id)


_SLACK_ID: BindParameter[str] = bindparam("slack_id")
_CODE: BindParameter[str] = bindparam("code")
_DAY: BindParameter[date] = bindparam("day")
_FACT_MODELS: tuple[type[SQLModel], ...] = (Staff, Case, Institution, Goal, Rating)
# Each model's columns, in the order the read below selects them; the first is its primary key.
_FACT_COLUMNS = tuple(tuple(column.key for column in inspect(model).columns) for model in _FACT_MODELS)
_FACT_SLICES = tuple(
    slice(sum(map(len, _FACT_COLUMNS[:n])), sum(map(len, _FACT_COLUMNS[: n + 1]))) for n in range(len(_FACT_MODELS))
)
_STAFF, _CASE, _INSTITUTION, _GOAL, _RATING = range(len(_FACT_MODELS))
# Built once, and compiled once per dialect (store/direct.py). Columns, not entities: the driver runs it.
_RATING_FACTS = (
    core_select(
        *(column for model in _FACT_MODELS for column in inspect(model).columns),
        _works_at(col(Staff.id), col(Case.institution_id)).label("works_here"),
        _consults(col(Case.id), col(Staff.id)).label("consultant"),
        exists()
        .where(closings_of(col(Case.institution_id)), col(ClosingPeriod.start) <= _DAY, col(ClosingPeriod.end) >= _DAY)
        .label("closed"),
    )
    .select_from(Staff)
    .outerjoin(Case, col(Case.code) == _CODE)
    .outerjoin(Institution, col(Institution.id) == col(Case.institution_id))
    .outerjoin(Goal, (col(Goal.case_id) == col(Case.id)) & col(Goal.active))
    .outerjoin(Rating, (col(Rating.goal_id) == col(Goal.id)) & (col(Rating.day) == _DAY))
    .where(col(Staff.slack_id) == _SLACK_ID, col(Staff.active))
    .order_by(col(Goal.number))
)


# The same read recording a signed request's replay key (PostgreSQL, `Replay`) in one statement: `first` comes first,
# then the read's columns, or NULLs where it found no row (the outer join on one row keeps `first`).
_RECORDED = RECORD_POSTGRESQL.cte("seen")
_FACTS = _RATING_FACTS.subquery("facts")
_ONE = core_select(literal(1).label("one")).subquery("one")
_RATING_FACTS_RECORDING = (
    core_select(core_select(func.count()).select_from(_RECORDED).scalar_subquery().label("first"), *_FACTS.c)
    .select_from(_ONE.outerjoin(_FACTS, true()))
    .order_by(_FACTS.c.number)  # the goal's: no other table read has a `number`
)


def _model(row: list[Any], which: int) -> Any:
    """One of the row's Staff, Case, Institution, Goal and Rating; None where the outer joins found none."""
    values = row[_FACT_SLICES[which]]
    return (
        None if values[0] is None else loaded(_FACT_MODELS[which], dict(zip(_FACT_COLUMNS[which], values, strict=True)))
    )


async def rating_facts(
    direct: Direct, slack_id: str, code: str, day: date, replay: Replay | None = None
) -> RatingFacts | None:
    """The active staff member `slack_id` (None if there is none), the case `code` with its active goals, what
    `case_access` decides, that day's ratings and closing: what `staff_by_slack_id`, `case_view`, `access_to`,
    `rating_on` and `work_calendar` read, in one round trip. A pending `replay` is decided by the same statement
    (raising Replayed)."""
    values: dict[str, Any] = {"slack_id": slack_id, "code": code.upper(), "day": day}
    if replay is not None and replay.pending:  # PostgreSQL only (`Replay`)
        # Only a transaction's first statement runs on its own (store/direct.py): in a transaction, a refusal's
        # rollback would take the record with it, and its `synchronous_commit` would hold for the rating's commit.
        if direct.statements:
            raise RuntimeError("a replay check must be the first statement of its transaction")
        try:
            found = await direct.rows(_RATING_FACTS_RECORDING, {**values, "key": replay.key, "seen_at": replay.now})
        except BaseException:
            replay.lost = True
            raise
        replay.settle(bool(found[0][0]))
        rows = [row[1:] for row in found if row[1] is not None]  # the staff member's id: None if none was found
    else:
        rows = await direct.rows(_RATING_FACTS, values)
    if not rows:
        return None
    works_here, consultant, closed = rows[0][-3:]
    staff, case, institution = (_model(rows[0], which) for which in (_STAFF, _CASE, _INSTITUTION))
    if case is None or institution is None:
        return RatingFacts(staff, None, Access(read=False, write=False), day, {}, WorkCalendar())
    access = case_access(
        roles=staff.roles,
        works_at_institution=bool(works_here),
        is_case_consultant=bool(consultant),
        consent_professions=case.consent_professions,
    )
    goals: list[Goal] = []
    existing: dict[int, Rating] = {}
    for row in rows:
        goal, rating = _model(row, _GOAL), _model(row, _RATING)
        if goal is not None:
            goals.append(goal)
        if rating is not None:
            existing[rating.goal_id] = rating
    calendar = WorkCalendar.of([DateRange(day, day)] if closed else [])
    return RatingFacts(staff, CaseView(case, institution, goals), access, day, existing, calendar)


async def access_to(session: AsyncSession, staff: Staff, case: Case) -> Access:
    # Both facts in one round trip: every /rating, button and report asks this.
    works_here = _works_at(staff.id, case.institution_id).label("works_here")
    row = (await session.exec(select(works_here, _consults(case.id, staff.id).label("consultant")))).one()
    return case_access(
        roles=staff.roles,
        works_at_institution=bool(row[0]),
        is_case_consultant=bool(row[1]),
        consent_professions=case.consent_professions,
    )


async def visible_cases(session: AsyncSession, staff: Staff) -> list[CaseView]:
    """Active cases `staff` may rate: the pædagog's own first, then the rest of their institutions'."""
    member_of = set(
        (await session.exec(select(StaffInstitution.institution_id).where(StaffInstitution.staff_id == staff.id))).all()
    )
    consultant_of = set(
        (await session.exec(select(CaseConsultant.case_id).where(CaseConsultant.staff_id == staff.id))).all()
    )
    cases = (
        await session.exec(
            select(Case)
            .where(
                Case.status == "active",
                col(Case.institution_id).in_(member_of) | col(Case.id).in_(consultant_of),
            )
            .order_by(col(Case.code))
        )
    ).all()
    views = []
    for case in sorted(cases, key=lambda c: (c.paedagog_id != staff.id, c.code)):
        if (await access_to(session, staff, case)).write:
            view = await case_view(session, case.code)
            if view is not None and view.goals:
                views.append(view)
    return views


async def rating_on(session: AsyncSession, goal_id: int, day: date) -> Rating | None:
    return (await session.exec(select(Rating).where(Rating.goal_id == goal_id, Rating.day == day))).first()


async def ratings_between(session: AsyncSession, goal_ids: Sequence[int], start: date, end: date) -> list[Rating]:
    rows = await session.exec(
        select(Rating)
        .where(col(Rating.goal_id).in_(goal_ids), col(Rating.day) >= start, col(Rating.day) <= end)
        .order_by(col(Rating.day))
    )
    return list(rows.all())


_INSERT_RATING = insert(Rating)  # built once, as _RATING_FACTS
_CORRECT_RATING = (
    update(Rating)
    .where(col(Rating.id) == bindparam("rating_id"))
    .values(
        value=bindparam("new_value"),
        note=bindparam("new_note"),
        rated_by=bindparam("new_rated_by"),
        rated_at=bindparam("new_rated_at"),
    )
)


@dataclass(frozen=True)
class Stored:
    """What `record_rating` did: `old`, the value it replaced (None: the day's first rating of the goal); `changed`,
    False when the rating given was the one stored (nothing written); `kept_note`, the note given earlier that the
    rating keeps because this one gave none."""

    old: int | None
    changed: bool
    kept_note: str | None = None


async def record_rating(
    statements: Statements,
    *,
    case: Case,
    goal: Goal,
    day: date,
    value: int,
    note: str | None,
    staff: Staff,
    now: datetime,
    actor: str,
    existing: Rating | None,
) -> Stored:
    """Store the rating; a second rating of the same goal and day replaces the first (`existing`, read in this
    transaction), unless it says what the first says: the same value, and no note or the same one. That is no
    change: nothing is written but the read it answers with (the value stored), and the first keeps who gave it.

    The audit entry keeps the old value, who gave it and when, so a correction never loses history. Every write is
    one Core statement (`statements`: a session's connection, or a direct transaction), not the ORM's unit of work
    at commit; a correction updates `existing` as committed, so a session's copy stays true with nothing to flush.
    """
    assert goal.id is not None and staff.id is not None
    about: dict[str, Any] = {"case_code": case.code, "goal": goal.number, "day": day.isoformat()}
    if existing is None:
        await statements.execute(
            _INSERT_RATING,
            {"goal_id": goal.id, "day": day, "value": value, "note": note, "rated_by": staff.id, "rated_at": now},
        )
        await audit.append(statements, at=now, actor=actor, action="rating.create", **about, value=value)
        return Stored(old=None, changed=True)
    old = existing.value
    kept = existing.note if note is None else None
    if old == value and note in (None, existing.note):
        await audit.append(statements, at=now, actor=actor, action="rating.read", via="unchanged", **about)
        return Stored(old=old, changed=False, kept_note=kept)
    await audit.append(
        statements,
        at=now,
        actor=actor,
        action="rating.correct",
        **about,
        old_value=existing.value,
        old_note=existing.note,
        old_by=existing.rated_by,
        old_at=existing.rated_at.isoformat(),
        new_value=value,
    )
    # A correction without a note keeps the note given with the first rating.
    kept_note = note if note is not None else existing.note
    corrected = {"value": value, "note": kept_note, "rated_by": staff.id, "rated_at": now}
    await statements.execute(
        _CORRECT_RATING, {"rating_id": existing.id} | {f"new_{k}": v for k, v in corrected.items()}
    )
    for key, new in corrected.items():
        set_committed_value(existing, key, new)
    return Stored(old=old, changed=True, kept_note=kept)


async def nudge_items(session: AsyncSession, staff: Staff, day: date, *, asked: bool = False) -> list[NudgeItem]:
    """`staff`'s daily nudge on `day`: the goals of her own children (unless she is absent; `asked`: even then) and
    of the absent colleagues' she stands in for, that she may rate, with the ratings given for `day` so far
    (`queries.nudge_items_of`: one rule for planning, sending, the buttons, `/rating mangler` and Home)."""
    if staff.id is None:
        return []
    return (await nudge_items_of(session, [staff], day, asked=asked))[staff.id]

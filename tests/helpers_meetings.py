"""The small roster planned by the real planner, with the re-planning the runtime hands every command: shared by the
status meeting tests (tests/commands/test_meetings.py) and the `/teambot fravær` ones (tests/commands/test_absence.py).
"""

from __future__ import annotations

from sqlmodel import col, select

from conftest import Runner
from teambot.commands import Context
from teambot.scheduler.planner import plan_case
from teambot.store.db import Database
from teambot.store.models import Absence, Case, Meeting, Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import load_small_roster

STRANGER = "U0STRANGER"
CO_LEAD = "U0LEAD002"
NOTHING_SAVED = "Intet er gemt."


class PlanningRunner(Runner):
    """The conftest Runner, with the re-planning the runtime hands every command."""

    def context(self, user: str) -> Context:
        return Context(db=self.db, clock=self.clock, user_id=user, replan=self.replan)

    async def replan(self, case_id: int) -> None:
        await plan_case(self.db, case_id, now=self.clock.now(), zone=COPENHAGEN)


async def planned(db: Database, clock: FakeClock, **options: object) -> PlanningRunner:
    """The small roster (closed 7–8 April 2027) with AK12's meetings planned."""
    await load_small_roster(db, now=clock.now(), closing_days=["2027-04-07..2027-04-08"], **options)
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.id is not None
    runner = PlanningRunner(db, clock)
    await runner.replan(case.id)
    return runner


async def meetings(db: Database) -> list[Meeting]:
    async with db.read() as session:
        return list((await session.exec(select(Meeting).order_by(col(Meeting.seq)))).all())


async def rows(db: Database, *, kind: str | None = None, status: str | None = None) -> list[Notification]:
    async with db.read() as session:
        query = select(Notification).order_by(col(Notification.due_at), col(Notification.id))
        if kind:
            query = query.where(Notification.kind == kind)
        if status:
            query = query.where(Notification.status == status)
        return list((await session.exec(query)).all())


async def snapshot(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """What a refusal must leave exactly as it was: meetings, outbox rows, absences."""
    found = [(m.id, m.day, m.start, m.status, m.cancel_reason, list(m.confirmed_by)) for m in await meetings(db)]
    outbox = [(r.dedupe_key, r.status, r.due_at) for r in await rows(db)]
    async with db.read() as session:
        absences = len((await session.exec(select(Absence))).all())
    return found, outbox, absences

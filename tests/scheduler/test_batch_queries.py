"""The bulk reads the planner passes use give what the per-person queries the commands use give."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from teambot.domain.roles import Role
from teambot.store import queries
from teambot.store.db import Database
from teambot.store.models import Absence, Case, ClosingPeriod, Goal, Rating, Staff
from teambot.store.ratings import nudge_items
from teambot.testing.generate import Size, generate

DAY = date(2027, 3, 3)  # a Wednesday


async def test_nudge_items_of_many_pedagogues_match_one_at_a_time(db: Database) -> None:
    await generate(db, Size("T", 5, 30), start=date(2027, 3, 1))
    async with db.write() as session:
        cases = {c.code: c for c in (await session.exec(select(Case))).all()}
        goals = {(g.case_id, g.number): g for g in (await session.exec(select(Goal))).all()}
        rater = (await session.exec(select(Staff).where(Staff.name == "Medarbejder 1"))).one()
        assert rater.id is not None
        at = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)
        for code, number, value in (("C00001", 1, 3), ("C00002", 2, 1), ("C00007", 1, 4), ("C00007", 2, 2)):
            goal = goals[(cases[code].id or 0, number)]
            assert goal.id is not None
            session.add(Rating(goal_id=goal.id, day=DAY, value=value, rated_by=rater.id, rated_at=at))
        goals[(cases["C00004"].id or 0, 2)].active = False
        cases["C00009"].status = "closed"
        cases["C00010"].start_meeting = date(2027, 3, 10)  # not started yet on DAY
        session.add(ClosingPeriod(institution_id=cases["C00003"].institution_id, start=DAY, end=DAY))
        # C00005's pædagog is away, a colleague of her institution stands in: her children go into his nudge.
        away = cases["C00005"]
        colleague = next(
            c.paedagog_id
            for c in cases.values()
            if c.institution_id == away.institution_id and c.paedagog_id != away.paedagog_id
        )
        session.add(Absence(staff_id=away.paedagog_id, start=DAY, end=DAY, substitute_id=colleague))
    async with db.read() as session:
        staff = (await session.exec(select(Staff).order_by(col(Staff.id)))).all()
        batch = await queries.nudge_items_of(session, staff, DAY)
        for member in staff:
            assert member.id is not None
            assert batch[member.id] == await nudge_items(session, member, DAY), member.name
        assert any(item.rated_by == "Medarbejder 1" for items in batch.values() for item in items)
        assert batch[away.paedagog_id] == []
        assert "C00005" in {item.case_code for item in batch[colleague] if item.on_behalf_of is not None}


async def test_institution_codes_of_many_staff_match_one_at_a_time(db: Database) -> None:
    await generate(db, Size("T", 7, 10), start=date(2027, 3, 1))
    async with db.read() as session:
        staff = (await session.exec(select(Staff))).all()
        codes = await queries.institution_codes_of(session, [s.id for s in staff if s.id is not None])
        for member in staff:
            assert member.id is not None
            expected = [i.code for i in await queries.institutions_of(session, member)]
            assert codes.get(member.id, []) == expected
        assert any(Role.LEDER in s.roles and codes.get(s.id or 0) for s in staff)

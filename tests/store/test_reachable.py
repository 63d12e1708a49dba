"""Whom the bot can send anything: one rule, as a statement's condition (`queries.REACHABLE`) and of a loaded row
(`queries.reachable_id`), which must agree."""

from __future__ import annotations

from sqlmodel import col, select

from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.store.queries import REACHABLE, reachable_id

PEOPLE = [
    Staff(slack_id="U0HERE001", name="På Slack", roles=[]),
    Staff(slack_id="U0GONE001", name="Stoppet", roles=[], active=False),
    Staff(slack_id=None, email="mail@example.dk", name="Kun e-mail", roles=[]),
    Staff(slack_id=None, name="Stoppet uden Slack", roles=[], active=False),
    Staff(slack_id="", name="Tomt id", roles=[]),
]


async def test_the_condition_and_the_row_rule_agree(db: Database) -> None:
    async with db.write() as session:
        session.add_all([Staff(**p.model_dump(exclude={"id"})) for p in PEOPLE])
    async with db.read() as session:
        everyone = (await session.exec(select(Staff))).all()
        selected = set((await session.exec(select(col(Staff.name)).where(REACHABLE))).all())
    assert selected == {"På Slack"}
    assert {s.name for s in everyone if reachable_id(s) is not None} == selected
    assert reachable_id(None) is None

"""The demo municipality loads into a database already used: `teambot shell --demo` says it is idempotent."""

from __future__ import annotations

from sqlmodel import select

from teambot.commands import Context, run_command
from teambot.demo import load_demo
from teambot.store.db import Database
from teambot.store.models import Goal, Rating
from teambot.testing.clock import COPENHAGEN, FakeClock


async def test_the_demo_loads_again_after_a_goal_was_added_today(db: Database, clock: FakeClock) -> None:
    """A goal added in the console has no past day to rate: loading the demo again stopped with a traceback
    ("range ends before it starts") and the console would not start."""
    await load_demo(db, now=clock.now(), zone=COPENHAGEN)
    added = await run_command(
        Context(db=db, clock=clock, user_id="U0METTE01"), "/teambot", "forløb mål AK12 Spiser selv"
    )
    assert added.text.startswith("🎯 Mål ")

    await load_demo(db, now=clock.now(), zone=COPENHAGEN)

    async with db.read() as session:
        goal = (await session.exec(select(Goal).where(Goal.text == "Spiser selv"))).one()
        assert (await session.exec(select(Rating).where(Rating.goal_id == goal.id))).all() == []

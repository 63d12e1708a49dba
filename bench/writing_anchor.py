"""The writing anchor's `/rating` (`python -m bench.bare_app --database URL`): one INSERT per command.

It uses teambot's own `Database` (same drivers, SQLite pragmas and writer queue, and a direct transaction as
`/rating` has: store/direct.py) and a table shaped like `rating` (`bench_rating`: the same unique (goal, day) and
indexes), so it is the floor for any app that stores a rating on this stack: what is left between it and teambot is
teambot's checks, reads and audit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from slack_bolt.async_app import AsyncAck
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    insert,
)

from teambot.store.db import Database, sync_url

_metadata = MetaData()
BENCH_RATING = Table(
    "bench_rating",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("goal_id", Integer, nullable=False, index=True),
    Column("day", Date, nullable=False, index=True),
    Column("value", Integer, nullable=False),
    Column("note", String(500)),
    Column("rated_by", Integer, nullable=False),
    Column("rated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("goal_id", "day"),
)


_INSERT = insert(BENCH_RATING)  # a constant: a direct transaction compiles each statement once


def goal_of(text: str) -> tuple[int, date, int]:
    """`C00042 2026-11-30 2 3` (bench.slash_load's commands) → goal id, day, value, as teambot.testing.generate
    numbers goals: case n's goals are 2n-1 and 2n."""
    code, day, number, value = text.split()
    return (int(code[1:]) - 1) * 2 + int(number), date.fromisoformat(day), int(value)


def storing(database_url: str) -> Callable[[AsyncAck, dict[str, str]], Awaitable[None]]:
    """The writing anchor's `/rating`: one INSERT in a write transaction, then the answer in the ack."""
    engine = create_engine(sync_url(database_url))
    BENCH_RATING.drop(engine, checkfirst=True)
    BENCH_RATING.create(engine)
    engine.dispose()
    db = Database(database_url)

    async def store(ack: AsyncAck, command: dict[str, str]) -> None:
        goal, day, value = goal_of(command["text"])
        async with db.direct() as statements:
            await statements.execute(
                _INSERT, {"goal_id": goal, "day": day, "value": value, "rated_by": 1, "rated_at": datetime.now(UTC)}
            )
        await ack(text="Registreret")

    return store

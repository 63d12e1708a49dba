"""PostgreSQL's pool (store/postgres.py): the connections that as many requests at once needed are kept, and one
the server has ended is replaced before any transaction uses it, without a ping in front of every transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text

from teambot.store import requests
from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.testing.database import postgres_url

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")

NOW = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
AT_ONCE = 12  # more than SQLAlchemy's default pool keeps (5), fewer than it opens (15)
_BACKEND = select(func.pg_backend_pid())


async def _backends_at_once(db: Database, count: int) -> set[int]:
    """The server processes of `count` direct transactions open at the same time (each its own connection)."""
    together = asyncio.Barrier(count)

    async def one() -> int:
        async with db.direct() as statements:
            ((pid,),) = await statements.rows(_BACKEND, {})
            await together.wait()
            return int(pid)

    return set(await asyncio.gather(*(one() for _ in range(count))))


def _count_connects(db: Database) -> list[Any]:
    opened: list[Any] = []
    event.listen(db.engine.sync_engine, "connect", lambda connection, _record: opened.append(connection))
    return opened


async def test_as_many_transactions_at_once_again_open_no_new_connection(db: Database) -> None:
    opened = _count_connects(db)
    first = await _backends_at_once(db, AT_ONCE)
    assert len(opened) == AT_ONCE
    opened.clear()
    second = await _backends_at_once(db, AT_ONCE)
    assert opened == []  # the default pool had closed 7 of the 12 and opened them again
    assert second == first


async def test_connections_the_server_ended_are_replaced_before_they_are_used(db: Database) -> None:
    """A PostgreSQL restart or a terminated backend ends pooled connections while they are idle: the next direct
    transaction, replay-guard record and session each get a live connection, and nothing fails."""
    pids = await _backends_at_once(db, 3)
    other = Database(db.url)
    try:
        async with other.write() as session:
            terminate = text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid")
            await (await session.connection()).execute(terminate, {"pids": list(pids)})
        running = text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(CAST(:pids AS int[]))")
        for _ in range(200):  # each ended backend sends its FATAL error before it exits
            async with other.read() as session:
                left = (await (await session.connection()).execute(running, {"pids": list(pids)})).scalar_one()
            if left == 0:
                break
            await asyncio.sleep(0.01)
        assert left == 0
    finally:
        await other.dispose()

    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": "after the restart", "roles": [], "active": True})
    assert await requests.first_time_alone(db, "sig:v0=after", NOW)
    async with db.write() as session:
        session.add(Staff(name="in a session", roles=[], active=True))
    async with db.read() as session:
        names = set((await session.exec(select(Staff.name))).scalars())
    assert names == {"after the restart", "in a session"}
    assert not pids & await _backends_at_once(db, 3)

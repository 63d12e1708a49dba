"""PostgreSQL's pool (store/postgres.py): the connections that as many requests at once needed are kept, and one
the server has ended is replaced before any transaction uses it, without a ping in front of every transaction. The
pool of `direct()` and `alone()` (asyncpg's, store/direct_pool.py) is tested in test_direct_pool.py; where both must
do the same (a restart, a link forgotten on the way), both are tested here."""

from __future__ import annotations

import asyncio
import os
import resource
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, insert, make_url, select, text
from sqlalchemy.util.concurrency import greenlet_spawn

from teambot.store import postgres, requests
from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.testing.database import Relay, postgres_url, prepare

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")

NOW = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
AT_ONCE = 12  # more than SQLAlchemy's default pool keeps (5), fewer than it opens (15)
_BACKEND = select(func.pg_backend_pid())


def _one_connection_db() -> Database:
    """A prepared database whose pool holds one connection: each checkout gets the one used before."""
    url = postgres_url()
    assert url is not None
    prepare(url)
    return Database(url, pool_size=1)


async def _backends_at_once(db: Database, count: int) -> set[int]:
    """The server processes of `count` sessions open at the same time (each its own connection)."""
    together = asyncio.Barrier(count)

    async def one() -> int:
        async with db.write() as session:
            pid = (await (await session.connection()).execute(_BACKEND)).scalar_one()
            await together.wait()
            return int(pid)

    return set(await asyncio.gather(*(one() for _ in range(count))))


async def _direct_backends_at_once(db: Database, count: int) -> set[int]:
    """The same for `count` direct transactions (asyncpg's pool)."""
    together = asyncio.Barrier(count)

    async def one() -> int:
        async with db.direct() as statements:
            ((pid,),) = await statements.rows(_BACKEND, {})
            await together.wait()
            return int(pid)

    return set(await asyncio.gather(*(one() for _ in range(count))))


async def _session_driver(session: Any) -> Any:
    return (await (await session.connection()).get_raw_connection()).driver_connection


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


async def test_at_a_steady_pace_transactions_reuse_a_warm_connection_unpinged(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a burst has opened many connections, transactions coming one at a time take the connection that came
    back last: it was idle for less than PING_AFTER_IDLE_S, so no ping goes before it. Handed out oldest first, each
    of the burst's connections waited its turn and was pinged (helper-37)."""
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_S", 0.1)
    pings: list[Any] = []
    dialect = db.engine.sync_engine.dialect
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(connection) or real_ping(connection))
    await _backends_at_once(db, AT_ONCE)
    for _ in range(20):
        async with db.write() as session:
            session.add(Staff(name="steady", roles=[], active=True))
        await asyncio.sleep(0.02)
    assert pings == []


async def test_a_link_that_drops_packets_silently_is_given_up_within_seconds(db: Database) -> None:
    """libpq's bounds on every pooled connection (helper-37: without them a ping on such a link waited for TCP's
    own quarter of an hour, and every other request waited on the pool behind it)."""
    async with db.read() as session:
        given = (await _session_driver(session)).info.get_parameters()
    assert int(given["tcp_user_timeout"]) <= 10_000
    assert int(given["connect_timeout"]) <= 10
    assert int(given["keepalives_idle"]) + int(given["keepalives_interval"]) * int(given["keepalives_count"]) <= 60


async def test_what_the_database_url_sets_for_libpq_is_kept() -> None:
    """The URL's own connect timeout and options win over teambot's bounds; the lock timeout joins its options
    (helper-38: they were replaced)."""
    url = postgres_url()
    assert url is not None
    given = make_url(url).update_query_dict({"connect_timeout": "30", "options": "-c search_path=public"})
    db = Database(given.render_as_string(False))
    settings = select(func.current_setting("search_path"), func.current_setting("lock_timeout"))
    try:
        async with db.read() as session:
            parameters = (await _session_driver(session)).info.get_parameters()
            ((search_path, lock_timeout),) = (await (await session.connection()).execute(settings)).all()
    finally:
        await db.dispose()
    assert parameters["connect_timeout"] == "30"
    assert int(parameters["tcp_user_timeout"]) <= 10_000
    assert (search_path, lock_timeout) == ("public", "10s")


async def test_connections_the_server_ended_are_replaced_before_they_are_used(db: Database) -> None:
    """A PostgreSQL restart or a terminated backend ends pooled connections while they are idle: the next direct
    transaction, replay-guard record and session each get a live connection, and nothing fails."""
    pids = await _backends_at_once(db, 3) | await _direct_backends_at_once(db, 3)
    assert len(pids) == 6
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
    assert not pids & (await _backends_at_once(db, 3) | await _direct_backends_at_once(db, 3))


async def test_a_connection_forgotten_on_the_way_while_idle_is_replaced_before_it_is_used(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket shows nothing when the link was dropped on the way: a connection idle for a while is pinged,
    and one that gets no answer is replaced, so the user's statement never meets the reset: in a session and in a
    direct transaction (each pool its own)."""
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_S", 0.05)
    relay = Relay(make_url(str(db.url)).port or 5432)
    through = Database(relay.url(db.url.render_as_string(False)))
    try:
        async with through.direct() as statements:
            await statements.execute(insert(Staff), {"name": "before", "roles": [], "active": True})
        async with through.write() as session:
            session.add(Staff(name="before in a session", roles=[], active=True))
        relay.forget()
        await asyncio.sleep(0.1)
        async with through.direct() as statements:
            await statements.execute(insert(Staff), {"name": "after", "roles": [], "active": True})
        async with through.write() as session:
            session.add(Staff(name="after in a session", roles=[], active=True))
    finally:
        await through.dispose()
        relay.close()
    async with db.read() as session:
        names = set((await session.exec(select(Staff.name))).scalars())
    assert names == {"before", "after", "before in a session", "after in a session"}


@pytest.fixture
def descriptors_past_1023() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip("the process may not open 2,048 files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_connection_on_a_descriptor_past_1023_is_checked_like_any_other(descriptors_past_1023: None) -> None:
    """A busy process has descriptors numbered 1024 and up, which select() refuses: every checkout then took its
    connection for dead, and the new one too."""
    ours, server = socket.socketpair()
    high = os.dup2(ours.fileno(), 1500)

    class Driver:
        closed = broken = False

        def fileno(self) -> int:
            return high

    try:
        assert postgres.alive(Driver())
        server.sendall(b"E")  # what a terminated backend sends first: its FATAL error
        assert not postgres.alive(Driver())
    finally:
        os.close(high)
        ours.close()
        server.close()


async def test_a_connection_returned_inside_a_transaction_is_rolled_back() -> None:
    """The pool's rollback on return is teambot's (`postgres.install_rollback_on_return`): a connection that comes
    back with a transaction open (here a raw one, in transaction mode, after an INSERT; and one whose statement
    failed) is rolled back as before, and the next transaction on it is one of its own."""
    db = _one_connection_db()
    try:
        raw = await db.engine.raw_connection()
        driver = raw.driver_connection
        assert driver is not None and not driver.autocommit
        await driver.execute("INSERT INTO staff (name, roles, active) VALUES ('left', '[]', true)")
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        await greenlet_spawn(raw.close)
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        raw = await db.engine.raw_connection()
        assert raw.driver_connection is driver
        with pytest.raises(psycopg.errors.UndefinedTable):
            await driver.execute("SELECT * FROM no_such_table")
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        await greenlet_spawn(raw.close)
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        async with db.read() as session:
            names = list((await session.exec(select(Staff.name))).scalars())
        assert names == []
    finally:
        await db.dispose()

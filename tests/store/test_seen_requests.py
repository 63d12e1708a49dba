"""The replay guard's shared record (store.requests): one statement committed on its own per request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.exc import ProgrammingError
from sqlmodel import select

from teambot.store import requests
from teambot.store.db import Database
from teambot.store.models import SeenRequest, Staff
from teambot.testing.database import postgres_url, prepare

NOW = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)


async def test_a_key_is_recorded_once_and_the_second_time_is_refused(db: Database) -> None:
    assert await requests.first_time_alone(db, "sig:v0=abc", NOW)
    assert not await requests.first_time_alone(db, "sig:v0=abc", NOW)
    async with db.write() as session:
        assert not await requests.first_time(session, "sig:v0=abc", NOW)
        assert await requests.first_time(session, "event:Ev01", NOW)
    async with db.read() as session:
        assert list((await session.exec(select(SeenRequest.key).order_by(SeenRequest.key))).all()) == [
            "event:Ev01",
            "sig:v0=abc",
        ]


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_not_waiting_for_the_disk_stays_with_the_guards_own_statement(tmp_path: Path) -> None:
    """The guard's commit skips the WAL flush (set_config(…, true) in its statement); the pooled connection it
    used must not carry that on to the next transaction, which may store a rating."""
    url = postgres_url()
    assert url is not None
    prepare(url)
    db = Database(url, pool_size=1)  # one connection: the next transaction gets the guard's
    try:
        assert await requests.first_time_alone(db, "sig:v0=def", NOW)
        async with db.write() as session:
            connection = await session.connection()
            assert (await connection.execute(text("SHOW synchronous_commit"))).scalar_one() == "on"
    finally:
        await db.dispose()


async def _one_connection_db() -> Database:
    url = postgres_url()
    assert url is not None
    prepare(url)
    return Database(url, pool_size=1)  # one connection: the next transaction gets the one used before


async def _staff_named(db: Database, name: str) -> list[str]:
    async with db.read() as session:
        return list((await session.exec(select(Staff.name).where(Staff.name == name))).all())


async def _half_a_session(db: Database) -> None:
    """A session's transaction whose second statement fails after its first INSERT."""
    with pytest.raises(ProgrammingError, match="no_such_table"):
        async with db.write() as session:
            connection = await session.connection()
            await connection.execute(insert(Staff).values(name="half", roles=[], active=True))
            await connection.execute(text("SELECT * FROM no_such_table"))


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("autocommit_by", ["guard", "rating"])
async def test_the_guard_s_and_a_rating_s_autocommit_is_not_handed_on_to_a_session(autocommit_by: str) -> None:
    """The guard's statement commits on its own, and so does a /rating's transaction (asyncpg's pool); a session
    after them is still one transaction: one that fails after its first INSERT stores nothing (in autocommit that
    INSERT would have stayed). Until 2026-12-04 both ran on the session's pool, in autocommit."""
    db = await _one_connection_db()
    try:
        if autocommit_by == "guard":
            assert await requests.first_time_alone(db, "sig:v0=ghi", NOW)
        else:
            async with db.direct() as statements:
                await statements.execute(insert(Staff), {"name": "rated", "roles": [], "active": True})
        await _half_a_session(db)
        assert await _staff_named(db, "half") == []
        async with db.direct() as statements:  # and a direct transaction on it still commits
            await statements.execute(insert(Staff), {"name": "after", "roles": [], "active": True})
        assert await _staff_named(db, "after") == ["after"]
    finally:
        await db.dispose()


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_transaction_left_open_in_autocommit_is_rolled_back_when_its_connection_goes_back() -> None:
    """Left inside a transaction (here begun by hand, outside `Batched`), the connection is rolled back as it goes
    back (asyncpg's release): what that transaction wrote is gone, and the next transaction on the connection is
    one of its own."""
    db = await _one_connection_db()
    try:
        async with db.alone() as statements:
            used = (await statements.rows(sa_select(func.pg_backend_pid()), {}))[0][0]
            await statements.driver.connection.execute("BEGIN")  # type: ignore[attr-defined]
            await statements.driver.connection.execute(  # type: ignore[attr-defined]
                "INSERT INTO staff (name, roles, active) VALUES ('left', '[]', true)"
            )
        with pytest.raises(RuntimeError, match="refused"):
            async with db.direct() as statements:
                now = (await statements.rows(sa_select(func.pg_backend_pid()), {}))[0][0]
                await statements.execute(insert(Staff), {"name": "half", "roles": [], "active": True})
                raise RuntimeError("refused")
        assert now == used
        assert await _staff_named(db, "left") == []
        assert await _staff_named(db, "half") == []
    finally:
        await db.dispose()


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_cancelled_direct_transaction_gives_its_connection_back_rolled_back() -> None:
    db = await _one_connection_db()
    try:
        inserted = asyncio.Event()

        async def rating() -> None:
            async with db.direct() as statements:
                await statements.execute(insert(Staff), {"name": "cancelled", "roles": [], "active": True})
                await statements.rows(sa_select(Staff.id), {})  # the INSERT is sent, in a transaction begun for it
                inserted.set()
                await asyncio.sleep(3600)

        task = asyncio.ensure_future(rating())
        await inserted.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.direct() as statements:  # the one connection is back in the pool, its transaction gone
            await statements.execute(insert(Staff), {"name": "next", "roles": [], "active": True})
        assert await _staff_named(db, "cancelled") == []
        assert await _staff_named(db, "next") == ["next"]
        inserted.clear()
        task = asyncio.ensure_future(rating())  # cancelled again: a session after it gets transaction mode
        await inserted.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await _half_a_session(db)
        assert await _staff_named(db, "half") == []
        assert await _staff_named(db, "cancelled") == []
    finally:
        await db.dispose()


async def test_sqlite_has_no_statements_alone(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    with pytest.raises(ValueError, match="SQLite"):
        async with db.alone():
            pass

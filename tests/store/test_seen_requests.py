"""The replay guard's shared record (store.requests): one statement committed on its own per request."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from teambot.store import requests
from teambot.store.db import Database
from teambot.store.models import SeenRequest
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

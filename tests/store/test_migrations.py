"""Alembic migrations on SQLite and PostgreSQL, and the SQLite connection settings."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

import teambot.store.models  # noqa: F401  (registers the tables)
from helpers_foundation import sqlite_file_url
from teambot.cli import app
from teambot.store.db import LOCK_WAIT_MS, Database, sync_url
from teambot.store.migrate import alembic_config, downgrade, upgrade
from teambot.store.models import Institution, Municipality
from teambot.testing.database import postgres_url, sqlite_write_lock_waits

MODEL_TABLES = {table.name for table in SQLModel.metadata.sorted_tables}


@pytest.fixture
def postgres_scratch() -> Iterator[str]:
    """A throwaway PostgreSQL database, so the shared test database is never disturbed."""
    base = postgres_url()
    if base is None:
        pytest.skip("TEAMBOT_TEST_DATABASE_URL is not set")
    name = f"teambot_mig_{secrets.token_hex(6)}"
    admin = create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_file_url(tmp_path, "migrate.db")
    return str(request.getfixturevalue("postgres_scratch"))


def tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def differences(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(empty_url: str) -> None:
    assert tables(empty_url) == set()

    upgrade(empty_url)

    assert tables(empty_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(empty_url) == head_revision(empty_url)


def test_upgrade_is_idempotent(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)

    assert tables(empty_url) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(empty_url) == head_revision(empty_url)


def test_migration_head_matches_the_models(empty_url: str) -> None:
    upgrade(empty_url)

    assert differences(empty_url) == []


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    upgrade(empty_url)

    downgrade(empty_url, "base")
    assert tables(empty_url) - {"alembic_version"} == set()
    assert current_revision(empty_url) is None

    upgrade(empty_url)
    assert tables(empty_url) == MODEL_TABLES | {"alembic_version"}
    assert differences(empty_url) == []


def test_every_revision_steps_down_and_up(empty_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        upgrade(empty_url, revision)
        assert current_revision(empty_url) == revision
    for revision in reversed(revisions[:-1]):
        downgrade(empty_url, revision)
        assert current_revision(empty_url) == revision
    upgrade(empty_url)
    assert differences(empty_url) == []


def test_goals_stored_before_0013_keep_their_start_both_ways(empty_url: str) -> None:
    """Which stored goals came with the import that created their case is not known: each keeps its start (not moved
    to a start meeting), and a step down keeps the goal and its start."""
    upgrade(empty_url, "0012")
    engine = create_engine(sync_url(empty_url))
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO institution (id, code, name, kind) VALUES (1, 'SOL', 'Sol', 'x')"))
            connection.execute(text("INSERT INTO staff (id, name, roles, active) VALUES (1, 'Mette', '[]', true)"))
            connection.execute(
                text(
                    "INSERT INTO child_case (id, code, institution_id, paedagog_id, status, consent_professions) "
                    "VALUES (1, 'AK12', 1, 1, 'active', '[]')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO goal (id, case_id, number, text, active, started_on) "
                    "VALUES (1, 1, 1, 'Overtøj', true, '2027-03-10')"
                )
            )
        upgrade(empty_url, "0013")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT started_on, from_start_meeting FROM goal")).one()
        assert (str(row[0]), bool(row[1])) == ("2027-03-10", False)
        downgrade(empty_url, "0012")
        with engine.connect() as connection:
            assert [str(d) for d in connection.execute(text("SELECT started_on FROM goal")).scalars()] == ["2027-03-10"]
    finally:
        engine.dispose()


def test_db_upgrade_command_creates_the_database(tmp_path: Path) -> None:
    url = sqlite_file_url(tmp_path / "data", "teambot.db")  # the folder does not exist yet

    result = CliRunner().invoke(app, ["db", "upgrade"], env={"TEAMBOT_DATABASE_URL": url})

    assert result.exit_code == 0, result.output
    assert tables(url) == MODEL_TABLES | {"alembic_version"}


def test_db_upgrade_command_does_not_print_the_password(postgres_scratch: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade"], env={"TEAMBOT_DATABASE_URL": postgres_scratch})

    assert result.exit_code == 0, result.output
    password = make_url(postgres_scratch).password
    assert password and f":{password}@" not in result.output
    assert current_revision(postgres_scratch) == head_revision(postgres_scratch)


async def test_postgresql_connections_wait_for_a_lock_at_most_the_lock_wait(postgres_scratch: str) -> None:
    db = Database(postgres_scratch)
    try:
        async with db.read() as session:
            timeout = (await session.exec(text("SHOW lock_timeout"))).one()  # type: ignore[call-overload]
    finally:
        await db.dispose()
    assert tuple(timeout) == (f"{LOCK_WAIT_MS // 1000}s",)


# -- SQLite connection settings ----------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = sqlite_file_url(tmp_path, "pragmas.db")
    upgrade(url)
    return url


def test_migrated_sqlite_file_is_in_wal_mode(sqlite_url: str) -> None:
    path = make_url(sqlite_url).database
    assert path is not None
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        async with db.read() as session:
            journal = (await session.exec(text("PRAGMA journal_mode"))).one()  # type: ignore[call-overload]
            foreign_keys = (await session.exec(text("PRAGMA foreign_keys"))).one()  # type: ignore[call-overload]
            timeout = (await session.exec(text("PRAGMA busy_timeout"))).one()  # type: ignore[call-overload]
    finally:
        await db.dispose()
    assert tuple(journal) == ("wal",)
    assert tuple(foreign_keys) == (1,)
    assert tuple(timeout) == (LOCK_WAIT_MS,)
    assert LOCK_WAIT_MS >= 1000


async def test_sqlite_enforces_foreign_keys(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with pytest.raises(IntegrityError):
            async with db.write() as session:
                session.add(Institution(code="X", name="X", kind="vuggestue", district_id=4711))
        async with db.read() as session:
            assert (await session.exec(select(func.count()).select_from(Institution))).one() == 0
    finally:
        await db.dispose()


async def test_two_sqlite_writers_that_do_not_queue_together_both_succeed(sqlite_url: str) -> None:
    """Two writers of one file that do not share a writer queue (the bot and `teambot import`: here two Database
    objects), each reading and then writing. With a deferred BEGIN the second reads while the first's transaction is
    open, and then fails with "database is locked" (its snapshot is stale); BEGIN IMMEDIATE makes it wait for the
    first to commit before it reads. (One Database's writers queue before BEGIN: they would not show it.)"""
    first_db, second_db = Database(sqlite_url), Database(sqlite_url)
    second_waits = sqlite_write_lock_waits(second_db)
    first_has_read, second_has_read = asyncio.Event(), asyncio.Event()
    seen: dict[str, int] = {}

    async def first() -> None:
        async with first_db.write() as session:
            seen["first"] = (await session.exec(select(func.count()).select_from(Municipality))).one()
            first_has_read.set()
            # Until the second writer has read inside its transaction (deferred BEGIN) or waits for the write lock
            # (BEGIN IMMEDIATE): this transaction stays open until then, however slowly the machine gets there.
            either = [asyncio.ensure_future(e.wait()) for e in (second_has_read, second_waits)]
            await asyncio.wait(either, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            for waiting in either:
                waiting.cancel()
            assert second_has_read.is_set() or second_waits.is_set(), "the second writer never got to its BEGIN"
            session.add(Municipality(name="first"))

    async def second() -> None:
        await first_has_read.wait()
        async with second_db.write() as session:
            seen["second"] = (await session.exec(select(func.count()).select_from(Municipality))).one()
            second_has_read.set()
            session.add(Municipality(name="second"))

    try:
        await asyncio.gather(first(), second())
        async with first_db.read() as session:
            names = sorted(m.name for m in (await session.exec(select(Municipality))).all())
    finally:
        await first_db.dispose()
        await second_db.dispose()
    # Both committed, one after the other: the second read only once the first had committed.
    assert names == ["first", "second"]
    assert seen == {"first": 0, "second": 1}

"""Databases for tests: a fresh SQLite file, or PostgreSQL (TEAMBOT_TEST_DATABASE_URL) emptied per test."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import struct
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import teambot.store.models  # noqa: F401  (registers the tables)
from teambot.store.db import Database, sync_url
from teambot.store.migrate import upgrade

TEST_DATABASE_ENV = "TEAMBOT_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(TEST_DATABASE_ENV) or None


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'teambot-test.db'}"


_migrated: set[str] = set()
_template: Path | None = None


def _sqlite_template() -> Path:
    """One migrated SQLite file per process, copied for each test: migrating every time costs ~0.25 s."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="teambot-template-"))
        upgrade(sqlite_url(folder))
        _template = folder / "teambot-test.db"
    return _template


def prepare(url: str) -> None:
    """Give `url` a migrated, empty database: a copy of the template for SQLite; on PostgreSQL, migrate once
    per process and empty every table."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        shutil.copyfile(_sqlite_template(), parsed.database)
        return
    if url not in _migrated:
        upgrade(url)
        _migrated.add(url)
    if parsed.get_backend_name() == "postgresql":
        truncate(url)


def truncate(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def test_database_url(folder: Path) -> str:
    """The URL a test should use: PostgreSQL when configured, else a fresh SQLite file under `folder`."""
    return postgres_url() or sqlite_url(folder)


def open_test_database(folder: Path) -> Database:
    url = test_database_url(folder)
    prepare(url)
    return Database(url)


# How long a race test waits for a transaction to start waiting for a lock before it fails: generous, since a slow or
# loaded machine only makes the wait longer; a transaction that never waits shows a bug, not slowness.
LOCK_PATIENCE_S = 30.0

_WAITING_FOR_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
)


async def until_waiting_for_locks(db: Database, count: int = 1, *, or_done: asyncio.Future[Any] | None = None) -> None:
    """PostgreSQL: until `count` of this database's transactions wait for a lock (a row's, a transaction's), or
    `or_done` is done: the moment a race test lets the holder of the lock go on, instead of a sleep that a slow
    machine outlasts. Fails the test after LOCK_PATIENCE_S."""
    if db.is_sqlite:
        raise ValueError("SQLite has one writer at a time: nobody waits for a row lock")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOCK_PATIENCE_S
    while True:
        if or_done is not None and or_done.done():
            return
        async with db.engine.connect() as connection:  # a transaction per look: pg_stat_activity is read once in one
            waiting = (await connection.execute(_WAITING_FOR_A_LOCK)).scalar_one()
        if waiting >= count:
            return
        if loop.time() > deadline:
            raise AssertionError(
                f"{waiting} transaction(s) wait for a lock after {LOCK_PATIENCE_S:.0f} s; the test needs {count}"
            )
        await asyncio.sleep(0.01)


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """PostgreSQL: every node of a plan from `EXPLAIN (FORMAT JSON)` (give it the `Plan`), depth first."""
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


def trace_sqlite_statements(db: Database, traced: Callable[[str], None]) -> None:
    """SQLite: call `traced` with each statement as it begins to run, before it asks for any lock, on the thread
    that runs it, on `db`'s connections opened from now on. Several may watch one database."""
    tracers = _TRACERS.get(db)
    if tracers is None:
        tracers = _TRACERS[db] = []

        @event.listens_for(db.engine.sync_engine, "connect")
        def _watch(dbapi_connection: Any, _record: Any) -> None:
            def each(sql: str) -> None:
                for tracer in tracers:
                    tracer(sql)

            # aiosqlite keeps its sqlite3 connection in a private attribute: the only way to its trace callback.
            dbapi_connection.driver_connection._conn.set_trace_callback(each)

    tracers.append(traced)


_TRACERS: weakref.WeakKeyDictionary[Database, list[Callable[[str], None]]] = weakref.WeakKeyDictionary()


def sqlite_write_lock_waits(db: Database) -> asyncio.Event:
    """SQLite: an event set once one of `db`'s connections opened from now on begins BEGIN IMMEDIATE off the event
    loop's thread (on aiosqlite's), where SQLite's busy handler waits while the write lock is held elsewhere: the
    moment a test that holds the lock knows the writer waits for it, instead of a sleep that a slow machine outlasts.
    Call it on the loop the writers run on, before `db` opens the connections to watch."""
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    waits = asyncio.Event()

    def traced(sql: str) -> None:
        if sql == "BEGIN IMMEDIATE" and threading.get_ident() != loop_thread:
            loop.call_soon_threadsafe(waits.set)

    trace_sqlite_statements(db, traced)
    return waits


class Relay:
    """A TCP relay in front of PostgreSQL whose connections can be lost on the way, as through a NAT, a firewall's
    idle timeout or a fail-over: `forget()` answers the next packet of each connection open now with a reset;
    `silence()` drops everything they send from then on, without a word. Connections made later pass."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.forgotten: set[socket.socket] = set()
        self.silenced: set[socket.socket] = set()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        return make_url(url).set(host="127.0.0.1", port=self.listener.getsockname()[1]).render_as_string(False)

    def forget(self) -> None:
        self.forgotten.update(self.open)
        self.open.clear()

    def silence(self) -> None:
        self.silenced.update(self.open)
        self.open.clear()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.port))
            self.open.append(client)
            threading.Thread(target=self._relay, args=(client, server, client), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, client), daemon=True).start()

    def _relay(self, source: socket.socket, target: socket.socket, client: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if client in self.silenced:
                    continue
                if source in self.forgotten:
                    source.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset
                    source.close()
                    target.close()
                    return
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)  # the end of one side's stream reaches the other
        except OSError:
            pass

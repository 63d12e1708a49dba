"""Engine and sessions. SQLite: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes. PostgreSQL: a lock
timeout, so a request never waits forever behind a lock someone holds.

Plain `sqlite:///…` and `postgresql://…` URLs are mapped to the async drivers (aiosqlite, psycopg 3);
migrations use the matching sync drivers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

# How long a statement waits for a lock another connection holds before it fails (SQLite's busy timeout,
# PostgreSQL's lock_timeout): long enough for any ordinary write to finish, short enough that a stuck lock
# gives the user an apology instead of a command that never answers.
LOCK_WAIT_MS = 10_000
_WRITE_OPTION = "teambot_write"


def async_url(url: str | URL) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {backend}")


def sync_url(url: str | URL) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database: {backend}")


def install_sqlite_pragmas(sync_engine: Any) -> None:
    """WAL, foreign keys and a busy timeout on every connection; we issue BEGIN ourselves."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Disable the driver's implicit BEGIN so the `begin` hook below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY despite the busy
        # timeout; write transactions take the write lock up front instead.
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One database: `read()` for queries, `write()` for a transaction that commits on success."""

    def __init__(self, url: str | URL, *, echo: bool = False, pool_size: int | None = None) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite and self.url.database in (None, "", ":memory:"):
            # An in-memory database exists per connection: never pool it across sessions.
            kwargs["poolclass"] = NullPool
        elif not self.is_sqlite:
            kwargs["pool_pre_ping"] = True
            if pool_size is not None:
                kwargs["pool_size"], kwargs["max_overflow"] = pool_size, 0
            kwargs["connect_args"] = {"options": f"-c lock_timeout={LOCK_WAIT_MS}"}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            install_sqlite_pragmas(self.engine.sync_engine)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

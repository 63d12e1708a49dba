"""Engine and sessions. SQLite: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes, and the writers of one
process queued in arrival order; a queued writer waits as long as the queue keeps moving and fails as a locked
database does ("database is locked") only once no writer has got SQLite's write lock for LOCK_WAIT_MS. PostgreSQL: a
lock timeout, so a request never waits forever behind a lock someone holds.

Brief sessions (`read(brief=True)`, `write(brief=True)`: a few indexed statements about one user or child) run
their SQLite calls on the event loop's thread: such a statement takes microseconds, less than aiosqlite's hop to its
thread and back. A call that finds the database locked by another connection is run again on that thread, where it
may wait, so the loop itself never waits for a lock; COMMIT goes there too (it may checkpoint the WAL).

Plain `sqlite:///…` and `postgresql://…` URLs are mapped to the async drivers (aiosqlite, psycopg 3);
migrations use the matching sync drivers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

# How long a statement waits for a lock another connection holds before it fails (SQLite's busy timeout,
# PostgreSQL's lock_timeout): long enough for any ordinary write to finish, short enough that a stuck lock
# gives the user an apology instead of a command that never answers.
LOCK_WAIT_MS = 10_000
_WRITE_OPTION = "teambot_write"
_BRIEF_OPTION = "teambot_brief"
# The busy timeout (ms) a transaction should begin with, when it is not the connection's full LOCK_WAIT_MS.
_BUSY_OPTION = "teambot_busy_ms"
# Per DBAPI connection (the pool record's info): its LOCK_WAIT_MS at connect, and the busy timeout it has now.
_FULL_BUSY_KEY, _BUSY_KEY = "teambot_full_busy_ms", "teambot_busy_ms"
# A brief transaction whose SQLite calls held the event loop longer than this is logged: every user's
# acknowledgement waited meanwhile.
BRIEF_LOOP_WARNING_S = 0.02
# A writer whose turn comes this soon after the queue last moved keeps the whole busy timeout: in a burst nearly
# every turn does, so it costs no PRAGMA, and a stuck lock's apology comes at most this much later.
_QUEUE_SLACK_MS = 50


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


class _LoopSQLite(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the event loop's thread while `on_loop` is set (a brief session).

    There SQLite's own busy timeout is 0, so a call never blocks the loop on a lock. Calls still go to aiosqlite's
    thread when one found the database locked (run again there with `busy_ms`, the lock wait the transaction has),
    while any call is still running there (one sqlite3 connection must not be used by two threads at once: the
    close after a cancelled wait), and for COMMIT, which may run SQLite's WAL checkpoint (copying pages, syncing).
    """

    on_loop = False
    busy_ms = LOCK_WAIT_MS
    loop_seconds: float | None = None  # this brief transaction's calls on the loop's thread so far; None once ended

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._in_thread = 0  # calls handed to the thread and not yet finished there, even if their caller left
        self._in_thread_lock = threading.Lock()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        commits = connection is not None and fn == connection.commit
        if commits or (connection is not None and fn == connection.rollback):  # the transaction ends
            self._check_loop_time()
        if not self.on_loop or self._in_thread or commits:
            return await self._on_thread(fn, args, kwargs, None)
        if not self._running or connection is None:
            raise ValueError("Connection closed")
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            # Not every OperationalError carries a code (a column that is not UTF-8 does not).
            if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_BUSY or self.busy_ms <= 0:
                raise
        finally:
            if self.loop_seconds is not None:
                self.loop_seconds += time.perf_counter() - started
        return await self._on_thread(fn, args, kwargs, self.busy_ms)

    def _check_loop_time(self) -> None:
        """Brief is for a few indexed statements: one that held the loop longer says so, for whoever made it brief."""
        if self.loop_seconds is not None and self.loop_seconds > BRIEF_LOOP_WARNING_S:
            log.warning(
                "a brief database session held the event loop for %.0f ms in SQLite; it should not be brief",
                self.loop_seconds * 1000,
            )
        self.loop_seconds = None  # once per transaction: the pool's rollback after a commit is not another

    async def _on_thread(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], busy_ms: int | None
    ) -> Any:
        with self._in_thread_lock:
            self._in_thread += 1
        return await super()._execute(self._counted, fn, args, kwargs, busy_ms)  # type: ignore[no-untyped-call]

    def _counted(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], busy_ms: int | None
    ) -> Any:
        try:
            if busy_ms is None:
                return fn(*args, **kwargs)
            connection = self._conn
            connection.execute(f"PRAGMA busy_timeout={busy_ms}")
            try:
                return fn(*args, **kwargs)
            finally:
                connection.execute("PRAGMA busy_timeout=0")
        finally:
            with self._in_thread_lock:
                self._in_thread -= 1


def _loop_sqlite(database: str, **kwargs: Any) -> _LoopSQLite:
    # Both threads use the connection (never at once); the dialect leaves the check on for an in-memory database.
    kwargs["check_same_thread"] = False
    connection = _LoopSQLite(lambda: sqlite3.connect(database, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's aiosqlite dialect does: a leaked one never blocks exit
    return connection


def install_sqlite_pragmas(sync_engine: Any) -> None:
    """WAL, foreign keys and a busy timeout on every connection; we issue BEGIN ourselves."""

    @event.listens_for(sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        return dialect.loaded_dbapi.connect(*cargs, async_creator_fn=_loop_sqlite, **cparams)

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
        _record.info[_FULL_BUSY_KEY] = _record.info[_BUSY_KEY] = LOCK_WAIT_MS

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # A writer that queued behind this process's writers has only the rest of its lock wait left; every
        # other transaction gets the full wait back. Set only on a change, so an unqueued write costs nothing.
        info = connection.connection.info
        queued_ms = options.get(_BUSY_OPTION)
        busy_ms: int = info[_FULL_BUSY_KEY] if queued_ms is None else queued_ms
        driver = connection.connection.driver_connection
        if isinstance(driver, _LoopSQLite):
            # A brief transaction never lets SQLite wait on the loop's thread; its calls wait on aiosqlite's.
            driver.on_loop, driver.busy_ms, driver.loop_seconds = False, busy_ms, None
            if options.get(_BRIEF_OPTION, False):
                driver.on_loop, driver.loop_seconds, busy_ms = True, 0.0, 0
        if info[_BUSY_KEY] != busy_ms:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            info[_BUSY_KEY] = busy_ms
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY despite the busy
        # timeout; write transactions take the write lock up front instead.
        write = options.get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One database: `read()` for queries, `write()` for a transaction that commits on success.

    On SQLite, writers of this process wait their turn in arrival order (one queue per event loop) before they ask
    SQLite for the write lock: SQLite's busy handler sleeps up to 100 ms between tries, so writers competing
    through it alone are served in no order and one can lose many times in a row (seconds of tail latency under
    load). A writer waits as long as the queue moves: it fails as a locked database does ("database is locked")
    only when no writer of the queue has got SQLite's write lock for LOCK_WAIT_MS, counted from when it joined or
    from the last writer that got the lock, whichever is later. A burst drains however long it takes; a stuck
    writer, or another process holding the lock, still gets everyone behind it an apology within LOCK_WAIT_MS.
    Other processes still compete through the busy timeout. PostgreSQL locks rows, so its writers do not queue here.
    """

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
        self._brief_engine = self.engine.execution_options(**{_BRIEF_OPTION: True})
        self._brief_write_engine = self.engine.execution_options(**{_WRITE_OPTION: True, _BRIEF_OPTION: True})
        self._lock_wait_ms = LOCK_WAIT_MS
        # asyncio.Lock binds to the loop it first waits on, and a Database may outlive a loop (tests): one queue
        # per loop, dropped when its last writer leaves (a contended Lock holds its loop, so a weak key would not).
        self._writer_queues: dict[asyncio.AbstractEventLoop, _WriterQueue] = {}

    @asynccontextmanager
    async def read(self, *, brief: bool = False) -> AsyncIterator[AsyncSession]:
        """`brief`: a few indexed statements (see the module's doc); never a scan, a report or a pass."""
        async with AsyncSession(self._brief_engine if brief else self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self, *, brief: bool = False) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success; `brief` as for `read`."""
        engine = self._brief_write_engine if brief else self._write_engine
        if not self.is_sqlite:
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                yield session
            return
        loop = asyncio.get_running_loop()
        queue = self._writer_queues.get(loop)
        if queue is None:
            queue = self._writer_queues[loop] = _WriterQueue()
        queue.writers += 1
        try:
            since = await self._take_turn(queue, loop)
            try:
                # What has passed since the queue last moved comes off the busy timeout. Counting from the last
                # writer that got the lock, not from joining, keeps the whole wait for a writer at the end of a long
                # burst; subtracting at all keeps a lock held elsewhere from costing each queued writer a full wait
                # in turn (the n-th would fail after n × LOCK_WAIT_MS).
                waited_ms = math.ceil((loop.time() - since) * 1000)
                options: dict[str, Any] = {}
                if waited_ms >= _QUEUE_SLACK_MS:
                    options[_BUSY_OPTION] = max(0, self._lock_wait_ms - waited_ms)  # 0 still takes a free lock
                async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                    # BEGIN IMMEDIATE now, not at the first statement: the turn is for taking the lock, and getting
                    # it is what tells the writers behind that the queue moves.
                    await session.connection(execution_options=options)
                    queue.moved_at = loop.time()
                    yield session
            finally:
                queue.lock.release()
        finally:
            queue.writers -= 1
            if queue.writers == 0:
                del self._writer_queues[loop]

    async def _take_turn(self, queue: _WriterQueue, loop: asyncio.AbstractEventLoop) -> float:
        """Wait in arrival order until it is this writer's turn; give up as a locked database does once the queue
        has not moved for the lock wait. Returns when this writer's lock wait started counting."""
        joined = loop.time()
        # One acquire for the whole wait: a timed-out acquire leaves the queue, and asking again would go to its end.
        turn = loop.create_task(queue.lock.acquire())
        try:
            while True:
                since = max(joined, queue.moved_at)
                left = since + self._lock_wait_ms / 1000 - loop.time()
                if left <= 0:
                    raise self._locked_error()
                done, _ = await asyncio.wait((turn,), timeout=left)  # does not cancel the acquire on timeout
                if done:
                    turn.result()
                    return max(joined, queue.moved_at)
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                queue.lock.release()  # the turn came just as this writer gave up or was cancelled
            else:
                turn.cancel()  # asyncio.Lock hands a turn it had already granted on to the next writer
            raise

    def _locked_error(self) -> OperationalError:
        """What SQLAlchemy raises when SQLite's busy timeout runs out, so callers see one kind of failure."""
        dbapi = self.engine.dialect.dbapi
        assert dbapi is not None
        return OperationalError(
            "BEGIN IMMEDIATE -- still queued behind this process's writers",
            None,
            dbapi.OperationalError("database is locked"),
        )

    async def dispose(self) -> None:
        await self.engine.dispose()


class _WriterQueue:
    """One event loop's SQLite writers: whose turn it is, and when a writer last got the write lock."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.moved_at = -math.inf
        self.writers = 0  # queued or writing

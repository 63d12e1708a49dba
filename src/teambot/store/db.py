"""Engine and sessions. SQLite: WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes, and the writers of one
process queued in arrival order; a queued writer waits as long as the queue keeps moving and fails as a locked
database does ("database is locked") only once no writer has got SQLite's write lock for LOCK_WAIT_MS. PostgreSQL: a
lock timeout, so a request never waits forever behind a lock someone holds.

Brief sessions (`read(brief=True)`, `write(brief=True)`: a few indexed statements about one user or child) run
their SQLite calls on the event loop's thread, COMMIT included; a writer's turn that finds the WAL due for a
checkpoint starts one on worker threads, its bulk beside the writers and the rest in a later turn
(store/sqlite_loop.py).

Plain `sqlite:///…` and `postgresql://…` URLs are mapped to the async drivers (aiosqlite, psycopg 3; on PostgreSQL
`direct()` and `alone()` use asyncpg, store/direct_pool.py); migrations use the matching sync drivers.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store import direct_pool, postgres, sqlite_loop
from teambot.store.direct import Batched, Direct, asyncpg_dialect, driver_of

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


def install_sqlite_pragmas(sync_engine: Any, *, wal: sqlite_loop.Wal | None) -> None:
    """WAL, foreign keys and a busy timeout on every connection; we issue BEGIN ourselves. `wal`: the file's WAL,
    if teambot keeps it (SQLite's automatic checkpoint off, a writer's turn claims teambot's: store/sqlite_loop.py)."""

    @event.listens_for(sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        (database,) = cargs  # pysqlite connects with the file name alone
        return sqlite_loop.connect(dialect.loaded_dbapi, database, wal=wal, **cparams)

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Disable the driver's implicit BEGIN so the `begin` hook below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if wal is not None:
            # Never inside a COMMIT, which may run on the event loop's thread (store/sqlite_loop.py). A restarted
            # WAL is cut back to one checkpoint's worth, not to nothing: COMMITs then write over blocks the file
            # has, instead of growing it again, and the restarting COMMIT's sync has no new blocks to record
            # (bench/README.md, "What changed at midday on 2026-12-02").
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA journal_size_limit={sqlite_loop.CHECKPOINT_WAL_BYTES}")
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
        if isinstance(driver, sqlite_loop.LoopSQLite):
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
        # A failed statement's parameters are case data (a goal's text, a note): never in an error's text or a log.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite and self.url.database in (None, "", ":memory:"):
            # An in-memory database exists per connection: never pool it across sessions.
            kwargs["poolclass"] = NullPool
        elif not self.is_sqlite:
            kwargs["pool_size"], kwargs["max_overflow"] = pool_size or postgres.POOL_SIZE, 0
            kwargs["pool_use_lifo"] = True  # see postgres.PING_AFTER_IDLE_S
            kwargs["pool_reset_on_return"] = None  # postgres.install_rollback_on_return rolls back what is open
            kwargs["connect_args"] = postgres.connect_args(LOCK_WAIT_MS, self.url.query)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if not self.is_sqlite:
            postgres.install_liveness_check(self.engine.sync_engine)
            postgres.install_rollback_on_return(self.engine.sync_engine)
        # PostgreSQL: the connections `direct()` and `alone()` use (asyncpg's), opened as they are needed.
        self._direct_pools = None
        if not self.is_sqlite:
            size = min(pool_size or direct_pool.POOL_SIZE, direct_pool.POOL_SIZE)
            self._direct_pools = direct_pool.DirectPools(self.url, LOCK_WAIT_MS, size)
        # The WAL `write` checkpoints (SQLite's automatic checkpoint is off for it): a file named by a plain path.
        database = self.url.database or ""
        in_memory = database in ("", ":memory:")
        self._wal = None
        if self.is_sqlite and not in_memory and not database.startswith("file:"):
            self._wal = sqlite_loop.Wal(os.path.abspath(database))
        if self.is_sqlite:
            install_sqlite_pragmas(self.engine.sync_engine, wal=self._wal)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._brief_engine = self.engine.execution_options(**{_BRIEF_OPTION: True})
        self._brief_write_engine = self.engine.execution_options(**{_WRITE_OPTION: True, _BRIEF_OPTION: True})
        if self.is_sqlite and self._wal is None and not in_memory:
            # A `file:` URI keeps SQLite's own checkpoint, which may run in any COMMIT: nothing on the loop's thread.
            self._brief_engine, self._brief_write_engine = self.engine, self._write_engine
        self._lock_wait_ms = LOCK_WAIT_MS
        # asyncio.Lock binds to the loop it first waits on, and a Database may outlive a loop (tests): one queue
        # per loop, dropped when its last writer leaves (a contended Lock holds its loop, so a weak key would not).
        self._writer_queues: dict[asyncio.AbstractEventLoop, _WriterQueue] = {}
        # SQLite: the connection `direct` runs on, and its driver's connection; the event loop it serves; whether a
        # transaction is using it now.
        self._direct_connection: tuple[AsyncConnection, sqlite_loop.LoopSQLite] | None = None
        self._direct_loop: asyncio.AbstractEventLoop | None = None
        self._direct_claim = threading.Lock()
        self._direct_in_use = False
        self._checkpoints: set[asyncio.Task[None]] = set()  # WAL checkpoints under way (`_checkpoint`)

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
        async with self._writer_turn() as turn:
            options = {} if turn.busy_ms is None else {_BUSY_OPTION: turn.busy_ms}
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                # BEGIN IMMEDIATE now, not at the first statement: the turn is for taking the lock, and getting
                # it is what tells the writers behind that the queue moves.
                await session.connection(execution_options=options)
                turn.locked()
                yield session

    @asynccontextmanager
    async def direct(self) -> AsyncIterator[Direct]:
        """A brief write transaction whose statements the driver runs itself (store/direct.py), committed on
        success: `/rating`. SQLite: in this process's queue of writers, on a connection kept for it."""
        loop = asyncio.get_running_loop()
        if self._direct_pools is not None:
            # Outside a transaction block, with the writes sent together at the end; a transaction begun is asyncpg's,
            # in `transactions`, rolled back there on a failure or a cancellation (Batched).
            async with self._direct_pools.connection() as connection, AsyncExitStack() as transactions:
                batched = Batched(connection, transactions)
                try:
                    yield Direct(batched, asyncpg_dialect())
                    await batched.commit()
                except TimeoutError:
                    # No answer within `command_timeout`: a ROLLBACK would wait as long again. The connection is
                    # closed instead (`DirectPools.connection`), which ends the transaction on the server.
                    transactions.pop_all()
                    raise
            return
        with self._direct_claim:  # loops in other threads may ask at the same moment
            if self._direct_loop is None and self._wal is not None:
                self._direct_loop = loop
            kept_here = self._direct_loop is loop
        if not kept_here:
            # A `file:` URI or in-memory database has no brief sessions; and the kept connection serves the one event
            # loop that claimed it (writers queue per loop: two loops would use it at once). A brief session's instead.
            async with self.write(brief=True) as session:
                raw = await (await session.connection()).get_raw_connection()
                yield Direct(driver_of(raw.driver_connection, self.engine.dialect), self.engine.dialect)
            return
        async with self._writer_turn() as turn:
            kept = await self._kept_for_direct()
            connection, sqlite = kept
            # As a brief session's: its calls on the loop's thread with SQLite's busy timeout at 0; one that finds
            # the file locked by another process runs again on aiosqlite's thread with the lock wait left.
            sqlite.on_loop, sqlite.loop_seconds = True, 0.0
            sqlite.busy_ms = self._lock_wait_ms if turn.busy_ms is None else turn.busy_ms
            self._direct_in_use = True
            try:
                await sqlite.run("BEGIN IMMEDIATE")
                turn.locked()
                yield Direct(driver_of(sqlite, self.engine.dialect), self.engine.dialect)
                await sqlite.commit()
            except BaseException:
                # Also when cancelled while BEGIN waited for another process's lock on aiosqlite's thread: it may
                # yet get the lock there, and the rollback (queued behind it on that thread) ends that too.
                await self._settle_direct(kept)
                raise
            finally:
                self._direct_in_use = False
                if self._direct_connection is not kept:  # disposed meanwhile, or given up: closed now it is free
                    await connection.close()

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[Direct]:
        """PostgreSQL: statements run by the driver, each committed on its own (outside a transaction block): no
        BEGIN and no COMMIT round trip, for a record that sits in front of every request (the replay guard's)."""
        if self._direct_pools is None:
            raise ValueError("SQLite begins every transaction itself (see the module's doc): use direct()")
        async with self._direct_pools.connection() as connection:
            yield Direct(driver_of(connection, asyncpg_dialect()), asyncpg_dialect())

    async def _kept_for_direct(self) -> tuple[AsyncConnection, sqlite_loop.LoopSQLite]:
        """The connection `direct` uses, taken from the pool once (with the pragmas every connection gets) and
        kept until `dispose`: a checkout and return per transaction would cost more than its statements."""
        if self._direct_connection is None:
            connection = await self._brief_write_engine.connect()
            raw = await connection.get_raw_connection()
            sqlite = raw.driver_connection
            assert isinstance(sqlite, sqlite_loop.LoopSQLite)
            await (await sqlite.execute("PRAGMA busy_timeout=0")).close()  # its calls run on the loop's thread
            raw.info[_BUSY_KEY] = 0
            self._direct_connection = (connection, sqlite)
        return self._direct_connection

    async def _settle_direct(self, kept: tuple[AsyncConnection, sqlite_loop.LoopSQLite]) -> None:
        """Roll back a `direct` transaction that failed or was cancelled, before the next writer's turn: even when
        cancelled again meanwhile. A connection that cannot roll back is given up (closed once free)."""
        rolling_back = asyncio.ensure_future(kept[1].rollback())
        try:
            await asyncio.shield(rolling_back)
        except asyncio.CancelledError:
            await asyncio.wait({rolling_back})
            raise
        except Exception as error:
            log.warning("rolling back a direct transaction failed (%s); its connection is closed", type(error).__name__)
            await kept[0].invalidate()
            if self._direct_connection is kept:
                self._direct_connection = None  # the next transaction of this loop takes a new one

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[_Turn]:
        """This process's turn to write to SQLite (see the class's doc); after it, a WAL checkpoint claimed if due
        and started beside the writers (`_checkpoint`)."""
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
                busy_ms = None
                if waited_ms >= _QUEUE_SLACK_MS:
                    busy_ms = max(0, self._lock_wait_ms - waited_ms)  # 0 still takes a free lock
                yield _Turn(queue, loop, busy_ms)
                if self._wal is not None and self._wal.claim():
                    # Not in this turn: the writer goes on, and so do those queued behind it (store/sqlite_loop.py).
                    checkpointing = loop.create_task(self._checkpoint(self._wal))
                    self._checkpoints.add(checkpointing)
                    # Released when the task ends, also one cancelled before it ever ran (`dispose` right after).
                    checkpointing.add_done_callback(partial(self._checkpoint_over, self._wal))
            finally:
                queue.lock.release()
        finally:
            queue.writers -= 1
            if queue.writers == 0:
                del self._writer_queues[loop]

    async def _checkpoint(self, wal: sqlite_loop.Wal) -> None:
        """A claimed WAL checkpoint: its bulk beside the writers, what they wrote meanwhile in a writer's turn."""
        try:
            await wal.copy_beside()
            async with self._writer_turn() as turn:
                await wal.copy_rest()
                turn.locked()  # a checkpoint is the queue moving, not a lock held elsewhere
        except OperationalError as error:  # no turn within the lock wait: the WAL restarts after the next one
            log.warning("WAL checkpoint put off: %s", error.orig or error)
        except Exception:
            log.exception("WAL checkpoint failed")

    def _checkpoint_over(self, wal: sqlite_loop.Wal, task: asyncio.Task[None]) -> None:
        self._checkpoints.discard(task)
        wal.release()

    async def _take_turn(self, queue: _WriterQueue, loop: asyncio.AbstractEventLoop) -> float:
        """Wait in arrival order until it is this writer's turn; give up as a locked database does once the queue
        has not moved for the lock wait. Returns when this writer's lock wait started counting."""
        joined = loop.time()
        if queue.writers == 1:
            # Nobody else queued or writing (so no turn just handed on, either): take the free lock without the
            # task and the wait below, which cost a brief /rating more than its statements.
            await queue.lock.acquire()
            return max(joined, queue.moved_at)
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
        # A checkpoint of this loop's writers that has yet to take its turn need not: closing the file's last
        # connection checkpoints the whole WAL. One copying on a worker thread is waited for.
        loop = asyncio.get_running_loop()
        checkpointing = [task for task in self._checkpoints if task.get_loop() is loop]
        for task in checkpointing:
            task.cancel()
        await asyncio.gather(*checkpointing, return_exceptions=True)
        with self._direct_claim:
            kept, self._direct_connection, self._direct_loop = self._direct_connection, None, None
        # A direct transaction still using it closes it when it ends: closed under it, the pool's rollback would end
        # that transaction midway and its later statements would each commit alone.
        if kept is not None and not self._direct_in_use:
            await kept[0].close()
        if self._direct_pools is not None:
            await self._direct_pools.close()
        await self.engine.dispose()


@dataclass
class _Turn:
    """A writer's turn: `busy_ms` is the lock wait it has left (None: the connection's whole LOCK_WAIT_MS)."""

    queue: _WriterQueue
    loop: asyncio.AbstractEventLoop
    busy_ms: int | None

    def locked(self) -> None:
        """The writer has SQLite's write lock: the queue moves."""
        self.queue.moved_at = self.loop.time()


class _WriterQueue:
    """One event loop's SQLite writers: whose turn it is, and when a writer last got the write lock."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.moved_at = -math.inf
        self.writers = 0  # queued or writing

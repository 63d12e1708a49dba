"""SQLite for brief sessions on the event loop's thread, and the WAL checkpoints that must not happen there.

A brief session (`Database.read(brief=True)` / `write(brief=True)`: a few indexed statements about one user or
child) runs its SQLite calls on the loop's thread: such a statement takes microseconds, and a hop to aiosqlite's
thread and back costs far more, most of all at COMMIT (bench/README.md, "What changed at the end of 2026-12-01").
On the loop's thread SQLite's busy timeout is 0, so the loop never waits for a lock: a call that finds the
database locked by another process is run again on aiosqlite's thread with the transaction's lock wait.

COMMIT may checkpoint the WAL (copy SQLite's 1,000 pages back into the database file and sync the disk), and a
COMMIT that starts the WAL (the first, or the first after a checkpoint that copied every frame) writes its header
and syncs the disk. So SQLite's automatic checkpoint is off, teambot checkpoints on worker threads (`Wal`: its bulk
beside the writers, the rest in a writer's turn), and a COMMIT that may start the WAL goes to aiosqlite's thread
(`Wal.may_start`): no COMMIT on the loop's thread copies pages or waits for the disk.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)

# A brief transaction whose SQLite calls held the event loop longer than this is logged: every user's
# acknowledgement waited meanwhile.
BRIEF_LOOP_WARNING_S = 0.02
# SQLite's own automatic checkpoint comes at 1,000 pages of 4 KiB; ours at the same size of WAL.
CHECKPOINT_WAL_BYTES = 1000 * 4096


class LoopSQLite(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the event loop's thread while `on_loop` is set (a brief session).

    Calls still go to aiosqlite's thread when one found the database locked (run again there with `busy_ms`, the
    lock wait the transaction has), and while any call is still running there: one sqlite3 connection must not be
    used by two threads at once (the close after a cancelled wait).
    """

    on_loop = False
    busy_ms = 0
    wal: Wal | None = None  # the file's WAL, if teambot keeps it (a COMMIT that starts it must not run here)
    loop_seconds: float | None = None  # this brief transaction's calls on the loop's thread so far; None once ended

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._in_thread = 0  # calls handed to the thread and not yet finished there, even if their caller left
        self._in_thread_lock = threading.Lock()

    @property
    def inline(self) -> bool:
        """Whether a call may run on the loop's thread now."""
        return self.on_loop and not self._in_thread and self._running and self._connection is not None

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        commits = connection is not None and fn == connection.commit
        ends = commits or (connection is not None and fn == connection.rollback)
        # Closing the last connection to the file checkpoints the whole WAL and syncs the disk; a COMMIT that
        # starts the WAL writes its header and syncs the disk.
        wal = self.wal if commits else None
        if (
            not self.inline
            or (connection is not None and fn == connection.close)
            or (wal is not None and wal.may_start())
        ):
            if ends:
                self._check_loop_time()
            if not self._running or connection is None:
                raise ValueError("Connection closed")
            if wal is None:
                return await self._on_thread(fn, args, kwargs, None)
            before = wal.look()
            done = await self._on_thread(fn, args, kwargs, None)
            wal.committed(before)
            return done
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
            if ends:  # counted with its own time: a COMMIT that stalls the loop is what the warning is for
                self._check_loop_time()
        return await self._on_thread(fn, args, kwargs, self.busy_ms)

    async def run(self, sql: str, parameters: Any = (), *, fetch: bool = False) -> list[Any]:
        """One statement and its rows in one call (not aiosqlite's three: execute, fetch, close): on the loop's
        thread that call is most of a brief statement's cost. A call that found the file locked runs again whole."""
        return await self._execute(self._statement, sql, parameters, fetch)  # type: ignore[no-any-return]

    def _statement(self, sql: str, parameters: Any, fetch: bool) -> list[Any]:
        cursor = self._conn.execute(sql, parameters)
        try:
            return cursor.fetchall() if fetch else []
        finally:
            cursor.close()

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


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, made and closed directly while its connection runs on the loop's thread:
    each statement then takes one trip through aiosqlite (the execute) instead of three."""

    __slots__ = ()

    def _make_new_cursor(self, connection: Any) -> Any:
        if connection.inline:
            return aiosqlite.Cursor(connection, connection._conn.cursor())
        return super()._make_new_cursor(connection)

    def _aenter_cursor(self, cursor: Any) -> Any:
        # aiosqlite's Cursor.__aenter__ returns the cursor itself: a cursor made above needs no trip.
        return cursor if isinstance(cursor, aiosqlite.Cursor) else super()._aenter_cursor(cursor)

    def close(self) -> None:
        # aiosqlite's cursor and our connection, typed by SQLAlchemy as any asyncio driver's
        cursor: Any = self._cursor
        connection: Any = self._connection
        if connection.inline and not self._soft_closed_memoized:
            self._rows.clear()
            cursor._cursor.close()
            return
        super().close()


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _Cursor


def connect(dbapi: Any, database: str, *, wal: Wal | None, **kwargs: Any) -> AsyncAdapt_aiosqlite_connection:
    """The DBAPI connection for SQLAlchemy's aiosqlite dialect (`dbapi`: its adapted module), from its
    `do_connect`, which runs inside SQLAlchemy's greenlet. `wal`: the file's WAL, if teambot keeps it."""
    # Both threads use the connection (never at once); the dialect leaves the check on for an in-memory database.
    kwargs["check_same_thread"] = False
    connection = LoopSQLite(lambda: sqlite3.connect(database, **kwargs), iter_chunk_size=64)
    connection.wal = wal
    connection._thread.daemon = True  # as SQLAlchemy's aiosqlite dialect does: a leaked one never blocks exit
    return _Connection(dbapi, await_(connection))  # type: ignore[arg-type]  # aiosqlite's is not typed as one


def checkpoint(path: str) -> tuple[int, int, int]:
    """A PASSIVE checkpoint of `path`'s WAL, on a worker thread: it copies what no reader still needs. Returns
    SQLite's answer: whether it was kept from copying all (1 or 0), the WAL's frames, and the frames copied."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as connection:
        busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(frames), int(copied)


def checkpoint_held(path: str) -> sqlite3.Connection:
    """A checkpoint beside the writers, on a worker thread, under a read transaction begun just before it: the copy
    stops at the WAL's end as it was then, and no COMMIT can restart the WAL while the read lasts (a restart needs
    every reader out). Returns the reading connection, for the loop's thread to end its read."""
    reader = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # the read begins at its first statement
        checkpoint(path)
    except BaseException:
        reader.close()
        raise
    return reader


async def _until_done(running: asyncio.Future[Any]) -> bool:
    """Wait for work on a worker thread to end, however often the waiting task is cancelled meanwhile: the thread
    goes on regardless, and what it holds must be let go (a read, a writer's turn) only after it. Returns whether
    the task was cancelled. A plain future, not a task: a loop's shutdown cancels every task, and would drop it."""
    cancelled = False
    while not running.done():
        try:
            await asyncio.wait({running})
        except asyncio.CancelledError:
            cancelled = True
    return cancelled


class Wal:
    """One database file's WAL, as this process keeps it: when to copy it back into the file (each time it has grown
    by CHECKPOINT_WAL_BYTES; SQLite's own checkpoint, off here, would copy inside some COMMIT), how (mostly beside
    the writers, the rest in a writer's turn), and whether the next COMMIT may start it.

    The COMMIT that writes a WAL's first frame writes its header and syncs the disk: the first write to a new WAL,
    and the first after a checkpoint that copied every frame. Such a COMMIT runs on aiosqlite's thread. A checkpoint
    by another process (`teambot import`, the sqlite3 shell) shows as a change of the file's modification time: in
    WAL mode only checkpoints write the file itself. Nothing here opens the WAL's files: closing a descriptor of a
    file SQLite holds POSIX locks on would drop them (sqlite.org/howtocorrupt.html, 2.2).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.header_due = True  # until a COMMIT is seen to write the WAL: it may not exist yet
        self._written_ns = self._file_written_ns()  # the file's modification time as last accounted for
        self._floor = 0  # the WAL's size at the last checkpoint
        self.copying = False  # a claimed checkpoint is under way

    def size(self) -> int:
        return self._wal_written()[0]

    def _wal_written(self) -> tuple[int, int]:
        """The WAL file's size and modification time: whether a COMMIT wrote to it."""
        try:
            found = os.stat(f"{self.path}-wal")
        except OSError:
            return 0, -1
        return found.st_size, found.st_mtime_ns

    def _file_written_ns(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return -1

    def may_start(self) -> bool:
        """Whether a COMMIT now may write the WAL's first frame (header, sync)."""
        return self.header_due or self.size() == 0 or self._file_written_ns() != self._written_ns

    def look(self) -> tuple[tuple[int, int], int]:
        """The WAL file's size and time and the database file's time, taken before a COMMIT off the loop's thread."""
        return self._wal_written(), self._file_written_ns()

    def committed(self, before: tuple[tuple[int, int], int]) -> None:
        """After a COMMIT off the loop's thread (`before`: `look()` then): once one has written to the WAL, it has
        written the header if one was due. A restarted WAL keeps its size (it is written over from the start), so
        the WAL file's time tells too; both unchanged (a write within the file system clock's tick) only keeps the
        next COMMIT off the loop's thread as well. The database file's time is the one from before, so a checkpoint
        by another process meanwhile still shows."""
        wal_before, written_ns = before
        if self._wal_written() != wal_before:
            self.header_due = False
            self._written_ns = written_ns

    def claim(self) -> bool:
        """Whether the WAL has grown by CHECKPOINT_WAL_BYTES since the last checkpoint; if so, the checkpoint is the
        caller's to run (`copy_beside`, `copy_rest`, then `release`), and no other is claimed meanwhile.

        A restarted WAL is cut back to CHECKPOINT_WAL_BYTES (journal_size_limit) and written over from its start:
        the file grows past that size when the frames since the restart do, and its count starts anew. A WAL that
        could not restart (a reader still in it) grows on, and is due again each CHECKPOINT_WAL_BYTES more.
        """
        if self.copying:
            return False
        size = self.size()
        if size < self._floor:
            self._floor = 0
        if size <= self._floor + CHECKPOINT_WAL_BYTES:
            return False
        self._floor = size
        self.copying = True
        self.header_due = True
        return True

    async def copy_beside(self) -> None:
        """The bulk of a claimed checkpoint, beside the writers: the sync of the WAL, the copy of every page written
        since the last checkpoint and the sync of the file (12–16 ms for 1,000 pages here) held every writer of the
        process when it ran in a writer's turn. A read transaction held meanwhile (`checkpoint_held`) keeps any
        COMMIT from restarting the WAL; it ends here, on the loop's thread, after `header_due` is set, so the COMMIT
        that may restart it next goes to aiosqlite's thread."""
        running = asyncio.get_running_loop().run_in_executor(None, checkpoint_held, self.path)
        cancelled = await _until_done(running)  # its read ends only after the copy, whatever happens here
        error = running.exception()
        if error is None:
            self._end_read(running.result())
        elif isinstance(error, (OSError, sqlite3.Error)):  # never a writer's failure: its transaction is committed
            log.warning("WAL checkpoint failed: %s", error)
        else:
            raise error
        if cancelled:
            raise asyncio.CancelledError

    def _end_read(self, reader: sqlite3.Connection) -> None:
        self.header_due = True
        try:
            reader.execute("ROLLBACK")  # a read's end: no I/O
        finally:
            # Closed on a worker thread: were it the file's last connection (the Database disposed meanwhile), its
            # close would checkpoint the whole WAL and sync the disk.
            asyncio.get_running_loop().run_in_executor(None, reader.close)

    async def copy_rest(self) -> None:
        """What the writers added during `copy_beside`, in a writer's turn (about 2 ms): no writer of the process
        adds to the WAL meanwhile, so the checkpoint copies it all and the WAL can restart (a checkpoint beside the
        writers alone, under steady writes, never let it: it grew to 87 MB in 15 s)."""
        self.header_due = True  # before the wait: a cancelled writer leaves it set
        running = asyncio.get_running_loop().run_in_executor(None, checkpoint, self.path)
        # The thread goes on copying: hold the turn until it is done, so that no write of this process commits
        # beside a checkpoint that may finish under it.
        cancelled = await _until_done(running)
        error = running.exception()
        if isinstance(error, (OSError, sqlite3.Error)):
            log.warning("WAL checkpoint failed: %s", error)
        elif error is not None:
            raise error
        if cancelled:
            raise asyncio.CancelledError

    def release(self) -> None:
        """A claimed checkpoint is over (done, failed or cancelled). `header_due` stays set even when not all was
        copied (a reader still in the WAL): another process may finish the copy, and one COMMIT off the loop's
        thread settles it. The file's time is our own change of it."""
        self.header_due = True
        self._written_ns = self._file_written_ns()
        self.copying = False

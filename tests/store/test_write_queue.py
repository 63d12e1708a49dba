"""SQLite: the writers of one process wait their turn in arrival order for as long as the queue moves; only when no
writer has got the write lock for the lock wait (LOCK_WAIT_MS) do the writers waiting fail as a locked database
does. These run on SQLite whatever TEAMBOT_TEST_DATABASE_URL says (the queue is SQLite's); the last test checks
that PostgreSQL writers are not queued.

Writers store `Staff` rows: their ids show the order in which the transactions committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select, text

import teambot.store.db
import teambot.store.direct
import teambot.store.sqlite_loop
from helpers_ratings import load_roster
from teambot.commands import Context, run_command
from teambot.store.db import Database
from teambot.store.models import Goal, Rating, Staff
from teambot.testing.clock import FakeClock
from teambot.testing.database import (
    LOCK_PATIENCE_S,
    open_test_database,
    postgres_url,
    prepare,
    sqlite_url,
    sqlite_write_lock_waits,
    trace_sqlite_statements,
)
from teambot.testing.roster import PAEDAGOG

APOLOGY = "Beklager, noget gik galt hos teambot. Prøv igen om lidt. Intet er gemt."


@pytest.fixture
async def open_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[int | None], Database]]:
    """A migrated SQLite file; `open(lock_wait_ms)` gives a Database on it with that lock wait."""
    url = sqlite_url(tmp_path)
    prepare(url)
    opened: list[Database] = []

    def open_database(lock_wait_ms: int | None = None) -> Database:
        if lock_wait_ms is not None:
            monkeypatch.setattr(teambot.store.db, "LOCK_WAIT_MS", lock_wait_ms)
        opened.append(Database(url))
        return opened[-1]

    yield open_database
    for database in opened:
        await database.dispose()


async def names(db: Database) -> list[str]:
    """Stored staff in commit order."""
    async with db.read() as session:
        return list((await session.exec(select(Staff.name).order_by(col(Staff.id)))).all())


async def store(
    db: Database,
    name: str,
    *,
    hold_s: float = 0.0,
    until: asyncio.Event | None = None,
    locked_at: dict[str, float] | None = None,
    brief: bool = False,
    direct: bool = False,
) -> None:
    """One writer: insert `name` (taking SQLite's write lock), then keep the transaction open for `hold_s`, and then
    `until` the event is set. `locked_at`: when each writer got the lock (time.monotonic()), in the order they did.
    `direct`: in `Database.direct()`, the transaction /rating uses."""
    if direct:
        async with db.direct() as statements:
            if locked_at is not None:
                locked_at[name] = time.monotonic()
            await statements.execute(insert(Staff), {"name": name, "roles": [], "active": True})
            await _hold(hold_s, until)
        return
    async with db.write(brief=brief) as session:
        if locked_at is not None:
            locked_at[name] = time.monotonic()
        session.add(Staff(name=name))
        await session.flush()
        await _hold(hold_s, until)


async def _until_locked(locked_at: dict[str, float], name: str) -> None:
    """Until the writer `name` has the write lock (see `store`)."""
    for _ in range(1000):
        if name in locked_at:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} never got the write lock")


async def _hold(seconds: float, until: asyncio.Event | None) -> None:
    await asyncio.sleep(seconds)
    if until is not None:
        await until.wait()


@contextmanager
def locked_elsewhere(db: Database, hold_s: float) -> Iterator[None]:
    """Another process's writer: holds SQLite's write lock for `hold_s` seconds from a thread."""
    held = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(str(db.url.database), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(hold_s)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold, name="other-process")
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        thread.join(30)


@pytest.mark.parametrize(
    "kind",
    ["session", "brief", "direct"],
    ids=["on aiosqlite's thread", "brief, on the loop's thread", "direct and brief and sessions, mixed"],
)
async def test_writers_are_served_in_the_order_they_came(
    open_sqlite: Callable[[int | None], Database], kind: str
) -> None:
    """Eight writers arrive while a ninth holds the lock; they commit in arrival order, not in whichever order
    SQLite's busy handler happens to wake them."""
    db = open_sqlite(None)
    locked_at: dict[str, float] = {}
    brief, direct = kind == "brief", kind == "direct"
    all_came = asyncio.Event()  # the first holds on until then, however slowly the machine lets them come
    first = asyncio.create_task(store(db, "first", until=all_came, locked_at=locked_at, brief=brief, direct=direct))
    await _until_locked(locked_at, "first")
    arrivals = [f"writer {i}" for i in range(8)]
    waiting = []
    for i, name in enumerate(arrivals):
        mixed = {"brief": (brief or direct) and i % 3 == 0, "direct": direct and i % 3 == 1}
        waiting.append(asyncio.create_task(store(db, name, locked_at=locked_at, **mixed)))
        await asyncio.sleep(0.01)
    all_came.set()

    await asyncio.wait_for(asyncio.gather(first, *waiting), 10)

    assert list(locked_at) == ["first", *arrivals]
    assert await names(db) == ["first", *arrivals]


async def test_a_burst_longer_than_the_lock_wait_is_served_in_full(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Forty writers at once, 40 ms each: the last waits about 1.6 s, four times the lock wait, yet none fails —
    the queue moved all along. (Bounded from joining the queue, everyone after the tenth got 'database is
    locked': the ratings lost under a burst of /rating.)"""
    db = open_sqlite(400)
    arrivals = [f"writer {i}" for i in range(40)]
    started = time.monotonic()

    results = await asyncio.gather(*(store(db, name, hold_s=0.04) for name in arrivals), return_exceptions=True)

    assert [r for r in results if r is not None] == []
    assert time.monotonic() - started >= 1.6
    assert await names(db) == arrivals


async def test_a_writer_stuck_behind_a_write_that_does_not_finish_fails_within_the_lock_wait(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    db = open_sqlite(400)
    locked_at: dict[str, float] = {}
    let_go = asyncio.Event()
    slow = asyncio.create_task(store(db, "slow", until=let_go, locked_at=locked_at))
    try:
        await _until_locked(locked_at, "slow")  # its first connection's set-up is not part of the wait
        started = time.monotonic()
        # The slow writer holds on until the queued one gave up: a queue that waited for it times out here instead.
        with pytest.raises(OperationalError, match="database is locked"):
            await asyncio.wait_for(store(db, "queued"), 5)
        waited = time.monotonic() - started
    finally:
        let_go.set()
    await slow

    assert 0.35 <= waited < 0.9  # the lock wait, though the slow writer still held on
    assert await names(db) == ["slow"]
    await store(db, "later")  # the queue is free again
    assert await names(db) == ["slow", "later"]


async def test_the_lock_wait_counts_from_the_last_writer_that_got_the_lock(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Two 300 ms writes go through, then one that holds on. A writer queued behind all three waits longer than the
    400 ms lock wait while the queue moves, and fails 400 ms after the stuck write got the lock, not when it
    finishes; the writers before it are stored."""
    db = open_sqlite(400)
    await store(db, "starts the WAL")  # its first COMMIT syncs the disk: not inside the lock waits below
    locked_at: dict[str, float] = {}
    let_go = asyncio.Event()
    ahead = [
        asyncio.create_task(store(db, "a", hold_s=0.3)),
        asyncio.create_task(store(db, "b", hold_s=0.3)),
        asyncio.create_task(store(db, "stuck", until=let_go, locked_at=locked_at)),
    ]
    await asyncio.sleep(0.01)
    started = time.monotonic()
    try:
        # The stuck write holds on until the writer behind gave up: one that waited for it times out here instead.
        with pytest.raises(OperationalError, match="database is locked"):
            await asyncio.wait_for(store(db, "behind"), 10)
        failed = time.monotonic()
    finally:
        let_go.set()
    await asyncio.gather(*ahead)

    assert failed - started >= 0.8  # behind two 300-ms writes: longer than the lock wait from joining
    # Counted from when the stuck write got the lock, so that slow commits ahead of it do not count against the margin.
    assert 0.35 <= failed - locked_at["stuck"] < 0.9
    assert await names(db) == ["starts the WAL", "a", "b", "stuck"]


async def test_behind_another_process_s_lock_every_queued_writer_fails_within_its_own_lock_wait(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Another process holds the lock for 3 s. This process's first writer spends its 1.2 s in SQLite's busy
    handler; no writer gets the lock, so the queue does not move, and the writers queued behind fail 1.2 s after
    they asked, not one busy timeout after another (2.4 s, 3.6 s, ...)."""
    db = open_sqlite(1_200)
    first_waits = sqlite_write_lock_waits(db)
    with locked_elsewhere(db, 3.0):
        first = asyncio.create_task(store(db, "first"))
        await asyncio.wait_for(first_waits.wait(), LOCK_PATIENCE_S)  # first has its turn, in SQLite's busy handler

        async def queued(name: str) -> float:
            asked = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                await store(db, name)
            return time.monotonic() - asked

        waited = await asyncio.gather(*(queued(f"queued {i}") for i in range(3)))
        with pytest.raises(OperationalError, match="database is locked"):
            await first
    assert all(1.05 <= w < 1.6 for w in waited), waited
    assert await names(db) == []


async def test_a_writer_that_comes_as_the_turn_passes_on_still_gives_up_within_its_lock_wait(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Right after a writer leaves, the lock is free but already promised to the next one in the queue: a writer
    arriving then queues like any other, with its lock wait (it waited 2 s behind a 2-s write, not 0.3 s)."""
    db = open_sqlite(300)
    outcome: list[float | BaseException] = []

    async def first_then_third() -> None:
        await store(db, "first", hold_s=0.05)
        started = time.monotonic()  # "second" has been handed the turn but has not run yet
        try:
            await store(db, "third")
            outcome.append(time.monotonic() - started)
        except OperationalError as error:
            outcome.extend([error, time.monotonic() - started])

    first = asyncio.create_task(first_then_third())
    await asyncio.sleep(0.01)
    second = asyncio.create_task(store(db, "second", hold_s=2.0))
    await asyncio.gather(first, second)

    assert isinstance(outcome[0], OperationalError) and "database is locked" in str(outcome[0])
    assert isinstance(outcome[1], float) and outcome[1] < 1.5
    assert await names(db) == ["first", "second"]


def _thread_of_sqlite(db: Database) -> None:
    """`SELECT thread_id()` answers which thread ran the statement inside SQLite."""

    @event.listens_for(db.engine.sync_engine, "connect")
    def _add(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_id", 0, threading.get_ident)


async def test_brief_sessions_run_sqlite_on_the_loop_s_thread_and_others_on_aiosqlite_s(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """A thread hop costs more than an indexed statement: brief sessions (/rating) stay on the loop's thread;
    the rest (reports, the planner) keep the loop free while SQLite works."""
    db = open_sqlite(None)
    _thread_of_sqlite(db)
    loop_thread = threading.get_ident()
    ran_on = {}
    for brief in (True, False, True):
        async with db.read(brief=brief) as session:
            ran_on[("read", brief)] = (await session.exec(text("SELECT thread_id()"))).one()[0]
        async with db.write(brief=brief) as session:
            ran_on[("write", brief)] = (await session.exec(text("SELECT thread_id()"))).one()[0]
            session.add(Staff(name=f"brief {brief}"))

    assert ran_on[("read", True)] == ran_on[("write", True)] == loop_thread
    assert ran_on[("read", False)] != loop_thread and ran_on[("write", False)] != loop_thread
    assert await names(db) == ["brief True", "brief False", "brief True"]


async def _ticks_during(work: Awaitable[Any]) -> tuple[int, Any]:
    """How many 10 ms sleeps the loop managed while `work` ran, and its outcome."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        outcome = await asyncio.gather(work, return_exceptions=True)
    finally:
        ticker.cancel()
    return ticks, outcome[0]


@pytest.mark.parametrize("direct", [False, True], ids=["brief session", "direct"])
async def test_a_brief_writer_waits_for_another_process_s_lock_off_the_loop_s_thread(
    open_sqlite: Callable[[int | None], Database], direct: bool
) -> None:
    """Behind another process's 0.6 s write, a brief writer waits in SQLite's busy handler on aiosqlite's thread:
    the loop goes on answering (it ticks), and the writer is stored once the lock is free. On the loop's thread the
    busy handler would have frozen every other user's command for those 0.6 s."""
    db = open_sqlite(3_000)
    with locked_elsewhere(db, 0.6):
        started = time.monotonic()
        ticks, outcome = await _ticks_during(store(db, "brief", brief=True, direct=direct))
        waited = time.monotonic() - started
    assert outcome is None
    assert 0.5 <= waited < 2.0
    assert ticks >= 10  # a loop frozen for the wait ticks once at most
    assert await names(db) == ["brief"]
    async with db.read(brief=True) as session:  # the busy timeout is back to none on the loop's thread
        assert (await session.exec(text("PRAGMA busy_timeout"))).one()[0] == 0
    if direct:
        _, direct_connection = await db._kept_for_direct()
        assert await (await direct_connection.execute("PRAGMA busy_timeout")).fetchall() == [(0,)]


@pytest.mark.parametrize("direct", [False, True], ids=["brief session", "direct"])
async def test_a_brief_writer_behind_a_lock_longer_than_its_wait_fails_as_locked_and_stores_nothing(
    open_sqlite: Callable[[int | None], Database], direct: bool
) -> None:
    db = open_sqlite(400)
    with locked_elsewhere(db, 1.5):
        started = time.monotonic()
        ticks, outcome = await _ticks_during(store(db, "brief", brief=True, direct=direct))
        waited = time.monotonic() - started
    # The driver's own error in a direct transaction, SQLAlchemy's around it in a session: the same to users.
    assert isinstance(outcome, OperationalError | sqlite3.OperationalError) and "database is locked" in str(outcome)
    assert 0.35 <= waited < 1.2  # the lock wait, not the 1.5 s the other process held on
    assert ticks >= 10
    assert await names(db) == []
    await store(db, "later", brief=True, direct=direct)
    assert await names(db) == ["later"]


@pytest.mark.parametrize("direct", [False, True], ids=["brief session", "direct"])
async def test_a_brief_writer_cancelled_while_it_waits_for_a_lock_leaves_a_working_database(
    open_sqlite: Callable[[int | None], Database], direct: bool
) -> None:
    """The wait runs on aiosqlite's thread; the cancelled session's connection is closed behind it there, not on
    the loop's thread while the wait still uses it (which crashed the process with a segmentation fault)."""
    db = open_sqlite(3_000)
    waits = sqlite_write_lock_waits(db)
    with locked_elsewhere(db, 0.8):
        waiting = asyncio.create_task(store(db, "cancelled", brief=True, direct=direct))
        await asyncio.wait_for(waits.wait(), LOCK_PATIENCE_S)  # in SQLite's busy handler, on aiosqlite's thread
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
    await store(db, "after", brief=True, direct=direct)
    await store(db, "after, not brief")
    await store(db, "after, direct", direct=True)
    assert await names(db) == ["after", "after, not brief", "after, direct"]


def _trace_commits(db: Database) -> list[bool]:
    """Each COMMIT from now on: True if it ran on the event loop's thread (the caller's), False if elsewhere."""
    loop_thread = threading.get_ident()
    commits: list[bool] = []

    def traced(sql: str) -> None:
        if sql == "COMMIT":
            commits.append(threading.get_ident() == loop_thread)

    trace_sqlite_statements(db, traced)
    return commits


async def test_a_brief_write_commits_on_the_loop_s_thread(open_sqlite: Callable[[int | None], Database]) -> None:
    """A hop to aiosqlite's thread for COMMIT cost each /rating about 1 ms of CPU: a brief write commits where its
    statements ran (its commit copies no WAL pages and waits for no disk, see below)."""
    db = open_sqlite(None)
    commits = _trace_commits(db)
    await store(db, "starts the WAL")
    await store(db, "brief", brief=True)
    await store(db, "not brief")
    await store(db, "direct", direct=True)
    assert commits == [False, True, False, True]
    assert await names(db) == ["starts the WAL", "brief", "not brief", "direct"]


async def test_the_write_that_starts_a_new_wal_commits_on_aiosqlite_s_thread(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """A WAL's first frame comes with its header and a sync of the disk. The first write to the file does that,
    so it commits off the loop's thread even if brief; a refused write or one with nothing to store does not count
    as that write."""
    db = open_sqlite(None)
    commits = _trace_commits(db)
    with pytest.raises(RuntimeError):
        async with db.write(brief=True) as session:
            session.add(Staff(name="refused"))
            await session.flush()
            raise RuntimeError("refused")
    async with db.write(brief=True):
        pass
    await store(db, "first", brief=True, direct=True)
    await store(db, "second", brief=True)
    assert commits == [False, False, True]  # the refused write rolled back: no COMMIT
    assert await names(db) == ["first", "second"]


class _SlowCopy:
    """`checkpoint_held` (a checkpoint's bulk, beside the writers) going on until `let_go` is set (10 s at most):
    when it started, when it was done. Held, not timed, so that a slow machine cannot finish it early."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = asyncio.Event()
        self.let_go = threading.Event()
        self.done = threading.Event()
        self.readers: list[sqlite3.Connection] = []  # the connections whose read held the WAL during each copy
        loop = asyncio.get_running_loop()
        real = teambot.store.sqlite_loop.checkpoint_held

        def slow(path: str) -> sqlite3.Connection:
            loop.call_soon_threadsafe(self.started.set)
            self.let_go.wait(10)
            try:
                self.readers.append(real(path))
                return self.readers[-1]
            finally:
                self.done.set()

        monkeypatch.setattr(teambot.store.sqlite_loop, "checkpoint_held", slow)

    async def until_started(self, db: Database) -> None:
        for i in range(200):
            await store(db, f"row {i}", brief=True)
            if self.done.is_set() or await _started_soon(self.started):
                break
        assert self.started.is_set() and not self.done.is_set()


async def _started_soon(started: asyncio.Event) -> bool:
    await asyncio.sleep(0)  # the claimed checkpoint's task starts its thread
    await asyncio.sleep(0.005)
    return started.is_set()


async def _checkpoints_settled(db: Database) -> None:
    while db._checkpoints:
        await asyncio.gather(*db._checkpoints)


async def test_writers_go_on_while_a_checkpoint_copies_the_wal_and_the_write_that_restarts_it_commits_off_the_loop(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint's bulk (the syncs and the copy: 12–16 ms for 1,000 pages) runs beside the writers: the writer
    whose turn found it due, and those behind, go on meanwhile (before, each of them waited for it), and none of
    their COMMITs restarts the WAL on the loop's thread. What they wrote is copied in a writer's turn after; then the
    next write restarts the WAL off the loop's thread, also when a write with nothing to store comes first."""
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", 16 * 4096)
    slow = _SlowCopy(monkeypatch)
    db = open_sqlite(None)
    commits = _trace_commits(db)
    await slow.until_started(db)
    commits.clear()
    for i in range(5):
        await store(db, f"during the copy {i}", brief=True, direct=i % 2 == 0)
    assert not slow.done.is_set()  # all five stored while the copy still ran
    # The copy's read keeps the WAL from restarting under them: on the loop's thread, all but the first after the
    # claim, which goes off it in case another process had copied everything (then it could restart the WAL).
    assert commits[1:] == [True] * 4

    slow.let_go.set()
    await _checkpoints_settled(db)
    commits.clear()
    async with db.write(brief=True):
        pass
    await store(db, "restarts the WAL", brief=True)
    await store(db, "after", brief=True)
    assert commits == [False, False, True]
    # Restarted, and cut back to one checkpoint's worth: written over from its start, not grown again block by block.
    assert Path(f"{db.url.database}-wal").stat().st_size == 16 * 4096
    assert len([name for name in await names(db) if name.startswith("during the copy")]) == 5


async def test_dispose_during_a_checkpoint_waits_for_its_copy_and_leaves_every_row(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Stopping the bot while a checkpoint copies: the copy (on its thread) is waited for, the turn it has not had
    yet is not (closing the file's last connection copies the rest), and nothing is lost."""
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", 16 * 4096)
    slow = _SlowCopy(monkeypatch)
    db = open_sqlite(None)
    await slow.until_started(db)
    stored = await names(db)
    disposing = asyncio.create_task(db.dispose())
    await asyncio.sleep(0.1)
    assert not disposing.done()  # waiting for the copy
    slow.let_go.set()
    await asyncio.wait_for(disposing, 10)
    assert slow.done.is_set()
    assert not db._checkpoints
    again = open_sqlite(None)
    assert await names(again) == stored
    await store(again, "after", brief=True)
    assert (await names(again))[-1] == "after"


async def test_dispose_cancelled_during_a_checkpoint_still_ends_the_copy_s_read(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shutdown that cancels `dispose` while it waits for a checkpoint's copy: the copy's read still ends once the
    copy is done. Left open, it would keep every later checkpoint from restarting the WAL."""
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", 16 * 4096)
    slow = _SlowCopy(monkeypatch)
    db = open_sqlite(None)
    await slow.until_started(db)
    (checkpointing,) = db._checkpoints
    disposing = asyncio.create_task(db.dispose())
    # dispose cancels the checkpoint and, in the same step, waits for it: then it is in that wait.
    for _ in range(1000):
        if checkpointing.cancelling():
            break
        await asyncio.sleep(0.01)
    assert checkpointing.cancelling() == 1 and not disposing.done()
    disposing.cancel()  # its wait for the checkpoint is cancelled in turn: the checkpoint's second cancellation
    with pytest.raises(asyncio.CancelledError):
        await disposing
    slow.let_go.set()
    for _ in range(500):
        if slow.done.is_set() and not db._checkpoints:
            break
        await asyncio.sleep(0.01)
    assert slow.done.is_set() and not db._checkpoints
    assert [_still_reading(reader) for reader in slow.readers] == [False]


def _still_reading(connection: sqlite3.Connection) -> bool:
    try:
        return connection.in_transaction
    except sqlite3.ProgrammingError:  # closed
        return False


async def test_a_database_disposed_just_as_a_checkpoint_was_claimed_checkpoints_when_used_again(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dispose` right after the write whose turn claimed a checkpoint cancels it before it ever ran: the claim is
    given back, so the database, used again, checkpoints again (before, it never did, and the WAL grew on)."""
    limit = 16 * 4096
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", limit)
    db = open_sqlite(None)
    for i in range(400):
        await store(db, f"row {i}", brief=True)
        if db._checkpoints:  # this write's turn claimed one; its task has not run yet
            break
    assert db._checkpoints
    await db.dispose()
    for i in range(300):
        await store(db, f"again {i}", brief=True)
        if db._checkpoints:
            break
    assert db._checkpoints  # claimed again (before the fix, never: the WAL grew with every write)
    await _checkpoints_settled(db)
    await store(db, "restarts the WAL", brief=True)
    # Restarted, and cut back to one checkpoint's worth. Not a bound on the size while the copy was under way: what
    # a write adds meanwhile depends on the disk (with a 50 ms sync, 300 writes reached 0.5 MB before it was done).
    assert Path(f"{db.url.database}-wal").stat().st_size <= limit


async def test_after_another_process_s_checkpoint_the_write_that_restarts_the_wal_commits_on_aiosqlite_s_thread(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """`teambot import`, `teambot db upgrade` or the sqlite3 shell may checkpoint the file too: whoever copied the
    frames, the bot's write that restarts the WAL commits off the loop's thread (it reads the WAL's own header)."""
    db = open_sqlite(None)
    commits = _trace_commits(db)
    for i in range(5):
        await store(db, f"row {i}", brief=True)
    with closing(sqlite3.connect(str(db.url.database))) as other:
        _, frames, copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert frames == copied > 0
    commits.clear()
    # The restart writes over the small WAL from its start: only the file's time shows it was written. Where file
    # times move in ticks of a few milliseconds, a write in the same tick as the last shows nothing, and the next
    # COMMIT also leaves the loop's thread (safe, only slower): wait one tick, as writes a person makes would.
    time.sleep(0.02)
    await store(db, "restarts the WAL", brief=True)
    await store(db, "after", brief=True)
    assert commits == [False, True]


async def test_another_process_s_checkpoint_during_a_commit_off_the_loop_still_counts(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process checkpoints everything just as a COMMIT on aiosqlite's thread ends: the file's time taken
    before that COMMIT is the one kept, so the next write, which restarts the WAL, still commits off the loop."""
    db = open_sqlite(None)
    commits = _trace_commits(db)
    await store(db, "starts the WAL", brief=True)
    counted = teambot.store.sqlite_loop.LoopSQLite._counted

    def then_another_process_checkpoints(self: Any, fn: Callable[..., Any], *args: Any) -> Any:
        done = counted(self, fn, *args)
        if getattr(fn, "__name__", "") == "commit":
            time.sleep(0.02)  # a tick of the file system's clock
            with closing(sqlite3.connect(str(db.url.database))) as other:
                other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return done

    monkeypatch.setattr(teambot.store.sqlite_loop.LoopSQLite, "_counted", then_another_process_checkpoints)
    await store(db, "not brief")  # commits on aiosqlite's thread, and the checkpoint follows it there
    monkeypatch.undo()
    commits.clear()
    await store(db, "restarts the WAL", brief=True)
    await store(db, "after", brief=True)
    assert commits == [False, True]


async def test_a_database_used_again_after_dispose_starts_its_wal_off_the_loop_s_thread(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Closing the last connection deletes the WAL: the next write starts a new one (header, sync) off the loop."""
    db = open_sqlite(None)
    await store(db, "before", brief=True)
    await db.dispose()
    assert not Path(f"{db.url.database}-wal").exists()
    commits = _trace_commits(db)
    await store(db, "starts a new WAL", brief=True)
    await store(db, "after", brief=True)
    assert commits == [False, True]
    assert await names(db) == ["before", "starts a new WAL", "after"]


async def test_a_database_named_by_a_uri_keeps_sqlite_s_checkpoint_and_every_commit_off_the_loop_s_thread(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """A `file:` URI is left to SQLite's own checkpoint, which may run in any COMMIT: so none runs on the loop's
    thread there, brief or not."""
    path = open_sqlite(None).url.database
    db = Database(f"sqlite:///file:{path}?uri=true")
    try:
        commits = _trace_commits(db)
        for i in range(3):
            await store(db, f"brief {i}", brief=True)
        assert commits == [False, False, False]
        assert await names(db) == ["brief 0", "brief 1", "brief 2"]
    finally:
        await db.dispose()


async def test_closing_a_connection_a_brief_session_used_runs_on_aiosqlite_s_thread(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing the last connection to the file checkpoints the whole WAL and syncs the disk: not on the loop's thread,
    though the connection's last transaction ran there."""
    ran_there: list[str] = []
    counted = teambot.store.sqlite_loop.LoopSQLite._counted

    def spy(self: Any, fn: Callable[..., Any], *args: Any) -> Any:
        ran_there.append(f"{type(getattr(fn, '__self__', None)).__name__}.{getattr(fn, '__name__', '')}")
        return counted(self, fn, *args)

    monkeypatch.setattr(teambot.store.sqlite_loop.LoopSQLite, "_counted", spy)
    db = open_sqlite(None)
    await store(db, "brief", brief=True)
    assert "Connection.close" not in ran_there
    await db.dispose()
    assert "Connection.close" in ran_there


def _rows_in_the_file_alone(db: Database, tmp_path: Path) -> int:
    """Staff rows in the database file without its WAL: what checkpoints have copied there so far. Copied by another
    process: closing a descriptor of the file here would drop the POSIX locks SQLite holds on it in this one."""
    copy = tmp_path / "file-alone.db"
    subprocess.run(["cp", str(db.url.database), str(copy)], check=True)
    with sqlite3.connect(copy) as connection:
        count = int(connection.execute("SELECT count(*) FROM staff").fetchone()[0])
    connection.close()
    copy.unlink()
    return count


async def test_no_commit_copies_the_wal_into_the_file(
    open_sqlite: Callable[[int | None], Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's automatic checkpoint copies the WAL into the database file (and syncs the disk) inside whichever
    COMMIT passes 1,000 pages: on the event loop's thread for a brief write. It is off for teambot's connections."""
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", 1 << 40)  # nor does teambot's come
    db = open_sqlite(None)
    for i in range(600):  # more than 1,000 pages
        await store(db, f"staff {i}", brief=i % 3 != 0)
    assert Path(f"{db.url.database}-wal").stat().st_size > 1000 * 4096
    assert _rows_in_the_file_alone(db, tmp_path) == 0
    assert len(await names(db)) == 600


def _wal_restarts(db: Database) -> int:
    """A count the WAL's restarts add one to: the first salt in its header, which each restart increments (the
    checkpoint sequence number beside it is each connection's own). Read by another process, as
    `_rows_in_the_file_alone` copies the file."""
    header = subprocess.run(["head", "-c", "20", f"{db.url.database}-wal"], check=True, capture_output=True).stdout
    return int.from_bytes(header[16:20], "big")


async def test_under_steady_writes_each_checkpoint_copies_the_whole_wal_and_the_wal_restarts(
    open_sqlite: Callable[[int | None], Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """teambot checkpoints off the loop's thread, its bulk beside the writers and what they wrote meanwhile in a
    writer's turn: no writer of the process adds to the WAL during that last step, so it copies every frame and the
    next write restarts the WAL, however steady the writes (a checkpoint beside the writers alone never copied all,
    and the WAL grew to 87 MB in 15 s). How large the WAL gets before the restart is the disk's speed: what the
    writers add while the bulk is copied. The write that restarts the WAL (it syncs the disk) commits on aiosqlite's
    thread; the others on the loop's."""
    limit = 64 * 4096
    monkeypatch.setattr(teambot.store.sqlite_loop, "CHECKPOINT_WAL_BYTES", limit)
    beside = threading.local()
    in_turn: list[tuple[int, int, int]] = []  # each checkpoint in a writer's turn: busy, frames, frames copied
    real_checkpoint, real_held = teambot.store.sqlite_loop.checkpoint, teambot.store.sqlite_loop.checkpoint_held

    def held(path: str) -> sqlite3.Connection:
        beside.copying = True
        try:
            return real_held(path)
        finally:
            beside.copying = False

    def recorded(path: str) -> tuple[int, int, int]:
        result = real_checkpoint(path)
        if not getattr(beside, "copying", False):
            in_turn.append(result)
        return result

    monkeypatch.setattr(teambot.store.sqlite_loop, "checkpoint_held", held)
    monkeypatch.setattr(teambot.store.sqlite_loop, "checkpoint", recorded)
    db = open_sqlite(None)
    commits = _trace_commits(db)
    await store(db, "first", brief=True)
    restarts_before = _wal_restarts(db)
    commits.clear()

    async def writer(n: int) -> None:
        for i in range(60):
            await store(db, f"writer {n} row {i}", brief=True)

    await asyncio.gather(*(writer(n) for n in range(16)))
    # A write after the last checkpoint restarts the WAL. It may also top the WAL up to another checkpoint's worth
    # (the writers' last rows were written since the restart before), claiming one more: then another write follows.
    lasts = 0
    while lasts < 3:
        await _checkpoints_settled(db)
        checkpointed = len(in_turn)
        await store(db, f"last {lasts}", brief=True)
        lasts += 1
        await _checkpoints_settled(db)
        if len(in_turn) == checkpointed:
            break
    assert len(in_turn) == checkpointed  # the final write claimed none

    assert len(await names(db)) == 961 + lasts
    assert len(in_turn) >= 2  # 960 writes of a page or more each: one checkpoint every 64 pages
    assert all(busy == 0 and copied == frames for busy, frames, copied in in_turn)
    restarts = (_wal_restarts(db) - restarts_before) % (1 << 32)
    assert restarts >= len(in_turn)  # each followed by a write, which restarted the WAL
    assert Path(f"{db.url.database}-wal").stat().st_size <= limit  # cut back to one checkpoint's worth
    # All but what the WAL has held since its last restart is in the file itself.
    assert _rows_in_the_file_alone(db, tmp_path) >= 961 + lasts - limit // 4096
    on_loop, on_thread = commits.count(True), commits.count(False)
    assert on_loop + on_thread == 960 + lasts
    assert on_thread >= 1 and on_loop >= 0.8 * 961  # a few writes off the loop per checkpoint


async def test_a_brief_read_of_text_that_is_not_utf8_fails_as_any_read_does(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    db = open_sqlite(None)
    for brief in (False, True):
        async with db.read(brief=brief) as session:
            with pytest.raises(OperationalError, match="UTF-8"):
                await session.exec(text("SELECT CAST(X'FF' AS TEXT)"))


async def test_brief_sessions_work_on_an_in_memory_database() -> None:
    db = Database("sqlite://")
    try:
        async with db.read(brief=True) as session:
            assert (await session.exec(text("SELECT 41 + 1"))).one()[0] == 42
    finally:
        await db.dispose()


async def test_a_brief_session_that_holds_the_loop_too_long_is_logged(
    open_sqlite: Callable[[int | None], Database], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing stops a new caller from making a scan brief; the log says so the first time it runs long."""
    db = open_sqlite(None)
    await store(db, "short", brief=True)
    async with db.read() as session:  # not brief: SQLite works on aiosqlite's thread, however long
        await session.exec(
            text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 20000) SELECT count(*) FROM n")
        )
    assert not [r for r in caplog.records if "held the event loop" in r.getMessage()]

    monkeypatch.setattr(teambot.store.sqlite_loop, "BRIEF_LOOP_WARNING_S", 0.0)
    await store(db, "longer than allowed", brief=True)
    async with db.read(brief=True) as session:
        await session.exec(select(Staff))
    warnings = [r.getMessage() for r in caplog.records if "held the event loop" in r.getMessage()]
    assert len(warnings) == 2
    assert all(w.startswith("a brief database session held the event loop for ") for w in warnings)


async def test_a_writer_at_the_end_of_a_long_burst_keeps_its_busy_timeout_for_other_processes(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """After waiting longer than the lock wait behind a moving queue, a writer still gets (nearly) all of SQLite's
    busy timeout for another process's lock: what counts is the time since the queue last moved."""
    db = open_sqlite(600)
    locked_at: dict[str, float] = {}
    ahead = [asyncio.create_task(store(db, f"writer {i}", hold_s=0.2, locked_at=locked_at)) for i in range(4)]
    await asyncio.sleep(0.01)
    started = time.monotonic()

    async with db.write() as session:
        turn = time.monotonic()
        busy_ms = (await session.exec(text("PRAGMA busy_timeout"))).one()[0]  # type: ignore[call-overload]

    await asyncio.gather(*ahead)
    assert turn - started >= 0.75  # longer than the lock wait, behind four 200-ms writes
    # 600 less the time since the last writer got the lock (about its 200 ms): counted from joining it would be 0.
    # Measured, not assumed, so that a slow commit or hand-over on a busy machine does not count against a margin.
    since_moved_ms = (turn - locked_at["writer 3"]) * 1000
    assert since_moved_ms < 550, since_moved_ms  # else 0 would be right, and the check below would prove nothing
    assert 600 - since_moved_ms - 2 <= busy_ms <= 600, (busy_ms, since_moved_ms)


@pytest.mark.parametrize("direct", [False, True], ids=["session", "direct"])
async def test_a_failing_writer_lets_the_next_one_in_and_stores_nothing(
    open_sqlite: Callable[[int | None], Database], direct: bool
) -> None:
    db = open_sqlite(None)  # 10 s: a queue left locked would show as a timeout below

    async def fail() -> None:
        if direct:
            async with db.direct() as statements:
                await statements.execute(insert(Staff), {"name": "failed", "roles": [], "active": True})
                await asyncio.sleep(0.2)
                raise ValueError("the command found a problem")
        async with db.write() as session:
            session.add(Staff(name="failed"))
            await session.flush()
            await asyncio.sleep(0.2)
            raise ValueError("the command found a problem")

    failing = asyncio.create_task(fail())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(store(db, "next", direct=direct), 5)

    with pytest.raises(ValueError, match="the command found a problem"):
        await failing
    await store(db, "then", direct=True)  # the direct connection is out of the failed transaction
    assert await names(db) == ["next", "then"]


@pytest.mark.parametrize("direct", [False, True], ids=["session", "direct"])
async def test_a_cancelled_writer_lets_the_next_one_in_and_stores_nothing(
    open_sqlite: Callable[[int | None], Database], direct: bool
) -> None:
    """Cancelled while it holds the turn, and while it waits for it: either way the writers behind go on."""
    db = open_sqlite(None)
    locked_at: dict[str, float] = {}
    holding = asyncio.create_task(store(db, "cancelled while writing", hold_s=30, locked_at=locked_at, direct=direct))
    await _until_locked(locked_at, "cancelled while writing")
    waiting = asyncio.create_task(store(db, "cancelled while queued", direct=direct))
    await asyncio.sleep(0.05)
    last = asyncio.create_task(store(db, "last", direct=direct))
    await asyncio.sleep(0.05)

    waiting.cancel()
    holding.cancel()
    await asyncio.wait_for(last, 5)  # a queue left locked: 10 s

    assert holding.cancelled() and waiting.cancelled()
    assert await names(db) == ["last"]


async def test_reads_do_not_wait_for_the_writers(open_sqlite: Callable[[int | None], Database]) -> None:
    db = open_sqlite(None)
    await store(db, "committed")
    let_go = asyncio.Event()
    locked_at: dict[str, float] = {}
    writers = [asyncio.create_task(store(db, f"writer {i}", until=let_go, locked_at=locked_at)) for i in range(3)]
    await _until_locked(locked_at, "writer 0")  # it holds the write lock; the others wait their turn
    try:
        # The writers hold on until the read is done: a read that waited for them times out instead.
        seen = await asyncio.wait_for(names(db), 5)
    finally:
        let_go.set()

    assert seen == ["committed"]
    await asyncio.gather(*writers)
    assert await names(db) == ["committed", "writer 0", "writer 1", "writer 2"]


def test_one_database_serves_writers_on_more_than_one_event_loop(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """An asyncio.Lock belongs to the loop it first waited on; a Database outlives loops in tests and in the CLI."""
    db = open_sqlite(None)

    async def contended(loop_number: int) -> None:
        await asyncio.gather(
            *(store(db, f"loop {loop_number} writer {i}", hold_s=0.01, direct=i == 1) for i in range(3))
        )

    asyncio.run(contended(1))
    asyncio.run(contended(2))
    # Nothing is kept for a finished loop: a contended asyncio.Lock holds its loop, so a kept queue would leak it.
    assert db._writer_queues == {}

    async def stored() -> list[str]:
        try:
            return await names(db)
        finally:
            await db.dispose()  # its connections belong to this loop

    assert asyncio.run(stored()) == [f"loop {n} writer {i}" for n in (1, 2) for i in range(3)]


def test_the_connection_direct_keeps_serves_only_the_event_loop_that_claimed_it(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Writers queue per event loop, so the connection `direct` keeps serves one loop: another loop's direct
    transactions use a pooled connection of their own. Shared by two loops running at once (threads), one loop's
    rollback ended the other's open transaction and ratings answered as stored were lost (helper-30's finding;
    SQLAlchemy's async pool itself is not made for two loops at once, so this checks which connection is used)."""
    db = open_sqlite(None)

    async def write_and_tell() -> object:
        async with db.direct() as statements:
            await statements.execute(insert(Staff), {"name": "x", "roles": [], "active": True})
            assert isinstance(statements.driver, teambot.store.direct._Aiosqlite)
            return statements.driver.connection

    first = asyncio.run(write_and_tell())
    assert db._direct_connection is not None and first is db._direct_connection[1]
    second = asyncio.run(write_and_tell())  # another loop, while the first loop's claim stands
    assert second is not first
    assert asyncio.run(write_and_tell()) is not first

    async def dispose() -> None:
        await db.dispose()

    asyncio.run(dispose())
    assert db.engine.sync_engine.pool.checkedout() == 0


async def test_dispose_while_a_direct_transaction_waits_for_a_lock_leaves_it_whole(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """Shutting down while a direct transaction waits for another process's lock: the kept connection is closed
    when that transaction is done, not under it. Closed under it, the pool's rollback ended the transaction as soon
    as it began, and its statements then committed one by one: the first stored although the second failed."""
    db = open_sqlite(3_000)
    waits = sqlite_write_lock_waits(db)
    await store(db, "before", direct=True)
    waits.clear()  # "before" found the lock free: BEGIN ran on the loop's thread

    async def two_inserts() -> None:
        async with db.direct() as statements:
            await statements.execute(insert(Staff), {"name": "first of two", "roles": [], "active": True})
            await statements.execute(insert(Staff), {"name": None, "roles": [], "active": True})  # NOT NULL

    with locked_elsewhere(db, 0.5):
        writing = asyncio.create_task(two_inserts())
        await asyncio.wait_for(waits.wait(), LOCK_PATIENCE_S)  # BEGIN is waiting on aiosqlite's thread
        await db.dispose()
        outcome = (await asyncio.gather(writing, return_exceptions=True))[0]
    assert isinstance(outcome, sqlite3.IntegrityError)
    assert db.engine.sync_engine.pool.checkedout() == 0
    assert await names(db) == ["before"]


async def test_dispose_gives_back_the_connection_direct_transactions_kept(
    open_sqlite: Callable[[int | None], Database],
) -> None:
    """The connection `direct` keeps is returned and closed with the rest: none is left for the garbage collector
    (SQLAlchemy warns of such a connection, and its aiosqlite thread would outlive the database)."""
    db = open_sqlite(None)
    await store(db, "direct", direct=True)
    pool = db.engine.sync_engine.pool
    assert pool.checkedout() == 1  # kept between transactions: a checkout each would cost more than /rating's SQL

    await db.dispose()

    assert pool.checkedout() == 0
    await store(db, "after dispose", direct=True)  # used again, as a Database may be after dispose
    assert await names(db) == ["direct", "after dispose"]


async def test_a_rating_queued_too_long_gets_the_apology_and_is_not_stored(
    open_sqlite: Callable[[int | None], Database], clock: FakeClock
) -> None:
    """What the user sees: a /rating stuck behind a long write of the same process answers within the lock wait
    with the Danish apology, and nothing is stored; once the write is done, the same rating goes through."""
    db = open_sqlite(500)
    await load_roster(db, clock)
    context = Context(db=db, clock=clock, user_id=PAEDAGOG)
    locked_at: dict[str, float] = {}
    let_go = asyncio.Event()
    long_write = asyncio.create_task(store(db, "long write", until=let_go, locked_at=locked_at))
    try:
        await _until_locked(locked_at, "long write")
        started = time.monotonic()
        # The long write holds on until the rating is answered: one that waited for it times out here instead.
        reply = await asyncio.wait_for(run_command(context, "/rating", "AK12 3/3 1 4"), 5)
        answered = time.monotonic() - started
    finally:
        let_go.set()

    assert answered < 1.2  # the 500-ms lock wait and the command's own work
    assert reply.text == APOLOGY
    await long_write
    async with db.read() as session:
        assert (await session.exec(select(Rating))).all() == []
    again = await run_command(context, "/rating", "AK12 3/3 1 4")
    assert again.text.startswith("✅"), again.text
    async with db.read() as session:
        rows = (await session.exec(select(Rating, Goal).join(Goal))).all()
    assert [(r.day, g.number, r.value) for r, g in rows] == [(date(2027, 3, 3), 1, 4)]


async def _until_idle_in_a_transaction(db: Database) -> None:
    """PostgreSQL: until one of this database's sessions is in a transaction and waits for its client."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()"
    )
    for _ in range(3000):
        async with db.engine.connect() as connection:  # a transaction per look: pg_stat_activity is read once in one
            if (await connection.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("no transaction was ever open")


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_postgresql_writers_are_not_queued(tmp_path: Path) -> None:
    """PostgreSQL locks rows: a writer of other rows goes ahead while a long write is open."""
    db = open_test_database(tmp_path)
    try:
        assert not db.is_sqlite
        let_go = asyncio.Event()
        long_write = asyncio.create_task(store(db, "long write", until=let_go))
        await _until_idle_in_a_transaction(db)  # the long write has inserted its row and holds on
        try:
            # The long write holds on until "quick" is stored: a quick writer that waited for it times out instead.
            await asyncio.wait_for(store(db, "quick"), 5)
            assert await names(db) == ["quick"]  # committed while the long write was still open
        finally:
            let_go.set()
        await long_write
        assert sorted(await names(db)) == ["long write", "quick"]
    finally:
        await db.dispose()

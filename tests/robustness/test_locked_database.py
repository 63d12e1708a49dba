"""Faults: with the database locked by another connection, `/rating` waits and succeeds or answers with the short
Danish apology — never a crash, never a traceback for the user — and every rating confirmed with ✅ is stored.

SQLite: another connection holds BEGIN IMMEDIATE (the write lock) while ratings come in; PostgreSQL: another
connection holds LOCK TABLE rating IN EXCLUSIVE MODE. A short lock is met with the production lock wait (10 s:
SQLite's busy timeout, PostgreSQL's lock_timeout); for a lock longer than that, the wait is set to 1.5 s here so
that the test takes seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select

import teambot.store.db
from helpers_ratings import load_roster
from teambot.commands import Context, run_command
from teambot.i18n import t
from teambot.store.db import Database
from teambot.store.models import Goal, Rating
from teambot.testing.clock import FakeClock
from teambot.testing.roster import PAEDAGOG

APOLOGY = "Beklager, noget gik galt hos teambot. Prøv igen om lidt. Intet er gemt."
SHORT_LOCK_WAIT_MS = 1_500

# (date as typed, the day, goal, value): twelve different ratings, so each reply can be matched to its row.
# The small roster's "today" is Thursday 4 March 2027; all these days are inside the 7-day backfill window.
RATINGS = [
    (typed, day, goal, value)
    for typed, day in (
        ("25/2", date(2027, 2, 25)),
        ("26/2", date(2027, 2, 26)),
        ("1/3", date(2027, 3, 1)),
        ("2/3", date(2027, 3, 2)),
        ("3/3", date(2027, 3, 3)),
        ("4/3", date(2027, 3, 4)),
    )
    for goal, value in ((1, 3), (2, 2))
]


def test_the_apology_is_the_catalog_message() -> None:
    assert t("error.unexpected") == APOLOGY


@contextmanager
def locked(database_url: str, hold_s: float) -> Iterator[threading.Event]:
    """Hold the write lock (SQLite) or an exclusive lock on `rating` (PostgreSQL) for `hold_s` seconds in another
    connection, from a thread. Yields once the lock is held; the event is set when it is released."""
    held, released = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            parsed = make_url(database_url)
            if parsed.get_backend_name() == "sqlite":
                connection = sqlite3.connect(str(parsed.database), isolation_level=None)
                connection.execute("BEGIN IMMEDIATE")
                held.set()
                time.sleep(hold_s)
                connection.execute("ROLLBACK")
                connection.close()
            else:
                with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False)) as connection:
                    connection.execute("LOCK TABLE rating IN EXCLUSIVE MODE")
                    held.set()
                    time.sleep(hold_s)
                    connection.rollback()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
            held.set()
        finally:
            released.set()

    thread = threading.Thread(target=hold, name="lock-holder")
    thread.start()
    assert held.wait(10)
    assert not errors, errors
    try:
        yield released
    finally:
        thread.join(30)
        assert not errors, errors


async def rate_while_locked(
    db: Database, clock: FakeClock, database_url: str, *, hold_s: float, starts: list[float]
) -> list[tuple[tuple[str, date, int, int], str]]:
    """Send the ratings at the given offsets (seconds after the lock was taken); return (rating, reply text)."""

    async def rate(rating: tuple[str, date, int, int], delay: float) -> str:
        await asyncio.sleep(delay)
        typed, _, goal, value = rating
        context = Context(db=db, clock=clock, user_id=PAEDAGOG)
        reply = await run_command(context, "/rating", f"AK12 {typed} {goal} {value}")
        return reply.text

    with locked(database_url, hold_s):
        texts = await asyncio.gather(*(rate(r, s) for r, s in zip(RATINGS, starts, strict=False)))
    return list(zip(RATINGS, texts, strict=False))


async def stored(db: Database) -> set[tuple[date, int, int]]:
    async with db.read() as session:
        goals = {g.id: g.number for g in (await session.exec(select(Goal))).all()}
        return {(r.day, goals[r.goal_id], r.value) for r in (await session.exec(select(Rating))).all()}


def check_replies(
    replies: list[tuple[tuple[str, date, int, int], str]], in_database: set[tuple[date, int, int]]
) -> tuple[int, int]:
    """Every reply is a ✅ confirmation whose rating is stored, or the apology whose rating is not."""
    confirmed = apologised = 0
    for (typed, day, goal, value), text in replies:
        assert "Traceback" not in text and "Error" not in text and "locked" not in text, text
        if text.startswith("✅ Registreret: AK12, mål"):
            confirmed += 1
            assert (day, goal, value) in in_database, f"confirmed but lost: {typed} mål {goal} = {value}"
        else:
            assert text == APOLOGY, text
            apologised += 1
            assert (day, goal, value) not in in_database, f"apologised but stored: {typed} mål {goal} = {value}"
    return confirmed, apologised


@pytest.fixture
async def open_db(
    db: Database, clock: FakeClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[int | None], Database]]:
    """The small roster; then a fresh Database, optionally with another lock wait (read when it connects)."""
    await load_roster(db, clock)
    opened: list[Database] = []

    def open_database(lock_wait_ms: int | None = None) -> Database:
        if lock_wait_ms is not None:
            monkeypatch.setattr(teambot.store.db, "LOCK_WAIT_MS", lock_wait_ms)
        opened.append(Database(database_url))
        return opened[-1]

    yield open_database
    for database in opened:
        await database.dispose()


async def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(
    open_db: Callable[[int | None], Database], clock: FakeClock, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = open_db(None)  # production settings
    assert teambot.store.db.LOCK_WAIT_MS == 10_000
    started = time.monotonic()

    replies = await rate_while_locked(db, clock, database_url, hold_s=0.4, starts=[0.0] * len(RATINGS))

    assert time.monotonic() - started >= 0.4  # they did wait for the lock
    assert check_replies(replies, await stored(db)) == (len(RATINGS), 0)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_lock_longer_than_the_busy_timeout_gets_the_apology_and_loses_no_confirmed_rating(
    open_db: Callable[[int | None], Database], clock: FakeClock, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The first six ratings arrive while the lock has more than the wait left: they wait 1.5 s and get the
    apology, on SQLite and on PostgreSQL alike. The last six arrive shortly before the lock goes: they wait and
    succeed."""
    db = open_db(SHORT_LOCK_WAIT_MS)
    # The first six must reach their INSERT while the lock has more than the 1.5-s wait left: with a 2.2-s lock a
    # loaded CI machine (new connections, first-connect set-up) once let four of them in after 0.7 s, and they
    # succeeded. A 3.2-s lock leaves them 1.7 s.
    hold = 3.2
    starts = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3] + [2.9, 2.95, 3.0, 3.05, 3.1, 3.15]

    replies = await rate_while_locked(db, clock, database_url, hold_s=hold, starts=starts)

    confirmed, apologised = check_replies(replies, await stored(db))
    assert (confirmed, apologised) == (6, 6), replies
    assert [text == APOLOGY for _, text in replies] == [True] * 6 + [False] * 6
    # The operator learns why, with a stack trace in the log; the user never sees one.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 6
    why = "database is locked" if db.is_sqlite else "lock timeout"
    assert all(r.exc_info and why in str(r.exc_info[1]) for r in errors), [str(r.exc_info) for r in errors]

    # Afterwards the database is free again: a retried rating goes through (a correction if it got in before).
    again = await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/rating", "AK12 25/2 1 4")
    assert again.text.startswith(("✅", "✏️")), again.text
    assert (date(2027, 2, 25), 1, 4) in await stored(db)

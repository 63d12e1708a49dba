"""Helpers for the outbox tests: the small roster planned by the real planner, the rows it wrote, what the fake
Slack actually received, and a pacing recorder so no test ever sleeps for real."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from teambot.commands.messenger import METADATA_EVENT
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.planner import plan_case
from teambot.slack.messenger import SlackMessenger
from teambot.store.db import Database
from teambot.store.models import Case, Meeting, Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import load_small_roster

CPH = COPENHAGEN

# With the small roster's start meeting (11 February 2027) the first status meeting is Tuesday 30 March 2027
# at 14.00 (25 March + Easter). Its reminders: Tuesday 23 March 08:00 (7 days before) and Wednesday 24 March
# 08:00 (1 day before, moved back over Easter), to the pædagog, the psychologist and the lead.
MEETING_DAY = datetime(2027, 3, 30, 14, 0)
FIRST_REMINDERS_DUE = datetime(2027, 3, 23, 8, 0)
SECOND_REMINDERS_DUE = datetime(2027, 3, 24, 8, 0)


async def case_id(db: Database, code: str = "AK12") -> int:
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == code))).one()
        assert case.id is not None
        return case.id


async def plan_small_roster(db: Database, clock: FakeClock, **options: Any) -> int:
    """Load the small roster and plan AK12 at the clock's current moment (well before any reminder)."""
    await load_small_roster(db, now=clock.now(), **options)
    ident = await case_id(db)
    await plan_case(db, ident, now=clock.now(), zone=CPH)
    return ident


async def notifications(db: Database, *, kind: str | None = None) -> list[Notification]:
    async with db.read() as session:
        query = select(Notification).order_by(col(Notification.due_at), col(Notification.id))
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list((await session.exec(query)).all())


async def meetings(db: Database) -> list[Meeting]:
    async with db.read() as session:
        return list((await session.exec(select(Meeting).order_by(col(Meeting.seq)))).all())


@contextmanager
def writes(db: Database) -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements sent to the database inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def metadata_of(params: dict[str, Any]) -> dict[str, Any]:
    metadata = params.get("metadata") or {}
    return json.loads(metadata) if isinstance(metadata, str) else dict(metadata)


@dataclass(frozen=True)
class Post:
    """A message the fake Slack accepted (failed calls never appear here)."""

    channel: str
    key: str
    text: str
    ts: str


def delivered(fake_slack: FakeSlack) -> list[Post]:
    posts = []
    for channel, messages in fake_slack.messages.items():
        for message in messages:
            metadata = message.get("metadata") or {}
            key = (metadata.get("event_payload") or {}).get("key", "")
            if metadata.get("event_type") == METADATA_EVENT:
                posts.append(Post(channel, key, str(message.get("text", "")), str(message["ts"])))
    return sorted(posts, key=lambda p: p.ts)


def deliveries_per_key(fake_slack: FakeSlack) -> Counter[str]:
    return Counter(p.key for p in delivered(fake_slack))


def messenger_for(fake_slack: FakeSlack) -> SlackMessenger:
    return SlackMessenger(AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test"))


@dataclass
class Pacing:
    """An injected sleep and monotonic clock: sleeping only moves this clock, never the test."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def dispatcher_for(
    db: Database, messenger: Any, clock: FakeClock, pacing: Pacing | None = None, **options: Any
) -> Dispatcher:
    pacing = pacing or Pacing()
    return Dispatcher(db, messenger, clock, sleep=pacing.sleep, monotonic=pacing.monotonic, **options)


def fail_draws(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str, *, times: int) -> None:
    """Make the next `times` calls of `module.name` (an async read a message is drawn from at send time) fail as a
    passing database error does: SQLite's "database is locked". SQLAlchemy's text of it carries the statement's
    parameters, a case code among them."""
    real = getattr(module, name)
    left = [times]

    async def draw(*args: Any, **kwargs: Any) -> Any:
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError(
                "SELECT * FROM case WHERE code = ?", ("AK12",), sqlite3.OperationalError("database is locked")
            )
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, draw)

"""`teambot simulate`: planner and dispatcher on a virtual clock, on a copy of the data, without Slack.

The copy is a temporary SQLite database, so the real outbox is never touched whatever the source.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlmodel import SQLModel

from teambot.commands.messenger import carries_key
from teambot.commands.registry import Reply
from teambot.demo import load_demo
from teambot.scheduler.digest import digest_refreshers
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.nudges import nudge_refreshers
from teambot.scheduler.planner import plan_all
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.migrate import upgrade
from teambot.store.models import Notification

# Tables not needed to plan the future: the audit log stays where it is.
_SKIPPED_TABLES = {"audit_entry"}


@dataclass(frozen=True)
class SimulatedMessage:
    due: datetime  # local, with offset
    kind: str
    recipient: str
    subject: str
    event_date: date | None
    text: str

    def as_json(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "kind": self.kind,
            "recipient": self.recipient,
            "subject": self.subject,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "text": self.text,
        }


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class RecordingMessenger:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply, dict[str, Any] | None]] = []

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        self.sent.append((recipient, reply, metadata))
        return f"sim-{len(self.sent)}"

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        for index, (to, _, metadata) in enumerate(self.sent):
            if to == recipient and carries_key({"metadata": metadata}, key):
                return f"sim-{index + 1}"
        return None


async def copy_database(source: Database, target: Database) -> None:
    """Copy every table row for row (foreign keys in dependency order)."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _SKIPPED_TABLES:
            continue
        async with source.read() as session:
            rows = [dict(row._mapping) for row in (await (await session.connection()).execute(select(table))).all()]
        if rows:
            async with target.write() as session:
                await (await session.connection()).execute(insert(table), rows)


async def simulate(
    source: Database | None,
    *,
    start: date,
    end: date,
    zone: ZoneInfo,
    demo: bool = False,
    now: datetime | None = None,
) -> list[SimulatedMessage]:
    """Every notification that would be sent from `start` to `end` (inclusive), in order. Given `now`, a `start`
    later than it is reached by running the bot from `now` on, unshown: what it sends before `start` is not in
    the window, nor are the notices of a bot that was down until then."""
    with tempfile.TemporaryDirectory(prefix="teambot-simulate-") as folder:
        url = f"sqlite:///{Path(folder) / 'simulate.db'}"
        upgrade(url)
        db = Database(url)
        try:
            return await _run(db, source, start=start, end=end, zone=zone, demo=demo, now=now)
        finally:
            await db.dispose()


async def _run(
    db: Database, source: Database | None, *, start: date, end: date, zone: ZoneInfo, demo: bool, now: datetime | None
) -> list[SimulatedMessage]:
    shown_from = datetime.combine(start, time(0, 0), zone).astimezone(UTC)
    clock = VirtualClock(min(shown_from, now) if now is not None else shown_from)
    if demo:
        await load_demo(db, now=clock.now(), zone=zone)
    elif source is not None:
        await copy_database(source, db)
    messenger = RecordingMessenger()
    dispatcher = Dispatcher(
        db,
        messenger,
        clock,
        min_interval=0.0,
        worker="simulator",
        refreshers={**nudge_refreshers(db, clock, zone), **digest_refreshers(db, clock, zone)},
    )
    stop = datetime.combine(end + timedelta(days=1), time(0, 0), zone).astimezone(UTC)
    next_plan = clock.now()
    messages: list[SimulatedMessage] = []
    while clock.now() < stop:
        if clock.now() >= next_plan:
            await plan_all(db, now=clock.now(), zone=zone)
            tomorrow = clock.now().astimezone(zone).date() + timedelta(days=1)
            next_plan = datetime.combine(tomorrow, time(0, 0), zone).astimezone(UTC)
        stats = await dispatcher.dispatch_due()
        if clock.now() >= shown_from:  # the midnights the planner wakes at include the window's first
            for row in sorted(stats.delivered, key=lambda r: (r.due_at, r.id or 0)):
                messages.append(_message(row, clock.now(), zone))
        async with db.read() as session:
            upcoming = await outbox.next_due(session)
        if upcoming is not None and upcoming <= clock.now() and stats.delivered:
            continue  # notices queued by this very pass (a missed reminder, a reroute) go out now
        following = min(next_plan, upcoming) if upcoming and upcoming > clock.now() else next_plan
        clock.set(following)
    return messages


def _message(row: Notification, at: datetime, zone: ZoneInfo) -> SimulatedMessage:
    return SimulatedMessage(
        due=max(row.due_at, at).astimezone(zone),
        kind=row.kind,
        recipient=row.recipient,
        subject=row.subject,
        event_date=row.event_day,
        text=str(row.payload.get("text", "")),
    )

"""Dispatching due notifications: teambot's outbox dispatcher against a plain AsyncWebClient loop."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bench.fake_server import FakeSlackProcess
from bench.report import Result
from teambot.commands.messenger import notification_metadata
from teambot.scheduler.dispatcher import Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.migrate import upgrade
from teambot.testing.database import truncate

TEXT = "📅 Statusmøde for AK12 tirsdag 14. september kl. 14.00 (Børnehuset Solsikken)"
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def backend(url: str) -> str:
    return "PostgreSQL" if make_url(url).get_backend_name() == "postgresql" else "SQLite"


def reset_database(url: str) -> None:
    """A migrated, empty database: a SQLite file is deleted and recreated; PostgreSQL tables are truncated
    (the database is shared with nothing else, but dropping it needs a connection to another one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    upgrade(url)
    if parsed.get_backend_name() == "postgresql":
        truncate(url)


def planned(count: int, *, recipients: int | None = None) -> list[outbox.Planned]:
    """`count` notifications, all due, message n to recipient n mod `recipients` (default: one each).

    The dispatcher claims rows in id order, so with at least a batch's worth of recipients no batch holds two
    messages to one recipient, and the per-recipient pacing (1 s) only waits when a recipient comes round
    again in less than a second.
    """
    spread = recipients or count
    return [
        outbox.Planned(
            dedupe_key=f"bench:{n}",
            kind="meeting.reminder",
            recipient=f"U{n % spread:07d}",
            subject="AK12",
            due_at=NOW - timedelta(minutes=1),
            payload={"text": TEXT, "blocks": None},
        )
        for n in range(count)
    ]


async def fill_outbox(url: str, rows: list[outbox.Planned]) -> None:
    reset_database(url)
    db = Database(url)
    async with db.write() as session:
        await outbox.insert_new(session, rows, NOW)
    await db.dispose()


async def bench_dispatch(work: Path, *, count: int, database_url: str | None = None) -> list[Result]:
    url = database_url or f"sqlite:///{work / 'dispatch.db'}"
    rows = planned(count)
    await fill_outbox(url, rows)
    db = Database(url)
    where = backend(url)

    with FakeSlackProcess() as fake:
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
        started = time.perf_counter()
        for row in rows:
            await client.chat_postMessage(
                channel=row.recipient, text=TEXT, metadata=notification_metadata(row.dedupe_key)
            )
        plain = time.perf_counter() - started

    with FakeSlackProcess() as fake:
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
        dispatcher = Dispatcher(db, SlackMessenger(client), FixedClock(NOW), batch=500)
        started = time.perf_counter()
        stats = await dispatcher.dispatch_due()
        ours = time.perf_counter() - started
        posted = fake.stats()
    await db.dispose()

    ours_rate, plain_rate = stats.sent / ours, count / plain
    ratio = ours_rate / plain_rate
    return [
        Result(
            f"dispatch {count:,} due notifications (msg/s), {where}",
            f"{ours_rate:,.0f}",
            f"{plain_rate:,.0f}",
            ratio,
            "≥ 0.8×",
            ratio >= 0.8,
        ),
        Result(
            f"dispatch: posted / duplicates, {where}",
            f"{posted['posted']:,} / {posted['duplicate_keys']}",
            f"{count:,} / 0",
            None,
            "all, 0 duplicates",
            posted["posted"] == count and posted["duplicate_keys"] == 0,
        ),
    ]

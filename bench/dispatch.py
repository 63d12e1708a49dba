"""Dispatching due notifications: teambot's outbox dispatcher against a plain AsyncWebClient loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.fake_server import FakeSlackProcess
from bench.report import Result
from teambot.commands.messenger import notification_metadata
from teambot.scheduler.dispatcher import Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.slack.web import close_connections, keep_connections
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.migrate import upgrade
from teambot.testing.database import truncate

TEXT = "📅 Statusmøde for AK12 tirsdag 14. september kl. 14.00 (Børnehuset Solsikken)"
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
CONCURRENCY = 8  # the Dispatcher's default: recipients served side by side
BATCH = 500  # rows the Dispatcher claims at a time
ROUNDS = 2  # the sides alternate and the best run of each counts: a burst of other work hits one run, not the ratio


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


async def post_plainly(rows: list[outbox.Planned], *, at_a_time: int) -> float:
    """Seconds for a bare AsyncWebClient to post `rows`, `at_a_time` calls in flight (1: a plain loop)."""
    with FakeSlackProcess() as fake:
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
        keep_connections(client)  # as the running bot's client (teambot.slack.web)
        await client.auth_test()  # warm-up, as on teambot's side: the fake is up and has answered once
        gate = asyncio.Semaphore(at_a_time)

        async def post(row: outbox.Planned) -> None:
            async with gate:
                await client.chat_postMessage(
                    channel=row.recipient, text=TEXT, metadata=notification_metadata(row.dedupe_key)
                )

        started = time.perf_counter()
        if at_a_time == 1:
            for row in rows:
                await client.chat_postMessage(
                    channel=row.recipient, text=TEXT, metadata=notification_metadata(row.dedupe_key)
                )
        else:
            await asyncio.gather(*(post(row) for row in rows))
        elapsed = time.perf_counter() - started
        await close_connections(client)
        return elapsed


async def deliver_outbox(url: str, timer: Callable[[], float] = time.perf_counter) -> tuple[float, int, dict[str, Any]]:
    """The Dispatcher's one `dispatch_due` over the filled outbox at `url`, to a fresh fake Slack: how long it took by
    `timer` (seconds), messages sent, the fake's counts. The client and the database connection are warmed up first."""
    db = Database(url)
    with FakeSlackProcess() as fake:
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
        keep_connections(client)
        await client.auth_test()
        async with db.engine.connect() as connection:  # warm-up: the database connection is open before timing
            await connection.execute(text("SELECT 1"))
        dispatcher = Dispatcher(db, SlackMessenger(client), FixedClock(NOW), batch=BATCH, concurrency=CONCURRENCY)
        started = timer()
        stats = await dispatcher.dispatch_due()
        took = timer() - started
        posted = fake.stats()
        await close_connections(client)
    await db.dispose()
    return took, stats.sent, posted


async def _teambot(url: str, rows: list[outbox.Planned]) -> tuple[float, int, dict[str, Any]]:
    """Seconds for the Dispatcher to deliver a freshly filled outbox of `rows`; sent; the fake's counts."""
    await fill_outbox(url, rows)
    return await deliver_outbox(url)


async def bench_dispatch(work: Path, *, count: int, database_url: str | None = None) -> list[Result]:
    """The dispatcher against a plain loop, `ROUNDS` times in alternating order, the best run of each.

    Both sides use the same AsyncWebClient settings (the running bot's: a session keeping its connections to the
    fake, which speaks HTTP/1.1 as Slack does), post the same
    messages to a fresh fake Slack process, and are warmed up (one auth.test; teambot's database connection)
    before timing. A third figure, the bare client with as many calls in flight as the dispatcher, is what the
    fake Slack and the machine allow at that concurrency (reported, not a goal).
    """
    url = database_url or f"sqlite:///{work / 'dispatch.db'}"
    rows = planned(count)
    where = backend(url)
    loop: list[float] = []
    side_by_side: list[float] = []
    ours: list[float] = []
    sent: list[int] = []
    counts: list[dict[str, Any]] = []
    for round_ in range(ROUNDS):
        steps = ["loop", "teambot", "side_by_side"]
        for step in steps if round_ % 2 == 0 else reversed(steps):
            if step == "loop":
                loop.append(await post_plainly(rows, at_a_time=1))
            elif step == "side_by_side":
                side_by_side.append(await post_plainly(rows, at_a_time=CONCURRENCY))
            else:
                seconds, delivered, posted = await _teambot(url, rows)
                ours.append(seconds)
                sent.append(delivered)
                counts.append(posted)

    ours_rate = max(n / s for n, s in zip(sent, ours, strict=True))
    plain_rate, side_rate = count / min(loop), count / min(side_by_side)
    ratio = ours_rate / plain_rate
    all_posted = all(c["posted"] == count for c in counts) and all(n == count for n in sent)
    duplicates = max(c["duplicate_keys"] for c in counts)
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
            f"dispatch: against the bare client, {CONCURRENCY} calls in flight (msg/s), {where}",
            f"{ours_rate:,.0f}",
            f"{side_rate:,.0f}",
            ours_rate / side_rate,
            "report",
            None,
        ),
        Result(
            f"dispatch: posted / duplicates (worst of {ROUNDS} runs), {where}",
            f"{min(c['posted'] for c in counts):,} / {duplicates}",
            f"{count:,} / 0",
            None,
            "all, 0 duplicates",
            all_posted and duplicates == 0,
        ),
    ]

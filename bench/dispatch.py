"""Dispatching due notifications: teambot's outbox dispatcher against a plain AsyncWebClient loop."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bench.fake_server import FakeSlackProcess
from bench.report import Result
from teambot.commands.messenger import notification_metadata
from teambot.scheduler.dispatcher import Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.migrate import upgrade

TEXT = "📅 Statusmøde for AK12 tirsdag 14. september kl. 14.00 (Børnehuset Solsikken)"


class _Clock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


async def bench_dispatch(work: Path, *, count: int) -> list[Result]:
    now = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    url = f"sqlite:///{work / 'dispatch.db'}"
    upgrade(url)
    db = Database(url)
    rows = [
        outbox.Planned(
            dedupe_key=f"bench:{n}",
            kind="meeting.reminder",
            recipient=f"U{n:07d}",
            subject="AK12",
            due_at=now - timedelta(minutes=1),
            payload={"text": TEXT, "blocks": None},
        )
        for n in range(count)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, rows, now)

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
        dispatcher = Dispatcher(db, SlackMessenger(client), _Clock(now), batch=500)
        started = time.perf_counter()
        stats = await dispatcher.dispatch_due()
        ours = time.perf_counter() - started
        posted = fake.stats()
    await db.dispose()

    ours_rate, plain_rate = stats.sent / ours, count / plain
    ratio = ours_rate / plain_rate
    return [
        Result(
            f"dispatch {count:,} due notifications (msg/s)",
            f"{ours_rate:,.0f}",
            f"{plain_rate:,.0f}",
            ratio,
            "≥ 0.8×",
            ratio >= 0.8,
        ),
        Result(
            "dispatch: posted / duplicates",
            f"{posted['posted']:,} / {posted['duplicate_keys']}",
            f"{count:,} / 0",
            None,
            "all, 0 duplicates",
            posted["posted"] == count and posted["duplicate_keys"] == 0,
        ),
    ]

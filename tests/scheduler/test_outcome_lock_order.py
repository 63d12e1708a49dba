"""PostgreSQL: a dispatcher's outcomes are written row by row in id order, whatever order the posts finished in and
whatever became of them, so another transaction that locks `sending` rows in id order (a claim's renewal, another
process's recovery) waits for it instead of deadlocking with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from helpers_outbox import notifications
from sqlmodel import col, select

from teambot.store import audit, outbox
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.testing.clock import FakeClock
from teambot.testing.database import postgres_url, until_waiting_for_locks
from teambot.testing.roster import PAEDAGOG

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")


async def _claimed(db: Database, clock: FakeClock, count: int) -> list[int]:
    """`count` reminders due, claimed by the dispatcher "w1": their ids, in order."""
    planned = [
        outbox.Planned(
            dedupe_key=f"order:{n}",
            kind="meeting.reminder",
            recipient=PAEDAGOG,
            subject="AK12",
            due_at=clock.now() - timedelta(minutes=1),
            payload={"text": f"besked {n}", "blocks": None},
        )
        for n in range(count)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, planned, clock.now())
        claimed = await outbox.claim_due(session, now=clock.now(), worker="w1", limit=count, is_postgres=True)
    return sorted(row.id or 0 for row in claimed)


SENT_AT = "1700000000.000001"
NAMING = audit.SentNotice(PAEDAGOG, "meeting.reminder", ("AK12",))


def _later_failed_first(first: int, second: int, now: datetime) -> list[outbox.Outcome]:
    # Written kind by kind, the later row's failure came first and held it while waiting for the earlier row.
    return [
        outbox.Outcome(second, outbox.FAILED, error="user_not_found", at=now),
        outbox.Outcome(first, outbox.SENT, message_ts=SENT_AT, at=now),
    ]


def _only_the_later_names_a_child(first: int, second: int, now: datetime) -> list[outbox.Outcome]:
    # The rows whose sending is audited are locked first: the later row was, before the earlier row's write.
    return [
        outbox.Outcome(first, outbox.SENT, message_ts=SENT_AT, at=now),
        outbox.Outcome(second, outbox.SENT, message_ts=SENT_AT, at=now, notice=NAMING),
    ]


@pytest.mark.parametrize("outcomes", [_later_failed_first, _only_the_later_names_a_child])
async def test_outcomes_do_not_deadlock_with_a_transaction_locking_the_rows_in_id_order(
    db: Database, clock: FakeClock, outcomes: Callable[[int, int, datetime], list[outbox.Outcome]]
) -> None:
    first, second = await _claimed(db, clock, 2)
    settled = outcomes(first, second, clock.now())

    async def record() -> None:
        async with db.write() as session:
            await outbox.record_outcomes(session, settled, worker="w1")

    async with db.write() as other:
        lock = select(Notification.id).with_for_update()
        await other.exec(lock.where(col(Notification.id) == first))
        recording = asyncio.create_task(record())
        await until_waiting_for_locks(db)
        await other.exec(lock.where(col(Notification.id) == second))
    await recording

    rows = {row.id: row for row in await notifications(db)}
    written = [(rows[o.row_id].status, rows[o.row_id].message_ts, rows[o.row_id].last_error) for o in settled]
    assert written == [(o.status, o.message_ts, o.error) for o in settled]

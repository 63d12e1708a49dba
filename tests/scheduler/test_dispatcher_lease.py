"""Two dispatchers sharing one outbox (two processes on PostgreSQL; on SQLite, the scheduled tick and a
re-plan's background dispatch in one process): a batch that takes longer than the claim's lease must not be
sent a second time by the other dispatcher's `recover`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_outbox import Pacing, deliveries_per_key, dispatcher_for, messenger_for, notifications

from teambot.scheduler.dispatcher import Dispatcher
from teambot.store import outbox
from teambot.store.db import Database
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import PAEDAGOG

ROWS = 150  # to one recipient, 1 s apart: about 2.5 minutes, longer than the 2-minute lease


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


async def test_a_batch_outlasting_the_lease_is_not_sent_again_by_the_other_dispatchers_recovery(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # E.g. a backlog after downtime: many rows due at once for one person, paced one a second.
    planned = [
        outbox.Planned(
            dedupe_key=f"lease:{n}",
            kind="meeting.reminder",
            recipient=PAEDAGOG,
            subject="AK12",
            due_at=clock.now() - timedelta(minutes=1),
            payload={"text": f"besked {n}", "blocks": None},
        )
        for n in range(ROWS)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, planned, clock.now())

    other = dispatcher_for(db, messenger_for(fake_slack), clock)
    pacing = Pacing()
    claimed_at = clock.now()
    other_ran = False

    async def sleep_while_time_passes(seconds: float) -> None:
        # The first dispatcher's pacing wait is real time passing; once its lease is over, the other
        # dispatcher runs its usual tick (recover, then dispatch) in the meantime.
        nonlocal other_ran
        await pacing.sleep(seconds)
        clock.advance(seconds=seconds)
        if not other_ran and clock.now() > claimed_at + first.lease:
            other_ran = True
            await other.recover()
            await other.dispatch_due()

    first = Dispatcher(db, messenger_for(fake_slack), clock, sleep=sleep_while_time_passes, monotonic=pacing.monotonic)
    await first.dispatch_due()
    assert other_ran
    await other.dispatch_due()

    per_key = deliveries_per_key(fake_slack)
    assert len(per_key) == ROWS
    assert {key: n for key, n in per_key.items() if n > 1} == {}
    assert {row.status for row in await notifications(db)} == {"sent"}

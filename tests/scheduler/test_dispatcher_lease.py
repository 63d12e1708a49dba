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

BATCH = 200


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


# To one recipient, 1 s apart. 150 rows: one batch of 2.5 minutes, longer than the 2-minute lease. 250 rows: the
# second batch is claimed while the first (200 s) is delivered, and must be renewed with it until its turn.
@pytest.mark.parametrize("rows", [150, 250])
async def test_a_batch_outlasting_the_lease_is_not_sent_again_by_the_other_dispatchers_recovery(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, rows: int
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
        for n in range(rows)
    ]
    async with db.write() as session:
        await outbox.insert_new(session, planned, clock.now())

    other = dispatcher_for(db, messenger_for(fake_slack), clock)
    pacing = Pacing()
    claimed_at = clock.now()
    other_ran = False
    taken_over = 0

    async def sleep_while_time_passes(seconds: float) -> None:
        # The first dispatcher's pacing wait is real time passing; once its lease is over, the other
        # dispatcher runs its usual tick (recover, then dispatch) in the meantime.
        nonlocal other_ran, taken_over
        await pacing.sleep(seconds)
        clock.advance(seconds=seconds)
        if not other_ran and clock.now() > claimed_at + first.lease:
            other_ran = True
            taken_over = await other.recover()
            taken_over += (await other.dispatch_due()).sent

    first = Dispatcher(
        db, messenger_for(fake_slack), clock, batch=BATCH, sleep=sleep_while_time_passes, monotonic=pacing.monotonic
    )
    await first.dispatch_due()
    assert other_ran
    assert taken_over == 0  # the first dispatcher's claims were all renewed in time: every row stayed its own
    await other.dispatch_due()

    per_key = deliveries_per_key(fake_slack)
    assert len(per_key) == rows
    assert {key: n for key, n in per_key.items() if n > 1} == {}
    assert {row.status for row in await notifications(db)} == {"sent"}

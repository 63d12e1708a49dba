"""A server starts answering before the first planner pass is done (minutes on a large municipality); the pass
still plans, delivers and schedules everything, and a stop during it leaves nothing half done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlmodel import func, select

from conftest import Runner
from teambot.scheduler import runtime as scheduler_runtime
from teambot.scheduler.planner import plan_all
from teambot.scheduler.runtime import BotScheduler
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store.db import Database
from teambot.store.models import Case, Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import PAEDAGOG, load_small_roster

PATIENCE = 10.0


class GatedPlan:
    """The real planner pass, held at its start until released: a pass over a large municipality."""

    def __init__(self, real: Callable[..., Awaitable[Any]]) -> None:
        self.real = real
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        await self.release.wait()
        return await self.real(*args, **kwargs)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> GatedPlan:
    gate = GatedPlan(scheduler_runtime.plan_all)
    monkeypatch.setattr(scheduler_runtime, "plan_all", gate)
    return gate


async def _planned(db: Database) -> int:
    async with db.read() as session:
        return int((await session.exec(select(func.count()).select_from(Notification))).one())


async def _roster(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 4, 15, 0))  # after the day's 14:00 rating reminder is due
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))


async def _started_in_background(
    db: Database, clock: FakeClock, gated: GatedPlan
) -> tuple[BotScheduler, RecordingMessenger]:
    """A scheduler started as a server starts it, its first pass held at the gate."""
    await _roster(db, clock)
    messenger = RecordingMessenger()
    scheduler = BotScheduler(db, messenger, clock, COPENHAGEN)
    await asyncio.wait_for(scheduler.start_in_background(), timeout=PATIENCE)  # returns with the pass still held
    await asyncio.wait_for(gated.started.wait(), timeout=PATIENCE)
    return scheduler, messenger


async def test_commands_are_answered_while_the_first_pass_runs_and_the_pass_then_completes(
    db: Database, clock: FakeClock, gated: GatedPlan
) -> None:
    scheduler, messenger = await _started_in_background(db, clock, gated)
    reply = await Runner(db, clock)(PAEDAGOG, "/rating AK12 1 3")
    assert reply.text.startswith("✅")
    assert (await _planned(db), messenger.sent, scheduler.state) == (0, [], "starting")  # what /healthz says

    gated.release.set()
    async with asyncio.timeout(PATIENCE):
        while not scheduler.scheduler.running:
            await asyncio.sleep(0.01)
    # The day's reminder for the goal still unrated: planned, and delivered by the same first pass.
    assert await _planned(db) > 0
    assert messenger.sent
    assert {job.id for job in scheduler.scheduler.get_jobs()} == {"plan", "dispatch", "retention"}
    assert scheduler.state == "running"
    await scheduler.stop()
    assert scheduler.state == "stopped"


async def test_a_stop_during_the_first_pass_cancels_it_and_the_next_start_plans_everything(
    db: Database, clock: FakeClock, gated: GatedPlan
) -> None:
    first, messenger = await _started_in_background(db, clock, gated)

    await asyncio.wait_for(first.stop(), timeout=PATIENCE)

    assert (await _planned(db), messenger.sent, first.state) == (0, [], "stopped")
    gated.release.set()
    second = BotScheduler(db, messenger, clock, COPENHAGEN)
    await second.start()
    assert await _planned(db) > 0
    assert messenger.sent
    await second.stop()


async def test_a_stop_waits_for_the_delivery_a_replan_started_and_a_replan_after_it_starts_none(
    db: Database, clock: FakeClock
) -> None:
    # A command answered just before the stop (moving a meeting) re-plans its case and delivers what is due now:
    # the stop lets that delivery finish before the database closes; after the stop it stays in the outbox.
    await _roster(db, clock)
    messenger = RecordingMessenger()
    scheduler = BotScheduler(db, messenger, clock, COPENHAGEN)
    case_id = await _case_id(db)
    await plan_all(db, now=clock.now(), zone=COPENHAGEN)  # the day's rating reminder waits in the outbox

    await scheduler.replan(case_id)
    await scheduler.stop(timeout=PATIENCE)
    assert [recipient for recipient, _, _ in messenger.sent] == [PAEDAGOG]

    again = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN)
    await again.stop()
    await again.replan(case_id)
    assert again._tasks == set()


async def _case_id(db: Database) -> int:
    async with db.read() as session:
        case_id = (await session.exec(select(Case.id).where(Case.code == "AK12"))).one()
    assert case_id is not None
    return case_id


class GatedMessenger(RecordingMessenger):
    """Records what is sent; while `hold` is set, each post waits for `release`: Slack answering slowly."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.posting = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, recipient: str, reply: Any, *, metadata: dict[str, Any] | None = None) -> str:
        if self.hold:
            self.posting.set()
            await self.release.wait()
        return await super().send(recipient, reply, metadata=metadata)


async def test_a_stop_lets_a_scheduled_delivery_finish_instead_of_leaving_it_half_sent(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A stop (a deploy, a restart) while the 30-second dispatch is posting: the post completes and is recorded as
    sent. APScheduler's own shutdown cancelled it halfway, leaving the row `sending` until the next start's
    recovery looked it up in Slack (on PostgreSQL: after the claim's lease)."""
    messenger = GatedMessenger()
    scheduler = BotScheduler(db, messenger, clock, COPENHAGEN, dispatch_every=timedelta(milliseconds=50))
    await asyncio.wait_for(scheduler.start(), timeout=PATIENCE)  # nothing to plan or send yet
    messenger.hold = True  # before planning: a tick between the pass's commits may post at once
    await _roster(db, clock)
    await plan_all(db, now=clock.now(), zone=COPENHAGEN)  # the day's rating reminder is due
    await asyncio.wait_for(messenger.posting.wait(), timeout=PATIENCE)  # the scheduled dispatch is posting it

    stopping = asyncio.create_task(scheduler.stop(timeout=PATIENCE))
    await _schedule_shut_down(scheduler)
    assert not stopping.done()  # waiting for the post, not cancelling it
    messenger.release.set()
    await asyncio.wait_for(stopping, timeout=PATIENCE)

    assert [recipient for recipient, _, _ in messenger.sent] == [PAEDAGOG]
    statuses = await _statuses(db, PAEDAGOG)  # later reminders wait as `pending`
    assert "sent" in statuses and "sending" not in statuses
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # a stop is no error


async def test_a_stop_during_the_first_delivery_after_a_start_lets_it_finish(db: Database, clock: FakeClock) -> None:
    """A restart right after a deploy: the stop cancels the start, but not the delivery it had begun."""
    await _roster(db, clock)
    await plan_all(db, now=clock.now(), zone=COPENHAGEN)  # the day's rating reminder is due
    messenger = GatedMessenger()
    messenger.hold = True
    scheduler = BotScheduler(db, messenger, clock, COPENHAGEN)
    await asyncio.wait_for(scheduler.start_in_background(), timeout=PATIENCE)
    await asyncio.wait_for(messenger.posting.wait(), timeout=PATIENCE)  # the first pass's delivery is posting

    stopping = asyncio.create_task(scheduler.stop(timeout=PATIENCE))
    await _schedule_shut_down(scheduler)
    assert not stopping.done()
    messenger.release.set()
    await asyncio.wait_for(stopping, timeout=PATIENCE)

    assert [recipient for recipient, _, _ in messenger.sent] == [PAEDAGOG]
    statuses = await _statuses(db, PAEDAGOG)  # later reminders wait as `pending`
    assert "sent" in statuses and "sending" not in statuses
    assert not scheduler.scheduler.running  # and the stopped start scheduled nothing


async def _schedule_shut_down(scheduler: BotScheduler) -> None:
    """Until a `stop` begun has shut the schedule down (and cancelled what it cancels): from then on it only waits.
    Whether it waits for a post held at the gate is then told at once; a post it cancelled can never be sent."""
    async with asyncio.timeout(PATIENCE):
        while scheduler.state != "stopped":
            await asyncio.sleep(0)


async def _statuses(db: Database, recipient: str) -> set[str]:
    async with db.read() as session:
        return set((await session.exec(select(Notification.status).where(Notification.recipient == recipient))).all())


async def test_a_stop_during_a_scheduled_planner_pass_cancels_it_without_an_error(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Passes are idempotent, so a stop cancels one; that is no job failure for the operator's log."""
    real_plan_all = scheduler_runtime.plan_all
    held = asyncio.Event()
    passes = 0

    async def second_pass_held(*args: Any, **kwargs: Any) -> Any:
        nonlocal passes
        passes += 1
        if passes > 1:
            held.set()
            await asyncio.Event().wait()  # a pass over a large municipality, cut short by the stop
        return await real_plan_all(*args, **kwargs)

    monkeypatch.setattr(scheduler_runtime, "plan_all", second_pass_held)
    scheduler = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN, plan_every=timedelta(milliseconds=50))
    outcome: asyncio.Future[JobExecutionEvent] = asyncio.get_running_loop().create_future()

    def first_scheduled_pass_over(event: JobExecutionEvent) -> None:
        # APScheduler logs a job's outcome, whichever it was, before it tells its listeners.
        if event.job_id == "plan" and not outcome.done():
            outcome.set_result(event)

    scheduler.scheduler.add_listener(first_scheduled_pass_over, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    await asyncio.wait_for(scheduler.start(), timeout=PATIENCE)  # the first pass runs here, not as the job
    await asyncio.wait_for(held.wait(), timeout=PATIENCE)

    await asyncio.wait_for(scheduler.stop(timeout=PATIENCE), timeout=PATIENCE)
    ended = await asyncio.wait_for(outcome, timeout=PATIENCE)

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert ended.code == EVENT_JOB_EXECUTED

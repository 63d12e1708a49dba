"""APScheduler wiring: the planner every 10 minutes, the dispatcher every 30 seconds, both at start-up.

Jobs live in memory only: APScheduler 3 must never share a persistent job store between processes, and
nothing is lost this way because the work itself (the outbox) is in the database.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from teambot.commands.messenger import Messenger
from teambot.domain.clock import Clock
from teambot.scheduler.digest import digest_refreshers
from teambot.scheduler.dispatcher import Dispatcher, DispatchStats
from teambot.scheduler.nudges import nudge_refreshers
from teambot.scheduler.planner import plan_all, plan_case
from teambot.store import requests
from teambot.store.db import Database
from teambot.store.retention import months_before, purge_closed_cases

log = logging.getLogger(__name__)


class BotScheduler:
    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        zone: ZoneInfo,
        *,
        plan_every: timedelta = timedelta(minutes=10),
        dispatch_every: timedelta = timedelta(seconds=30),
        retention_months: int = 24,
    ) -> None:
        self.retention_months = retention_months
        self.db = db
        self.clock = clock
        self.zone = zone
        self.dispatcher = Dispatcher(
            db, messenger, clock, refreshers={**nudge_refreshers(db, clock, zone), **digest_refreshers(db, clock, zone)}
        )
        self._tasks: set[asyncio.Task[Any]] = set()  # deliveries and purges a stop waits for
        self._planning: set[asyncio.Task[Any]] = set()  # passes a stop cancels: every pass is idempotent
        self._starting: asyncio.Task[None] | None = None
        self._stopped = False
        self.plan_every = plan_every
        self.dispatch_every = dispatch_every
        self.scheduler = AsyncIOScheduler(
            timezone=zone,
            # misfire_grace_time=None: a tick missed while the loop was busy still runs (the default of
            # 1 s silently drops it); coalesce so a backlog runs once.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    async def start(self) -> None:
        """Recover, plan, deliver what is due, then run on the schedule: done when all that is."""
        await self._recover()
        await self._begin()

    async def start_in_background(self, then: Callable[[], None] | None = None) -> None:
        """Recover now, and plan, deliver and schedule in the background, so a server answers while the first
        pass runs (a pass over a large municipality takes seconds to minutes); `then` once the schedule runs (not if
        starting it failed or was stopped). `shutdown` stops it."""
        await self._recover()
        self._starting = asyncio.create_task(self._begin(then))
        self._starting.add_done_callback(_log_failure)

    @property
    def state(self) -> str:
        """For /healthz: "starting" until the first pass is done and the schedule runs, then "running"."""
        if self._stopped:
            return "stopped"
        if self.scheduler.running:
            return "running"
        return "starting" if self._starting is not None and not self._starting.done() else "stopped"

    async def _recover(self) -> None:
        # With SQLite there is only one process, so any row left in `sending` is ours from before a crash. This
        # comes before any command can start a delivery of its own, which it must not take back.
        await self.dispatcher.recover(everything=self.db.is_sqlite)

    async def _begin(self, then: Callable[[], None] | None = None) -> None:
        await self.plan()
        # Tracked as the scheduled deliveries are: a stop now cancels the start, not a delivery halfway.
        await asyncio.shield(_started(self.dispatch, self._tasks))
        plan_every, dispatch_every = self.plan_every.total_seconds(), self.dispatch_every.total_seconds()
        self.scheduler.add_job(self._tracked(self.plan, self._planning), IntervalTrigger(seconds=plan_every), id="plan")
        self.scheduler.add_job(
            self._tracked(self.dispatch, self._tasks), IntervalTrigger(seconds=dispatch_every), id="dispatch"
        )
        # Nightly, at 03:30 local: outside 02:00–02:59, which a DST change skips or repeats.
        self.scheduler.add_job(
            self._tracked(self.purge, self._tasks), CronTrigger(hour=3, minute=30, timezone=self.zone), id="retention"
        )
        self.scheduler.start()
        if then is not None:
            try:
                then()
            except Exception:  # the schedule runs: this is not a failed start (`_log_failure`)
                log.exception("after the first planner pass")

    @staticmethod
    def _tracked(job: Callable[[], Awaitable[Any]], running: set[asyncio.Task[Any]]) -> Callable[[], Awaitable[None]]:
        """`job` as APScheduler runs it: in a task of its own, in `running` until done and shielded from
        APScheduler's shutdown, which would cancel a delivery halfway (its rows left `sending` until recovered).
        `stop` decides instead: it waits for deliveries and cancels passes."""

        @functools.wraps(job)  # APScheduler's log lines name the job by this
        async def run() -> None:
            task = _started(job, running)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # APScheduler's shutdown, not an error of the job: a delivery goes on until `stop` has waited for
                # it, a pass is cancelled by `stop` itself. Nothing awaits this wrapper but APScheduler.
                return

        return run

    def shutdown(self) -> None:
        if self._starting is not None and not self._starting.done():
            # A first pass still running is dropped; every pass is idempotent and the next start plans again.
            self._starting.cancel()
        for task in self._planning:
            task.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def stop(self, timeout: float = 10.0) -> None:
        """`shutdown`, then wait until the passes it cancelled have let go of the database and the deliveries
        `replan` or the schedule started (and a running purge) are done; those still running after `timeout` are
        cancelled: the outbox keeps them."""
        self._stopped = True
        self.shutdown()
        pending = {task for task in (self._starting, *self._planning, *self._tasks) if task and not task.done()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    async def plan(self) -> None:
        try:
            await plan_all(self.db, now=self.clock.now(), zone=self.zone)
        except Exception:
            log.exception("planning failed; the next run tries again")

    async def purge(self) -> int:
        """Delete closed cases older than the retention period; returns how many went."""
        try:
            now = self.clock.now()
            before = months_before(now.astimezone(self.zone).date(), self.retention_months)
            async with self.db.write() as session:
                purged = await purge_closed_cases(session, closed_before=before, now=now)
                # Signatures expire after five minutes, so an hour-old record of one can never match again.
                await requests.forget_before(session, now - timedelta(hours=1))
            if purged:
                log.info("retention: purged %d closed case(s)", len(purged))
            return len(purged)
        except Exception:
            log.exception("retention purge failed; it runs again tomorrow")
            return 0

    async def replan(self, case_id: int) -> None:
        """Re-plan one case after a change, then deliver what is due now (e.g. a 'meeting moved' notice)
        in the background, so the user's reply is not held up."""
        await plan_case(self.db, case_id, now=self.clock.now(), zone=self.zone)
        if self._stopped:
            return  # the outbox has it; the next start delivers it
        task = asyncio.create_task(self.dispatch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background deliveries started by `replan`."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def dispatch(self) -> DispatchStats:
        try:
            await self.dispatcher.recover()
            return await self.dispatcher.dispatch_due()
        except Exception:
            log.exception("dispatching failed; the next run tries again")
            return DispatchStats()


def _started(job: Callable[[], Awaitable[Any]], running: set[asyncio.Task[Any]]) -> asyncio.Task[Any]:
    """`job` in a task of its own, in `running` until it is done."""
    task = asyncio.ensure_future(job())
    running.add(task)
    task.add_done_callback(running.discard)
    return task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("starting the scheduler failed: %s", type(error).__name__, exc_info=error)

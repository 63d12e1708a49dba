"""A long-running server's start-up ends by settling the heap (runtime.settle_heap): what it holds by then is left
out of Python's full garbage collections, which walked all of it with the event loop stopped (80–120 ms, now and
then in the middle of a load)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from teambot.config import Settings
from teambot.runtime import Runtime
from teambot.scheduler import runtime as scheduler_runtime
from teambot.slack import serve
from teambot.slack.serve import make_asgi
from teambot.store.db import Database
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # a test process starts many apps: none of them may keep its heap out of collection


def _runtime(database_url: str, clock: FakeClock, fake_slack: FakeSlack) -> Runtime:
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s" * 32,
        SLACK_API_URL=fake_slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )
    return Runtime(settings=settings, db=Database(database_url), clock=clock)


def _walked_by_a_full_collection(thing: object) -> bool:
    return any(held is thing for held in gc.get_objects(generation=2))


async def test_a_served_app_settles_its_heap_once_started_and_a_test_s_app_does_not(
    database_url: str, db: Database, clock: FakeClock, fake_slack: FakeSlack, unfrozen: None
) -> None:
    """`db`: the database, migrated."""
    plain = make_asgi(_runtime(database_url, clock, fake_slack), with_scheduler=False)
    served = make_asgi(_runtime(database_url, clock, fake_slack), with_scheduler=False, settle=True)
    assert plain.on_startup and plain.on_shutdown and served.on_startup and served.on_shutdown
    await plain.on_startup()
    try:
        assert gc.get_freeze_count() == 0
    finally:
        await plain.on_shutdown()
    gc.collect()
    assert _walked_by_a_full_collection(served)
    await served.on_startup()
    try:
        assert gc.get_freeze_count() > 0
        assert not _walked_by_a_full_collection(served)
    finally:
        await served.on_shutdown()


class _Loaded:
    """Stands for what a planner pass loads for good (the holidays of the calendar's countries)."""


Serving = Callable[[], AbstractAsyncContextManager[bool]]


@pytest.fixture
def serving(database_url: str, db: Database, clock: FakeClock, fake_slack: FakeSlack, unfrozen: None) -> Serving:
    """A served app (`teambot run`'s), started and past its first planner pass: whether its schedule runs."""

    @asynccontextmanager
    async def served_past_its_first_pass() -> AsyncIterator[bool]:
        served = make_asgi(_runtime(database_url, clock, fake_slack), settle=True)
        assert served.on_startup and served.on_shutdown and served.health
        await served.on_startup()
        try:
            for _ in range(500):
                if served.health()[1]["scheduler"] != "starting":
                    break
                await asyncio.sleep(0.01)
            yield served.health() == (True, {"scheduler": "running"})
        finally:
            await served.on_shutdown()

    return served_past_its_first_pass


async def test_what_the_first_planner_pass_loads_for_good_is_settled_after_it(
    serving: Serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass runs behind the open port, after the start-up's settling: what it loads was walked by every full
    collection (24,000 objects, 8–10 ms with the event loop stopped, in the benchmark's load)."""
    loaded: list[_Loaded] = []

    async def plan_loading(db: Database, *, now: datetime, zone: ZoneInfo) -> None:
        loaded.append(_Loaded())

    monkeypatch.setattr(scheduler_runtime, "plan_all", plan_loading)
    async with serving() as running:
        assert running
        [pass_loaded] = loaded
        gc.collect()  # what survives it ends in the generation a full collection walks, unless settled
        assert not _walked_by_a_full_collection(pass_loaded)


async def test_a_failure_settling_after_the_first_pass_is_logged_and_the_schedule_runs_on(
    serving: Serving, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settled: list[str] = []

    def settle_or_fail() -> None:
        settled.append("settled")
        if len(settled) == 2:  # the one after the first pass
            raise MemoryError("no room")

    monkeypatch.setattr(serve, "settle_heap", settle_or_fail)
    async with serving() as running:
        assert running and len(settled) == 2
        assert "after the first planner pass" in caplog.text
        assert "starting the scheduler failed" not in caplog.text

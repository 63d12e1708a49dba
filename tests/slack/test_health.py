"""`GET /healthz`: 200 while the bot answers and reminds (or is about to: "starting"), 503 once its scheduler has
stopped, so a supervisor restarts it or a load balancer stops sending to it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from teambot.config import Settings
from teambot.runtime import Runtime
from teambot.scheduler.runtime import BotScheduler
from teambot.slack.http import TeambotASGI
from teambot.slack.serve import make_asgi
from teambot.store.db import Database
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack


async def healthz(app: TeambotASGI) -> tuple[int, dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": "GET", "path": "/healthz", "headers": []}, receive, send)
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.fixture
def app(database_url: str, db: Database, clock: FakeClock, fake_slack: FakeSlack) -> TeambotASGI:
    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s" * 32,
        SLACK_API_URL=fake_slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )
    return make_asgi(Runtime(settings=settings, db=Database(database_url), clock=clock))


async def _until_running(app: TeambotASGI) -> tuple[int, dict[str, Any]]:
    for _ in range(500):
        status, body = await healthz(app)
        if body.get("scheduler") != "starting":
            return status, body
        await asyncio.sleep(0.01)
    raise AssertionError("the first planner pass did not finish in 5 s")


async def test_healthy_while_running_and_503_once_stopped(app: TeambotASGI) -> None:
    assert app.on_startup is not None and app.on_shutdown is not None
    await app.on_startup()
    running = await _until_running(app)
    await app.on_shutdown()

    assert running == (200, {"status": "ok", "scheduler": "running"})
    assert await healthz(app) == (503, {"status": "unavailable", "scheduler": "stopped"})


async def test_a_schedule_that_failed_to_start_is_reported_unavailable(
    app: TeambotASGI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port is open and commands are answered, but no reminder will ever go out: that is not healthy."""

    async def broken(self: BotScheduler, then: Any = None) -> None:
        raise RuntimeError("the job store refused the jobs")

    monkeypatch.setattr(BotScheduler, "_begin", broken)
    assert app.on_startup is not None and app.on_shutdown is not None
    await app.on_startup()
    try:
        assert await _until_running(app) == (503, {"status": "unavailable", "scheduler": "stopped"})
    finally:
        await app.on_shutdown()

"""Shared fixtures: database (SQLite file, or PostgreSQL when TEAMBOT_TEST_DATABASE_URL is set), fake
clock in Europe/Copenhagen, fake Slack Web API, demo data, and a command runner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from teambot.commands import Context, Reply, run_action, run_command
from teambot.demo import load_demo
from teambot.i18n import set_language
from teambot.slack.listeners import commands as commands_listener
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import open_test_database, test_database_url
from teambot.testing.fake_slack import FakeSlack

# Thursday of ISO week 47, 2026, mid-afternoon: a working day.
DEFAULT_NOW = datetime(2026, 11, 19, 15, 0)


@pytest.fixture(autouse=True)
def _danish() -> Iterator[None]:
    set_language("da")
    yield
    set_language("da")


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's .env or real Slack credentials."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "TEAMBOT_DATABASE_URL",
        "TEAMBOT_TIMEZONE",
        "TEAMBOT_LANGUAGE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slow_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every slash command takes longer than its acknowledgement may wait (none at all): acknowledged empty, answered
    at the response URL. Each command really waits a moment first: a command that never waits (a /rating whose
    statements all run on the loop's thread) is done before even a zero wait is up, and answers in the ack."""
    monkeypatch.setattr(commands_listener, "ANSWER_IN_ACK_SECONDS", 0.0)
    run = commands_listener.run_command

    async def slow_run(*args: Any, **kwargs: Any) -> Reply:
        await asyncio.sleep(0.01)
        return await run(*args, **kwargs)

    monkeypatch.setattr(commands_listener, "run_command", slow_run)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DEFAULT_NOW, COPENHAGEN)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return test_database_url(tmp_path)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = open_test_database(tmp_path)
    yield database
    await database.dispose()


@pytest.fixture
async def demo_db(db: Database, clock: FakeClock) -> Database:
    await load_demo(db, now=clock.now(), zone=COPENHAGEN)
    return db


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture(scope="module")
def module_slack() -> Iterator[FakeSlack]:
    """One fake Slack for a whole module (stopping one waits half a second for its serve loop); a module that
    uses it overrides `fake_slack` with `module_slack.reset()` so each test starts with a clean record."""
    with FakeSlack() as server:
        yield server


class Runner:
    """Runs commands and button presses as one user, the way every transport does."""

    def __init__(self, db: Database, clock: FakeClock) -> None:
        self.db = db
        self.clock = clock
        self.public_url: str | None = None

    def context(self, user: str) -> Context:
        return Context(db=self.db, clock=self.clock, user_id=user, public_url=self.public_url)

    async def __call__(self, user: str, line: str) -> Reply:
        slash, _, text = line.partition(" ")
        return await run_command(self.context(user), slash, text)

    async def press(self, user: str, action_id: str, value: str) -> Reply:
        return await run_action(self.context(user), action_id, value)


@pytest.fixture
def run(demo_db: Database, clock: FakeClock) -> Runner:
    return Runner(demo_db, clock)

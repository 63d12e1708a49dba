"""Faults: a dispatcher process SIGKILLed at random moments and restarted, again and again, still delivers every
planned notification exactly once; with the fake Slack answering a fifth of all calls with 429 or 500, too.

The worker processes (crash_worker.py) talk to a fake Slack Web API over HTTP; the test reads the database and
the fake's record of posted messages between runs. Every other kill happens at a random moment 20–400 ms after a
worker starts (during recovery, between claiming rows and posting them, or between posting and recording); the
others 0–50 ms after the worker's first post, so that some land between posting and recording on a slow machine.
To make sure there is work left to interrupt for all 30 kills, the workers pace posts to one recipient 0.2 s apart
(production: 1 s) and claim 40 rows at a time (production: 200); once the kills are done, one last run finishes
the rest.

Runs on SQLite and on PostgreSQL (TEAMBOT_TEST_DATABASE_URL), like the rest of the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import create_engine, text

from teambot.commands.notices import as_payload, plain_notice
from teambot.scheduler.dispatcher import MAX_ATTEMPTS, Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.store import outbox
from teambot.store.db import Database, sync_url
from teambot.store.models import Notification
from teambot.testing import database as test_databases
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import load_small_roster

WORKER = Path(__file__).with_name("crash_worker.py")
ROWS = 300
RECIPIENTS = 30  # ten notifications each, due one after another
MIN_KILLS = 30
KILL_AFTER_S = (0.02, 0.4)
KILL_AFTER_POST_S = (0.0, 0.05)  # for the kills timed from a worker's first post
POST_WAIT_S = 5.0
MAX_RUNS = 120
BUDGET_S = 45.0  # for one variant, kills and the final run together
PACE_S = 0.2  # the dispatcher's pause between two posts to one recipient while killing (production: 1 s)
FINAL_PACE_S = 0.01  # the last run is left alone to finish
WHY = "Du får denne besked, fordi du er med i en test."


@dataclass
class Outcome:
    runs: int = 0
    kills: int = 0
    kills_with_work_left: int = 0  # the killed worker left notifications pending or half-sent
    kills_between_post_and_record: int = 0  # ... some of them already posted to Slack but not yet marked sent
    posted_unrecorded_max: int = 0
    finished_by_itself: int = 0
    seconds: float = 0.0
    history: list[str] = field(default_factory=list)


class Zygote:
    """crash_worker.py as a child process, forking one worker per run."""

    def __init__(self, database_url: str, api_url: str, log: IO[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), database_url, api_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.running: int | None = None  # the worker started last, until it has been waited for
        threading.Thread(target=self._read, daemon=True).start()
        assert self.answer(30.0) == "ready"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def answer(self, timeout: float) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"crash_worker.py did not answer within {timeout} s") from None

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def run(self, offset: float, speed: float, pace: float) -> int:
        self.send(f"run {offset} {speed} {pace}")
        word, pid = self.answer(10.0).split()
        assert word == "pid"
        self.running = int(pid)
        return self.running

    def wait(self, pid: int, timeout: float) -> int:
        self.send(f"wait {pid}")
        word, ended, code = self.answer(timeout).split()
        assert (word, int(ended)) == ("exit", pid)
        self.running = None
        return int(code)

    def close(self) -> None:
        if self.running is not None:  # a test that failed half-way leaves no worker behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.running, signal.SIGKILL)
        try:
            self.send("quit")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


# -- the database ----------------------------------------------------------------------------------------------


def planned_keys() -> list[str]:
    return [f"crash:{i:04d}" for i in range(ROWS)]


async def _seed(database_url: str) -> None:
    now = datetime.now(UTC)
    db = Database(database_url)
    try:
        await load_small_roster(db, now=now)
        planned = []
        for i, key in enumerate(planned_keys()):
            recipient = f"U0CRASH{i // (ROWS // RECIPIENTS):03d}"
            notice = plain_notice(f"Påmindelse nr. {i}: statusmøde for AK12", WHY)
            planned.append(
                outbox.Planned(
                    dedupe_key=key,
                    kind="meeting.reminder",
                    recipient=recipient,
                    subject="AK12",
                    due_at=now - timedelta(hours=1) + timedelta(seconds=i),
                    # The meeting is far ahead, even on the chaos variant's fast clock: nothing is "missed".
                    payload=as_payload(notice, event_at=(now + timedelta(days=60)).isoformat()),
                )
            )
        async with db.write() as session:
            await outbox.insert_new(session, planned, now)
    finally:
        await db.dispose()


def seeded_database(folder: Path) -> str:
    url = test_databases.test_database_url(folder)
    test_databases.prepare(url)
    asyncio.run(_seed(url))
    return url


def statuses(database_url: str) -> dict[str, int]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, count(*) FROM notification GROUP BY status"))
            return {str(status): int(n) for status, n in rows}
    finally:
        engine.dispose()


def rows_with(database_url: str, where: str) -> list[tuple[Any, ...]]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            query = f"SELECT dedupe_key, status, message_ts, attempts, last_error FROM notification WHERE {where}"
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


# -- the loop --------------------------------------------------------------------------------------------------


def wait_for_a_post(stats: Callable[[], dict[str, Any]], *, posted_before: int, timeout: float) -> None:
    """Until the fake Slack has a post more than `posted_before` (or `timeout` passed: the worker may have found
    nothing left to post; it is killed all the same)."""
    deadline = time.monotonic() + timeout
    while stats()["posted"] <= posted_before and time.monotonic() < deadline:
        time.sleep(0.005)


def crash_loop(
    database_url: str,
    api_url: str,
    stats: Callable[[], dict[str, Any]],
    log_path: Path,
    *,
    seed: int,
    speed: float,
) -> Outcome:
    """Start a worker, SIGKILL it at a random moment, restart; after MIN_KILLS kills let one run finish."""
    rng = random.Random(seed)
    outcome = Outcome()
    started = time.monotonic()
    with log_path.open("w") as log:
        zygote = Zygote(database_url, api_url, log)
        try:
            while True:
                assert outcome.runs < MAX_RUNS, f"not done after {MAX_RUNS} runs: {outcome}"
                left = BUDGET_S - (time.monotonic() - started)
                assert left > 0, f"not done within {BUDGET_S} s: {outcome}"
                # Each run's clock starts after the previous one's stopped (a run lives < 1 s, i.e. < 10 minutes
                # at 600x), so every retry backoff (at most 15 minutes) has passed by the next run.
                offset = 0 if speed == 1 else outcome.runs * 1200
                killing = outcome.kills < MIN_KILLS
                posted_before = stats()["posted"]
                pid = zygote.run(offset, speed, PACE_S if killing else FINAL_PACE_S)
                outcome.runs += 1
                if not killing:
                    code = zygote.wait(pid, timeout=left)
                    assert code == 0, f"the last run failed with {code}: see {log_path}"
                    outcome.history.append("finished")
                    break
                if outcome.runs % 2:
                    time.sleep(rng.uniform(*KILL_AFTER_S))
                else:
                    # Every other kill waits for this worker's first post, so kills land between posting and
                    # recording however slowly a loaded machine starts the worker.
                    wait_for_a_post(stats, posted_before=posted_before, timeout=POST_WAIT_S)
                    time.sleep(rng.uniform(*KILL_AFTER_POST_S))
                os.kill(pid, signal.SIGKILL)  # the worker is a zombie at worst until `wait`, so the pid is its own
                code = zygote.wait(pid, timeout=10.0)
                if code == 0:  # everything was delivered before the kill: the workload was too small
                    outcome.finished_by_itself += 1
                    outcome.history.append("done")
                    break
                assert code == -signal.SIGKILL, f"worker ended with {code}: see {log_path}"
                outcome.kills += 1
                counts = statuses(database_url)
                unfinished = counts.get("pending", 0) + counts.get("sending", 0)
                posted_unrecorded = stats()["posted"] - counts.get("sent", 0)
                outcome.kills_with_work_left += unfinished > 0
                outcome.kills_between_post_and_record += posted_unrecorded > 0
                outcome.posted_unrecorded_max = max(outcome.posted_unrecorded_max, posted_unrecorded)
                outcome.history.append(f"{counts.get('sent', 0)}/{counts.get('sending', 0)}/{posted_unrecorded}")
        finally:
            zygote.close()
    outcome.seconds = time.monotonic() - started
    return outcome


def assert_exactly_once(database_url: str, slack_stats: dict[str, Any], outcome: Outcome, log_path: Path) -> None:
    summary = (
        f"{outcome.runs} runs, {outcome.kills} kills ({outcome.kills_with_work_left} with work left, "
        f"{outcome.kills_between_post_and_record} between posting and recording, at most "
        f"{outcome.posted_unrecorded_max} posted rows unrecorded), {outcome.seconds:.1f} s; "
        f"Slack calls {slack_stats['calls']}; sent/sending/posted-unrecorded after each kill: "
        f"{' '.join(outcome.history)}"
    )
    rows = rows_with(database_url, "status = 'sent'")
    summary += f"; claims per row at most {max((row[3] for row in rows), default=0)}"
    print(summary)
    # (key, status, message_ts, attempts, last_error) of any row not delivered
    assert rows_with(database_url, "status <> 'sent'") == [], summary
    assert statuses(database_url) == {"sent": ROWS}, summary
    assert slack_stats["posted"] == ROWS, summary
    assert slack_stats["duplicate_keys"] == 0, summary
    assert sorted(row[0] for row in rows) == planned_keys()
    assert len({row[2] for row in rows if row[2]}) == ROWS, "every row records the ts of its own message"
    assert outcome.kills >= MIN_KILLS, summary
    assert outcome.kills_with_work_left >= MIN_KILLS, summary
    assert outcome.kills_between_post_and_record > 0, summary
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-4000:]


# -- the tests -------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_slack_process() -> Iterator[str]:
    """`python -m teambot.testing.fake_slack` in its own process; yields its API URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "teambot.testing.fake_slack"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        api_url = process.stdout.readline().strip()
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/api/"), api_url
        yield api_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def quietly_drop_connections_of_killed_workers(slack: FakeSlack) -> None:
    """A worker killed mid-request leaves the fake's answer with nowhere to go; that is the point, not an error."""
    report = slack._server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, client_address)

    slack._server.handle_error = handle_error


def remote_stats(api_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(api_url.removesuffix("api/") + "_stats", timeout=10) as response:
        stats: dict[str, Any] = json.loads(response.read())
        return stats


def test_sigkilled_dispatchers_deliver_every_notification_exactly_once(tmp_path: Path, fake_slack_process: str) -> None:
    database_url = seeded_database(tmp_path)
    log_path = tmp_path / "workers.log"

    outcome = crash_loop(
        database_url, fake_slack_process, lambda: remote_stats(fake_slack_process), log_path, seed=8, speed=1
    )

    assert_exactly_once(database_url, remote_stats(fake_slack_process), outcome, log_path)


def test_sigkilled_dispatchers_lose_nothing_when_slack_answers_a_fifth_of_calls_with_429_or_500(
    tmp_path: Path,
) -> None:
    """The command-line fake has no chaos switch, so this one runs in the test process (a thread); the workers
    are still separate processes. Their clock runs 600 times as fast so that 500s' backoffs pass quickly."""
    database_url = seeded_database(tmp_path)
    log_path = tmp_path / "workers.log"
    with FakeSlack() as slack:
        slack.set_chaos(0.2, seed=8)
        quietly_drop_connections_of_killed_workers(slack)

        outcome = crash_loop(database_url, slack.api_url, slack.stats, log_path, seed=81, speed=600)

        stats = slack.stats()
        failures = sum(1 for call in slack.calls if call.method == "chat.postMessage") - stats["posted"]
        print(f"chat.postMessage answered 429/500 {failures} times")
        assert failures > 0
        assert_exactly_once(database_url, stats, outcome, log_path)


async def test_claims_cut_short_by_crashes_do_not_use_up_a_notifications_retries(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """What the chaos variant above runs into, step by step: eight workers each claim a row and die before posting
    it (recovery finds nothing posted and puts it back), then one real attempt gets a 500. That is the row's first
    failed delivery, so it must be retried, not given up as `failed` (MAX_ATTEMPTS counts claims today)."""
    await load_small_roster(db, now=clock.now())
    notice = plain_notice("Påmindelse: statusmøde for AK12", WHY)
    planned = outbox.Planned(
        dedupe_key="crash:one",
        kind="meeting.reminder",
        recipient="U0CRASH000",
        subject="AK12",
        due_at=clock.now(),
        payload=as_payload(notice, event_at=(clock.now() + timedelta(days=60)).isoformat()),
    )
    async with db.write() as session:
        await outbox.insert_new(session, [planned], clock.now())
    messenger = SlackMessenger(AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test"))

    for crash in range(MAX_ATTEMPTS):
        async with db.write() as session:  # what dispatch_due does first; then the process is killed
            [claimed] = await outbox.claim_due(
                session, now=clock.now(), worker=f"killed-{crash}", limit=10, is_postgres=not db.is_sqlite
            )
        clock.advance(seconds=5)
        assert await Dispatcher(db, messenger, clock).recover(everything=True) == 1
    assert fake_slack.calls_to("chat.postMessage") == []

    fake_slack.fail("chat.postMessage", status=500)
    stats = await Dispatcher(db, messenger, clock).dispatch_due()
    async with db.read() as session:
        row = await session.get(Notification, claimed.id)
    assert row is not None
    assert (stats.failed, row.status) == (0, "pending"), f"after one failed post: {row.status}, attempts {row.attempts}"

    clock.advance(minutes=20)
    assert (await Dispatcher(db, messenger, clock).dispatch_due()).sent == 1
    assert fake_slack.stats()["posted"] == 1

"""A dispatcher worker for the crash-restart test, run as its own process:

    python crash_worker.py DATABASE_URL SLACK_API_URL

Python needs about 1.5 s to import teambot, so this process imports once and forks a fresh worker process for
every run; the test SIGKILLs the worker at a random moment. Commands on stdin, answers on stdout, one a line:

    run OFFSET SPEED PACE  fork a worker: its clock starts OFFSET seconds ahead of the system clock and runs SPEED
                           times as fast (0 1: the real SystemClock); PACE is the dispatcher's min_interval in
                           seconds. Answers "pid N".
    wait PID               wait for that worker to end. Answers "exit PID CODE" (CODE -9: killed by SIGKILL).
    quit

Each worker does what `teambot run` does at start-up and on every tick: `recover(everything=True)`, then
`dispatch_due()` and `recover()` in a loop, and exits with 0 once no notification is pending or being sent.
Workers log to stderr (WARNING and up).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func
from sqlmodel import col, select

from teambot.domain.clock import Clock, SystemClock
from teambot.scheduler.dispatcher import Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.testing.clock import RunningClock

BATCH = 40  # rows claimed per transaction (production: 200; smaller so a run is killed mid-batch more often)
RECORD_EVERY = 16  # outcomes written per transaction (production: 100)


async def unfinished(db: Database) -> int:
    async with db.read() as session:
        query = (
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.status).in_([outbox.PENDING, outbox.SENDING]))
        )
        return int((await session.exec(query)).one())


async def dispatch_until_done(database_url: str, api_url: str, clock: Clock, pace: float) -> None:
    db = Database(database_url)
    client = AsyncWebClient(token="xoxb-crash-test", base_url=api_url, timeout=10)
    dispatcher = Dispatcher(
        db, SlackMessenger(client), clock, batch=BATCH, record_every=RECORD_EVERY, min_interval=pace
    )
    try:
        await dispatcher.recover(everything=True)
        while await unfinished(db):
            await dispatcher.dispatch_due()
            await dispatcher.recover()
            await asyncio.sleep(0.005)
    finally:
        await db.dispose()


def worker(database_url: str, api_url: str, offset: float, speed: float, pace: float) -> None:
    """The forked worker: never returns into the parent's loop, never touches stdout."""
    code = 1
    try:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="worker %(levelname)s %(message)s")
        clock: Clock = (
            SystemClock()
            if (offset, speed) == (0, 1)
            else RunningClock(datetime.now(UTC) + timedelta(seconds=offset), speed)
        )
        asyncio.run(dispatch_until_done(database_url, api_url, clock, pace))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    database_url, api_url = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    for line in sys.stdin:
        command, *args = line.split()
        if command == "run":
            offset, speed, pace = (float(a) for a in args)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                worker(database_url, api_url, offset, speed, pace)
            print(f"pid {pid}", flush=True)
        elif command == "wait":
            pid = int(args[0])
            _, status = os.waitpid(pid, 0)
            print(f"exit {pid} {os.waitstatus_to_exitcode(status)}", flush=True)
        elif command == "quit":
            return


if __name__ == "__main__":
    main()

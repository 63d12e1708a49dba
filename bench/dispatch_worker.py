"""One benchmark worker process: `python -m bench.dispatch_worker teambot|plain ...`.

It sets itself up (imports, a database connection, one call to each fake Slack), prints `ready`, waits for
`go` on stdin and then works; the parent times from `go` to the last worker's answer, so start-up is not
measured. The answer is one JSON line: {"sent": n, "seconds": s, "cpu": s}.

`teambot` runs the real Dispatcher until it finds nothing left to claim; `plain` posts its share of the same
messages (every k-th, from `--part i/k`) with a bare AsyncWebClient, the same number at a time as the
dispatcher (8), to measure what the fake Slack and the machine allow at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bench.dispatch import CONCURRENCY, NOW, TEXT, FixedClock, planned
from bench.fake_server import pick
from teambot.commands.messenger import notification_metadata
from teambot.commands.registry import Reply
from teambot.scheduler.dispatcher import Dispatcher
from teambot.slack.messenger import SlackMessenger
from teambot.slack.web import close_connections, keep_connections
from teambot.store.db import Database

cpu_at_go = 0.0  # this process's CPU time at `go`, so the answer reports the CPU the work itself took


class SpreadMessenger:
    """The real SlackMessenger, one per fake Slack process, chosen by recipient (see `pick`)."""

    def __init__(self, clients: list[AsyncWebClient]) -> None:
        self.messengers = [SlackMessenger(c) for c in clients]

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        return await self.messengers[pick(recipient, len(self.messengers))].send(recipient, reply, metadata=metadata)

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        return await self.messengers[pick(recipient, len(self.messengers))].find_sent(recipient, key, since, until)


async def _ready(clients: list[AsyncWebClient], db: Database | None) -> float:
    """Warm up, say so, wait for `go`; the instant of `go`."""
    for client in clients:
        await client.auth_test()
    if db is not None:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != "go":
        raise SystemExit("expected go")
    global cpu_at_go
    cpu_at_go = time.process_time()
    return time.perf_counter()


async def run_teambot(args: argparse.Namespace, clients: list[AsyncWebClient]) -> tuple[int, float]:
    db = Database(args.database)
    dispatcher = Dispatcher(db, SpreadMessenger(clients), FixedClock(NOW), batch=args.batch, concurrency=CONCURRENCY)
    started = await _ready(clients, db)
    stats = await dispatcher.dispatch_due()
    elapsed = time.perf_counter() - started
    await db.dispose()
    return stats.sent, elapsed


async def run_plain(args: argparse.Namespace, clients: list[AsyncWebClient]) -> tuple[int, float]:
    index, parts = (int(x) for x in args.part.split("/"))
    mine = planned(args.count, recipients=args.recipients)[index::parts]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def post(recipient: str, key: str) -> None:
        async with gate:
            await clients[pick(recipient, len(clients))].chat_postMessage(
                channel=recipient, text=TEXT, metadata=notification_metadata(key)
            )

    started = await _ready(clients, None)
    await asyncio.gather(*(post(row.recipient, row.dedupe_key) for row in mine))
    return len(mine), time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch_worker")
    parser.add_argument("mode", choices=["teambot", "plain"])
    parser.add_argument("--slack", required=True, help="fake Slack API URLs, comma-separated")
    parser.add_argument("--database", help="teambot: the outbox's database URL")
    parser.add_argument("--batch", type=int, default=500, help="teambot: rows claimed at a time")
    parser.add_argument("--count", type=int, default=0, help="plain: messages in all")
    parser.add_argument("--recipients", type=int, default=None, help="plain: recipients in all")
    parser.add_argument("--part", default="0/1", help="plain: this worker's share, i/k")
    args = parser.parse_args()
    clients = [AsyncWebClient(token="xoxb-bench", base_url=url) for url in args.slack.split(",")]
    for client in clients:
        keep_connections(client)  # as the running bot's client
    sent, seconds = await (run_teambot(args, clients) if args.mode == "teambot" else run_plain(args, clients))
    for client in clients:
        await close_connections(client)
    cpu = time.process_time() - cpu_at_go
    print(json.dumps({"sent": sent, "seconds": seconds, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())

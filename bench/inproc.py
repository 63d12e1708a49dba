"""CPU per signed `/rating` in-process: the requests handed to the ASGI apps directly, without uvicorn or sockets.

`python -m bench.inproc [--database postgresql://…] [--requests N] [--only teambot|bare|both] [--work DIR] [--reuse]
[--ack-budget S]` sets up the bench's load database (bench/slash_load.py's municipality and ratings), serves
teambot's ASGI app as `teambot run --http` builds it (`make_asgi`, without the scheduler, lifespan start-up run)
against the fake Slack, and drives N signed `/rating` requests through it, 16 at a time; then the bare Bolt app
(bench/bare_app.py, Bolt's defaults and acking on return) the same way. It prints the process's CPU per request for
each and their ratio, and checks that every rating was answered "Registreret" and stored.

Not a served benchmark: no sockets, no load generator beside it, so it measures the bot's own work per request, and
under `valgrind --tool=cachegrind` its instruction counts repeat to about 0.1 % on SQLite (about 2 % on PostgreSQL,
whose waits depend on timing), where process time on this shared machine moves ±15–30 %. Per request under
cachegrind: two runs with different N (`--only teambot`), the difference of their counts over the difference of N
(start-up and set-up cancel out). `--work DIR` keeps the generated SQLite database there and copies it for each run;
`--reuse` on PostgreSQL keeps the generated data and only empties what the requests write (rating, audit_entry,
seen_request), so a run under valgrind does not generate again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.database import BenchDatabase
from bench.fake_server import FakeSlackProcess
from bench.harness import today
from bench.http_load import Command
from bench.servers import SECRET, TOKEN
from bench.slash_load import STORED, load_size, rating_commands
from teambot.store.db import Database
from teambot.testing.asgi import Lifespan
from teambot.testing.generate import Size
from teambot.testing.signing import signed_headers, slash_command_body

ASGI = Callable[[dict[str, Any], Any, Any], Coroutine[Any, Any, None]]
CONCURRENCY = 16
WARMUP = 40
WRITTEN = ("rating", "audit_entry", "seen_request")  # what /rating writes; emptied by --reuse


def signed(commands: Sequence[Command]) -> list[tuple[bytes, list[tuple[bytes, bytes]]]]:
    """Bodies and headers as Slack sends them, signed before the clock starts (the same cost for every app)."""
    requests = []
    for command in commands:
        body = slash_command_body(
            command.command, command.text, user_id=command.user_id, response_url="http://127.0.0.1:9/unused"
        )
        headers = [(k.lower().encode(), v.encode()) for k, v in signed_headers(SECRET, body).items()]
        headers += [(b"content-length", str(len(body)).encode()), (b"host", b"127.0.0.1")]
        requests.append((body.encode(), headers))
    return requests


async def post(app: ASGI, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn hands it over; its status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/slack/events",
        "raw_path": b"/slack/events",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 3000),
    }
    sent = False
    status, parts = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # a client still connected: never says it left
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(parts)


async def drive(app: ASGI, requests: Sequence[tuple[bytes, list[tuple[bytes, bytes]]]]) -> list[tuple[int, bytes]]:
    """Every request once, CONCURRENCY at a time; the answers in the order they came."""
    queue = iter(requests)
    answers: list[tuple[int, bytes]] = []

    async def user() -> None:
        for body, headers in queue:
            answers.append(await post(app, body, headers))

    await asyncio.gather(*(user() for _ in range(CONCURRENCY)))
    return answers


def cpu_per_request(started: float, answers: Sequence[tuple[int, bytes]]) -> float:
    return (time.process_time() - started) / len(answers)


async def measure_teambot(url: str, commands: Sequence[Command], budget: float | None = None) -> tuple[float, int, int]:
    """CPU per request, and how many were answered "Registreret" in the acknowledgement."""
    from teambot.config import load_settings
    from teambot.runtime import open_runtime
    from teambot.slack.serve import make_asgi

    os.environ["TEAMBOT_DATABASE_URL"] = url
    runtime = open_runtime(load_settings(http=True))
    if budget is not None:
        from teambot.slack.listeners import commands as listener

        listener.ANSWER_IN_ACK_SECONDS = budget
    app = make_asgi(runtime, with_scheduler=False)
    async with Lifespan(app):
        await drive(app, signed(commands[:WARMUP]))
        requests = signed(commands[WARMUP:])
        started = time.process_time()
        answers = await drive(app, requests)
        per_request = cpu_per_request(started, answers)
    registered = sum(1 for status, body in answers if status == 200 and body and STORED in _text(body))
    return per_request, registered, len(answers)


async def measure_bare(commands: Sequence[Command], *, ack_on_return: bool) -> float:
    from bench.bare_app import build

    app = build(None, ack_on_return=ack_on_return)
    await drive(app, signed(commands[:WARMUP]))
    requests = signed(commands[WARMUP:])
    started = time.process_time()
    answers = await drive(app, requests)
    if any(status != 200 for status, _ in answers):
        raise SystemExit("the bare app refused a request")
    return cpu_per_request(started, answers)


def _text(body: bytes) -> str:
    return str(json.loads(body).get("text", ""))


async def stored(url: str) -> int:
    db = Database(url)
    try:
        async with db.read() as session:
            result = await (await session.connection()).execute(text("SELECT count(*) FROM rating"))
            return int(result.scalar_one())
    finally:
        await db.dispose()


async def prepare(work: Path, database: str | None, size: Size, *, reuse: bool) -> str:
    """The load database: generated (once per `--work` folder on SQLite, copied for each run), or on PostgreSQL
    with `--reuse` the data already there with what the requests write emptied."""
    start = today() - timedelta(days=7)
    if database is not None and reuse:
        db = Database(database)
        async with db.write() as session:
            connection = await session.connection()
            for table in WRITTEN:
                await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608  (fixed names)
        await db.dispose()
        return database
    url = await BenchDatabase(work, database).generated(size, start=start, rating_days=0)
    if database is not None:
        return url
    template = Path(url.removeprefix("sqlite:///"))
    run = work / "inproc-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, run)
    return f"sqlite:///{run}"


async def main(args: argparse.Namespace) -> None:
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="teambot-inproc-"))
    work.mkdir(parents=True, exist_ok=True)
    size = load_size(WARMUP + args.requests)
    commands = rating_commands(size, WARMUP + args.requests)
    with FakeSlackProcess() as fake:
        os.environ.update(
            {
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_API_URL": fake.api_url,
                "TEAMBOT_LANGUAGE": "da",
                "TEAMBOT_TIMEZONE": "Europe/Copenhagen",
            }
        )
        figures: dict[str, float] = {}
        if args.only in ("teambot", "both"):
            url = await prepare(work, args.database, size, reuse=args.reuse)
            per_request, registered, n = await measure_teambot(url, commands, args.ack_budget)
            rows = await stored(url)
            print(f"teambot: {per_request * 1000:.3f} ms CPU a request; {registered}/{n} answered Registreret")
            print(f"rows in rating: {rows} (expected {len(commands)})")
            if registered != n or rows != len(commands):
                raise SystemExit("not every rating was answered and stored")
            figures["teambot"] = per_request
        if args.only in ("bare", "both"):
            for name, on_return in (("bare", False), ("bare on return", True)):
                figures[name] = await measure_bare(commands, ack_on_return=on_return)
                print(f"{name}: {figures[name] * 1000:.3f} ms CPU a request")
        if "teambot" in figures and "bare" in figures:
            for name in ("bare", "bare on return"):
                print(f"teambot vs {name}: {figures['teambot'] / figures[name]:.2f}×")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("TEAMBOT_BENCH_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests (after 40 warm-up)")
    parser.add_argument("--only", choices=("teambot", "bare", "both"), default="both")
    parser.add_argument("--work", help="folder for the SQLite databases (kept; the generated one is reused)")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: keep the generated data, empty the writes")
    parser.add_argument(
        "--ack-budget",
        type=float,
        help="seconds a command may take and still answer in the ack (teambot's 2 s; more under valgrind, where a "
        "request slower than that takes the response URL's path and its count is another path's)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))

"""Scaling out on PostgreSQL: 1 and then 2 dispatcher processes draining one shared outbox.

Each dispatcher is a real OS process (`bench.dispatch_worker`) running the real Dispatcher, which claims rows
with FOR UPDATE SKIP LOCKED; the fake Slack runs in processes of its own. Throughput is messages over the wall
time from `go` to the last worker finding nothing left. Duplicates are counted twice over: posts per metadata
key at the fake Slack, and rows in the database (all `sent`, each claimed once).

The same split with a bare AsyncWebClient (`plain`, no database) is the ceiling: what two processes can gain
on this machine at all, with the fake Slack and the CPU cores shared.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.dispatch import backend, fill_outbox, planned
from bench.fake_server import FakeSlackPool
from bench.report import Result
from teambot.store.db import Database

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    rate: float  # messages/s over the wall time
    worker_busy: float  # CPU per worker process, as a share of one core over the wall time
    fake_busy: float  # the busiest fake Slack process's CPU, likewise


async def _timed(fake: FakeSlackPool, commands: list[list[str]]) -> Run:
    fake_cpu = fake.cpu_seconds()
    wall, sent, cpu = await _workers(commands)
    return Run(sent / wall, cpu / len(commands) / wall, (fake.cpu_seconds() - fake_cpu) / wall)


async def _workers(commands: list[list[str]]) -> tuple[float, int, float]:
    """Start every worker, wait until all are ready, say `go`: wall seconds until the last answers, messages
    sent and CPU seconds used by all of them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.dispatch_worker",
            *command,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for command in commands
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = await process.stdout.readline()
            if line.strip() != b"ready":
                raise RuntimeError(f"worker did not start: {line!r}")
        started = time.perf_counter()
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        answers = await asyncio.gather(*(_answer(p) for p in processes))
        wall = time.perf_counter() - started
        return wall, int(sum(a["sent"] for a in answers)), sum(a["cpu"] for a in answers)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def _answer(process: asyncio.subprocess.Process) -> dict[str, float]:
    assert process.stdout is not None
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError("worker ended without an answer")
    answer: dict[str, float] = json.loads(line)
    return answer


async def _outbox_state(url: str) -> tuple[dict[str, int], int]:
    """Rows per status, and the most times any row was claimed."""
    db = Database(url)
    async with db.engine.connect() as connection:
        counts = await connection.execute(text("SELECT status, count(*) FROM notification GROUP BY status"))
        by_status = {str(status): int(n) for status, n in counts}
        most = (await connection.execute(text("SELECT max(attempts) FROM notification"))).scalar_one()
    await db.dispose()
    return by_status, int(most or 0)


async def _plain(processes: int, *, count: int, recipients: int, fakes: int) -> Run:
    with FakeSlackPool(fakes) as fake:
        common = ["--slack", ",".join(fake.api_urls), "--count", str(count), "--recipients", str(recipients)]
        return await _timed(fake, [["plain", *common, "--part", f"{i}/{processes}"] for i in range(processes)])


async def _teambot(processes: int, url: str, *, count: int, recipients: int, fakes: int) -> tuple[Run, str, bool]:
    """The run; 'posted / duplicate keys / rows sent / most claims of one row'; whether that is all right."""
    await fill_outbox(url, planned(count, recipients=recipients))
    with FakeSlackPool(fakes) as fake:
        run = await _timed(fake, [["teambot", "--slack", ",".join(fake.api_urls), "--database", url]] * processes)
        posted = fake.stats()
    by_status, most_claims = await _outbox_state(url)
    sent = by_status.get("sent", 0)
    ok = posted["posted"] == count and posted["duplicate_keys"] == 0 and by_status == {"sent": count}
    ok = ok and most_claims == 1
    return run, f"{posted['posted']:,} / {posted['duplicate_keys']} / {sent:,} / {most_claims}", ok


def _figure(values: list[float]) -> str:
    """The median, and the range when there was more than one run."""
    middle = f"{statistics.median(values):,.0f}"
    return middle if len(values) == 1 else f"{middle} ({min(values):,.0f}–{max(values):,.0f})"


def _busy(runs: list[Run]) -> str:
    return f"{statistics.median(r.worker_busy for r in runs):.0%} / {statistics.median(r.fake_busy for r in runs):.0%}"


async def bench_scale_out(
    database_url: str, *, count: int, recipients: int | None = None, fakes: int = 1, repeats: int = 2
) -> list[Result]:
    """1 vs 2 dispatcher processes on one database, `repeats` times; each repeat runs 1 and 2 processes back
    to back, so every ratio compares runs made under the same load, and the median ratio is reported.

    By default every message goes to a recipient of its own. Slack allows about one message a second per channel,
    and the dispatcher paces each recipient so: with fewer recipients than messages that pacing, not the claiming,
    bounds any number of dispatchers (2,000 recipients of 5 messages each: at most 2,500 msg/s, and one dispatcher
    already makes about 1,900)."""
    recipients = recipients or count
    where = backend(database_url)
    plain1: list[Run] = []
    plain2: list[Run] = []
    ours1: list[Run] = []
    ours2: list[Run] = []
    checks: list[tuple[str, bool]] = []
    for repeat in range(repeats):
        # Every other repeat runs 2 processes before 1, so a load that drifts (the machine is shared) does not
        # always favour the same side.
        for processes in (1, 2) if repeat % 2 == 0 else (2, 1):
            plain = await _plain(processes, count=count, recipients=recipients, fakes=fakes)
            (plain1 if processes == 1 else plain2).append(plain)
        for processes in (1, 2) if repeat % 2 == 0 else (2, 1):
            run, check, ok = await _teambot(processes, database_url, count=count, recipients=recipients, fakes=fakes)
            (ours1 if processes == 1 else ours2).append(run)
            checks.append((check, ok))

    def ratio(ours: list[Run], anchor: list[Run]) -> float:
        return statistics.median(o.rate / a.rate for o, a in zip(ours, anchor, strict=True))

    def figure(runs: list[Run]) -> str:
        """The median, and the range when there was more than one run."""
        rates = [r.rate for r in runs]
        middle = f"{statistics.median(rates):,.0f}"
        return middle if len(rates) == 1 else f"{middle} ({min(rates):,.0f}–{max(rates):,.0f})"

    scaling = ratio(ours2, ours1)
    return [
        Result(
            f"scale-out {count:,} msgs to {recipients:,} recipients, {where}: 1 dispatcher vs plain (msg/s)",
            figure(ours1),
            figure(plain1),
            ratio(ours1, plain1),
            "report",
            None,
        ),
        Result(
            "scale-out: 2 dispatcher processes vs 1 (msg/s)",
            figure(ours2),
            figure(ours1),
            scaling,
            "> 1.0×",
            scaling > 1.0,
        ),
        Result(
            "scale-out ceiling: plain client, 2 processes vs 1 (msg/s)",
            figure(plain2),
            figure(plain1),
            ratio(plain2, plain1),
            "report",
            None,
        ),
        Result(
            f"scale-out CPU, {fakes} fake Slack: per dispatcher / fake, 2 procs (anchor 1)",
            _busy(ours2),
            _busy(ours1),
            None,
            "report",
            None,
        ),
        Result(
            "scale-out CPU, plain client: per process / fake, 2 procs (anchor 1)",
            _busy(plain2),
            _busy(plain1),
            None,
            "report",
            None,
        ),
        Result(
            "scale-out: posted / dup keys / rows sent / max claims",
            "; ".join(sorted({check for check, _ in checks})),
            f"{count:,} / 0 / {count:,} / 1",
            None,
            "all once, 0 duplicates",
            all(ok for _, ok in checks),
        ),
    ]

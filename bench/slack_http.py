"""The HTTP scenarios in one run: `/rating` under load, `/uge` per size, `/teambot overblik` and memory on the
largest size. One fake Slack and one bare Bolt app serve them all; each teambot process gets its own database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.database import BenchDatabase
from bench.fake_server import FakeSlackProcess
from bench.harness import Harness, today
from bench.http_load import ReplyReceiver
from bench.memory import bench_memory_idle, bench_memory_loaded
from bench.overview import bench_overview
from bench.report import Result
from bench.servers import bare_server, teambot_server
from bench.slash_load import bench_slash_load
from bench.week import bench_week
from teambot.testing.generate import SIZES

RATING_DAYS = 250  # about a year of working days, for every goal
HTTP_SCENARIOS = {"http", "week", "overview", "memory"}


async def bench_http(
    work: Path,
    *,
    only: set[str],
    sizes: list[str],
    database_url: str | None,
    requests: int,
    concurrency: int,
    full_start: bool,
) -> list[Result]:
    if not only & HTTP_SCENARIOS:
        return []
    folder = work / "http"
    folder.mkdir(exist_ok=True)
    db = BenchDatabase(folder, database_url)
    results: list[Result] = []
    with (
        FakeSlackProcess() as fake,
        bare_server(fake.api_url, folder) as bare,
        bare_server(fake.api_url, folder, ack_on_return=True) as on_return,
    ):
        receiver = ReplyReceiver()
        await receiver.start()
        try:
            await asyncio.sleep(2)
            h = Harness(folder, db, fake, receiver, bare, on_return, bare_idle_kb=bare.memory_kb())
            if "memory" in only:
                results += await bench_memory_idle(h)
            if "http" in only:
                results += await bench_slash_load(h, requests=requests, concurrency=concurrency)
            results += await _per_size(h, only=only, sizes=sizes, full_start=full_start)
        finally:
            await receiver.stop()
    for name, seconds in db.generated_seconds.items():
        if seconds > 5:
            results.append(Result(h.label(f"generate {name} (s)"), f"{seconds:,.0f}", "–", None, "report", None))
    return results


async def _per_size(h: Harness, *, only: set[str], sizes: list[str], full_start: bool) -> list[Result]:
    results: list[Result] = []
    medians: dict[str, float] = {}
    for name in sizes:
        largest = name == sizes[-1]
        if not ("week" in only or (largest and only & {"overview", "memory"})):
            continue
        size = SIZES[name]
        url = await h.db.generated(size, start=today(), rating_days=RATING_DAYS)
        # `teambot run --http` plans every case before it opens its port (minutes on L) and then dispatches what
        # is due on its own clock: every size is served the same way, without the scheduler, so sizes compare
        # alone, unless --full-start asks for the real start-up.
        with teambot_server(url, h.fake.api_url, h.work, scheduler=full_start, ready_timeout=3_600) as server:
            if "week" in only:
                rows, medians[name] = await bench_week(h, server, size)
                results += rows
            if largest and "overview" in only:
                results += await bench_overview(h, server, url, size)
            if largest and "memory" in only:
                served = " and ".join(n for n, key in (("/uge", "week"), ("overblik", "overview")) if key in only)
                results += bench_memory_loaded(h, server, name, served or "start-up")
    if len(medians) > 1:
        small, large = sizes[0], sizes[-1]
        growth = medians[large] / medians[small]
        results.append(
            Result(
                h.label(f"/uge {large} vs {small}: median answer (ms)"),
                f"{medians[large] * 1000:.1f}",
                f"{medians[small] * 1000:.1f}",
                growth,
                "≤ 1.5× (flat)",
                growth <= 1.5,
            )
        )
    return results

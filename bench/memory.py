"""Memory of the teambot HTTP process (VmRSS now, VmHWM the peak), versus the bare Bolt app's."""

from __future__ import annotations

import asyncio

from bench.harness import Harness
from bench.report import Result
from bench.servers import Server, teambot_server


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f}"


async def bench_memory_idle(h: Harness) -> list[Result]:
    url = h.db.fresh("empty")
    with teambot_server(url, h.fake.api_url, h.work, scheduler=True, ready_timeout=120) as server:
        await asyncio.sleep(2)  # let start-up work (planner, dispatcher on an empty outbox) settle
        rss, peak = server.memory_kb()
    bare_rss, bare_peak = h.bare_idle_kb
    return [
        Result(
            h.label("memory idle, empty database (MB RSS / peak)"),
            f"{_mb(rss)} / {_mb(peak)}",
            f"{_mb(bare_rss)} / {_mb(bare_peak)}",
            rss / bare_rss,
            "report",
            None,
        )
    ]


def bench_memory_loaded(h: Harness, server: Server, size: str, served: str) -> list[Result]:
    rss, peak = server.memory_kb()
    bare_rss, bare_peak = h.bare.memory_kb()
    return [
        Result(
            h.label(f"memory with {size} after {served} (MB RSS / peak)"),
            f"{_mb(rss)} / {_mb(peak)}",
            f"{_mb(bare_rss)} / {_mb(bare_peak)}",
            rss / bare_rss,
            "report",
            None,
        )
    ]

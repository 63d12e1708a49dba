"""Planning: one full planner pass over a municipality of size S, M (or L), time and peak memory.

The anchor is the indexed SQL read of every active case with its goals, the least work a pass could do; the
ratio of per-case cost between sizes shows whether planning grows linearly.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.report import Result
from teambot.scheduler.planner import plan_all
from teambot.store.db import Database
from teambot.store.migrate import upgrade
from teambot.testing.generate import SIZES, generate

CPH = ZoneInfo("Europe/Copenhagen")
START = date(2027, 3, 1)


async def bench_planning(work: Path, *, sizes: list[str]) -> list[Result]:
    results: list[Result] = []
    per_case: dict[str, float] = {}
    for name in sizes:
        size = SIZES[name]
        url = f"sqlite:///{work / f'plan-{name}.db'}"
        upgrade(url)
        db = Database(url)
        await generate(db, size, start=START)
        now = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)

        started = time.perf_counter()
        async with db.read() as session:
            await (await session.connection()).execute(
                text("SELECT c.id, g.id FROM child_case c JOIN goal g ON g.case_id = c.id WHERE c.status = 'active'")
            )
        anchor = time.perf_counter() - started

        tracemalloc.start()
        started = time.perf_counter()
        await plan_all(db, now=now, zone=CPH)
        first = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        started = time.perf_counter()
        await plan_all(db, now=now, zone=CPH)  # the steady state: every 10 minutes, nothing new
        again = time.perf_counter() - started
        await db.dispose()

        per_case[name] = again / size.cases
        results.append(
            Result(
                f"plan pass {name} ({size.cases:,} cases), first (s)",
                f"{first:.2f}",
                f"{anchor:.3f}",
                first / anchor,
                "report",
                None,
            )
        )
        results.append(
            Result(
                f"plan pass {name}, again (s) / peak MB",
                f"{again:.2f} / {peak / 1e6:.0f}",
                f"{anchor:.3f}",
                again / anchor,
                "report",
                None,
            )
        )
    if len(per_case) > 1:
        small, large = sizes[0], sizes[-1]
        growth = per_case[large] / per_case[small]
        results.append(
            Result(
                f"plan per case {large} vs {small} (ms)",
                f"{per_case[large] * 1000:.1f}",
                f"{per_case[small] * 1000:.1f}",
                growth,
                "≤ 1.5× (linear)",
                growth <= 1.5,
            )
        )
    return results

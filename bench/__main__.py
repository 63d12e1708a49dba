"""`make bench`: one table of scenario, teambot's figure, the anchor's figure, the ratio and the goal.

Every scenario runs against the same local fake Slack Web API (its own process, on loopback) and a fresh
temporary database. Nothing here is part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bench.dispatch import bench_dispatch
from bench.planning import bench_planning
from bench.report import Result, machine_speed, print_table, speed_row
from bench.scale_out import bench_scale_out
from bench.slack_http import bench_http

SCENARIOS = ("dispatch", "planning", "http", "week", "overview", "memory", "scaleout")


async def run(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="teambot-bench-") as folder:
        work = Path(folder)
        if "dispatch" in args.only:
            results += await bench_dispatch(work, count=args.messages, database_url=args.database)
        if "scaleout" in args.only and (args.database or "").startswith("postgresql"):
            # Two dispatcher processes sharing one outbox: PostgreSQL only (SQLite is one process by design).
            # Two fake Slack processes: one dispatcher now keeps a single fake busy enough that a second client
            # process gains nothing even for the plain client (0.94x measured), which would hide the scale-out.
            results += await bench_scale_out(args.database, count=args.messages, fakes=2)
        if "planning" in args.only:
            # A planner pass over L is measured on request only (--plan-l): it is the slowest scenario by far.
            plan_sizes = [s for s in args.sizes if s != "L" or args.plan_l]
            results += await bench_planning(work, sizes=plan_sizes)
        results += await bench_http(
            work,
            only=args.only,
            sizes=args.sizes,
            database_url=args.database,
            requests=args.requests,
            concurrency=args.users,
            full_start=args.full_start,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000, help="notifications to dispatch")
    parser.add_argument(
        "--sizes",
        default="S,M,L",
        help="municipality sizes, smallest first: planning (L only with --plan-l), /uge on each, overblik and memory"
        " on the last",
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"scenarios to run, of {','.join(SCENARIOS)}")
    parser.add_argument(
        "--database",
        default=os.environ.get("TEAMBOT_BENCH_DATABASE_URL"),
        help="postgresql://… to run dispatch and the HTTP scenarios on PostgreSQL (it is emptied!); default SQLite",
    )
    parser.add_argument("--requests", type=int, default=2_000, help="/rating requests under load")
    parser.add_argument("--users", type=int, default=16, help="concurrent users for /rating under load")
    parser.add_argument("--plan-l", action="store_true", help="also run a planner pass over L")
    parser.add_argument(
        "--full-start",
        action="store_true",
        help="serve every size with `teambot run --http` itself, start-up planner pass included",
    )
    args = parser.parse_args()
    args.sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    args.only = {s.strip().lower() for s in args.only.split(",") if s.strip()}
    if unknown := args.only - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    start = machine_speed()
    results = asyncio.run(run(args))
    print_table([speed_row(start, machine_speed()), *results])
    sys.exit(0)


if __name__ == "__main__":
    main()

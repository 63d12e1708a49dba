"""`make bench`: one table of scenario, teambot's figure, the anchor's figure, the ratio and the goal.

Every scenario runs against the same local fake Slack Web API (its own process, on loopback) and a fresh
temporary database. Nothing here is part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench.dispatch import bench_dispatch
from bench.planning import bench_planning
from bench.report import Result, print_table


async def run(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="teambot-bench-") as folder:
        work = Path(folder)
        results += await bench_dispatch(work, count=args.messages)
        results += await bench_planning(work, sizes=args.sizes)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000, help="notifications to dispatch")
    parser.add_argument("--sizes", default="S,M", help="municipality sizes for planning (S, M, L)")
    args = parser.parse_args()
    args.sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    results = asyncio.run(run(args))
    print_table(results)
    sys.exit(0)


if __name__ == "__main__":
    main()

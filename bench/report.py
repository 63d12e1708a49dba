"""The benchmark table."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from datetime import date

# A fixed piece of pure Python, timed at the start and the end of every run. The bare-ack anchor is bound by
# Bolt's 10-ms look for the acknowledgement, not by the CPU, so on a slow machine teambot's CPU-bound ratios fall
# while the anchor stays: this row says how fast the machine was (bench/README.md, "A slow machine").
SPEED_LOOP = 10_000


@dataclass(frozen=True)
class Result:
    scenario: str
    ours: str
    anchor: str
    ratio: float | None
    goal: str
    met: bool | None


def machine_speed() -> float:
    """Milliseconds for `sum(range(SPEED_LOOP))`, the best of 50 tries (the best: other processes only add)."""
    best = float("inf")
    for _ in range(50):
        start = time.perf_counter()
        sum(range(SPEED_LOOP))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def speed_row(start: float, end: float) -> Result:
    return Result(
        f"machine: sum(range({SPEED_LOOP:,})) at the start / end of the run (ms)",
        f"{start:.3f} / {end:.3f}",
        "–",
        None,
        "report",
        None,
    )


def print_table(results: list[Result]) -> None:
    print(
        f"teambot benchmarks · {date.today().isoformat()} · {platform.machine()} · Python {platform.python_version()}"
    )
    headers = ("scenario", "teambot", "anchor", "ratio", "goal", "")
    rows = [
        (
            r.scenario,
            r.ours,
            r.anchor,
            "–" if r.ratio is None else f"{r.ratio:.2f}×",
            r.goal,
            "" if r.met is None else ("ok" if r.met else "MISSED"),
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]
    for row in (headers, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

"""The benchmark table."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Result:
    scenario: str
    ours: str
    anchor: str
    ratio: float | None
    goal: str
    met: bool | None


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

"""teambot.testing's running clock, and the command line on it (`python -m teambot.testing.clocked`)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from teambot.testing import clock as clocks
from teambot.testing.clock import COPENHAGEN, RunningClock


def test_it_starts_at_its_instant_and_runs_at_its_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(clocks.time, "monotonic", lambda: next(ticks))
    start = datetime(2026, 12, 7, 10, 0, tzinfo=COPENHAGEN)

    running = RunningClock(start, speed=60)

    assert running.now() == start.astimezone(UTC) + timedelta(minutes=2.5)  # 2.5 s at 60×


def test_a_start_without_a_utc_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        RunningClock(datetime(2026, 12, 7, 10, 0))


@pytest.mark.parametrize("arguments", [[], ["2026-12-07T10:00:00+01:00"], ["2026-12-07T10:00:00", "demo"]])
def test_the_command_line_without_a_start_and_arguments_says_how_it_is_used(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "teambot.testing.clocked", *arguments], capture_output=True, text=True, check=False
    )

    assert result.returncode == 1
    assert result.stderr.startswith("usage: python -m teambot.testing.clocked START")

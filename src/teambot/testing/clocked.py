"""`python -m teambot.testing.clocked 2026-12-07T10:00:00+01:00 run …`: the real `teambot` command line, its clock
starting at the given instant and running on at the wall clock's pace. A live bot's test process sees what a user
would see on that day (a modal of the day's goals opens on a working day only), whatever day the suite runs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from teambot import cli


class RunningClock:
    """The system clock moved by a fixed offset: it ticks as the system's does."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start needs a UTC offset")
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def main() -> None:
    start, *arguments = sys.argv[1:]
    cli.clock = RunningClock(datetime.fromisoformat(start))
    sys.argv = ["teambot", *arguments]
    cli.main()


if __name__ == "__main__":
    main()

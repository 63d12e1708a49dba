"""`python -m teambot.testing.clocked 2026-12-07T10:00:00+01:00 run …`: the real `teambot` command line, its clock
starting at the given instant and running on at the system's pace. A live bot's test sees what a user would see on
that day (a modal of the day's goals opens on a working day only), whatever day the suite runs."""

from __future__ import annotations

import sys
from datetime import datetime

from teambot import cli
from teambot.testing.clock import RunningClock

USAGE = "usage: python -m teambot.testing.clocked START TEAMBOT-ARGUMENTS… (START: ISO 8601 with a UTC offset)"


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(USAGE)
    try:
        clock = RunningClock(datetime.fromisoformat(sys.argv[1]))
    except ValueError as error:
        sys.exit(f"{USAGE}\n{error}")
    cli.clock = clock
    sys.argv = ["teambot", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()

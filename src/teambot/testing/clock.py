"""Clocks for tests: one that only moves when told to, reading wall-clock time in Europe/Copenhagen on purpose, and
one that runs on from a chosen instant (a live bot's, `teambot.testing.clocked`; the crash test's dispatchers)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class FakeClock:
    def __init__(self, start: datetime, zone: ZoneInfo = COPENHAGEN) -> None:
        """`start` may be naive (read as local time in `zone`) or aware."""
        self.zone = zone
        self._now = _aware(start, zone)

    def now(self) -> datetime:
        return self._now

    def local(self) -> datetime:
        return self._now.astimezone(self.zone)

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment, self.zone)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class RunningClock:
    """Starts at `start` and runs `speed` times as fast as the system's monotonic clock (which a step of the system
    time does not move)."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("a running clock's start needs a UTC offset")
        self.start = start.astimezone(UTC)
        self.started = time.monotonic()
        self.speed = speed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.started) * self.speed)


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)

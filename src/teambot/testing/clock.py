"""A clock that only moves when told to, reading wall-clock time in Europe/Copenhagen on purpose."""

from __future__ import annotations

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


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)

"""The Danish working-day calendar of one institution, and ISO weeks.

Working days are Monday–Friday minus Danish public holidays (the `holidays` package, which has no Store
Bededag from 2024), 5 June, 24 December, and closing days of the municipality and the institution.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# The municipality's wall clock, unless TEAMBOT_TIMEZONE says otherwise: the rules speak its local time and days.
DANISH_TIME = ZoneInfo("Europe/Copenhagen")
# Daycare may close on these by law even though they are not public holidays.
_EXTRA_CLOSED = ((6, 5), (12, 24))


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"range ends before it starts: {self.start}..{self.end}")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def parse_date_range(text: str) -> DateRange:
    """`2027-07-12..2027-07-30` or a single `2027-05-07`. Raises ValueError on anything else."""
    text = text.strip()
    if ".." in text:
        first, _, last = text.partition("..")
        return DateRange(date.fromisoformat(first.strip()), date.fromisoformat(last.strip()))
    day = date.fromisoformat(text)
    return DateRange(day, day)


@lru_cache(maxsize=64)
def _danish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_public_holiday(day: date) -> bool:
    return day in _danish_holidays(day.year)


@dataclass(frozen=True)
class WorkCalendar:
    """Working days for one institution: weekends, holidays and its closing periods excluded."""

    closed: tuple[DateRange, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, closed: Iterable[DateRange]) -> WorkCalendar:
        return cls(tuple(sorted(closed, key=lambda r: r.start)))

    def closing_reason(self, day: date) -> str | None:
        """Why `day` is not a working day ('weekend', 'holiday', 'closed'), or None if it is one."""
        if day.weekday() >= 5:
            return "weekend"
        if is_public_holiday(day) or (day.month, day.day) in _EXTRA_CLOSED:
            return "holiday"
        if any(day in period for period in self.closed):
            return "closed"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.closing_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days in [start, end], inclusive."""
        return [d for d in DateRange(start, end).days() if self.is_working_day(d)]

    def add_working_days(self, day: date, count: int) -> date:
        """Move `count` working days forward (negative: back) from `day`."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def iso_week_label(day: date) -> str:
    """`2026-W53` style key, never `%Y-%W`."""
    return day.strftime("%G-W%V")


def iso_week_days(year: int, week: int) -> list[date]:
    """Monday..Friday of ISO week `week` in ISO year `year`. Raises ValueError for a week the year lacks."""
    monday = date.fromisocalendar(year, week, 1)
    return [monday + timedelta(days=i) for i in range(5)]

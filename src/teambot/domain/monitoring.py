"""Monitoring and cost figures per institution: aggregated counts only, never a child.

Time spent is estimated from minutes per activity (configurable); a status meeting counts once per person
invited, as every one of them spends the time.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

from teambot.domain.ratings import first_rating_day

# The activities the figures count; visits and cafés are not counted yet, so their minutes are refused, not ignored.
DEFAULT_MINUTES = {"rating": 1, "statusmøde": 60}


def parse_minutes(text: str) -> dict[str, int]:
    """`rating=1,statusmøde=60` → minutes per activity; unknown activities or bad numbers raise ValueError."""
    minutes = dict(DEFAULT_MINUTES)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name not in DEFAULT_MINUTES or not re.fullmatch(r"[0-9]{1,4}", value.strip()):
            raise ValueError(part)
        minutes[name] = int(value)
    return minutes


_QUARTER = re.compile(r"(?:(\d{4})[- ]?)?[kKqQ]?([1-4])(?:\s*[/ ]\s*(\d{4}))?")


def quarter_year_typed(text: str) -> int | None:
    """The year `text` names a quarter of, if it is a quarter typed with its year."""
    match = _QUARTER.fullmatch(text.strip())
    year = match and (match.group(1) or match.group(3))
    return int(year) if year else None


def parse_quarter(text: str, today: date) -> tuple[date, date] | None:
    """'K1', '1', 'K2 2027', '2027-K2', '2/2027' → the quarter's first and last day; None if unreadable."""
    match = _QUARTER.fullmatch(text.strip())
    if not match:
        return None
    year = int(match.group(1) or match.group(3) or today.year)
    if not 1 <= year < 9999:  # a quarter of year 0 or one ending in year 10,000 is no date
        return None
    quarter = int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


# `/teambot overblik` shows the quarters of the last ten years and of next year: "3000-K1" is a slip of the keys.
QUARTER_YEARS_BACK = 10


def quarter_years(today: date) -> tuple[int, int]:
    """The first and last year whose quarters `/teambot overblik` shows on `today`."""
    return today.year - QUARTER_YEARS_BACK, today.year + 1


def quarter_of(day: date) -> tuple[date, date]:
    found = parse_quarter(f"{day.year}-K{(day.month - 1) // 3 + 1}", day)
    assert found is not None
    return found


def goal_began(start_meeting: date | None, started_on: date | None, *, from_start_meeting: bool) -> date:
    """The day a goal counts from in a quarter's figures: its own start, or its case's start meeting when it was agreed
    there and may be rated from it before its import (`first_rating_day`), so a rating of such a day has its goal in
    the same quarter. A goal without a start of its own counts in every quarter it was active."""
    if started_on is None:
        return date.min
    rated_from = first_rating_day(start_meeting, started_on, from_start_meeting=from_start_meeting)
    return started_on if rated_from is None else min(started_on, rated_from)


def count_between(sorted_days: list[date], start: date, end: date) -> int:
    """How many of `sorted_days` lie in [start, end]."""
    if end < start:
        return 0
    return bisect.bisect_right(sorted_days, end) - bisect.bisect_left(sorted_days, start)


@dataclass
class InstitutionFigures:
    code: str
    name: str
    institution_id: int = 0
    active_cases: int = 0
    active_goals: int = 0
    ratings: int = 0
    asked_ratings: int = 0  # of `ratings`, those of days the nudge asked for: what `expected_ratings` counts
    expected_ratings: int = 0
    ratings_met: int = 0
    meetings_on_time: int = 0
    meetings_moved: int = 0
    meetings_cancelled: int = 0
    meeting_invitations: int = 0  # people invited to meetings held
    extra: dict[str, float] = field(default_factory=dict)  # figures other practices add (visits, cafés)

    @property
    def completeness(self) -> float | None:
        return self.asked_ratings / self.expected_ratings if self.expected_ratings else None

    @property
    def met_share(self) -> float | None:
        return self.ratings_met / self.ratings if self.ratings else None

    def hours(self, minutes: dict[str, int]) -> dict[str, float]:
        spent = {
            "rating": self.ratings * minutes["rating"] / 60,
            "statusmøde": self.meeting_invitations * minutes["statusmøde"] / 60,
        }
        return spent

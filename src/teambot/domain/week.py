"""The week's status for a team lead: the Monday–Friday grid per goal, means, trend and the flags that need
attention. Pure: the ratings, calendar and dates come in; figures and cells go out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from teambot.domain.calendar import WorkCalendar

MET = 3  # a rating of 3 or 4 counts as the goal met that day
LOW_MEAN = 2.0
SILENT_DAYS = 5


@dataclass(frozen=True)
class Cell:
    day: date
    value: int | None
    closed: bool  # a weekend, holiday or closing day of the institution
    future: bool  # after today: not yet due


@dataclass(frozen=True)
class GoalWeek:
    case_code: str
    goal_number: int
    goal_text: str
    paedagog: str
    cells: list[Cell]
    mean: float | None
    previous_mean: float | None
    met_share: float | None  # share of rated days at 3 or 4
    low_two_weeks: bool  # mean ≤ 2 this week and last week

    @property
    def trend(self) -> str:
        if self.mean is None or self.previous_mean is None:
            return "■"
        if self.mean > self.previous_mean + 0.05:
            return "▲"
        if self.mean < self.previous_mean - 0.05:
            return "▼"
        return "■"

    @property
    def missing(self) -> int:
        """Working days up to today with no rating."""
        return sum(1 for c in self.cells if c.value is None and not c.closed and not c.future)


def week_days(year: int, week: int) -> list[date]:
    monday = date.fromisocalendar(year, week, 1)
    return [monday + timedelta(days=i) for i in range(5)]


def goal_week(
    *,
    case_code: str,
    goal_number: int,
    goal_text: str,
    paedagog: str,
    ratings: Mapping[date, int],
    days: Sequence[date],
    calendar: WorkCalendar,
    today: date,
    active_from: date | None = None,
) -> GoalWeek:
    """One goal's row. `ratings` may cover more than the week; the week before gives the trend."""
    cells = [
        Cell(
            day,
            ratings.get(day),
            closed=not calendar.is_working_day(day) or (active_from is not None and day < active_from),
            future=day > today,
        )
        for day in days
    ]
    values = [c.value for c in cells if c.value is not None]
    previous = [v for d, v in ratings.items() if days[0] - timedelta(days=7) <= d < days[0]]
    mean = fmean(values) if values else None
    previous_mean = fmean(previous) if previous else None
    return GoalWeek(
        case_code=case_code,
        goal_number=goal_number,
        goal_text=goal_text,
        paedagog=paedagog,
        cells=cells,
        mean=mean,
        previous_mean=previous_mean,
        met_share=sum(1 for v in values if v >= MET) / len(values) if values else None,
        low_two_weeks=mean is not None and previous_mean is not None and mean <= LOW_MEAN and previous_mean <= LOW_MEAN,
    )


def silent_case(rated_days: set[date], calendar: WorkCalendar, today: date, started: date | None) -> bool:
    """True when the case has had no rating on its last SILENT_DAYS working days (up to and including today)."""
    day, counted = today, 0
    while counted < SILENT_DAYS:
        if started is not None and day < started:
            return False  # too young a case to be called silent
        if calendar.is_working_day(day):
            if day in rated_days:
                return False
            counted += 1
        day -= timedelta(days=1)
    return True


def overdue(last_held: date | None, next_meeting: date | None, interval_weeks: int, today: date) -> bool:
    """A status meeting is overdue when more than the interval plus two weeks has passed since the last one held
    and no meeting is planned before that limit."""
    if last_held is None:
        return False
    limit = last_held + timedelta(weeks=interval_weeks + 2)
    return today > limit and (next_meeting is None or next_meeting > limit)

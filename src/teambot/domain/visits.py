"""Consultant visit rounds (Herning's konsulentbesøg): four visits a year per institution and visiting discipline,
one in each quarter, laid out as an årshjul.

Placement is deterministic. Each consultant's visits in a quarter are spread evenly over the quarter: the i-th of
k visits aims at the point (i + phase) / k of the weekdays on which at least one of the consultant's institutions is
open, where each consultant has their own phase, so that the municipality's visits do not all pile up in the same
weeks. From that target the nearest day is taken that is a working day of the institution (no weekend, holiday or
closing day), not before `earliest`, and free in the consultant's diary (at most one visit a day), preferring a week
in which the consultant has no other visit. An institution keeps its place in its consultant's order every quarter,
so its visits come about 13 weeks apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from teambot.domain.calendar import WorkCalendar

DEFAULT_VISITING_DISCIPLINES = ("sundhedsplejerske",)
DEFAULT_NOTICE_DAYS = 14  # the institution's parents get the notice this many days before
DEFAULT_REMINDER_WORKING_DAYS = 2  # the consultant's reminder with the themes, in working days before
CONFIRM_LEAD_DAYS = 7  # the consultant is asked to confirm the date this long before the parents' notice
MAX_THEME_LENGTH = 200
MAX_THEMES = 20
GOLDEN = 0.6180339887498949
CLOSED_COST = 100  # per grid day an institution is closed around a slot's target, against 1 per slot moved


@dataclass(frozen=True)
class VisitPolicy:
    disciplines: tuple[str, ...] = DEFAULT_VISITING_DISCIPLINES
    notice_days: int = DEFAULT_NOTICE_DAYS
    reminder_working_days: int = DEFAULT_REMINDER_WORKING_DAYS


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def quarter_weekdays(year: int, quarter: int) -> list[date]:
    """Monday–Friday of the quarter: the common grid every consultant's visits are spread over."""
    first, last = quarter_bounds(year, quarter)
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Round:
    """One institution's visits from one discipline: who visits, and the institution's calendar."""

    institution_id: int
    institution_code: str
    discipline: str
    consultant_id: int
    calendar: WorkCalendar


@dataclass(frozen=True)
class PlacedVisit:
    institution_id: int
    discipline: str
    consultant_id: int
    year: int
    quarter: int
    day: date


@dataclass(frozen=True)
class Unplaced:
    """A quarter in which a round found no free working day (the institution closed, or too little of the quarter
    left after `earliest`)."""

    round: Round
    year: int
    quarter: int


@dataclass
class RoundPlan:
    placed: list[PlacedVisit] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)


def place_near(
    target: int,
    grid: Sequence[date],
    calendar: WorkCalendar,
    busy: set[date],
    earliest: date | None = None,
) -> date | None:
    """The day of `grid` nearest to position `target` (later first on a tie) that is a working day of the
    institution, not before `earliest`, and not in `busy`. A day in an ISO week with no busy day is preferred,
    so one consultant's visits fall in different weeks whenever the quarter allows it."""
    taken_weeks = {d.isocalendar()[:2] for d in busy}

    def free(day: date, spread: bool) -> bool:
        return (
            (earliest is None or day >= earliest)
            and day not in busy
            and calendar.is_working_day(day)
            and (not spread or day.isocalendar()[:2] not in taken_weeks)
        )

    for spread in (True, False):
        for distance in range(len(grid)):
            for index in (target + distance, target - distance) if distance else (target,):
                if 0 <= index < len(grid) and free(grid[index], spread):
                    return grid[index]
    return None


def _targets(grid: Sequence[date], rounds: Sequence[Round], phase: float) -> list[int]:
    """Where in `grid` each of the k visits aims: at (i + phase) / k of the way through the quarter, where a day
    counts by the share of the consultant's institutions open on it. Weeks when most of them are closed (a summer
    closure) take a correspondingly small share of the visits."""
    weights = [sum(r.calendar.is_working_day(d) for r in rounds) for d in grid]
    total = sum(weights) or 1
    targets = []
    for position in range(len(rounds)):
        wanted = (position + phase) / len(rounds) * total
        running = 0
        index = len(grid) - 1
        for i, weight in enumerate(weights):
            running += weight
            if running > wanted:
                index = i
                break
        targets.append(index)
    return targets


def _closed_distance(grid: Sequence[date], target: int, calendar: WorkCalendar) -> int:
    """How many grid days from `target` the institution's nearest working day is."""
    for distance in range(len(grid)):
        for index in (target + distance, target - distance):
            if 0 <= index < len(grid) and calendar.is_working_day(grid[index]):
                return distance
    return len(grid)


def min_cost_assignment(cost: Sequence[Sequence[float]]) -> list[int]:
    """The column for each row of a square cost matrix minimising the total (Kuhn–Munkres, O(n³))."""
    n = len(cost)
    infinity = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    match, way = [0] * (n + 1), [0] * (n + 1)  # match[column] = row, 1-based; 0 = free
    for row in range(1, n + 1):
        match[0] = row
        column = 0
        least = [infinity] * (n + 1)
        used = [False] * (n + 1)
        while match[column]:
            used[column] = True
            current, delta, best = match[column], infinity, 0
            for j in range(1, n + 1):
                if not used[j]:
                    reduced = cost[current - 1][j - 1] - u[current] - v[j]
                    if reduced < least[j]:
                        least[j], way[j] = reduced, column
                    if least[j] < delta:
                        delta, best = least[j], j
            for j in range(n + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    least[j] -= delta
            column = best
        while column:
            previous = way[column]
            match[column] = match[previous]
            column = previous
    result = [0] * n
    for column in range(1, n + 1):
        if match[column]:
            result[match[column] - 1] = column - 1
    return result


def plan_visit_round(
    year: int,
    rounds: Iterable[Round],
    *,
    existing: Iterable[tuple[int, str, int]] = (),
    booked: Mapping[int, Iterable[date]] | None = None,
    earliest: date | None = None,
) -> RoundPlan:
    """Place one visit per quarter for every round that has none yet.

    `existing` holds (institution id, discipline, quarter) already planned; `booked` the days each consultant
    already has a visit; nothing is placed before `earliest`.
    """
    planned = set(existing)
    busy: dict[int, set[date]] = {k: set(v) for k, v in (booked or {}).items()}
    by_consultant: dict[int, list[Round]] = {}
    for r in rounds:
        by_consultant.setdefault(r.consultant_id, []).append(r)
    consultants = sorted(by_consultant)
    result = RoundPlan()
    for quarter in range(1, 5):
        if earliest is not None and quarter_bounds(year, quarter)[1] < earliest:
            continue  # over before anything may be placed: nothing to plan, nothing missing
        weekdays = quarter_weekdays(year, quarter)
        for rank, consultant_id in enumerate(consultants):
            mine = sorted(by_consultant[consultant_id], key=lambda r: (r.institution_code, r.discipline))
            waiting = {
                position: r
                for position, r in enumerate(mine)
                if (r.institution_id, r.discipline, quarter) not in planned
            }
            if not waiting:
                continue  # a re-run: this consultant's quarter is planned already
            grid = [d for d in weekdays if any(r.calendar.is_working_day(d) for r in mine)] or weekdays
            # The consultant's own phase spreads the municipality's visits over the quarter's weeks: golden-ratio
            # steps keep any run of consultants (a district's, say) well apart, however many there are.
            phase = ((rank + 1) * GOLDEN) % 1.0
            diary = busy.setdefault(consultant_id, set())
            targets = _targets(grid, mine, phase)
            # Slots whose own institution is planned already stay as they are. The others are matched to the
            # waiting institutions at the least cost: an institution closed around a slot's target (a summer
            # closure) swaps with others, each moving as few slots from its usual place as possible, so visits
            # neither pile up after a closure nor come weeks after the previous quarter's.
            slots = [slot for slot in range(len(mine)) if slot in waiting]
            positions = list(slots)
            cost = [
                [
                    CLOSED_COST * max(0, _closed_distance(grid, targets[slot], waiting[p].calendar) - 2) + abs(p - slot)
                    for slot in slots
                ]
                for p in positions
            ]
            by_slot = {slots[column]: positions[row] for row, column in enumerate(min_cost_assignment(cost))}
            for slot in slots:
                target = targets[slot]
                r = waiting[by_slot[slot]]
                day = place_near(target, grid, r.calendar, diary & set(weekdays), earliest)
                if day is None:
                    result.unplaced.append(Unplaced(r, year, quarter))
                    continue
                diary.add(day)
                planned.add((r.institution_id, r.discipline, quarter))
                result.placed.append(PlacedVisit(r.institution_id, r.discipline, consultant_id, year, quarter, day))
    return result


def theme_deadline(reminder_day: date, calendar: WorkCalendar) -> date:
    """The last day parents' theme suggestions are asked for: the working day before the consultant's reminder."""
    return calendar.add_working_days(reminder_day, -1)


def visit_reminder_day(visit_day: date, working_days_before: int, calendar: WorkCalendar) -> date:
    return calendar.add_working_days(visit_day, -working_days_before)


def notice_day(visit_day: date, days_before: int, calendar: WorkCalendar) -> date:
    """`days_before` the visit; a non-working day moves back to the working day before."""
    return calendar.previous_working_day(visit_day - timedelta(days=days_before))


def may_move_to(day: date, *, today: date, year: int, quarter: int, calendar: WorkCalendar) -> str | None:
    """Why a visit cannot move to `day` ('past', 'quarter', 'closed'), or None if it can."""
    if day < today:
        return "past"
    if (day.year, quarter_of(day)) != (year, quarter):
        return "quarter"  # keeps the round at exactly one visit per quarter
    if not calendar.is_working_day(day):
        return "closed"
    return None

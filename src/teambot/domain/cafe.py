"""The småbørnscafé (Vejle): children around 1½ years meet the sundhedsplejerske, småbørnskonsulent, fysioterapeut
and tale-hørekonsulent together with their parents, in their own vuggestue or dagpleje.

Only counts are known: how many children of an institution reach 18 months in each month (a cohort). Cohorts are
grouped oldest first; consecutive cohorts share a café while they all fit in the age window on one day and the
group stays within the maximum size. The café lies in the month when the group's middle cohort is 18 months old,
moved as needed to keep every cohort inside the window, from the middle of that month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from teambot.domain.calendar import WorkCalendar
from teambot.domain.routing import Person

ANCHOR_MONTHS = 18  # counts are registered by the month a child reaches this age
PROPOSE_DAYS = 28  # a group becomes a café proposal when its café month starts within this many days
MIN_NOTICE_DAYS = 14  # never a café sooner than this after the proposal: parents must be invited via Aula
MID_MONTH = 15
MAX_COUNT = 40  # more children reaching 18 months in one month than this is a typing mistake
# The leads are asked each month for the counts of this many coming months, and of the month itself. A café is
# proposed four weeks before its month and may hold children from 15 months, three months younger than those it is
# named by: planning one can read the counts up to four months after the month it is planned in. This month's
# children can still be in a café until they are 21 months: a month still uncounted is asked for once more.
COUNT_AHEAD_MONTHS = 4
# An institution whose latest count is for a month more than this many months before the ask's month is no longer
# asked: it stopped registering counts, so it stopped having cafés (a børnehave now, or cafés held some other way),
# and its leads should not be asked every month for ever. Half a year, counted from the latest month registered
# (usually one ahead): a lead who missed a few asks is still asked, and any count registered brings it back.
COUNT_LAPSE_MONTHS = 6
CAFE_ROLES = ("sundhedsplejerske", "småbørnskonsulent", "fysioterapeut", "tale-hørekonsulent")


@dataclass(frozen=True)
class CafePolicy:
    min_children: int = 3
    max_children: int = 8
    age_from: int = 15  # months
    age_to: int = 21
    time: str = "09:30"  # local wall-clock start

    @property
    def span(self) -> int:
        """How many months apart the oldest and the youngest cohort of one café may be."""
        return self.age_to - self.age_from


def month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def month_at(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(month: date) -> date:
    return month_at(month_index(month) + 1) - timedelta(days=1)


def months_to_count(today: date) -> list[date]:
    """The months whose counts the leads are asked for in `today`'s month: that month and the next
    `COUNT_AHEAD_MONTHS`."""
    this = month_index(today)
    return [month_at(this + ahead) for ahead in range(COUNT_AHEAD_MONTHS + 1)]


def counting_since(today: date) -> date:
    """The earliest month whose count keeps an institution asked in `today`'s month (`COUNT_LAPSE_MONTHS`)."""
    return month_at(month_index(today) - COUNT_LAPSE_MONTHS)


def count_ask_day(today: date, calendar: WorkCalendar) -> date | None:
    """The institution's first working day of `today`'s month, when its leads are asked for missing counts; None
    when it is closed all month."""
    day = calendar.next_working_day(first_of_month(today))
    return day if day.month == today.month else None


@dataclass(frozen=True)
class CafeGroup:
    """Cohorts that share one café."""

    first: date  # the oldest cohort's month
    last: date  # the youngest cohort's month
    children: int
    month: date  # the café month
    full: bool  # no further cohort can join: the group is at the maximum, or the next cohort does not fit

    def latest_day(self, policy: CafePolicy) -> date:
        """The last day the oldest cohort is still inside the age window."""
        return last_of_month(month_at(month_index(self.first) + policy.age_to - ANCHOR_MONTHS))


def _cafe_month(first: int, last: int, policy: CafePolicy) -> date:
    lowest = last - (ANCHOR_MONTHS - policy.age_from)  # the youngest cohort must be old enough
    highest = first + (policy.age_to - ANCHOR_MONTHS)  # the oldest must not be too old
    middle = (first + last + 1) // 2
    return month_at(min(max(middle, lowest), highest))


def group_cohorts(counts: Mapping[date, int], policy: CafePolicy, today: date) -> list[CafeGroup]:
    """Group the cohorts (month → children) oldest first. Cohorts too old for a café from today on are left out;
    a single month with more children than fit in one café is split into equal cafés."""
    reachable = today + timedelta(days=MIN_NOTICE_DAYS)
    months = sorted(
        (month_index(m), n)
        for m, n in counts.items()
        if n > 0 and last_of_month(month_at(month_index(m) + policy.age_to - ANCHOR_MONTHS)) >= reachable
    )
    groups: list[CafeGroup] = []
    current: list[tuple[int, int]] = []

    def close(full: bool) -> None:
        if current:
            first, last = current[0][0], current[-1][0]
            total = sum(n for _, n in current)
            groups.append(CafeGroup(month_at(first), month_at(last), total, _cafe_month(first, last, policy), full))
            current.clear()

    for index, children in months:
        if children > policy.max_children:
            close(full=True)
            parts = -(-children // policy.max_children)
            for part in range(parts):
                share = children // parts + (1 if part < children % parts else 0)
                current.append((index, share))
                close(full=True)
            continue
        fits = (
            bool(current)
            and index - current[0][0] <= policy.span
            and sum(n for _, n in current) + children <= policy.max_children
        )
        if current and not fits:
            close(full=True)
        current.append((index, children))
    if current:
        close(full=sum(n for _, n in current) >= policy.max_children)
    return groups


def is_due(group: CafeGroup, policy: CafePolicy, today: date) -> bool:
    """A group with enough children becomes a proposal when it is full or its café month is near."""
    if group.children < policy.min_children:
        return False
    return group.full or group.month <= today + timedelta(days=PROPOSE_DAYS)


Clashes = Callable[[date], int | None]  # a day's clashes in the diaries of those invited; None: the day is out


def cafe_day(
    group: CafeGroup, policy: CafePolicy, calendar: WorkCalendar, today: date, clashes: Clashes
) -> date | None:
    """The first working day of the institution from the middle of the café month (and at least two weeks
    ahead) with the fewest clashes, while the oldest cohort is still in the window; None when there is none."""
    return _best_day(group.month.replace(day=MID_MONTH), group, policy, calendar, today, clashes)


def moved_cafe_day(
    old: date, group: CafeGroup, policy: CafePolicy, calendar: WorkCalendar, today: date, clashes: Clashes
) -> date | None:
    """Where a café whose day has become a closing day goes: the first working day after it with the fewest
    clashes, but not sooner than a new café's notice allows, while the oldest cohort is still in the window; None
    when there is none."""
    return _best_day(old + timedelta(days=1), group, policy, calendar, today, clashes)


def _best_day(
    start: date, group: CafeGroup, policy: CafePolicy, calendar: WorkCalendar, today: date, clashes: Clashes
) -> date | None:
    """The earliest day without a clash, else the earliest with the fewest: a café one consultant must decline (a
    colleague is asked) beats none while the children are the right age, and beats one two must decline."""
    day = max(start, today + timedelta(days=MIN_NOTICE_DAYS))
    latest = group.latest_day(policy)
    best: tuple[int, date] | None = None
    while day <= latest:
        if calendar.is_working_day(day):
            found = clashes(day)
            if found == 0:
                return day
            if found is not None and (best is None or found < best[0]):
                best = (found, day)
        day += timedelta(days=1)
    return None if best is None else best[1]


def pick_stand_in(pool: Sequence[Person], *, exclude: Iterable[int], stand_ins: Mapping[int, int]) -> Person | None:
    """The colleague to ask after a decline: of those not yet asked and reachable, the one who has stood in the
    fewest times; by name on a tie. Rotating this way spreads the extra cafés fairly over the district."""
    skip = set(exclude)
    candidates = [p for p in pool if p.staff_id not in skip and p.slack_id]
    return min(candidates, key=lambda p: (stand_ins.get(p.staff_id, 0), p.name, p.staff_id), default=None)

"""Småbørnscafé rules: cohorts grouped into cafés, the café day, the stand-in rotation, months as typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from teambot.domain.cafe import (
    CafeGroup,
    CafePolicy,
    cafe_day,
    group_cohorts,
    is_due,
    moved_cafe_day,
    pick_stand_in,
)
from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.dates import parse_month
from teambot.domain.routing import Person


def taken(*days: date) -> Callable[[date], int | None]:
    """Clashes where `days` are out (another café of the institution) and every other day is clear."""
    return lambda day: None if day in days else 0


POLICY = CafePolicy()  # 3–8 children, 15–21 months
TODAY = date(2027, 1, 11)


def m(month: int, year: int = 2027) -> date:
    return date(year, month, 1)


def test_consecutive_cohorts_share_a_cafe_up_to_eight_children() -> None:
    groups = group_cohorts({m(3): 3, m(4): 4, m(5): 3, m(6): 2}, POLICY, TODAY)
    assert [(g.first, g.last, g.children, g.month, g.full) for g in groups] == [
        (m(3), m(4), 7, m(4), True),  # May's 3 would make 10
        (m(5), m(6), 5, m(6), False),  # July may still add children
    ]


def test_cohorts_too_far_apart_for_one_age_window_get_separate_cafes() -> None:
    # 15–21 months: the oldest and youngest cohort of one café at most 6 months apart.
    groups = group_cohorts({m(2): 1, m(8): 1, m(9): 1}, POLICY, TODAY)
    assert [(g.first, g.last) for g in groups] == [(m(2), m(8)), (m(9), m(9))]
    wide = group_cohorts({m(2): 1, m(8): 1}, POLICY, TODAY)[0]
    # The café month keeps both in the window: February's children are 21 months in May, August's 15 months.
    assert wide.month == m(5)


def test_a_month_with_more_children_than_one_cafe_holds_is_split_evenly() -> None:
    groups = group_cohorts({m(3): 11}, POLICY, TODAY)
    assert [(g.first, g.children, g.full) for g in groups] == [(m(3), 6, True), (m(3), 5, True)]


def test_cohorts_too_old_for_a_cafe_from_today_are_left_out() -> None:
    # A cohort reaching 18 months in September 2026 is 21 months in December: no café two weeks from now.
    groups = group_cohorts({m(9, 2026): 4, m(3): 4}, POLICY, TODAY)
    assert [g.first for g in groups] == [m(3)]


def test_a_group_becomes_a_proposal_when_full_or_when_its_month_is_near() -> None:
    few = CafeGroup(m(2), m(2), 2, m(2), False)
    near = CafeGroup(m(2), m(2), 4, m(2), False)
    far = CafeGroup(m(6), m(6), 4, m(6), False)
    full_far = CafeGroup(m(6), m(7), 8, m(7), True)
    assert not is_due(few, POLICY, TODAY)
    assert is_due(near, POLICY, TODAY)
    assert not is_due(far, POLICY, TODAY)
    assert is_due(full_far, POLICY, TODAY)


def test_the_cafe_day_is_a_free_working_day_from_the_middle_of_the_month() -> None:
    group = CafeGroup(m(4), m(4), 5, m(4), False)
    calendar = WorkCalendar.of([DateRange(date(2027, 4, 19), date(2027, 4, 20))])
    # 15 April is Thursday; the 16th is taken by another café; the weekend, then the closed 19–20 April.
    assert cafe_day(group, POLICY, calendar, TODAY, taken(date(2027, 4, 15), date(2027, 4, 16))) == date(2027, 4, 21)
    # Planned late: never sooner than two weeks ahead.
    assert cafe_day(group, POLICY, WorkCalendar(), date(2027, 4, 12), taken()) == date(2027, 4, 26)


def test_with_no_day_clear_of_everyone_the_cafe_takes_the_first_with_the_fewest_clashes() -> None:
    group = CafeGroup(m(4), m(4), 5, m(4), False)
    # Thursday 15 April: two of those invited are busy; Friday 16th: one; Monday 19th: one; the 20th taken outright.
    busy = {date(2027, 4, 15): 2, date(2027, 4, 16): 1, date(2027, 4, 19): 1, date(2027, 4, 20): None}

    def everyone_busy(day: date) -> int | None:
        return busy.get(day, 3)

    assert cafe_day(group, POLICY, WorkCalendar(), TODAY, everyone_busy) == date(2027, 4, 16)
    # A day clear of everyone wins at once, however late in the window.
    busy[date(2027, 4, 29)] = 0
    assert cafe_day(group, POLICY, WorkCalendar(), TODAY, everyone_busy) == date(2027, 4, 29)
    # Every day taken outright: no café.
    assert cafe_day(group, POLICY, WorkCalendar(), TODAY, lambda d: None) is None


def test_no_cafe_day_once_the_oldest_cohort_leaves_the_window() -> None:
    group = CafeGroup(m(1), m(1), 5, m(1), False)
    assert group.latest_day(POLICY) == date(2027, 4, 30)
    assert cafe_day(group, POLICY, WorkCalendar(), date(2027, 4, 20), taken()) is None


def test_a_cafe_off_a_new_closing_day_goes_to_the_next_free_working_day_in_the_window() -> None:
    group = CafeGroup(m(1), m(1), 5, m(1), True)  # in the window until 30 April
    closed = WorkCalendar.of([DateRange(date(2027, 4, 15), date(2027, 4, 16))])
    # Thursday 15 April closed with Friday: the weekend, then Monday 19th is another café's; Tuesday it is.
    moved = moved_cafe_day(date(2027, 4, 15), group, POLICY, closed, TODAY, taken(date(2027, 4, 19)))
    assert moved == date(2027, 4, 20)
    # Moved late: never sooner than two weeks ahead; and no day once the oldest cohort leaves the window.
    assert moved_cafe_day(date(2027, 4, 15), group, POLICY, closed, date(2027, 4, 12), taken()) == date(2027, 4, 26)
    assert moved_cafe_day(date(2027, 4, 30), group, POLICY, WorkCalendar(), TODAY, taken()) is None


def test_stand_ins_rotate_to_whoever_has_stood_in_the_fewest_times() -> None:
    anna, bo, cille = Person(1, "U1", "Anna"), Person(2, "U2", "Bo"), Person(3, "U3", "Cille")
    pool = [anna, bo, cille]
    assert pick_stand_in(pool, exclude=[1], stand_ins={}) == bo
    assert pick_stand_in(pool, exclude=[1], stand_ins={2: 1}) == cille
    assert pick_stand_in(pool, exclude=[], stand_ins={1: 2, 2: 1, 3: 1}) == bo  # a tie goes by name
    assert pick_stand_in(pool, exclude=[1, 2, 3], stand_ins={}) is None
    assert pick_stand_in([Person(4, "", "Uden Slack")], exclude=[], stand_ins={}) is None


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2027-03", m(3)),
        ("3/2027", m(3)),
        ("marts 2027", m(3)),
        ("marts", m(3)),
        ("Januar", m(1, 2028)),  # January is past in this year's count: the next one
        ("  MARTS   2028 ", m(3, 2028)),
        ("marts 27", None),
        ("2027-13", None),
        ("martz", None),
        ("", None),
        ("0000-03", None),  # no year 0: refused, not a crash
        ("3/0000", None),
        ("marts 0000", None),
    ],
)
def test_months_as_danish_users_type_them(text: str, month: date | None) -> None:
    assert parse_month(text, date(2027, 2, 10)) == month

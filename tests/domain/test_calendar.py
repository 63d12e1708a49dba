"""Danish working days and ISO weeks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teambot.domain.calendar import (
    DateRange,
    WorkCalendar,
    is_public_holiday,
    iso_week_days,
    iso_week_label,
    parse_date_range,
)

PLAIN = WorkCalendar()
SUMMER_CLOSED = WorkCalendar.of([parse_date_range("2027-07-12..2027-07-30"), parse_date_range("2027-05-07")])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_store_bededag_is_gone_from_2024() -> None:
    assert PLAIN.is_working_day(date(2024, 4, 26))  # would have been Store Bededag
    assert not is_public_holiday(date(2024, 4, 26))


def test_store_bededag_was_a_holiday_in_2023() -> None:
    assert not PLAIN.is_working_day(date(2023, 5, 5))
    assert PLAIN.closing_reason(date(2023, 5, 5)) == "holiday"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "nytårsdag"),
        (date(2026, 4, 2), "skærtorsdag"),
        (date(2026, 4, 3), "langfredag"),
        (date(2026, 4, 6), "2. påskedag"),
        (date(2026, 5, 14), "Kristi himmelfartsdag"),
        (date(2026, 5, 25), "2. pinsedag"),
        (date(2026, 6, 5), "grundlovsdag"),
        (date(2026, 12, 24), "juleaftensdag"),
        (date(2026, 12, 25), "juledag"),
        (date(2027, 3, 25), "skærtorsdag 2027"),
        (date(2027, 3, 29), "2. påskedag 2027"),
    ],
)
def test_holidays_on_weekdays(day: date, name: str) -> None:
    assert day.weekday() < 5
    assert PLAIN.closing_reason(day) == "holiday", name


@pytest.mark.parametrize("day", [date(2026, 12, 31), date(2026, 4, 1), date(2026, 4, 7), date(2026, 11, 19)])
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert PLAIN.is_working_day(day)
    assert PLAIN.closing_reason(day) is None


def test_weekends_are_not_working_days() -> None:
    assert PLAIN.closing_reason(date(2026, 11, 21)) == "weekend"
    assert PLAIN.closing_reason(date(2026, 11, 22)) == "weekend"


def test_closing_periods_of_an_institution() -> None:
    assert SUMMER_CLOSED.closing_reason(date(2027, 7, 12)) == "closed"
    assert SUMMER_CLOSED.closing_reason(date(2027, 7, 30)) == "closed"  # the end is inclusive
    assert SUMMER_CLOSED.closing_reason(date(2027, 5, 7)) == "closed"  # a single closing day
    assert SUMMER_CLOSED.is_working_day(date(2027, 7, 9))
    assert SUMMER_CLOSED.is_working_day(date(2027, 8, 2))
    assert PLAIN.is_working_day(date(2027, 7, 12))  # other institutions are open


def test_working_days_of_a_range_skip_the_closing_weeks() -> None:
    july = SUMMER_CLOSED.working_days(date(2027, 7, 1), date(2027, 8, 6))
    assert july[:7] == [date(2027, 7, d) for d in (1, 2, 5, 6, 7, 8, 9)]
    assert july[7:] == [date(2027, 8, d) for d in (2, 3, 4, 5, 6)]


def test_next_working_day_after_christmas() -> None:
    assert PLAIN.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert PLAIN.next_working_day(date(2026, 12, 28)) == date(2026, 12, 28)  # a working day is its own answer


def test_previous_working_day_before_easter() -> None:
    assert PLAIN.previous_working_day(date(2026, 4, 6)) == date(2026, 4, 1)
    assert PLAIN.previous_working_day(date(2026, 4, 1)) == date(2026, 4, 1)


def test_next_working_day_after_the_summer_closing() -> None:
    assert SUMMER_CLOSED.next_working_day(date(2027, 7, 14)) == date(2027, 8, 2)
    assert SUMMER_CLOSED.previous_working_day(date(2027, 7, 14)) == date(2027, 7, 9)


def test_add_working_days_over_easter() -> None:
    assert PLAIN.add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert PLAIN.add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 1)
    assert PLAIN.add_working_days(date(2026, 4, 1), 0) == date(2026, 4, 1)


@given(days)
def test_next_working_day_is_the_first_working_day_from_then(day: date) -> None:
    found = SUMMER_CLOSED.next_working_day(day)
    assert found >= day
    assert SUMMER_CLOSED.is_working_day(found)
    assert not any(SUMMER_CLOSED.is_working_day(d) for d in DateRange(day, found).days() if d != found)


@given(days)
def test_previous_working_day_is_the_last_working_day_until_then(day: date) -> None:
    found = SUMMER_CLOSED.previous_working_day(day)
    assert found <= day
    assert SUMMER_CLOSED.is_working_day(found)
    assert not any(SUMMER_CLOSED.is_working_day(d) for d in DateRange(found, day).days() if d != found)


@given(days, st.integers(min_value=-40, max_value=40))
def test_add_working_days_counts_working_days(day: date, count: int) -> None:
    moved = PLAIN.add_working_days(day, count)
    assert PLAIN.is_working_day(moved) or count == 0
    if count > 0:
        assert len(PLAIN.working_days(day + timedelta(days=1), moved)) == count
    elif count < 0:
        assert len(PLAIN.working_days(moved, day - timedelta(days=1))) == -count


@given(days)
def test_working_days_are_weekdays(day: date) -> None:
    if PLAIN.is_working_day(day):
        assert day.weekday() < 5 and (day.month, day.day) not in {(6, 5), (12, 24), (12, 25), (12, 26), (1, 1)}


def test_2026_has_an_iso_week_53() -> None:
    assert iso_week_days(2026, 53) == [date(2026, 12, 28) + timedelta(days=i) for i in range(5)]
    assert iso_week_label(date(2027, 1, 1)) == "2026-W53"
    assert iso_week_label(date(2027, 1, 3)) == "2026-W53"
    assert iso_week_label(date(2027, 1, 4)) == "2027-W01"


def test_iso_week_labels_use_the_iso_year() -> None:
    assert iso_week_label(date(2026, 11, 19)) == "2026-W47"
    assert iso_week_label(date(2024, 12, 30)) == "2025-W01"  # %Y-%W would say 2024-53


def test_a_year_without_week_53_refuses_it() -> None:
    with pytest.raises(ValueError):
        iso_week_days(2025, 53)


@given(days)
def test_iso_week_days_round_trip(day: date) -> None:
    year, week, weekday = day.isocalendar()
    week_days = iso_week_days(year, week)
    assert len(week_days) == 5 and [d.weekday() for d in week_days] == [0, 1, 2, 3, 4]
    assert {iso_week_label(d) for d in week_days} == {iso_week_label(day)}
    if weekday <= 5:
        assert day in week_days


def test_date_ranges() -> None:
    summer = parse_date_range(" 2027-07-12..2027-07-30 ")
    assert summer == DateRange(date(2027, 7, 12), date(2027, 7, 30))
    assert str(summer) == "2027-07-12..2027-07-30"
    assert parse_date_range("2027-05-07") == DateRange(date(2027, 5, 7), date(2027, 5, 7))
    assert len(list(summer.days())) == 19


@pytest.mark.parametrize("text", ["2027-07-30..2027-07-12", "juli", "2027-07-12..", "2027-02-30", "12/7-2027"])
def test_malformed_ranges_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date_range(text)

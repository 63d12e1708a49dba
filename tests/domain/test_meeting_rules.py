from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.dates import Direction, parse_day
from teambot.domain.meetings import local_instant, meeting_after, parse_hhmm, reminder_day
from teambot.domain.routing import Absence, Participant, Person, route

CPH = ZoneInfo("Europe/Copenhagen")
PLAIN = WorkCalendar()


def test_six_weeks_after_a_start_meeting_on_maundy_thursday_moves_past_easter() -> None:
    # 2027-02-11 + 6 weeks = Skærtorsdag 25 March; Langfredag and 2. påskedag follow.
    assert meeting_after(date(2027, 2, 11), 6, PLAIN) == date(2027, 3, 30)


def test_meeting_in_a_closing_week_moves_to_the_first_day_after_it() -> None:
    summer = WorkCalendar.of([DateRange(date(2027, 7, 12), date(2027, 7, 30))])
    assert meeting_after(date(2027, 6, 3), 6, summer) == date(2027, 8, 2)


def test_a_meeting_falling_on_christmas_eve_moves_past_the_holidays() -> None:
    assert meeting_after(date(2026, 11, 12), 6, PLAIN) == date(2026, 12, 28)


def test_reminder_on_a_sunday_goes_out_the_friday_before() -> None:
    assert reminder_day(date(2027, 3, 1), 1, PLAIN) == date(2027, 2, 26)


def test_reminder_before_easter_goes_out_before_the_holidays() -> None:
    # Meeting Tuesday 30 March 2027; 1 day before is 2. påskedag, then Sunday, Saturday, Langfredag, Skærtorsdag.
    assert reminder_day(date(2027, 3, 30), 1, PLAIN) == date(2027, 3, 24)


def test_eight_in_the_morning_is_seven_utc_in_winter_and_six_in_summer() -> None:
    at = time(8, 0)
    assert local_instant(date(2027, 3, 26), at, CPH) == datetime(2027, 3, 26, 7, 0, tzinfo=UTC)
    assert local_instant(date(2027, 3, 29), at, CPH) == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)
    assert local_instant(date(2027, 10, 29), at, CPH) == datetime(2027, 10, 29, 6, 0, tzinfo=UTC)
    assert local_instant(date(2027, 11, 1), at, CPH) == datetime(2027, 11, 1, 7, 0, tzinfo=UTC)


def test_times_are_read_the_danish_way() -> None:
    assert parse_hhmm("14.30") == time(14, 30)
    assert parse_hhmm("kl. 8") == time(8, 0)
    assert parse_hhmm("09:05") == time(9, 5)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=1, max_value=12))
def test_every_meeting_lands_on_a_working_day_at_least_n_weeks_later(anchor: date, weeks: int) -> None:
    closing = WorkCalendar.of([DateRange(date(anchor.year, 7, 12), date(anchor.year, 7, 30))])
    day = meeting_after(anchor, weeks, closing)
    assert closing.is_working_day(day)
    # At most a weekend, the 19-day closure and the weekend after it.
    assert timedelta(weeks=weeks) <= day - anchor <= timedelta(weeks=weeks, days=23)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.sampled_from([1, 2, 7, 14]))
def test_every_reminder_lands_on_a_working_day_no_later_than_asked(meeting: date, days: int) -> None:
    day = reminder_day(meeting, days, PLAIN)
    assert PLAIN.is_working_day(day)
    assert day <= meeting - timedelta(days=days)


def _person(n: int, name: str) -> Person:
    return Person(staff_id=n, slack_id=f"U{n:03d}", name=name)


def test_an_absent_participant_is_replaced_by_the_substitute_on_their_behalf() -> None:
    mette, peter, ali = _person(1, "Mette"), _person(2, "Peter"), _person(3, "Ali")
    participants = [Participant(mette, "pædagog"), Participant(peter, "psykolog")]
    absences = {1: [Absence(date(2027, 3, 1), date(2027, 3, 12), ali)]}
    deliveries = route(participants, absences, date(2027, 3, 5))
    assert [(d.recipient.name, d.role, d.on_behalf_of) for d in deliveries] == [
        ("Ali", "pædagog", mette),
        ("Peter", "psykolog", None),
    ]
    # After the absence, Mette gets her own message again.
    assert [d.recipient.name for d in route(participants, absences, date(2027, 3, 15))] == ["Mette", "Peter"]


def test_a_substitute_who_takes_part_anyway_gets_one_message_in_their_own_right() -> None:
    mette, lead = _person(1, "Mette"), _person(2, "Karsten")
    participants = [Participant(mette, "pædagog"), Participant(lead, "leder")]
    absences = {1: [Absence(date(2027, 3, 1), date(2027, 3, 12), lead)]}
    deliveries = route(participants, absences, date(2027, 3, 5))
    assert [(d.recipient.name, d.role, d.on_behalf_of) for d in deliveries] == [("Karsten", "leder", None)]


def test_an_absent_participant_without_substitute_gets_nothing() -> None:
    mette = _person(1, "Mette")
    absences = {1: [Absence(date(2027, 3, 1), date(2027, 3, 12), None)]}
    assert route([Participant(mette, "pædagog")], absences, date(2027, 3, 5)) == []


@pytest.mark.parametrize(
    ("text", "today", "direction", "expected"),
    [
        # 29 February with no year: the next (or last) one there is, not nothing because this year has none.
        ("29/2", date(2027, 3, 10), Direction.FUTURE, date(2028, 2, 29)),
        ("29/2", date(2028, 3, 10), Direction.PAST, date(2028, 2, 29)),
        ("29/2", date(2027, 3, 10), Direction.PAST, None),  # 2027 and 2026 have none
        ("31/4", date(2027, 3, 10), Direction.FUTURE, None),
        ("10/3", date(2027, 3, 11), Direction.FUTURE, date(2028, 3, 10)),
    ],
)
def test_a_day_and_month_without_a_year_is_the_nearest_that_exists(
    text: str, today: date, direction: Direction, expected: date | None
) -> None:
    assert parse_day(text, today, direction) == expected

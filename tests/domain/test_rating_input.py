"""Reading `/rating` text, the backfill window and who may see and rate a child: pure rules, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teambot.domain.ratings import (
    BACKFILL_DAYS,
    MAX_NOTE,
    Access,
    RatingInput,
    RatingInputError,
    RatingText,
    case_access,
    check_day,
    parse_rating,
    read_rating_day,
)

# Thursday 4 March 2027.
TODAY = date(2027, 3, 4)
TWO_GOALS = [1, 2]
ONE_GOAL = [1]


def _error(text: str, goal_numbers: list[int] | None = TWO_GOALS) -> RatingInputError:
    with pytest.raises(RatingInputError) as caught:
        parse_rating(text, TODAY, goal_numbers)
    return caught.value


# -- parse_rating: what is recorded ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "goals", "expected"),
    [
        pytest.param("AK12 3", ONE_GOAL, RatingInput("AK12", TODAY, None, 3, None), id="only goal"),
        pytest.param("ak12 3", ONE_GOAL, RatingInput("AK12", TODAY, None, 3, None), id="code upper-cased"),
        pytest.param(
            "AK12 2 4 øvede med billedkort",
            TWO_GOALS,
            RatingInput("AK12", TODAY, 2, 4, "øvede med billedkort"),
            id="goal, rating and note",
        ),
        pytest.param(
            "AK12 1 3 5 gange", TWO_GOALS, RatingInput("AK12", TODAY, 1, 3, "5 gange"), id="note starting with a number"
        ),
        pytest.param(
            "AK12 i går 2 3", TWO_GOALS, RatingInput("AK12", date(2027, 3, 3), 2, 3, None), id="yesterday (two words)"
        ),
        pytest.param("AK12 igår 3", ONE_GOAL, RatingInput("AK12", date(2027, 3, 3), None, 3, None), id="igår"),
        pytest.param(
            "AK12 2027-03-02 1 4", TWO_GOALS, RatingInput("AK12", date(2027, 3, 2), 1, 4, None), id="ISO date"
        ),
        pytest.param("AK12 2/3 1 4", TWO_GOALS, RatingInput("AK12", date(2027, 3, 2), 1, 4, None), id="d/m date"),
        pytest.param(
            "AK12 26/2 2 1 svær dag",
            TWO_GOALS,
            RatingInput("AK12", date(2027, 2, 26), 2, 1, "svær dag"),
            id="d/m date with note",
        ),
        pytest.param(
            "AK12 3 5 gange", ONE_GOAL, RatingInput("AK12", TODAY, None, 3, "5 gange"), id="one goal: 3, note '5 gange'"
        ),
        pytest.param("AK12", TWO_GOALS, RatingInput("AK12", TODAY, None, None, None), id="code only: show goals"),
    ],
)
def test_what_is_read_from_the_text(text: str, goals: list[int], expected: RatingInput) -> None:
    assert parse_rating(text, TODAY, goals) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mandag", date(2027, 3, 1)),
        ("tirsdag", date(2027, 3, 2)),
        ("onsdag", date(2027, 3, 3)),
        ("torsdag", TODAY),  # today is Thursday: the latest Thursday on or before today is today
        ("fredag", date(2027, 2, 26)),
        ("lørdag", date(2027, 2, 27)),
        ("søndag", date(2027, 2, 28)),
        ("Mandag", date(2027, 3, 1)),
    ],
)
def test_a_weekday_name_backfills_the_latest_such_day_on_or_before_today(word: str, expected: date) -> None:
    assert parse_rating(f"AK12 {word} 1 3", TODAY, TWO_GOALS).day == expected


def test_a_weekday_on_a_monday_means_that_monday() -> None:
    monday = date(2027, 3, 1)
    assert parse_rating("AK12 mandag 3", monday, ONE_GOAL).day == monday
    assert parse_rating("AK12 fredag 3", monday, ONE_GOAL).day == date(2027, 2, 26)


def test_a_note_of_exactly_500_characters_is_accepted() -> None:
    note = "x" * MAX_NOTE
    assert parse_rating(f"AK12 1 3 {note}", TODAY, TWO_GOALS).note == note


# -- parse_rating: what is refused -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "goals", "kind", "value"),
    [
        pytest.param("", TWO_GOALS, "empty", "", id="empty"),
        pytest.param("   ", TWO_GOALS, "empty", "", id="blank"),
        pytest.param("AK12 0", ONE_GOAL, "out_of_range", "0", id="0"),
        pytest.param("AK12 5", ONE_GOAL, "out_of_range", "5", id="5"),
        pytest.param("AK12 1 0", TWO_GOALS, "out_of_range", "0", id="goal 1, 0"),
        pytest.param("AK12 1 5", TWO_GOALS, "out_of_range", "5", id="goal 1, 5"),
        pytest.param("AK12 2 17", TWO_GOALS, "out_of_range", "17", id="goal 2, 17"),
        pytest.param("AK12 tre", ONE_GOAL, "not_a_number", "tre", id="tre"),
        pytest.param("AK12 2,5", ONE_GOAL, "not_a_number", "2,5", id="2,5"),
        pytest.param("AK12 i går tre", ONE_GOAL, "not_a_number", "tre", id="date then tre"),
        pytest.param("AK12 3a", ONE_GOAL, "not_a_number", "3a", id="3a"),
    ],
)
def test_bad_ratings_are_refused_with_what_was_wrong(text: str, goals: list[int], kind: str, value: str) -> None:
    error = _error(text, goals)
    assert (error.kind, error.value) == (kind, value)


def test_a_decimal_rating_after_a_goal_number_is_not_a_number() -> None:
    """`AK12 1 2,5` with two goals can only mean goal 1 rated 2,5: a rating must be a whole number."""
    error = _error("AK12 1 2,5", TWO_GOALS)
    assert (error.kind, error.value) == ("not_a_number", "2,5")


def test_a_note_over_500_characters_is_refused_with_its_length() -> None:
    error = _error("AK12 1 3 " + "x" * (MAX_NOTE + 1))
    assert (error.kind, error.value) == ("note_too_long", "501")


def test_a_long_note_made_of_words_counts_the_spaces() -> None:
    note = " ".join(["ord"] * 126)  # 126 * 3 + 125 = 503 characters
    error = _error(f"AK12 1 3 {note}")
    assert (error.kind, error.value) == ("note_too_long", "503")


def test_the_error_is_a_value_error_naming_its_kind() -> None:
    error = _error("AK12 tre", ONE_GOAL)
    assert isinstance(error, ValueError)
    assert str(error) == "not_a_number"


# -- parse_rating: robustness ----------------------------------------------------------------------------


# Words users really type, and a few that only look like numbers or dates.
TOKENS = st.sampled_from(
    [
        "AK12",
        "i",
        "går",
        "igår",
        "mandag",
        "søndag",
        "2027-03-02",
        "2/3",
        "31/2",
        "0/0",
        "29/2",
        "2.5",
        "2,5",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "17",
        "999",
        "0004",
        "tre",
        "-1",
        "+2",
        "²",
        "٣",
        "①",
        "x" * 300,
    ]
)
TEXTS = st.text(max_size=80) | st.lists(TOKENS | st.text(min_size=1, max_size=6), max_size=8).map(" ".join)


@given(
    text=TEXTS,
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    goals=st.none() | st.lists(st.integers(min_value=1, max_value=20), max_size=4, unique=True),
)
def test_any_text_is_read_or_refused_with_a_rating_input_error(text: str, today: date, goals: list[int] | None) -> None:
    try:
        parsed = parse_rating(text, today, goals)
    except RatingInputError:
        return
    assert parsed.code == text.split()[0].upper()
    assert parsed.value is None or 1 <= parsed.value <= 4
    assert parsed.note is None or 0 < len(parsed.note) <= MAX_NOTE


def _outcome(text: str | RatingText, today: date, goals: list[int] | None) -> RatingInput | tuple[str, str]:
    try:
        return parse_rating(text, today, goals)
    except RatingInputError as error:
        return (error.kind, error.value)


@given(
    # Not `filter(str.split)`: Hypothesis takes that filter to mean "not empty" (its strategies/_internal/strings.py)
    # and let whitespace-only text through, "\x1f" or "\xa0", which has no code to read (CI, 2026-12-04).
    text=TEXTS.filter(lambda text: bool(text.split())),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    goals=st.none() | st.lists(st.integers(min_value=1, max_value=20), max_size=4, unique=True),
)
def test_the_day_read_before_the_goals_are_known_is_the_day_stored(
    text: str, today: date, goals: list[int] | None
) -> None:
    """`/rating` reads the child's code and the day first (the facts are read for that day), and the rest once the
    goals are known: the same rating or refusal as the whole text read at once."""
    try:
        read = read_rating_day(text, today)
    except RatingInputError as error:  # a day that does not exist (31/2): refused alike read at once
        assert _outcome(text, today, goals) == (error.kind, error.value) == ("bad_date", text.split()[1])
        return
    assert read.code == text.split()[0]  # as typed: the refusal of an unknown child upper-cases it itself
    outcome = _outcome(read, today, goals)
    assert outcome == _outcome(text, today, goals)
    if isinstance(outcome, RatingInput):
        assert outcome.day == read.day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("ak12 3", TODAY),
        ("AK12 i går 2 3", date(2027, 3, 3)),
        ("AK12 I  GÅR 2 3", date(2027, 3, 3)),
        ("AK12 igår 3", date(2027, 3, 3)),
        ("AK12 mandag 1 2", date(2027, 3, 1)),
        ("AK12 2027-03-02 1 4", date(2027, 3, 2)),
        ("AK12 26/2 2 1 svær dag", date(2027, 2, 26)),
        ("AK12 i 3", TODAY),  # "i" alone names no day
        ("AK12 3 i går", TODAY),  # a day after the rating is part of the note
    ],
)
def test_the_day_is_read_after_the_code(text: str, day: date) -> None:
    assert read_rating_day(text, TODAY).day == day


@pytest.mark.parametrize("token", ["²", "¹", "³²", "①"])
def test_digit_like_characters_that_are_not_numbers_are_refused_as_not_a_number(token: str) -> None:
    """`str.isdigit()` is true for superscripts and circled digits, but `int()` cannot read them."""
    error = _error(f"AK12 {token}", ONE_GOAL)
    assert error.kind == "not_a_number"


@given(
    code=st.from_regex(r"[A-Z]{2}[0-9]{2}", fullmatch=True),
    goal=st.integers(min_value=1, max_value=9),
    value=st.integers(min_value=1, max_value=4),
    back=st.integers(min_value=0, max_value=BACKFILL_DAYS),
    note=st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=60),
)
def test_a_well_formed_rating_reads_back_exactly(code: str, goal: int, value: int, back: int, note: str) -> None:
    day = TODAY - timedelta(days=back)
    parsed = parse_rating(f"{code} {day.isoformat()} {goal} {value} {note}", TODAY, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert parsed == RatingInput(code, day, goal, value, " ".join(note.split()) or None)


# -- check_day -------------------------------------------------------------------------------------------

START = date(2027, 2, 11)


@pytest.mark.parametrize(
    ("day", "closed", "expected"),
    [
        pytest.param(TODAY, None, None, id="today"),
        pytest.param(TODAY - timedelta(days=BACKFILL_DAYS), None, None, id="7 days back"),
        pytest.param(TODAY - timedelta(days=BACKFILL_DAYS + 1), None, "too_old", id="8 days back"),
        pytest.param(TODAY + timedelta(days=1), None, "future", id="tomorrow"),
        pytest.param(date(2030, 1, 1), None, "future", id="far future"),
        pytest.param(TODAY - timedelta(days=1), TODAY - timedelta(days=1), None, id="the day it closed"),
        pytest.param(TODAY, TODAY - timedelta(days=1), "after_close", id="after it closed"),
    ],
)
def test_the_backfill_window(day: date, closed: date | None, expected: str | None) -> None:
    assert check_day(day, TODAY, started=START, closed=closed) == expected


def test_before_the_case_started_is_refused_even_inside_the_window() -> None:
    started = date(2027, 3, 1)
    assert check_day(date(2027, 2, 26), TODAY, started=started, closed=None) == "before_start"
    assert check_day(started, TODAY, started=started, closed=None) is None


def test_a_case_without_a_start_meeting_can_be_rated_inside_the_window() -> None:
    assert check_day(TODAY - timedelta(days=3), TODAY, started=None, closed=None) is None


# -- case_access -----------------------------------------------------------------------------------------

BOTH, NONE = Access(read=True, write=True), Access(read=False, write=False)


@pytest.mark.parametrize(
    ("roles", "at_institution", "consultant", "consent", "expected"),
    [
        pytest.param(["pædagog"], True, False, [], BOTH, id="pædagog at the institution"),
        pytest.param(["leder"], True, False, [], BOTH, id="leder at the institution"),
        pytest.param(["pædagog", "leder"], True, False, [], BOTH, id="pædagog and leder"),
        pytest.param(["psykolog"], False, True, ["psykolog"], BOTH, id="consultant, consent covers the role"),
        pytest.param(
            ["tale-hørekonsulent"],
            False,
            True,
            ["psykolog", "tale-hørekonsulent"],
            BOTH,
            id="consultant, consent lists several",
        ),
        pytest.param(["psykolog"], False, True, [], NONE, id="consultant without consent"),
        pytest.param(
            ["tale-hørekonsulent"], False, True, ["psykolog"], NONE, id="consultant, consent covers another role"
        ),
        pytest.param(["psykolog"], False, False, ["psykolog"], NONE, id="same profession but not on the case"),
        pytest.param(["pædagog"], False, False, [], NONE, id="pædagog from another institution"),
        pytest.param(["leder"], False, False, [], NONE, id="leder of another institution"),
        pytest.param(["pædagog"], False, True, ["pædagog"], NONE, id="consent never covers a pædagog elsewhere"),
        pytest.param(["psykolog"], True, False, ["psykolog"], NONE, id="consultant at the institution, not on case"),
        pytest.param([], False, False, [], NONE, id="stranger"),
        pytest.param([], True, False, [], NONE, id="no role at all"),
    ],
)
def test_who_may_read_and_rate_a_child(
    roles: list[str], at_institution: bool, consultant: bool, consent: list[str], expected: Access
) -> None:
    access = case_access(
        roles=roles, works_at_institution=at_institution, is_case_consultant=consultant, consent_professions=consent
    )
    assert access == expected


@pytest.mark.parametrize("text", ["AK12 i går", "AK12 2.5", "AK12 mandag"])
def test_a_date_without_a_rating_asks_for_the_rating(text: str) -> None:
    with pytest.raises(RatingInputError) as caught:
        parse_rating(text, TODAY, TWO_GOALS)
    assert caught.value.kind == "missing_value"

"""CPR detection: a valid date DDMMYY (or DD-MM-YY, DD.MM.YY, DD/MM/YY, DD MM YY) and four digits, joined by a dash,
a space or nothing."""

from __future__ import annotations

import io
import logging
import re
import sys
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teambot.domain import privacy
from teambot.domain.privacy import contains_cpr, cpr_may_be_a_time, redact_cpr
from teambot.runtime import Redact

WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def modulus_11_ok(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11 == 0


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234",
        "010190 1234",
        "0101901234",
        "Barnet 010190-1234 har svært ved samling",
        "(311299-0001)",
        "cpr:010190-1234.",
        "280256-4321",
        "290200-1234",  # 29 February 2000
        "290204-1234",  # 29 February 2004
        "290296-1234",  # 29 February 1996
        "311221-9999",
        "010203/1234",  # a slash or a dot for the dash
        "Note: 010203.1234",
        "010203 / 1234",
    ],
)
def test_cpr_shaped_text_is_detected(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "320190-1234",  # no 32nd day
        "011390-1234",  # no 13th month
        "000190-1234",  # no day 0
        "010090-1234",  # no month 0
        "310490-1234",  # April has 30 days
        "300290-1234",  # February never has 30
        "290201-1234",  # neither 1901 nor 2001 was a leap year
        "010190-123",  # three digits
        "01019-01234",
        "010190--1234",
        "010190_1234",
        "010190//1234",
        "010190/.1234",
        "31.12.2026",  # a date with dots
        "1.234.567,50 kr.",
        "10101901234",  # eleven digits: part of a longer number
        "0101901234567",
        "010190-12345",
        "9010190-1234",
        "tlf. 86 12 34 56",
        "AK12",
        "2027-02-11",
        "uge 47, 2026",
        "",
        # Odd dashes and invisible characters do not make ordinary text CPR-shaped.
        "2027\u201303\u201301",
        "2027\u00ad-03-01",
        "tlf. 8612\u20133456",
        "uge 12\u201313",
        "010190\u2013\u20131234",  # two dashes, like "010190--1234"
        "010190\u2013123",
        "320190\u20131234",
        "3\u2013 af 4",
    ],
)
def test_other_text_is_not_cpr(text: str) -> None:
    assert not contains_cpr(text)


# Word turns " - " into an en dash; other programs paste other dashes, and invisible format characters (category
# Cf) come along with copied text. None of them may hide a CPR number.
ODD_FORMS = [
    "010190\u20131234",  # en dash
    "010190 \u2013 1234",  # Word's " - "
    "010190\u20101234",  # hyphen
    "010190\u20111234",  # non-breaking hyphen
    "010190\u20121234",  # figure dash
    "010190\u20141234",  # em dash
    "010190\u20151234",  # horizontal bar
    "010190\u22121234",  # minus sign
    "010190\ufe581234",  # small em dash
    "010190\ufe631234",  # small hyphen-minus
    "010190\uff0d1234",  # fullwidth hyphen-minus
    "0101\u00ad90-1234",  # soft hyphen inside the date
    "010190\u00ad1234",  # soft hyphen as the only separator
    "010190-\u00ad1234",
    "01\u200b0190\u200b1234",  # zero-width space
    "010190\u20601234",  # word joiner
    "0\u200d1\u200c0\u200e1\u200f9\ufeff0\u20621\u00ad2\u200b3\u20604",  # one of each, everywhere
    "010190 \u200b\u2011 1234",
]


@pytest.mark.parametrize("text", ODD_FORMS)
def test_cpr_with_any_dash_or_invisible_characters_is_detected(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize("text", ODD_FORMS)
def test_log_lines_lose_cpr_with_any_dash_or_invisible_characters(text: str) -> None:
    """The whole number goes, odd characters included."""
    assert _logged("note %s", f"<{text}>").getMessage() == "note <[CPR fjernet]>"


# A birth date written with separators (dd-mm-yy, dd.mm.yy, dd/mm/yy, dd mm yy; the same one twice) and then the
# four digits: still a CPR number, found by an exploratory QA pass ("01-02-03-1234" was stored).
SEPARATED_DATES = [
    "01-02-03-1234",
    "01 02 03-1234",
    "01.02.03-1234",
    "01/02/03-1234",
    "01-02-03 1234",
    "01.02.03 1234",
    "01 02 03 1234",
    "01/02/03/1234",
    "01.02.03.1234",
    "28/02/56 4321",
    "29.02.00-1234",  # 29 February 2000
    "01 - 02 - 03 - 1234",
    "01. 02. 03-1234",
    "01\u201302\u201303\u20131234",  # en dashes
    "01-02\u201303-1234",  # a hyphen and an en dash are both the dash
    "01\u00ad-02-03-1234",  # a soft hyphen beside a separator
    "0\u200b1-02-03-12\u200b34",  # zero-width spaces inside the parts
]


@pytest.mark.parametrize(
    "text",
    [*SEPARATED_DATES, "Barnet 31.12.99-1234 har svært ved samling", "(28/02/56 4321)", "40 11 01-02-03-1234"],
)
def test_cpr_with_separators_inside_the_date_is_detected(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize("text", SEPARATED_DATES)
def test_log_lines_lose_cpr_with_separators_inside_the_date(text: str) -> None:
    assert _logged("note %s", f"<{text}>").getMessage() == "note <[CPR fjernet]>"


@pytest.mark.parametrize(
    "text",
    [
        # What commands are typed with stays ordinary text.
        "AK12 4/12 1 3",
        "2/3 13/3 @Ali",
        "AK12 2027-03-02 14.30",
        "AK12 8/12 14.30",
        "AK12 2/3/27 14.30",
        "AK12 02.03.27 14.30",
        "AK12 02.03.27 kl. 14",
        "kl. 14.30-15.30",
        "48/2026 SOL",
        "uge 10-11-12",
        "AK12 1 3 ringede 12 11 10 gange",
        # Not a valid date, or not a date and four digits.
        "32-01-90-1234",
        "01-13-90-1234",
        "00.01.90-1234",
        "29-02-01-1234",  # neither 1901 nor 2001 was a leap year
        "1-2-03-1234",  # a one-digit day or month is not how a CPR number is written
        "01-02-2003-1234",  # a four-digit year
        "01-02-03-123",
        "01-02-03-12345",
        "101-02-03-1234",
        "01--02--03-1234",
        "01-02-03--1234",
        # Different separators inside the date: a date and a range or a time, not a birth date.
        "01-02.03-1234",
        "01/02-03 1234",
        "01.02 03-1234",
    ],
)
def test_other_text_with_separators_is_not_cpr(text: str) -> None:
    assert not contains_cpr(text)


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("møde 08.12.26 1400", True),
        ("08-12-26 0830 og 01/02/03 2359", True),
        ("08.12.26\u00a01400", True),  # a no-break space is whitespace too
        ("08.12.26 2400", False),  # no time of day
        ("08.12.26 1460", False),
        ("08.12.26-1400", False),  # a dash before the four digits: written as a CPR number is
        ("081226 1400", False),  # the date without separators
        ("08.12.26 1400 og 010203-1234", False),  # one part is no date and time
        ("ingen tal her", False),
    ],
)
def test_a_date_and_four_digits_after_a_space_may_be_a_time(text: str, time: bool) -> None:
    assert cpr_may_be_a_time(text) is time


def test_modulus_11_is_not_relied_on() -> None:
    assert not modulus_11_ok("0101901234")
    assert modulus_11_ok("0707614285")
    assert contains_cpr("010190-1234")
    assert contains_cpr("070761-4285")


cpr_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
separators = st.sampled_from(["-", " ", "", "/", "."])
serials = st.text(alphabet="0123456789", min_size=4, max_size=4)
# Context around a number: anything but digits, so the number stands on its own.
no_digits = st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=20)


@given(cpr_dates, separators, serials, no_digits, no_digits)
def test_every_valid_birth_date_with_four_digits_is_detected(
    day: date, sep: str, serial: str, before: str, after: str
) -> None:
    text = f"{before}{day:%d%m%y}{sep}{serial}{after}"
    assert contains_cpr(text)


date_separators = st.sampled_from(["-", ".", "/", " ", "\u2013", " - ", ". "])


@given(cpr_dates, date_separators, separators, serials, no_digits, no_digits)
def test_every_valid_birth_date_written_with_separators_is_detected(
    day: date, sep: str, joiner: str, serial: str, before: str, after: str
) -> None:
    text = f"{before}{day:%d}{sep}{day:%m}{sep}{day:%y}{joiner}{serial}{after}"
    assert contains_cpr(text)
    assert serial not in redact_cpr(text).removeprefix(before).removesuffix(after)


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"])))
def test_text_without_digits_is_never_cpr(text: str) -> None:
    assert not contains_cpr(text)


@given(st.text())
def test_text_without_four_digits_in_a_row_is_never_cpr(text: str) -> None:
    # Invisible format characters do not break up a number. (The date may be written with separators, the four
    # digits after it not.)
    if not re.search(r"\d{4}", "".join(c for c in text if unicodedata.category(c) != "Cf")):
        assert not contains_cpr(text)


@given(st.text(alphabet="0123456789", min_size=11, max_size=30))
def test_a_long_run_of_digits_is_not_cpr(digits: str) -> None:
    assert not contains_cpr(digits)


two_digits = st.integers(min_value=0, max_value=99)


@given(two_digits, two_digits, two_digits, separators, serials)
def test_detected_exactly_when_the_date_is_valid(dd: int, mm: int, yy: int, sep: str, serial: str) -> None:
    assert contains_cpr(f"{dd:02d}{mm:02d}{yy:02d}{sep}{serial}") == _is_birth_date(dd, mm, yy)


@given(two_digits, two_digits, two_digits, date_separators, date_separators, separators, serials)
def test_a_date_with_separators_is_detected_exactly_when_valid_and_written_alike(
    dd: int, mm: int, yy: int, first: str, second: str, joiner: str, serial: str
) -> None:
    # Any kind of dash counts as the dash, as between the date and the four digits.
    alike = first.strip().replace("\u2013", "-") == second.strip().replace("\u2013", "-")
    text = f"{dd:02d}{first}{mm:02d}{second}{yy:02d}{joiner}{serial}"
    assert contains_cpr(text) == (_is_birth_date(dd, mm, yy) and alike)


def _is_birth_date(dd: int, mm: int, yy: int) -> bool:
    return any(_is_date(century + yy, mm, dd) for century in (1900, 2000))


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _logged(msg: str, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("any.library", logging.INFO, __file__, 1, msg, args, None)
    assert Redact().filter(record)
    return record


def test_log_lines_lose_cpr_and_calendar_tokens_and_keep_their_arguments() -> None:
    record = _logged('%s - "%s %s" %d', "127.0.0.1", "GET", "/ics/Zx9_aVeryLongSecretToken1234.ics?x=280256-4321", 200)
    # uvicorn's access formatter unpacks the arguments, so they stay a tuple of the same length.
    assert record.args == ("127.0.0.1", "GET", "/ics/***?x=[CPR fjernet]", 200)
    assert record.getMessage() == '127.0.0.1 - "GET /ics/***?x=[CPR fjernet]" 200'


def test_cpr_inside_a_non_text_argument_is_redacted_in_the_message() -> None:
    record = _logged("case %s", {"note": 2802564321})
    assert "2802564321" not in record.getMessage()
    assert record.getMessage() == "case {'note': [CPR fjernet]}"


def test_a_traceback_loses_cpr_and_calendar_tokens_too() -> None:
    """uvicorn's "Exception in ASGI application" and SQLAlchemy's errors (with a statement's parameters) print the
    error's text again in the traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    log = logging.getLogger("test_privacy.traceback")
    log.addHandler(handler)
    try:
        try:
            raise ValueError("bad row: note=280256-4321 feed=/ics/Zx9_aVeryLongSecretToken1234.ics")
        except ValueError:
            log.exception("request failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "ValueError: bad row: note=[CPR fjernet] feed=/ics/***" in written
    assert "280256" not in written and "Zx9_aVeryLongSecretToken1234" not in written


@pytest.mark.parametrize(("listed", "category"), [("INVISIBLE", "Cf"), ("DASHES", "Pd")])
def test_the_listed_invisible_characters_and_dashes_are_exactly_unicodes(listed: str, category: str) -> None:
    """The lists are written out so that no process scans all of Unicode at its first check. A Python with a newer
    Unicode may add characters: then list them."""
    pattern = re.compile(f"[{getattr(privacy, listed)}]")
    found = {c for c in map(chr, range(sys.maxunicode + 1)) if pattern.fullmatch(c)}
    assert found == {c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == category}


def test_a_row_postgresql_repeats_in_an_error_is_redacted() -> None:
    """psycopg puts PostgreSQL's DETAIL in the error's text; for a NOT NULL or CHECK violation it is the whole row,
    a note or a goal's text among it, which may span lines and hold brackets of its own."""
    record = _logged(
        "%s",
        'null value in column "actor" of relation "audit_entry" violates not-null constraint\n'
        'DETAIL:  Failing row contains (7, 2027-03-04 13:00:00+00, null, rating.correct, AK12, {"old_note": "svær '
        'morgen (igen)\nbarnet græd hos far"}).',
    )
    assert record.getMessage() == (
        'null value in column "actor" of relation "audit_entry" violates not-null constraint\n'
        "DETAIL:  Failing row contains (***)."
    )


def test_key_values_and_values_asyncpg_refuses_are_redacted() -> None:
    """PostgreSQL's DETAIL for a unique or foreign key names the key's values; asyncpg's refusal of a parameter
    (store/direct_pool.py) repeats the value itself, a note among them (review of stop 34)."""
    record = _logged(
        "%s",
        'duplicate key value violates unique constraint "goal_case_id_text_key"\n'
        "DETAIL:  Key (case_id, text)=(7, svær morgen (igen)\nhos far) already exists.",
    )
    assert record.getMessage() == (
        'duplicate key value violates unique constraint "goal_case_id_text_key"\nDETAIL:  Key (case_id, text)=(***) '
        "already exists."
    )
    record = _logged("%s", "invalid input for query argument $3: 'svær morgen hos far' (expected int, got str)\nnext")
    assert record.getMessage() == "invalid input for query argument $3: ***\nnext"


def test_key_values_are_redacted_and_the_traceback_after_them_stays() -> None:
    """Up to the words that end PostgreSQL's DETAIL, not to the traceback's last ")": the frames of a chained
    error stay readable (review of stop 34); a key over an expression is redacted too."""
    detail = (
        "DETAIL:  Key (case_id, text)=(7, svær (igen)) already exists.\n\nThe above exception was the direct cause "
        'of the following exception:\n  File "ratings.py", line 9, in record (x)\nRuntimeError: refused (twice)'
    )
    assert _logged("%s", detail).getMessage() == (
        "DETAIL:  Key (case_id, text)=(***) already exists.\n\nThe above exception was the direct cause "
        'of the following exception:\n  File "ratings.py", line 9, in record (x)\nRuntimeError: refused (twice)'
    )
    other = 'DETAIL:  Key (lower(email::text))=(mette@bh.dk) is not present in table "staff".'
    redacted = 'DETAIL:  Key (lower(email::text))=(***) is not present in table "staff".'
    assert _logged("%s", other).getMessage() == redacted

"""CPR detection: anything shaped like a Danish personal number is refused before it is stored or logged. Also
what logs must not show: CPR-shaped text and the tokens of calendar addresses.

A CPR number is a valid date DDMMYY followed by four digits, joined by a dash (or a slash or a dot), a space or
nothing. The date may be written with separators too (DD-MM-YY, DD.MM.YY, DD/MM/YY, DD MM YY: the same one twice).
Any kind of dash counts, and invisible characters inside the number are ignored. The modulus-11 check is
deliberately not used: numbers issued since 2007 need not satisfy it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from functools import partial

# Unicode's invisible format characters (category Cf: soft hyphen, zero-width space, word joiner, …) and its dashes
# (category Pd), as the contents of a regex class. Listed rather than found by a scan of all of Unicode, which cost a
# quarter of a second at the first check; tests/domain/test_privacy.py checks the lists against `unicodedata`.
INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a-\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0"
    "\ufe31-\ufe32\ufe58\ufe63\uff0d\U00010ead"
)
# Invisible characters may sit anywhere in the number, and any dash (or the minus sign) counts as the dash: Word turns
# " - " into an en dash, other programs paste a non-breaking hyphen, a minus or a fullwidth hyphen. Any run of
# whitespace counts as the space (tabs, no-break spaces, doubled spaces a later step might squeeze into one), with or
# without a dash among it. \d, not [0-9]: a CPR number typed in fullwidth or Arabic-Indic digits is still one.
_GAP = f"[{INVISIBLE}]*"
# A slash or a dot serves as the dash too: "010203/1234" is typed as well. The whitespace around it is taken whole
# (possessive), never tried split in every way: a long run of spaces after digits cost time quadratic in its length.
_BLANKS = rf"[\s{INVISIBLE}]*+"
_JOINER = rf"{_BLANKS}[{DASHES}\u2212/.]?{_BLANKS}"
_SERIAL = rf"\d(?:{_GAP}\d){{3}}(?!\d)"
_CPR_SHAPE = re.compile(rf"(?<!\d)(\d(?:{_GAP}\d){{5}}){_JOINER}{_SERIAL}")
# The date written with separators ("01-02-03-1234", "01.02.03 1234", "01 02 03-1234"): two digits each, as a CPR
# number is written ("1/2 13/3" stays two dates), and a dash, slash, dot or whitespace between them, which
# `_is_separated_cpr` checks is the same twice ("01/02-03 1234" is a Danish date and a time, not a birth date). A
# pattern of its own, so that a candidate that is no date ("40 11 010203") cannot use up the digits of one that is.
_PAIR = rf"\d{_GAP}\d"
_DATE_SEPARATOR = rf"(?:{_BLANKS}[{DASHES}\u2212/.]{_BLANKS}|[{INVISIBLE}]*+\s{_BLANKS})"
_SEPARATED_CPR_SHAPE = re.compile(
    rf"(?<!\d)({_PAIR})({_DATE_SEPARATOR})({_PAIR})({_DATE_SEPARATOR})({_PAIR}){_JOINER}{_SERIAL}"
)
_DASH = re.compile(f"[{DASHES}\u2212]")
_BLANK = re.compile(rf"[\s{INVISIBLE}]")


def _valid_ddmmyy(day: int, month: int, yy: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    # Either century may apply; 29 February is a valid birth date if either year was a leap year.
    longest = max(calendar.monthrange(century + yy, month)[1] for century in (1900, 2000))
    return day <= longest


def _is_cpr(match: re.Match[str]) -> bool:
    digits = "".join(c for c in match.group(1) if c.isdecimal())
    return _valid_ddmmyy(int(digits[:2]), int(digits[2:4]), int(digits[4:]))


def _separator(text: str) -> str:
    """The separator `text` (whitespace and invisible characters around it) stands for: any dash is "-", whitespace
    alone is " "."""
    visible = _BLANK.sub("", text)
    return "-" if _DASH.fullmatch(visible) else visible or " "


def _is_separated_cpr(match: re.Match[str]) -> bool:
    day, first, month, second, year = match.groups()
    if _separator(first) != _separator(second):
        return False
    day, month, year = ("".join(c for c in part if c.isdecimal()) for part in (day, month, year))
    return _valid_ddmmyy(int(day), int(month), int(year))


_SHAPES = ((_CPR_SHAPE, _is_cpr), (_SEPARATED_CPR_SHAPE, _is_separated_cpr))


def contains_cpr(text: str) -> bool:
    """True if `text` contains anything CPR-shaped."""
    return any(is_cpr(match) for shape, is_cpr in _SHAPES for match in shape.finditer(text))


def cpr_may_be_a_time(text: str) -> bool:
    """True if each CPR-shaped part of `text` is a date written with separators and four digits after whitespace
    that read as a time of day ("møde 08.12.26 1400"): the refusal then says how to write the time."""
    found = False
    for shape, is_cpr in _SHAPES:
        for match in shape.finditer(text):
            if not is_cpr(match):
                continue
            if shape is _CPR_SHAPE:
                return False
            rest = text[match.end(5) : match.end()]
            digits = "".join(c for c in rest if c.isdecimal())
            joiner = _BLANK.sub("", "".join(c for c in rest if not c.isdecimal()))
            if joiner or int(digits[:2]) > 23 or int(digits[2:]) > 59:
                return False
            found = True
    return found


def redact_cpr(text: str) -> str:
    """`text` with every CPR-shaped part replaced, for logs."""
    for shape, is_cpr in _SHAPES:
        text = shape.sub(partial(_redacted, is_cpr), text)
    return text


def _redacted(is_cpr: Callable[[re.Match[str]], bool], match: re.Match[str]) -> str:
    return "[CPR fjernet]" if is_cpr(match) else match.group(0)


# A calendar address (`/ics/<token>.ics`) is the only key to someone's calendar.
_FEED_TOKEN = re.compile(r"/ics/[^/?#\s\"]+")
# PostgreSQL's DETAIL for a NOT NULL or CHECK violation repeats the whole row: a note, a goal's text. The driver puts
# it in the error's text, and a traceback repeats that (hiding a statement's parameters does not reach it). A note
# may span lines and hold brackets: everything up to the text's last ")" goes, more than the row if need be.
_FAILING_ROW = re.compile(r"(Failing row contains )\(.*\)", re.DOTALL)
# Its DETAIL for a unique or foreign key repeats the key's values (`Key (goal_id, day)=(5, 2027-03-04) already
# exists`), and asyncpg's own refusal of a value repeats the value (`invalid input for query argument $3: 'svær
# morgen' (expected …)`, cut to one line). The key's values go up to the words PostgreSQL ends that DETAIL with, so
# a traceback's later frames stay; where none follows, everything to the text's end.
_KEY_VALUES = re.compile(
    r"([Kk]ey \((?:[^()]|\([^()]*\))*\)=)\((?:.*?\)(?= already exists\.| is not present in table \"| is still "
    r"referenced from table \"| conflicts with existing key \()|.*)",
    re.DOTALL,
)
_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+: ).*")


def redact_for_logs(text: str) -> str:
    """`text` without CPR-shaped parts, calendar tokens, or values PostgreSQL or asyncpg repeat in an error."""
    text = _FEED_TOKEN.sub("/ics/***", redact_cpr(text))
    # Each looked for first: a substitution costs a microsecond even where it finds nothing, and every log line comes
    # here.
    if "Failing row contains" in text:
        text = _FAILING_ROW.sub(r"\1(***)", text)
    if "ey (" in text:
        text = _KEY_VALUES.sub(r"\1(***)", text)
    if "query argument $" in text:
        text = _ARGUMENT.sub(r"\1***", text)
    return text

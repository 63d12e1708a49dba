"""CPR detection: anything shaped like a Danish personal number is refused before it is stored or logged. Also
what logs must not show: CPR-shaped text and the tokens of calendar addresses.

A CPR number is a valid date DDMMYY followed by four digits, joined by a dash (or a slash or a dot), a space or
nothing. Any kind of dash counts, and invisible characters inside the number are ignored. The modulus-11 check is
deliberately not used: numbers issued since 2007 need not satisfy it.
"""

from __future__ import annotations

import calendar
import re

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
_SPACE = rf"[\s{INVISIBLE}]*"
# A slash or a dot serves as the dash too: "010203/1234" is typed as well.
_CPR_SHAPE = re.compile(rf"(?<!\d)(\d(?:{_GAP}\d){{5}}){_SPACE}[{DASHES}\u2212/.]?{_SPACE}\d(?:{_GAP}\d){{3}}(?!\d)")


def _valid_ddmmyy(day: int, month: int, yy: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    # Either century may apply; 29 February is a valid birth date if either year was a leap year.
    longest = max(calendar.monthrange(century + yy, month)[1] for century in (1900, 2000))
    return day <= longest


def _is_cpr(match: re.Match[str]) -> bool:
    digits = "".join(c for c in match.group(1) if c.isdecimal())
    return _valid_ddmmyy(int(digits[:2]), int(digits[2:4]), int(digits[4:]))


def contains_cpr(text: str) -> bool:
    """True if `text` contains anything CPR-shaped."""
    return any(_is_cpr(match) for match in _CPR_SHAPE.finditer(text))


def redact_cpr(text: str) -> str:
    """`text` with every CPR-shaped part replaced, for logs."""
    return _CPR_SHAPE.sub(lambda match: "[CPR fjernet]" if _is_cpr(match) else match.group(0), text)


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

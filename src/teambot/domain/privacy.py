"""CPR detection: anything shaped like a Danish personal number is refused before it is stored or logged. Also
what logs must not show: CPR-shaped text and the tokens of calendar addresses.

A CPR number is a valid date DDMMYY followed by four digits, joined by a dash, a space or nothing. The
modulus-11 check is deliberately not used: numbers issued since 2007 need not satisfy it.
"""

from __future__ import annotations

import calendar
import re

# Any run of whitespace counts as the space (tabs, no-break spaces, doubled spaces that a later step might
# squeeze into one), with or without a dash among it.
# \d, not [0-9]: a CPR number typed in fullwidth or Arabic-Indic digits is still a CPR number.
_CPR_SHAPE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})\s*-?\s*(\d{4})(?!\d)")


def _valid_ddmmyy(day: int, month: int, yy: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    # Either century may apply; 29 February is a valid birth date if either year was a leap year.
    longest = max(calendar.monthrange(century + yy, month)[1] for century in (1900, 2000))
    return day <= longest


def contains_cpr(text: str) -> bool:
    """True if `text` contains anything CPR-shaped."""
    for match in _CPR_SHAPE.finditer(text):
        day, month, yy = (int(g) for g in match.groups()[:3])
        if _valid_ddmmyy(day, month, yy):
            return True
    return False


def redact_cpr(text: str) -> str:
    """`text` with every CPR-shaped part replaced, for logs."""

    def replace(match: re.Match[str]) -> str:
        day, month, yy = (int(g) for g in match.groups()[:3])
        return "[CPR fjernet]" if _valid_ddmmyy(day, month, yy) else match.group(0)

    return _CPR_SHAPE.sub(replace, text)


# A calendar address (`/ics/<token>.ics`) is the only key to someone's calendar.
_FEED_TOKEN = re.compile(r"/ics/[^/?#\s\"]+")


def redact_for_logs(text: str) -> str:
    """`text` without CPR-shaped parts or calendar tokens."""
    return _FEED_TOKEN.sub("/ics/***", redact_cpr(text))

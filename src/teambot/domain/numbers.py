"""Whole numbers as users (and forged buttons) type them: ASCII digits only, within the database's range.

`str.isdigit` accepts "²" and "①", which `int()` then refuses, and a 30-digit id overflows the database's
integer; both must end in a clear refusal, never a crash.
"""

from __future__ import annotations

import re

DB_INT_MAX = 2_147_483_647  # PostgreSQL INTEGER
_DIGITS = re.compile(r"^[0-9]{1,10}$")


def parse_int(text: str, *, maximum: int = DB_INT_MAX) -> int | None:
    """The number `text` names if it is 0..maximum written with ASCII digits, else None."""
    text = text.strip()
    if not _DIGITS.match(text):
        return None
    value = int(text)
    return value if value <= maximum else None

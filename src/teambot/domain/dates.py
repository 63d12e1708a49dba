"""Dates as Danish users type them: `2027-03-02`, `2/3`, `2/3/2027`, `i dag`, `i går`, `i morgen`, `mandag`;
weeks (`uge 12`, `12/2027`) and months (`2027-03`, `3/2027`, `marts 2027`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from enum import Enum

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_RELATIVE = {"i dag": 0, "idag": 0, "i går": -1, "igår": -1, "i morgen": 1, "imorgen": 1}
# The first words of the days written in two words ("i går"): only text starting with one can name a day in two.
TWO_WORD_DAY_STARTS = frozenset(text.split()[0] for text in _RELATIVE if " " in text)
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_ISO_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
_SLASH_MONTH = re.compile(r"^([0-9]{1,2})/([0-9]{4})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?\.?$")
_WEEK = re.compile(r"^(?:uge\s*)?(\d{1,2})(?:\s*/\s*(\d{4}))?$")


class Direction(Enum):
    PAST = -1  # a weekday name means the latest one on or before today (backfilling a rating)
    FUTURE = 1  # a weekday name means the next one on or after today (moving a meeting)


def parse_day(text: str, today: date, direction: Direction) -> date | None:
    """The date `text` names, or None if it names none."""
    text = " ".join(text.strip().lower().split())
    if text in _RELATIVE:
        return today + timedelta(days=_RELATIVE[text])
    if text in WEEKDAYS:
        delta = (WEEKDAYS.index(text) - today.weekday()) % 7
        return (
            today + timedelta(days=delta) if direction is Direction.FUTURE else today - timedelta(days=(7 - delta) % 7)
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DAY_MONTH.match(text)
    if not match:
        return None
    day, month, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        candidates = [year]
    else:
        # Without a year: the nearest such date in the given direction.
        candidates = [today.year, today.year + direction.value]
    for year in candidates:
        try:
            found = date(year, month, day)
        except ValueError:
            continue  # 29 February: the other year may have one
        if year_text or (found >= today if direction is Direction.FUTURE else found <= today):
            return found
    return None


def parse_last_day(text: str, first: date, today: date) -> date | None:
    """The last day of a period typed after its first (`/teambot fravær mandag fredag`): a weekday name or a date
    without its year the next such on or after `first`; "i morgen" is tomorrow all the same, not the day after
    `first`."""
    words = " ".join(text.strip().lower().split())
    return parse_day(text, today if words in _RELATIVE else first, Direction.FUTURE)


def split_day(words: Sequence[str]) -> tuple[str, list[str]]:
    """The first day in `words` as typed, and the words after it. "i morgen" is one day in two words, any other day
    one; "i" names no day alone, so it takes the next word with it and a slip ("i mrogen") is quoted whole."""
    width = 2 if len(words) > 1 and words[0].lower() in TWO_WORD_DAY_STARTS else 1
    return " ".join(words[:width]), list(words[width:])


def parse_nearest_day(text: str, today: date) -> date | None:
    """The day `text` names; said without its year, the nearest such day either way: "30/11" typed on 5 December is
    the one just gone, not next year's, and "3/1" the one to come. A weekday name reads as the one to come."""
    ahead = parse_day(text, today, Direction.FUTURE)
    if ahead is None or names_year(text) or ahead - today <= timedelta(days=183):
        return ahead
    return parse_day(text, today, Direction.PAST) or ahead


def day_readings(text: str, today: date) -> list[date]:
    """The days `text` may name, nearest first: as typed with its year, else the coming one and the one just gone
    (for a caller that looks for whichever something covers: an absence begun in spring or planned for summer)."""
    if names_year(text):
        found = parse_day(text, today, Direction.FUTURE)
        return [found] if found else []
    readings = {d for d in (parse_day(text, today, Direction.FUTURE), parse_day(text, today, Direction.PAST)) if d}
    return sorted(readings, key=lambda d: abs((d - today).days))


def parse_past_event_day(text: str, today: date) -> date | None:
    """The day of something that happened (a consent given): a weekday name or "i går" the one just gone, a date
    without its year the nearest such day, so that one typed a day ahead reads as tomorrow, not last year's."""
    words = " ".join(text.strip().lower().split())
    if words in _RELATIVE or words in WEEKDAYS:
        return parse_day(text, today, Direction.PAST)
    return parse_nearest_day(text, today)


def names_year(text: str) -> bool:
    """Whether `text`, a day as `parse_day` reads it, says its year (`2/3/2027`, `2027-03-02`)."""
    text = " ".join(text.strip().lower().split())
    match = _DAY_MONTH.match(text)
    return bool(_ISO_DAY.match(text) or (match and match.group(3)))


def looks_like_day(text: str) -> bool:
    text = " ".join(text.strip().lower().split())
    return text in _RELATIVE or text in WEEKDAYS or bool(_DAY_MONTH.match(text)) or bool(_ISO_DAY.match(text))


def parse_week(text: str, today: date) -> tuple[int, int] | None:
    """'47', 'uge 47' or '53/2026' → (ISO year, week), or None. Raises nothing. Week 53 is read in any year, so the
    caller can say a year has only 52 (`weeks_in`) rather than that it did not understand."""
    match = _WEEK.match(text.strip().lower())
    if not match:
        return None
    week = int(match.group(1))
    year = int(match.group(2)) if match.group(2) else today.isocalendar().year
    if week > 53:
        return None
    try:
        date.fromisocalendar(year, min(week, 52), 1)
    except ValueError:
        return None
    return year, week


def weeks_in(year: int) -> int:
    """How many ISO weeks `year` has: 52, or 53 (2026). 28 December is always in the year's last week."""
    return date(year, 12, 28).isocalendar().week


# `/uge` and `/teambot møder` look at weeks from last year's to next year's (ISO years): a lead looks back at the
# weeks before the new year or ahead into the next; "48/3000" is a slip of the keys.
WEEK_YEARS_AROUND = 1


def week_years(today: date) -> tuple[int, int]:
    """The first and last ISO year whose weeks may be asked for on `today`."""
    this_year = today.isocalendar().year
    return this_year - WEEK_YEARS_AROUND, this_year + WEEK_YEARS_AROUND


def parse_month(text: str, today: date) -> date | None:
    """'2027-03', '3/2027', 'marts 2027' or 'marts' (the next March from this month on) → the month's first day."""
    words = " ".join(text.strip().lower().split())
    match = _ISO_MONTH.match(words) or _SLASH_MONTH.match(words)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        year, month = (first, second) if _ISO_MONTH.match(words) else (second, first)
        return date(year, month, 1) if 1 <= month <= 12 and year >= 1 else None
    name, _, year_text = words.partition(" ")
    if name not in MONTHS:
        return None
    month = MONTHS.index(name) + 1
    if year_text:
        valid = re.fullmatch(r"[0-9]{4}", year_text) and int(year_text) >= 1
        return date(int(year_text), month, 1) if valid else None
    year = today.year if month >= today.month else today.year + 1
    return date(year, month, 1)

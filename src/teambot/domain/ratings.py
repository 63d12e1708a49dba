"""Daily goal ratings: reading `/rating` text, the backfill window, who may see and rate a child.

`/rating <barn> [dato] [mål] <1-4> [note]` — the date (`i går`, `mandag`, `2027-03-02`, `2/3`) may follow
the child's code; the goal number may be left out when the child has one active goal.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from teambot.domain.dates import TWO_WORD_DAY_STARTS, Direction, looks_like_day, parse_day
from teambot.domain.roles import CONSULTANT_ROLES, Role

MAX_NOTE = 500
BACKFILL_DAYS = 7
SCALE = range(1, 5)


class RatingInputError(ValueError):
    """`kind` names what is wrong (a catalog key suffix); `value` is the offending text."""

    def __init__(self, kind: str, value: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.value = value


@dataclass(frozen=True)
class RatingInput:
    code: str
    day: date
    goal: int | None  # None: the child's only active goal
    value: int | None  # None: no rating given (show the goals instead)
    note: str | None


_NUMBER = re.compile(r"^[0-9]{1,3}$")  # ASCII digits only: "²" and "①" count as digits for str.isdigit
_NUMBERISH = re.compile(r"^[-+]?[0-9]+(?:[.,][0-9]*)?$|^[0-9]*[.,][0-9]+$")


def _int(token: str) -> int | None:
    return int(token) if _NUMBER.match(token) else None


def _looks_numeric(token: str) -> bool:
    """A token meant as a number that is not a whole number 0–999: "2,5", "3.", "-1", "²"."""
    return _int(token) is None and (bool(_NUMBERISH.match(token)) or any(ch.isdigit() for ch in token))


@dataclass(frozen=True)
class RatingText:
    """`/rating` text read as far as it can be before the child's goals are known (`read_rating_day`)."""

    code: str  # as typed
    day: date
    rest: list[str]  # the words after the day


def read_rating_day(text: str, today: date) -> RatingText:
    """The child's code and the day `/rating` text is about: what to look up with the child. `parse_rating` reads
    the rest once the goals are known, so the day is read once a request."""
    words = text.split()
    if not words:
        raise RatingInputError("empty")
    day, rest = _leading_day(words[1:], today)
    return RatingText(words[0], day, rest)


def parse_rating(text: str | RatingText, today: date, goal_numbers: Collection[int] | None = None) -> RatingInput:
    """Read `/rating` text (or what `read_rating_day` read of it, against the same `today`). `goal_numbers` (the
    child's active goals) settles `AK12 3 5 gange`-style input."""
    read = read_rating_day(text, today) if isinstance(text, str) else text
    code, day, rest = read.code.upper(), read.day, read.rest
    numbers: list[int] = []
    while rest and len(numbers) < 2:
        number = _int(rest[0])
        if number is None:
            if _looks_numeric(rest[0]) and (len(numbers) < 1 or not _note_may_start_with(rest[0])):
                raise RatingInputError("not_a_number", rest[0])
            break
        numbers.append(number)
        rest = rest[1:]
    note = " ".join(rest).strip() or None
    goal: int | None
    if not numbers:
        if rest:
            raise RatingInputError("not_a_number", rest[0])
        if day != today:
            raise RatingInputError("missing_value")  # a date but no rating: "AK12 i går", or "AK12 2.5"
        return RatingInput(code, day, None, None, None)
    if len(numbers) == 1:
        goal, value = None, numbers[0]
    else:
        goal, value = numbers
        known = set(goal_numbers or ())
        if goal_numbers is not None and len(known) == 1 and value not in SCALE and numbers[0] in SCALE:
            # One goal: the first number is the rating and the second starts the note ("3 5 gange").
            goal, value, note = None, numbers[0], " ".join([str(numbers[1]), *(rest or [])])
    if value not in SCALE:
        raise RatingInputError("out_of_range", str(value))
    if note is not None and len(note) > MAX_NOTE:
        raise RatingInputError("note_too_long", str(len(note)))
    return RatingInput(code, day, goal, value, note)


def _leading_day(words: list[str], today: date) -> tuple[date, list[str]]:
    """The date after the child's code, if any (else today), and the words after it."""
    # "i går" is two words; any other day one (a date, a weekday), so a second word is not tried with it.
    for width in (2, 1) if words and words[0].lower() in TWO_WORD_DAY_STARTS else (1,):
        if len(words) >= width and _int(words[0]) is None:
            found = parse_day(" ".join(words[:width]), today, Direction.PAST)
            if found is not None:
                return found, words[width:]
    if words and "." not in words[0] and looks_like_day(words[0]):
        # 31/2: a day that does not exist, not a rating ("3.0" is one, a decimal, though 3.10 is a day).
        raise RatingInputError("bad_date", words[0])
    return today, words


def _note_may_start_with(token: str) -> bool:
    """After a rating, a note may start with a number-like word ("5-6 gange", "2x"), but not a decimal."""
    return not _NUMBERISH.match(token)


def first_rating_day(start_meeting: date | None, goal_start: date | None, *, from_start_meeting: bool) -> date | None:
    """The first day a goal can be rated: one rule for `/rating`, the daily nudge and `/uge` (None: any day).

    The goals agreed at the start meeting (those of the import that created the case) begin there whenever it is
    recorded, also when that is before the import; until then on the import day, when they were first asked for.
    Any other goal (added in Slack or by a later import) begins on its own day, never before the start meeting."""
    if from_start_meeting and start_meeting is not None:
        return start_meeting
    return first_asked_day(start_meeting, goal_start)


def first_asked_day(start_meeting: date | None, goal_start: date | None) -> date | None:
    """The first day the nudge asked for a goal: the later of its case's start meeting and its own start. Days before
    that a start meeting recorded later opened (`first_rating_day`) may be rated, but nobody was asked for them, so
    they are not missing."""
    return max(filter(None, (start_meeting, goal_start)), default=None)


def check_day(day: date, today: date, *, started: date | None, closed: date | None) -> str | None:
    """Why a rating cannot be given for `day` (a catalog key suffix), or None if it can."""
    if day > today:
        return "future"
    if day < today - timedelta(days=BACKFILL_DAYS):
        return "too_old"
    if started is not None and day < started:
        return "before_start"
    if closed is not None and day > closed:
        return "after_close"
    return None


@dataclass(frozen=True)
class Access:
    read: bool
    write: bool


def case_access(
    *,
    roles: Collection[str],
    works_at_institution: bool,
    is_case_consultant: bool,
    consent_professions: Collection[str],
) -> Access:
    """Staff of the child's institution see and rate; a case consultant only when consent covers their role."""
    if works_at_institution and ({Role.PAEDAGOG, Role.LEDER} & set(roles)):
        return Access(read=True, write=True)
    if is_case_consultant:
        covered = bool(set(roles) & CONSULTANT_ROLES & set(consent_professions))
        return Access(read=covered, write=covered)
    return Access(read=False, write=False)


@dataclass(frozen=True)
class NudgeItem:
    """One goal in the daily nudge: rated already (value, by whom) or still to do."""

    case_code: str
    goal_id: int
    goal_number: int
    goal_text: str
    value: int | None = None
    rated_by: str | None = None
    on_behalf_of: str | None = None  # the absent colleague whose child this is, when standing in for her
    on_behalf_of_id: int | None = None  # her staff id: two colleagues may share a name

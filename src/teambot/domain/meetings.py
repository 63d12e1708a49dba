"""Status-meeting cadence and reminder timing: every N weeks on working days, reminders at local times.

The next meeting is N weeks after the previous one in the series (held, moved or cancelled: a cancelled
meeting keeps the rhythm), moved forward to the first working day of the child's institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from teambot.domain.calendar import WorkCalendar
from teambot.domain.routing import Delivery

DEFAULT_INTERVAL_WEEKS = 6
WORKDAY_START = time(7, 0)  # the earliest a status meeting or a café may begin or a message go out, local time
WORKDAY_END = time(18, 0)  # the latest one may begin; no message planned late goes out after this, local time


def within_working_day(start: time) -> bool:
    """Whether a meeting or a café may begin at `start`, or the day's reminders and nudges go out: "03.00" is a slip
    of the keys, and a daycare's staff and parents are there from early morning to early evening."""
    return WORKDAY_START <= start <= WORKDAY_END


def parse_hhmm(text: str) -> time:
    """'14:00', '14.00' or '8' → time. Raises ValueError otherwise."""
    text = text.strip().lower().removeprefix("kl.").strip()
    hour, _, minute = text.replace(".", ":").partition(":")
    return time(int(hour), int(minute or 0))


def format_hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def meeting_after(anchor: date, interval_weeks: int, calendar: WorkCalendar) -> date:
    """The meeting `interval_weeks` after `anchor`, on the first working day from there."""
    return calendar.next_working_day(anchor + timedelta(weeks=interval_weeks))


def reminder_day(meeting_day: date, days_before: int, calendar: WorkCalendar) -> date:
    """`days_before` the meeting; a non-working day moves to the working day before it."""
    return calendar.previous_working_day(meeting_day - timedelta(days=days_before))


def late_reminder_instant(now: datetime, calendar: WorkCalendar, remind_at: time, zone: ZoneInfo) -> datetime:
    """When a reminder planned too late should go out: now during a working day, else the next working
    day's reminder time."""
    local = now.astimezone(zone)
    today = local.date()
    if calendar.is_working_day(today) and remind_at <= local.time() < WORKDAY_END:
        return now
    first = today if local.time() < remind_at else today + timedelta(days=1)
    return local_instant(calendar.next_working_day(first), remind_at, zone)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock `at` on `day` (08:00 stays 08:00 across DST)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


@dataclass(frozen=True)
class MeetingFacts:
    """Everything a message about one status meeting shows."""

    meeting_id: int
    case_code: str
    institution_name: str
    day: date
    start: time
    deliveries: list[Delivery]

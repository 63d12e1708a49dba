"""iCalendar feeds: a person's status meetings, consultant visits and småbørnscaféer for Outlook, in
Europe/Copenhagen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime | date  # aware local datetime, or a date for an all-day event
    duration: timedelta
    summary: str
    location: str
    description: str
    cancelled: bool = False
    case_code: str | None = None  # the child the event is about, for the audit log
    # Grows with every change of day, time or status: without it Outlook ignores a re-imported, changed event.
    sequence: int = 0
    last_modified: datetime | None = None  # aware; when it last changed (a visit's also when it was confirmed)


def build_calendar(events: list[CalendarEvent], *, name: str, zone: ZoneInfo, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//teambot//tidlig indsats//DA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(zone))
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now.astimezone(UTC))
        if isinstance(item.start, datetime):
            event.add("dtstart", item.start.astimezone(zone))
            event.add("dtend", (item.start + item.duration).astimezone(zone))
        else:  # DTSTART;VALUE=DATE, and the day after as the (exclusive) end
            event.add("dtstart", item.start)
            event.add("dtend", item.start + item.duration)
        event.add("sequence", item.sequence)
        if item.last_modified is not None:
            event.add("last-modified", item.last_modified.astimezone(UTC))
        event.add("summary", item.summary)
        event.add("location", item.location)
        event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Copenhagen, so Outlook shows local times
    return bytes(calendar.to_ical())

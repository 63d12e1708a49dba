"""iCalendar feeds: a person's status meetings (and what else is added) for Outlook, in Europe/Copenhagen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime  # aware, local
    duration: timedelta
    summary: str
    location: str
    description: str
    cancelled: bool = False
    case_code: str | None = None  # the child the event is about, for the audit log


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
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", (item.start + item.duration).astimezone(zone))
        event.add("summary", item.summary)
        event.add("location", item.location)
        event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for Europe/Copenhagen, so Outlook shows local times
    return bytes(calendar.to_ical())

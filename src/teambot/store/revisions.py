"""Revisions of what a calendar shows of a status meeting, visit or café: its day, time or status."""

from __future__ import annotations

from datetime import datetime

from teambot.store.models import CafeSession, Meeting, Visit


def revise(row: Meeting | Visit | CafeSession, now: datetime) -> None:
    """Count a change of what a calendar shows of the row (its day, time or status; a café's number of children,
    or an invitee's answer: a declined café shows cancelled in her feed), at `now`. Every such change calls this: a
    calendar program keeps the event it imported unless the SEQUENCE grows (`teambot ics` files, subscribed
    feeds)."""
    row.revision += 1
    row.changed_at = now

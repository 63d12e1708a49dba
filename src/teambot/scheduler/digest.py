"""The weekly digest: each lead gets the week's status (what `/uge` shows) on Friday at 12:00 local time, or on the
week's last working day before it when Friday is a holiday or the municipality is closed (Langfredag, juledag).
A lead away that day has his digest go to the substitute registered (besides her own: one per lead she stands in
for), else to nobody.

Planned in the morning (the plan itself is `teambot.commands.digests`, which `/teambot fravær` shares), drawn at
send time, so it shows the ratings given up to the moment it goes out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from teambot.commands.digests import DIGEST, DIGEST_WEEKDAY, planning_day, sync_digests
from teambot.commands.notices import as_payload, plain_notice
from teambot.commands.registry import Context
from teambot.commands.week import week_for_digest
from teambot.domain.clock import Clock
from teambot.i18n import t, weekday_name
from teambot.scheduler.dispatcher import Refresher
from teambot.store.db import Database
from teambot.store.models import Notification, Staff


async def plan_digests(db: Database, *, now: datetime, zone: ZoneInfo) -> int:
    async with db.read() as session:
        today = await planning_day(session, now=now, zone=zone)
        if today is None:
            return 0
    async with db.write() as session:
        return await sync_digests(session, today, now=now, zone=zone)


def digest_refreshers(db: Database, clock: Clock, zone: ZoneInfo) -> dict[str, Refresher]:
    async def refresh(row: Notification) -> dict[str, Any] | None:
        if row.event_day is None:
            return None
        async with db.read() as session:
            lead = None if row.ref_id is None else await session.get(Staff, row.ref_id)
        if lead is None or not lead.active:
            return None  # the lead left: no digest
        context = Context(db=db, clock=clock, user_id=row.recipient, zone=zone, staff=lead)
        year, week = row.event_day.isocalendar()[:2]
        # A week that cannot be drawn now (the database busy) raises: the dispatcher tries the digest again later.
        stand_in = lead.slack_id != row.recipient
        week_reply = await week_for_digest(context, lead, year, week, for_substitute=stand_in)
        if week_reply is None:
            return None  # nothing to report: no digest
        reply = plain_notice(week_reply.text, why_digest(row.event_day, lead if stand_in else None))
        blocks = [*(week_reply.blocks or []), *(reply.blocks or [])[-1:]]  # the week keeps room for the why line
        return as_payload(reply, blocks=blocks, cases=week_reply.case_codes)

    return {DIGEST: refresh}


def why_digest(day: date, absent: Staff | None) -> str:
    """Why the digest: the lead's own, or the one his substitute gets in his place (`absent`)."""
    friday = day.weekday() == DIGEST_WEEKDAY
    if absent is not None:
        if friday:
            return t("why.digest_substitute", name=absent.name)
        return t("why.digest_early_substitute", name=absent.name, weekday=weekday_name(day))
    return t("why.digest") if friday else t("why.digest_early", weekday=weekday_name(day))

"""Calendar feeds: `teambot ics` and the secret, revocable per-person address in HTTP mode."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from typing import Any

from icalendar import Calendar
from sqlmodel import select
from typer.testing import CliRunner

from conftest import Runner
from teambot.cli import app
from teambot.config import Settings
from teambot.runtime import Runtime
from teambot.scheduler.planner import plan_case
from teambot.slack.serve import make_asgi
from teambot.store.db import Database
from teambot.store.models import AuditEntry, CalendarFeed, Case
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import OUTSIDER, PAEDAGOG, load_small_roster


async def _planned(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.read() as session:
        case_id = (await session.exec(select(Case))).one().id
    assert case_id is not None
    await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)


async def _get(asgi: Any, path: str) -> tuple[int, bytes, bytes]:
    """One GET through the ASGI app, as uvicorn would pass it."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    await asgi(scope, receive, send)
    headers = dict(sent[0]["headers"])
    return sent[0]["status"], headers.get(b"content-type", b""), b"".join(m.get("body", b"") for m in sent[1:])


def _events(body: bytes) -> list[tuple[str, datetime, str]]:
    calendar = Calendar.from_ical(body)
    return [(str(e["summary"]), e.decoded("dtstart"), str(e["status"])) for e in calendar.walk("VEVENT")]


async def test_ics_writes_a_valid_calendar_of_the_persons_meetings(
    db: Database, clock: FakeClock, database_url: str
) -> None:
    await _planned(db, clock)
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["ics", "--user", PAEDAGOG], env={"TEAMBOT_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    body = result.stdout_bytes
    events = _events(body)
    # The system clock decides what is "upcoming": the meeting planned for 30 March 2027 is in the future.
    assert events == [("Statusmøde AK12", datetime(2027, 3, 30, 14, 0, tzinfo=COPENHAGEN), "CONFIRMED")]
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:Europe/Copenhagen" in body
    # The administrator exporting the calendar read the child's meetings, not the calendar's owner.
    async with db.read() as session:
        reads = (await session.exec(select(AuditEntry).where(AuditEntry.action == "meeting.read"))).all()
    assert [(e.actor, e.case_code, e.detail.get("via")) for e in reads] == [("admin", "AK12", "cli")]
    unknown = await asyncio.to_thread(
        CliRunner().invoke, app, ["ics", "--user", "U0NOBODY1"], env={"TEAMBOT_DATABASE_URL": database_url}
    )
    assert unknown.exit_code == 1


async def test_the_secret_address_serves_the_feed_until_it_is_revoked(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, database_url: str
) -> None:
    await _planned(db, clock)
    run = Runner(db, clock)
    run.public_url = "https://teambot.kommune.example"
    reply = await run(PAEDAGOG, "/teambot kalender")
    match = re.search(r"https://teambot\.kommune\.example(/ics/[A-Za-z0-9_-]+\.ics)", reply.text)
    assert match, reply.text
    path = match.group(1)
    async with db.read() as session:
        [feed] = (await session.exec(select(CalendarFeed))).all()
    assert path.split("/")[-1].removesuffix(".ics") not in feed.token_hash  # only a hash is stored

    settings = Settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s" * 32,
        SLACK_API_URL=fake_slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )
    asgi = make_asgi(Runtime(settings=settings, db=db, clock=clock), with_scheduler=False)
    status, content_type, body = await _get(asgi, path)
    assert status == 200
    assert content_type.startswith(b"text/calendar")
    assert _events(body)[0][0] == "Statusmøde AK12"
    # A calendar program fetching the feed reads the child's meetings: that is in the audit log, as the feed's owner.
    async with db.read() as session:
        reads = (await session.exec(select(AuditEntry).where(AuditEntry.action == "meeting.read"))).all()
    assert [(e.actor, e.case_code, e.detail.get("via")) for e in reads] == [(PAEDAGOG, "AK12", "calendar")]

    # A new address revokes the old one; `stop` revokes everything.
    second = await run(PAEDAGOG, "/teambot kalender")
    assert (await _get(asgi, path))[0] == 404
    new_path = re.search(r"(/ics/[A-Za-z0-9_-]+\.ics)", second.text)
    assert new_path and (await _get(asgi, new_path.group(1)))[0] == 200
    assert (await run(PAEDAGOG, "/teambot kalender stop")).text == "📆 Din kalenderadresse er lukket."
    assert (await _get(asgi, new_path.group(1)))[0] == 404
    assert (await _get(asgi, "/ics/not-a-real-token-at-all-000.ics"))[0] == 404


async def test_without_a_public_url_the_path_is_given(db: Database, clock: FakeClock) -> None:
    await _planned(db, clock)
    reply = await Runner(db, clock)(OUTSIDER, "/teambot kalender")
    assert "TEAMBOT_PUBLIC_URL er ikke sat" in reply.text
    assert (await Runner(db, clock)(OUTSIDER, "/teambot kalender nu")).text.startswith("Skriv `/teambot kalender`")

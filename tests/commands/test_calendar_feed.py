"""Calendar feeds: `teambot ics` and the secret, revocable per-person address in HTTP mode; what a feed holds (status
meetings, the visits a consultant makes, the cafés she is invited to) and the SEQUENCE that makes Outlook take a
change."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar, Event
from sqlmodel import select
from typer.testing import CliRunner

from conftest import Runner
from helpers_visits import (
    HANNE,
    KARSTEN,
    LISE,
    METTE,
    PIA,
    RASMUS,
    TOVE,
    VisitRunner,
    button_value,
    cafes,
    load_visit_roster,
    rows,
    visit_roster,
    visits,
)
from teambot.cli import app
from teambot.commands import run_view
from teambot.config import Settings
from teambot.domain.roster import parse_roster
from teambot.domain.visits import quarter_of
from teambot.reports.feeds import calendar_for
from teambot.runtime import Runtime
from teambot.scheduler.planner import plan_case
from teambot.slack.serve import make_asgi
from teambot.store import queries
from teambot.store.calendar import HISTORY_DAYS
from teambot.store.db import Database
from teambot.store.models import AuditEntry, CalendarFeed, Case, Staff, Visit
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import OUTSIDER, PAEDAGOG, load_small_roster

CAFE_COUNTS = {"MAR": {"2027-01": 3, "2027-02": 4}}  # one café for Mariehønen's 7 children, proposed at once


async def _planned(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    await _replan(db, clock)


async def _replan(db: Database, clock: FakeClock) -> None:
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


# -- consultant visits, småbørnscaféer and SEQUENCE -------------------------------------------------------------


async def _feed(db: Database, clock: FakeClock, slack_id: str) -> dict[str, Event]:
    """`slack_id`'s feed as its calendar program reads it, by UID."""
    async with db.read() as session:
        staff = (await session.exec(select(Staff).where(Staff.slack_id == slack_id))).one()
    body = await calendar_for(db, clock, COPENHAGEN, staff)
    return {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


@pytest.fixture
async def consultants(db: Database, clock: FakeClock) -> VisitRunner:
    """Monday 4 January 2027: the årshjul laid, and Mariehønen's café for its 7 children proposed."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children=CAFE_COUNTS)
    runner = VisitRunner(db, clock)
    await runner.plan()
    return runner


async def _staff(db: Database, slack_id: str) -> Staff:
    async with db.read() as session:
        return (await session.exec(select(Staff).where(Staff.slack_id == slack_id))).one()


async def _first_visit(db: Database, code: str) -> Visit:
    """The first visit to `code` from today on (Hanne's to SOL and MAR, Pia's to BIR)."""
    return next(v for v in await visits(db, code) if v.day >= date(2027, 1, 4))


async def test_a_consultants_feed_holds_her_visits_and_her_cafe(consultants: VisitRunner, db: Database) -> None:
    feed = await _feed(db, consultants.clock, HANNE)
    since = date(2027, 1, 4) - timedelta(days=HISTORY_DAYS)
    sol = await _first_visit(db, "SOL")
    mine = [v for v in await visits(db) if v.day >= since and v.consultant_id == sol.consultant_id]
    assert {uid for uid in feed if uid.startswith("visit-")} == {f"visit-{v.id}@teambot" for v in mine}
    event = feed[f"visit-{sol.id}@teambot"]
    assert str(event["summary"]) == "Konsulentbesøg · Børnehuset Solsikken (sundhedsplejerske)"
    # A visit has a day, no time: an all-day event (DTSTART;VALUE=DATE), ending the day after.
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (sol.day, sol.day + timedelta(days=1))
    assert not isinstance(event.decoded("dtstart"), datetime)
    assert (str(event["description"]), str(event["status"]), event["sequence"]) == (
        "Sundhedsplejerske for Børnehuset Solsikken.",
        "CONFIRMED",
        0,
    )
    [cafe] = await cafes(db)
    event = feed[f"cafe-{cafe.id}@teambot"]
    assert str(event["summary"]) == "Småbørnscafé · Vuggestuen Mariehønen (sundhedsplejerske)"
    start = datetime.combine(cafe.day, time(9, 30), tzinfo=COPENHAGEN)
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (start, start + timedelta(hours=2))
    assert event["dtstart"].params["TZID"] == "Europe/Copenhagen"  # 09.30 on the wall clock, as Outlook shows it
    assert str(event["description"]) == "For 7 børn omkring 1½ år og deres forældre."
    # Visits and cafés name institutions only: no child, so no audit rows.
    async with db.read() as session:
        assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "meeting.read"))).all() == []
    # Mette, a pædagog, makes no visits and is not invited to cafés.
    assert await _feed(db, consultants.clock, METTE) == {}


async def test_a_substitute_has_the_visit_on_her_cover_day_and_the_absent_consultant_has_it_cancelled(
    consultants: VisitRunner, db: Database
) -> None:
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    before = (await _feed(db, consultants.clock, HANNE))[uid]
    assert uid not in await _feed(db, consultants.clock, PIA)
    day = sol.day.isoformat()
    await load_visit_roster(
        db,
        consultants.clock,
        cafe_children=CAFE_COUNTS,
        hanne_absences=[{"from": day, "to": day, "substitute": PIA}],
    )
    hanne, pia = await _feed(db, consultants.clock, HANNE), await _feed(db, consultants.clock, PIA)
    # An imported file takes the visit out of Hanne's Outlook only if the new one says so, with a higher SEQUENCE.
    assert str(hanne[uid]["status"]) == "CANCELLED"
    assert hanne[uid]["sequence"] > before["sequence"]
    assert str(hanne[uid]["description"]) == (
        "Ikke dit besøg længere: en anden sundhedsplejerske kommer til Børnehuset Solsikken, eller ingen kan komme."
    )
    mar = f"visit-{(await _first_visit(db, 'MAR')).id}@teambot"
    assert str(hanne[mar]["status"]) == "CONFIRMED"  # her other visits stay hers
    assert (pia[uid].decoded("dtstart"), str(pia[uid]["status"])) == (sol.day, "CONFIRMED")
    assert str(pia[uid]["description"]) == (
        "Stedfortræder for Hanne Vestergaard (sundhedsplejerske for Børnehuset Solsikken)."
    )
    assert f"visit-{(await _first_visit(db, 'BIR')).id}@teambot" in pia  # and her own, Birkelunden's
    # Hanne's visits Pia never had are not in her feed, not even cancelled.
    assert {u for u in pia if u.startswith("visit-")} == {uid} | {
        f"visit-{v.id}@teambot" for v in await visits(db, "BIR")
    }
    # The planner's next pass notes the change: the feeds stay as they were.
    await consultants.plan()
    assert (await _feed(db, consultants.clock, HANNE))[uid]["sequence"] == hanne[uid]["sequence"]
    assert (await _feed(db, consultants.clock, PIA))[uid]["sequence"] == pia[uid]["sequence"]


async def test_a_visit_that_comes_back_is_confirmed_again_with_a_higher_sequence(
    consultants: VisitRunner, db: Database
) -> None:
    """Hanne's absence is taken out of the roster again: the visit is hers, and Pia's calendar is told it is not."""
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    day = sol.day.isoformat()
    away = [{"from": day, "to": day, "substitute": PIA}]
    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS, hanne_absences=away)
    await consultants.plan()
    cancelled = (await _feed(db, consultants.clock, HANNE))[uid]
    standing_in = (await _feed(db, consultants.clock, PIA))[uid]
    assert (str(cancelled["status"]), str(standing_in["status"])) == ("CANCELLED", "CONFIRMED")

    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS)
    for planned in (False, True):  # before the planner's next pass, and after it
        if planned:
            await consultants.plan()
        hanne, pia = (await _feed(db, consultants.clock, HANNE))[uid], (await _feed(db, consultants.clock, PIA))[uid]
        assert (str(hanne["status"]), str(pia["status"])) == ("CONFIRMED", "CANCELLED")
        assert hanne["sequence"] > cancelled["sequence"]
        assert pia["sequence"] > standing_in["sequence"]
        assert str(hanne["description"]) == "Sundhedsplejerske for Børnehuset Solsikken."


async def test_a_visit_moved_to_its_consultant_s_day_off_and_back_before_a_pass_gets_a_higher_sequence_each_time(
    consultants: VisitRunner, db: Database
) -> None:
    """Karsten moves Hanne's visit onto a day she is away (Pia stands in), then back, with no planner pass between:
    her calendar sees it cancelled, then confirmed again, each with a SEQUENCE it has not seen."""
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    async with db.read() as session:
        calendar = await queries.work_calendar(session, sol.institution_id)
    taken = {v.day for v in await visits(db) if v.consultant_id == sol.consultant_id}
    near = (sol.day + timedelta(days=n * sign) for n in range(1, 30) for sign in (1, -1))
    day_off = next(
        d
        for d in near
        if quarter_of(d) == sol.quarter and calendar.is_working_day(d) and d not in taken and d > date(2027, 1, 20)
    )
    away = [{"from": day_off.isoformat(), "to": day_off.isoformat(), "substitute": PIA}]
    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS, hanne_absences=away)
    await consultants.plan()
    seen = [(await _feed(db, consultants.clock, HANNE))[uid]]
    for day in (day_off, sol.day):
        moved = await run_view(consultants.context(KARSTEN), "visit_move_modal", {"day": day.isoformat()}, str(sol.id))
        assert not moved.refused, moved.reply.text
        seen.append((await _feed(db, consultants.clock, HANNE))[uid])
    assert [str(event["status"]) for event in seen] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert seen[0]["sequence"] < seen[1]["sequence"] < seen[2]["sequence"]


async def test_a_fravaer_taken_back_before_a_pass_confirms_the_visit_with_a_higher_sequence(
    consultants: VisitRunner, db: Database
) -> None:
    """`/teambot fravær` on the visit's day, the nightly roster import (whose file has no word on it, so it stays),
    then `/teambot fravær slet` before the planner's next pass: Hanne's calendar gets the visit back above the
    cancellation it saw, and Pia's keeps it, cancelled, instead of losing it."""
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    day = sol.day.strftime("%d/%m")
    await consultants(HANNE, f"/teambot fravær {day} {day} @{PIA}")
    cancelled = (await _feed(db, consultants.clock, HANNE))[uid]
    standing_in = (await _feed(db, consultants.clock, PIA))[uid]
    assert (str(cancelled["status"]), str(standing_in["status"])) == ("CANCELLED", "CONFIRMED")
    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS)
    assert (await _feed(db, consultants.clock, HANNE))[uid] == cancelled
    assert (await _feed(db, consultants.clock, PIA))[uid] == standing_in
    taken_back = await consultants(HANNE, f"/teambot fravær slet {day}")
    assert taken_back.text.endswith(" er dit igen."), taken_back.text
    hanne, pia = (await _feed(db, consultants.clock, HANNE))[uid], (await _feed(db, consultants.clock, PIA)).get(uid)
    assert str(hanne["status"]) == "CONFIRMED" and hanne["sequence"] > cancelled["sequence"]
    assert pia is not None and str(pia["status"]) == "CANCELLED" and pia["sequence"] > standing_in["sequence"]


async def test_absences_the_roster_adds_changes_and_takes_out_between_two_passes_each_raise_the_sequence(
    consultants: VisitRunner, db: Database
) -> None:
    """Three roster imports and no planner pass between them: Hanne away on the visit's day with Pia in her place,
    then with Lise instead, then not away. Every calendar that had the visit sees each change with a SEQUENCE it has
    not seen: Hanne's gets it back confirmed above the cancellation, and Pia's and Lise's keep it, cancelled."""
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    day = sol.day.isoformat()
    seen: dict[str, list[tuple[str, int]]] = {HANNE: [], PIA: [], LISE: []}

    async def fetch() -> None:
        for who, events in seen.items():
            event = (await _feed(db, consultants.clock, who)).get(uid)
            if event is not None:
                events.append((str(event["status"]), event["sequence"]))

    await fetch()
    for substitute in (PIA, LISE, None):
        away = [{"from": day, "to": day, "substitute": substitute}] if substitute else []
        await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS, hanne_absences=away)
        await fetch()
    assert [status for status, _ in seen[HANNE]] == ["CONFIRMED", "CANCELLED", "CANCELLED", "CONFIRMED"]
    assert [status for status, _ in seen[PIA]] == ["CONFIRMED", "CANCELLED", "CANCELLED"]
    assert [status for status, _ in seen[LISE]] == ["CONFIRMED", "CANCELLED"]
    pia, lise, hanne = ([sequence for _, sequence in seen[who]] for who in (PIA, LISE, HANNE))
    assert pia[0] < pia[1] < pia[2] and lise[0] < lise[1]
    assert hanne[0] < hanne[1] <= hanne[2] < hanne[3]  # cancelled for her after the first import and the second


async def test_a_visit_given_to_a_new_consultant_stays_cancelled_in_the_old_ones_feed(
    consultants: VisitRunner, db: Database
) -> None:
    """Solsikken gets Pia as its sundhedsplejerske: its coming visits become hers; Hanne's calendar is told."""
    sol = [v for v in await visits(db, "SOL") if v.day >= date(2027, 1, 4)]
    before = await _feed(db, consultants.clock, HANNE)
    roster = visit_roster(cafe_children=CAFE_COUNTS)
    for assignment in roster["assignment"]:
        if assignment["staff"] == HANNE:
            assignment["institutions"] = ["MAR"]
        elif assignment["staff"] == PIA:
            assignment["institutions"] = ["SOL", "BIR"]
    await import_roster(db, parse_roster(roster, source="test"), now=consultants.clock.now())
    await consultants.plan()
    assert {v.consultant_id for v in await visits(db, "SOL") if v.day >= date(2027, 1, 4)} == {
        (await _staff(db, PIA)).id
    }
    hanne, pia = await _feed(db, consultants.clock, HANNE), await _feed(db, consultants.clock, PIA)
    for visit in sol:
        uid = f"visit-{visit.id}@teambot"
        assert (str(hanne[uid]["status"]), str(pia[uid]["status"])) == ("CANCELLED", "CONFIRMED")
        assert hanne[uid]["sequence"] > before[uid]["sequence"]
        assert hanne[uid].decoded("last-modified") == consultants.clock.now()
    mar = {f"visit-{v.id}@teambot" for v in await visits(db, "MAR")}
    assert {u for u in hanne if u.startswith("visit-")} == mar | {f"visit-{v.id}@teambot" for v in sol}
    assert all(str(hanne[u]["status"]) == "CONFIRMED" for u in mar)


async def test_a_declined_cafe_stays_cancelled_and_comes_back_with_a_yes(
    consultants: VisitRunner, db: Database
) -> None:
    [cafe] = await cafes(db)
    uid = f"cafe-{cafe.id}@teambot"
    invited = (await _feed(db, consultants.clock, TOVE))[uid]
    assert str(invited["status"]) == "CONFIRMED"
    [invitation] = [r for r in await rows(db, "cafe.invite") if r.recipient == TOVE]
    consultants.clock.set(consultants.clock.now() + timedelta(hours=1))
    await consultants.press(TOVE, "cafe_no", button_value(invitation, "cafe_no"))
    declined = (await _feed(db, consultants.clock, TOVE))[uid]
    # Left out, an imported event would stay in her Outlook: it is there, cancelled, with a higher SEQUENCE.
    assert (str(declined["status"]), str(declined["description"])) == ("CANCELLED", "Du har svaret «Kan ikke».")
    assert declined["sequence"] > invited["sequence"]
    assert declined.decoded("last-modified") == consultants.clock.now()
    assert str((await _feed(db, consultants.clock, RASMUS))[uid]["status"]) == "CONFIRMED"
    # Nobody could stand in for her (Nord's only tale-hørekonsulent), so she may still say yes: back in her diary.
    await consultants.press(TOVE, "cafe_yes", button_value(invitation, "cafe_yes"))
    accepted = (await _feed(db, consultants.clock, TOVE))[uid]
    assert str(accepted["status"]) == "CONFIRMED"
    assert accepted["sequence"] > declined["sequence"]


async def test_a_moved_visit_keeps_its_uid_with_a_higher_sequence(consultants: VisitRunner, db: Database) -> None:
    sol = await _first_visit(db, "SOL")
    assert sol.id is not None
    uid = f"visit-{sol.id}@teambot"
    before = (await _feed(db, consultants.clock, HANNE))[uid]
    assert "last-modified" not in before
    async with db.read() as session:
        calendar = await queries.work_calendar(session, sol.institution_id)
    taken = {v.day for v in await visits(db) if v.consultant_id == sol.consultant_id}
    near = (sol.day + timedelta(days=n * sign) for n in range(1, 30) for sign in (1, -1))
    new_day = next(d for d in near if quarter_of(d) == sol.quarter and calendar.is_working_day(d) and d not in taken)

    moving = await run_view(consultants.context(KARSTEN), "visit_move_modal", {"day": new_day.isoformat()}, str(sol.id))
    assert not moving.refused, moving.reply.text

    after = (await _feed(db, consultants.clock, HANNE))[uid]
    assert after.decoded("dtstart") == new_day
    assert after["sequence"] > before["sequence"]
    assert after.decoded("last-modified") == consultants.clock.now()


async def test_a_cafe_moved_off_a_closing_day_keeps_its_uid_with_a_higher_sequence(
    consultants: VisitRunner, db: Database
) -> None:
    [cafe] = await cafes(db)
    uid = f"cafe-{cafe.id}@teambot"
    before = (await _feed(db, consultants.clock, RASMUS))[uid]
    consultants.clock.set(datetime(2027, 1, 6, 9, 0))
    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS, closing={"MAR": [cafe.day.isoformat()]})

    await consultants.plan()

    [moved] = await cafes(db)
    assert moved.id == cafe.id and moved.day > cafe.day
    after = (await _feed(db, consultants.clock, RASMUS))[uid]
    assert after.decoded("dtstart") == datetime.combine(moved.day, time(9, 30), tzinfo=COPENHAGEN)
    assert after["sequence"] > before["sequence"]
    assert after.decoded("last-modified") == consultants.clock.now()


async def test_a_cafe_moved_to_a_day_she_is_away_stays_cancelled_in_her_feed(
    consultants: VisitRunner, db: Database
) -> None:
    """Mariehønen's café day becomes a closing day, and Hanne is on leave from the day after to the end of the
    children's window: the café moves to a day she is away and a colleague is asked in her place. Hanne's calendar
    is told, with a SEQUENCE it has not seen, rather than losing the event (Outlook would keep the old one)."""
    [cafe] = await cafes(db)
    uid = f"cafe-{cafe.id}@teambot"
    before = (await _feed(db, consultants.clock, HANNE))[uid]
    assert str(before["status"]) == "CONFIRMED"
    consultants.clock.set(datetime(2027, 1, 6, 9, 0))
    away = [{"from": (cafe.day + timedelta(days=1)).isoformat(), "to": "2027-04-30"}]
    await load_visit_roster(
        db, consultants.clock, cafe_children=CAFE_COUNTS, closing={"MAR": [cafe.day.isoformat()]}, hanne_absences=away
    )

    await consultants.plan()

    [moved] = await cafes(db)
    assert moved.id == cafe.id and moved.day > cafe.day
    after = (await _feed(db, consultants.clock, HANNE)).get(uid)
    assert after is not None, "the café left Hanne's feed"
    assert (str(after["status"]), str(after["description"])) == (
        "CANCELLED",
        "Caféen er flyttet til en dag, du ikke er inviteret til.",
    )
    assert after["sequence"] > before["sequence"]
    assert after.decoded("last-modified") == consultants.clock.now()
    # Rasmus, asked again for the new day, has it confirmed; a later pass changes nothing in Hanne's feed.
    assert str((await _feed(db, consultants.clock, RASMUS))[uid]["status"]) == "CONFIRMED"
    await consultants.plan()
    again = (await _feed(db, consultants.clock, HANNE))[uid]
    assert (str(again["status"]), again["sequence"]) == ("CANCELLED", after["sequence"])


async def test_a_moved_or_cancelled_meeting_gets_a_higher_sequence(db: Database, clock: FakeClock) -> None:
    """Moved off a new closing day by the planner, moved by hand, cancelled: each change raises SEQUENCE."""
    await _planned(db, clock)
    [(uid, first)] = (await _feed(db, clock, PAEDAGOG)).items()
    assert (first.decoded("dtstart"), first["sequence"]) == (datetime(2027, 3, 30, 14, 0, tzinfo=COPENHAGEN), 0)

    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11), closing_days=["2027-03-30"])
    await _replan(db, clock)
    closed = (await _feed(db, clock, PAEDAGOG))[uid]
    assert closed.decoded("dtstart") == datetime(2027, 3, 31, 14, 0, tzinfo=COPENHAGEN)
    assert closed["sequence"] > first["sequence"]

    await Runner(db, clock)(PAEDAGOG, "/teambot flyt AK12 2027-04-01 9.30")
    moved = (await _feed(db, clock, PAEDAGOG))[uid]
    assert moved.decoded("dtstart") == datetime(2027, 4, 1, 9, 30, tzinfo=COPENHAGEN)
    assert moved["sequence"] > closed["sequence"]

    await Runner(db, clock)(PAEDAGOG, "/teambot aflys AK12 barnet er på ferie")
    cancelled = (await _feed(db, clock, PAEDAGOG))[uid]
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled["sequence"] > moved["sequence"]
    assert cancelled.decoded("last-modified") == clock.now()


async def test_the_meetings_of_a_closed_case_stay_in_the_feed_cancelled(db: Database, clock: FakeClock) -> None:
    """Closing AK12 cancels its coming meeting: the feed keeps it, cancelled with a higher SEQUENCE, so a
    re-imported file takes it out of Outlook (before, it vanished from the feed and Outlook kept it)."""
    await _planned(db, clock)
    [(uid, before)] = (await _feed(db, clock, PAEDAGOG)).items()
    await Runner(db, clock)(PAEDAGOG, "/teambot forløb luk AK12")
    after = await _feed(db, clock, PAEDAGOG)
    assert list(after) == [uid]
    assert (str(after[uid]["status"]), after[uid]["sequence"] > before["sequence"]) == ("CANCELLED", True)
    # Once the case was closed longer ago than the feed looks back, it leaves the feed.
    clock.set(clock.now() + timedelta(days=HISTORY_DAYS + 1))
    assert await _feed(db, clock, PAEDAGOG) == {}


async def test_an_import_just_after_local_midnight_leaves_yesterdays_visit_with_whom_it_had(
    consultants: VisitRunner, db: Database
) -> None:
    # 00:30 in Copenhagen is still the day before in UTC: the visit of that day is past, as the planner reads it, and
    # an absence the file adds for it must not take it from Hanne's calendar after the fact.
    sol = await _first_visit(db, "SOL")
    uid = f"visit-{sol.id}@teambot"
    consultants.clock.set(datetime.combine(sol.day + timedelta(days=1), time(0, 30)))
    before = (await _feed(db, consultants.clock, HANNE))[uid]
    away = [{"from": sol.day.isoformat(), "to": sol.day.isoformat(), "substitute": PIA}]

    await load_visit_roster(db, consultants.clock, cafe_children=CAFE_COUNTS, hanne_absences=away)

    after = (await _feed(db, consultants.clock, HANNE))[uid]
    assert (str(after["status"]), after["sequence"]) == (str(before["status"]), before["sequence"]) == ("CONFIRMED", 0)

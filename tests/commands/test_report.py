"""`/teambot rapport`: a PNG chart and a PDF of a child's ratings, only for those who may read them, uploaded
to the requester's DM with Slack's current file upload API."""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from sqlmodel import select

from conftest import Runner
from teambot.config import Settings
from teambot.i18n import format_date
from teambot.reports.progress import GoalSeries, ProgressData, chart_png, report_pdf
from teambot.scheduler.planner import plan_case
from teambot.slack.app import build_app
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Case, Goal, Rating
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, load_small_roster
from teambot.testing.signing import signed_headers, slash_command_body

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


async def _with_ratings(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 31, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        goals = (await session.exec(select(Goal))).all()
        day = date(2027, 2, 15)
        while day < date(2027, 3, 31):
            if day.weekday() < 5:
                for goal in goals:
                    session.add(
                        Rating(
                            goal_id=goal.id or 0,
                            day=day,
                            value=1 + (day.day + goal.number) % 4,
                            note="øvede med billedkort" if day.day == 3 else None,
                            rated_by=case.paedagog_id,
                            rated_at=datetime(2027, 3, 1, tzinfo=UTC),
                        )
                    )
            day += timedelta(days=1)


async def test_the_report_is_a_png_chart_and_a_pdf(db: Database, clock: FakeClock) -> None:
    await _with_ratings(db, clock)
    reply = await Runner(db, clock)(PAEDAGOG, "/teambot rapport AK12 2027-02-15 2027-03-31")
    assert reply.text.startswith("📈 Forløbsrapport for AK12, mandag 15. februar 2027 – onsdag 31. marts 2027")
    png, pdf = reply.files
    assert png.filename == "forloebsrapport-AK12-2027-02-15-2027-03-31.png"
    assert png.content.startswith(b"\x89PNG") and len(png.content) > 10_000
    assert (
        pdf.content.startswith(b"%PDF")
        and pdf.content.count(b"/Type /Page\n")
        + pdf.content.count(b"/Type /Page\r")
        + pdf.content.count(b"/Type /Page ")
        >= 2
    )
    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "report.create"))).all()
    assert [(e.actor, e.case_code) for e in entries] == [(PAEDAGOG, "AK12")]


async def test_by_default_the_report_starts_at_the_last_status_meeting(db: Database, clock: FakeClock) -> None:
    await _with_ratings(db, clock)
    async with db.read() as session:
        case = (await session.exec(select(Case))).one()
    assert case.id is not None
    clock.set(datetime(2027, 3, 29, 9, 0))
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 4, 2, 9, 0))
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)  # 30 March is now held
    reply = await Runner(db, clock)(PAEDAGOG, "/teambot rapport AK12")
    assert "tirsdag 30. marts 2027 – fredag 2. april 2027" in reply.text


async def test_only_those_who_may_read_the_child_get_a_report(db: Database, clock: FakeClock) -> None:
    await _with_ratings(db, clock)
    run = Runner(db, clock)
    assert (await run(LEAD, "/teambot rapport AK12")).files
    assert (await run(PSYKOLOG, "/teambot rapport AK12")).files  # consent covers psykolog
    refused = await run(OUTSIDER, "/teambot rapport AK12")
    assert refused.text == "Jeg kender ikke forløbet «AK12», eller du har ikke adgang til det. Intet er vist."
    assert not refused.files
    assert (await run(PAEDAGOG, "/teambot rapport AK12 2027-03-10 2027-03-01")).text.startswith(
        "Slutdatoen ligger før startdatoen."
    )


async def test_in_slack_the_files_are_uploaded_to_the_requesters_dm(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await _with_ratings(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    app = build_app(settings, Services(db=db, clock=clock, zone=COPENHAGEN))
    body = slash_command_body("/teambot", "rapport AK12", user_id=PAEDAGOG, response_url=fake_slack.response_url())
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=signed_headers(SECRET, body)))
    assert response.status == 200
    while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)
    assert [c.params["users"] for c in fake_slack.calls_to("conversations.open")] == [PAEDAGOG]
    uploads = fake_slack.calls_to("file_upload")
    assert len(uploads) == 2 and all(u.params["size"] > 1000 for u in uploads)
    assert uploads[0].params["head"].startswith("89504e47")  # PNG
    completed = fake_slack.calls_to("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in completed] == [PAEDAGOG, PAEDAGOG]
    titles = [json.loads(c.params["files"])[0]["title"] for c in completed]
    assert titles == ["Forløb AK12 — graf", "Forløb AK12 — rapport til udskrift"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            "AK12 2099-01-01",
            "En rapport begynder senest i dag: torsdag 1. januar 2099 ligger efter. Intet er lavet.",
        ),
        (
            "AK12 2027-03-01 2027-03-05 2027-03-09",
            "Skriv fx `/teambot rapport AK12` eller `/teambot rapport AK12 2027-02-01 2027-03-31`.",
        ),
    ],
)
async def test_a_period_reaching_into_the_future_or_a_third_date_is_refused_as_such(
    db: Database, clock: FakeClock, args: str, expected: str
) -> None:
    """A start in the future was answered "Slutdatoen ligger før startdatoen" (the end defaults to today), and a
    third date was ignored without a word."""
    await _with_ratings(db, clock)
    reply = await Runner(db, clock)(PAEDAGOG, f"/teambot rapport {args}")
    assert (reply.text, reply.files) == (expected, [])


async def test_a_period_ending_after_today_reports_up_to_today(db: Database, clock: FakeClock) -> None:
    """ "This month", asked in the middle of it."""
    await _with_ratings(db, clock)
    reply = await Runner(db, clock)(PAEDAGOG, "/teambot rapport AK12 2027-03-01 2027-03-31")
    assert reply.files
    assert f"– {format_date(clock.now().date())}" in reply.text


def test_a_chart_of_goals_without_ratings_draws_no_empty_legend() -> None:
    """Goals with no rating in the period draw no line: matplotlib warned on every such report (an empty legend)."""
    data = ProgressData(
        case_code="AK12",
        institution="Solsikken",
        start=date(2027, 2, 15),
        end=date(2027, 3, 31),
        goals=[GoalSeries(number=1, text="Sætter ord på følelser", ratings=[])],
        meetings=[date(2027, 3, 30)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = chart_png(data)
    assert png.startswith(b"\x89PNG")


async def test_a_report_of_one_rating_says_one_rating(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 4, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")

    reply = await run(PAEDAGOG, "/teambot rapport AK12")

    assert "(1 registrering): graf og PDF til udskrift." in reply.text


def test_dollar_signs_in_notes_and_goals_are_printed_as_typed_not_as_a_formula() -> None:
    """matplotlib typesets what stands between two `$` as a formula, in italics and without its spaces: the note
    "Kostede 5$ og 10$ i alt" came out as "Kostede 5og10 i alt" with "og10" slanted. A PDF with only the upright
    fonts (no `Oblique` one for the formula) shows every text as typed."""
    ratings = [(date(2027, 3, 1), 2), (date(2027, 3, 8), 3)]
    goal = GoalSeries(1, "Betaler selv 5$ og 10$", ratings, notes=[(date(2027, 3, 1), "Kostede 5$ og 10$ i alt")])
    data = ProgressData("AK12", "Børnehuset $ol$ikken", date(2027, 3, 1), date(2027, 3, 12), [goal], [])

    fonts = set(re.findall(rb"/BaseFont /[A-Z]+\+([\w-]+)", report_pdf(data)))

    assert fonts == {b"DejaVuSans", b"DejaVuSansMono"}

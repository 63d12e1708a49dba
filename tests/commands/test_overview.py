"""Monitoring and cost on known data: `/teambot overblik` for leads and the CSV export, aggregated only."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from conftest import Runner
from teambot.cli import app
from teambot.domain.monitoring import InstitutionFigures
from teambot.reports.monitoring_csv import monitoring_csv
from teambot.scheduler.planner import plan_case
from teambot.store.db import Database
from teambot.store.models import Case, ClosingPeriod, Goal, Rating
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG, load_small_roster


async def _sixteen_ratings_of_goal_1(db: Database, first: date) -> None:
    """Goal 1 rated on the first 16 weekdays from `first`, alternating 3 and 2 (so half of them met)."""
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        goal = (await session.exec(select(Goal).where(Goal.number == 1))).one()
        day, given = first, 0
        while given < 16:
            if day.weekday() < 5:
                session.add(
                    Rating(
                        goal_id=goal.id or 0,
                        day=day,
                        value=3 if given % 2 == 0 else 2,
                        rated_by=case.paedagog_id,
                        rated_at=datetime(2027, 1, 1, tzinfo=UTC),
                    )
                )
                given += 1
            day += timedelta(days=1)


async def test_the_lead_sees_the_quarters_figures(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 2, 11, 9, 0))  # imported on the day of the start meeting: asked for from then
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 29, 9, 0))
    await _sixteen_ratings_of_goal_1(db, date(2027, 2, 15))
    async with db.read() as session:
        case_id = (await session.exec(select(Case))).one().id
    assert case_id is not None
    await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)  # the first meeting, 30 March
    clock.set(datetime(2027, 3, 31, 15, 0))
    await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)

    reply = await Runner(db, clock)(LEAD, "/teambot overblik")
    lines = reply.text.splitlines()
    assert lines[0] == "*Overblik 1. kvartal 2027* (fredag 1. januar 2027 – onsdag 31. marts 2027)"
    # 32 working days from 11 February to 31 March (Easter taken out) for 2 goals: 16 of 64 rated = 25 %.
    assert lines[1] == (
        "*SOL* Børnehuset Solsikken: 1 forløb · 2 mål · registreret 25 % · mål nået 50 % · statusmøder 1 til tiden, "
        "0 flyttet, 0 aflyst · tid: registrering 0,3 t, statusmøder 3,0 t"
    )
    assert lines[2].startswith("*Hele kommunen*: 1 forløb · 2 mål")
    assert "AK12" not in reply.text  # aggregated: no child appears


async def test_ratings_of_days_closed_afterwards_do_not_take_completeness_past_100_percent(
    db: Database, clock: FakeClock
) -> None:
    """Every working day rated, then the institution enters a closing week that had been rated: those days are no
    longer expected, and their ratings are not counted as asked for either (it read 119 % before)."""
    clock.set(datetime(2027, 2, 11, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        for goal in (await session.exec(select(Goal))).all():
            day = date(2027, 2, 11)
            while day <= date(2027, 3, 31):
                if day.weekday() < 5 and day not in {date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 29)}:
                    session.add(
                        Rating(
                            goal_id=goal.id or 0,
                            day=day,
                            value=3,
                            rated_by=case.paedagog_id,
                            rated_at=datetime(2027, 1, 1, tzinfo=UTC),
                        )
                    )
                day += timedelta(days=1)
        session.add(ClosingPeriod(institution_id=case.institution_id, start=date(2027, 3, 1), end=date(2027, 3, 5)))
    clock.set(datetime(2027, 3, 31, 15, 0))

    reply = await Runner(db, clock)(LEAD, "/teambot overblik")

    assert "registreret 100 % · mål nået 100 %" in reply.text.splitlines()[1]


async def test_only_leads_get_the_overview(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 31, 15, 0))
    await load_small_roster(db, now=clock.now())
    run = Runner(db, clock)
    assert (await run(PAEDAGOG, "/teambot overblik")).text.startswith("Overblikket er for ledere.")
    assert (await run(LEAD, "/teambot overblik K9")).text.startswith("Jeg forstår ikke kvartalet «K9».")


async def test_the_csv_export_per_institution_and_quarter(
    db: Database, clock: FakeClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(datetime(2026, 9, 1, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2026, 9, 1))
    await _sixteen_ratings_of_goal_1(db, date(2026, 9, 1))
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["export", "monitoring", "--from", "2026-07-01", "--to", "2026-12-31", "--minutes", "rating=3"],
        env={"TEAMBOT_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    sol = {row["quarter"]: row for row in rows if row["institution"] == "SOL"}
    # September 2026 has 22 working days, for 2 goals.
    assert {
        k: sol["2026-K3"][k]
        for k in ("ratings", "expected_ratings", "completeness_pct", "goals_met_pct", "hours_ratings")
    } == {
        "ratings": "16",
        "expected_ratings": "44",
        "completeness_pct": "36.4",
        "goals_met_pct": "50.0",
        "hours_ratings": "0.8",
    }
    assert sol["2026-K4"]["ratings"] == "0"
    assert {row["institution"] for row in rows} == {"SOL", "MAR"}
    assert "AK12" not in result.output

    # For Danish Excel: semicolons, decimal commas, CRLF and a byte order mark; the same figures.
    excel = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["export", "monitoring", "--from", "2026-07-01", "--to", "2026-12-31", "--minutes", "rating=3"]
        + ["--format", "excel"],
        env={"TEAMBOT_DATABASE_URL": database_url},
    )
    assert excel.exit_code == 0, excel.output
    assert excel.stdout_bytes.startswith(b"\xef\xbb\xbfquarter;from;to;institution;") and b"\r\n" in excel.stdout_bytes
    text = excel.stdout_bytes.decode("utf-8-sig")
    danish = {
        row["quarter"]: row
        for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
        if row["institution"] == "SOL"
    }
    assert {k: danish["2026-K3"][k] for k in ("ratings", "completeness_pct", "goals_met_pct", "hours_ratings")} == {
        "ratings": "16",
        "completeness_pct": "36,4",
        "goals_met_pct": "50,0",
        "hours_ratings": "0,8",
    }
    assert danish["2026-K3"]["institution_name"] == "Børnehuset Solsikken"

    # A stdout that writes "\n" as CRLF (Windows) gets the file's bytes as they are: CRLF, not CR CR LF.
    windows = io.BytesIO()
    stdout = io.TextIOWrapper(windows, encoding="utf-8", newline="\r\n")
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", stdout)
        patched.setenv("TEAMBOT_DATABASE_URL", database_url)
        await asyncio.to_thread(
            app,
            ["export", "monitoring", "--from", "2026-07-01", "--to", "2026-12-31", "--minutes", "rating=3"]
            + ["--format", "excel"],
            standalone_mode=False,
        )
        sys.stdout.flush()
    assert windows.getvalue() == excel.stdout_bytes and b"\r\r\n" not in windows.getvalue()
    unknown = CliRunner().invoke(
        app,
        ["export", "monitoring", "--from", "2026-07-01", "--to", "2026-12-31", "--format", "xlsx"],
        env={"TEAMBOT_DATABASE_URL": database_url},
    )
    assert (unknown.exit_code, "--format must be one of csv, excel" in unknown.output) == (2, True)

    # Minutes for activities the figures do not count are refused, not silently ignored (besøg and café were
    # accepted and made no difference).
    for minutes in ("kaffe=5", "besøg=120", "café=90"):
        bad = CliRunner().invoke(
            app,
            ["export", "monitoring", "--from", "2026-07-01", "--to", "2026-12-31", "--minutes", minutes],
            env={"TEAMBOT_DATABASE_URL": database_url},
        )
        assert bad.exit_code == 2, minutes


MINUTES = {"rating": 1, "statusmøde": 60}


def test_the_excel_export_keeps_a_name_that_looks_like_a_formula_as_text() -> None:
    """A roster's institution named "=HYPERLINK(…)" or "-Nord" must not run as a formula when Excel opens the file;
    the csv format, for scripts, keeps names as they are."""
    rows = [(date(2027, 1, 1), date(2027, 3, 31), InstitutionFigures("=SOL", '=HYPERLINK("x";"Sol")'))]
    rows.append((date(2027, 1, 1), date(2027, 3, 31), InstitutionFigures("MAR", "-Mariehønen; Nord")))
    text = monitoring_csv(rows, MINUTES, file_format="excel").removeprefix("\ufeff")
    excel = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row[3:5] for row in excel[1:]] == [["'=SOL", '\'=HYPERLINK("x";"Sol")'], ["MAR", "'-Mariehønen; Nord"]]
    plain = list(csv.reader(io.StringIO(monitoring_csv(rows, MINUTES))))
    assert [row[3:5] for row in plain[1:]] == [["=SOL", '=HYPERLINK("x";"Sol")'], ["MAR", "-Mariehønen; Nord"]]


@pytest.mark.parametrize("quarter", ["9999-K4", "0000-K1", "K1 3000", "2016-K4"])
async def test_a_quarter_years_away_is_refused(db: Database, clock: FakeClock, quarter: str) -> None:
    """`9999-K4` ended in an error (its quarter ends in year 10,000); `K1 3000` counted a thousand years ahead."""
    clock.set(datetime(2027, 3, 31, 15, 0))
    await load_small_roster(db, now=clock.now())
    assert (await Runner(db, clock)(LEAD, f"/teambot overblik {quarter}")).text == (
        f"Kvartalet «{quarter}» ligger for langt væk: skriv et kvartal fra 2017 til 2028, fx K1 eller 2027-K3."
    )


async def test_the_quarters_ten_years_back_and_next_year_are_shown(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 31, 15, 0))
    await load_small_roster(db, now=clock.now())
    run = Runner(db, clock)
    assert (await run(LEAD, "/teambot overblik 2017-K1")).text.startswith("*Overblik 1. kvartal 2017*")
    assert (await run(LEAD, "/teambot overblik 2028-K4")).text.startswith("*Overblik 4. kvartal 2028*")


async def test_a_quarter_before_the_goals_began_counts_none_of_them(db: Database, clock: FakeClock) -> None:
    """AK12's goals came into teambot on 31 March 2027: the quarter before has no goals nor cases (it counted
    today's)."""
    clock.set(datetime(2027, 3, 31, 15, 0))
    await load_small_roster(db, now=clock.now())
    run = Runner(db, clock)
    now = (await run(LEAD, "/teambot overblik")).text.splitlines()[1]
    before = (await run(LEAD, "/teambot overblik 2026-K4")).text.splitlines()[1]
    assert " 1 forløb · 2 mål · " in now
    assert " 0 forløb · 0 mål · " in before


async def _goals_ended_and_a_case_closed(db: Database, clock: FakeClock) -> Runner:
    """AK12 (goals 1 and 2) imported on Thursday 11 February 2027; goal 3 added on the 15th and ended on 1 March.
    BO34 made with a goal on 12 February and closed on 10 May; AK12's goal 1 ended on 15 April."""
    clock.set(datetime(2027, 2, 11, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    run = Runner(db, clock)

    async def on(day: date, line: str, answer: str) -> None:
        clock.set(datetime(day.year, day.month, day.day, 10, 0))
        assert (await run(PAEDAGOG, line)).text.startswith(answer), line

    await on(date(2027, 2, 12), "/teambot forløb opret BO34", "📂 Forløbet BO34 er oprettet")
    await on(date(2027, 2, 12), "/teambot forløb mål BO34 Spiser selv", "🎯 Mål 1 for BO34")
    await on(date(2027, 2, 15), "/teambot forløb mål AK12 Rydder selv op", "🎯 Mål 3 for AK12")
    await on(date(2027, 3, 1), "/teambot forløb afslut AK12 3", "🏁 Mål 3 for AK12")
    await on(date(2027, 4, 15), "/teambot forløb afslut AK12 1", "🏁 Mål 1 for AK12")
    await on(date(2027, 5, 10), "/teambot forløb luk BO34", "🔒 Forløbet BO34 er lukket")
    return run


async def test_a_past_quarter_counts_the_goals_and_cases_active_during_it(db: Database, clock: FakeClock) -> None:
    """Asked in July: the second quarter had AK12's goals 1 (ended 15 April) and 2 and BO34's goal (closed 10 May),
    not AK12's goal 3, ended 1 March; the first quarter had all four. Both counted only today's goal 2 (1 · 1), so
    a quarter's figures shrank as its goals ended."""
    run = await _goals_ended_and_a_case_closed(db, clock)
    clock.set(datetime(2027, 7, 15, 10, 0))

    assert " 2 forløb · 3 mål · " in (await run(LEAD, "/teambot overblik 2027-K2")).text.splitlines()[1]
    assert " 2 forløb · 4 mål · " in (await run(LEAD, "/teambot overblik 2027-K1")).text.splitlines()[1]
    assert " 1 forløb · 1 mål · " in (await run(LEAD, "/teambot overblik")).text.splitlines()[1]
    assert " 0 forløb · 0 mål · " in (await run(LEAD, "/teambot overblik 2026-K4")).text.splitlines()[1]


async def test_the_current_quarter_counts_the_goals_and_cases_active_so_far(db: Database, clock: FakeClock) -> None:
    """On 20 May the second quarter so far had AK12's goal 1, ended on 15 April, and BO34, closed on 10 May."""
    run = await _goals_ended_and_a_case_closed(db, clock)
    clock.set(datetime(2027, 5, 20, 10, 0))

    assert " 2 forløb · 3 mål · " in (await run(LEAD, "/teambot overblik")).text.splitlines()[1]


async def test_a_goal_rated_from_a_start_meeting_before_its_import_counts_in_that_quarter(
    db: Database, clock: FakeClock
) -> None:
    """AK12's start meeting was Tuesday 30 March 2027, the file came on Friday 2 April: its goals, agreed at the
    start meeting, may be rated from then (Wednesday 31 March is). The first quarter had that rating; it counted no
    goal nor case for it ("0 mål · … mål nået 100 %")."""
    clock.set(datetime(2027, 4, 2, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 3, 30))
    run = Runner(db, clock)
    assert (await run(PAEDAGOG, "/rating AK12 2027-03-31 1 3")).text.startswith("✅ Registreret")

    first = (await run(LEAD, "/teambot overblik 2027-K1")).text.splitlines()[1]
    assert " 1 forløb · 2 mål · " in first
    assert " mål nået 100 % " in first

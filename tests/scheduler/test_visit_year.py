"""A year's årshjul for a Herning-sized municipality, through the real roster import, planner and database; what
happens when the roster changes; and `teambot plan visits`."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers_visits import HANNE, KARSTEN, VisitRunner, load_visit_roster, rows, visits
from teambot.cli import app
from teambot.domain.roster import parse_roster
from teambot.i18n import format_date
from teambot.scheduler.visits import plan_visits
from teambot.store import visits as store
from teambot.store.db import Database
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import prepare

DISTRICTS = ("Nord", "Syd", "Øst", "Vest")


def herning_roster(nurse_for: dict[int, int] | None = None) -> dict[str, Any]:
    """36 institutions in four districts; 14 sundhedsplejersker with 2–3 institutions each; each district's
    tale-hørekonsulent visits too. Summer closures in two of three institutions, the autumn holiday in every
    fourth, the days between Christmas and New Year everywhere."""
    nurse_for = nurse_for or {}
    institutions = []
    for i in range(1, 37):
        closing = ["2027-05-07"]
        if i % 3:
            closing.append("2027-07-12..2027-07-30")
        if i % 4 == 0:
            closing.append("2027-10-18..2027-10-22")
        institutions.append(
            {
                "code": f"I{i:02d}",
                "name": f"Institution {i:02d}",
                "kind": "integreret",
                "district": DISTRICTS[(i - 1) // 9],
                "closing_days": closing,
            }
        )
    staff: list[dict[str, Any]] = [
        {"id": f"U0LEAD{i:04d}", "name": f"Leder {i:02d}", "roles": ["leder"], "institutions": [f"I{i:02d}"]}
        for i in range(1, 37)
    ]
    staff += [
        {"id": f"U0NURSE{n:03d}", "name": f"Sundhedsplejerske {n:02d}", "roles": ["sundhedsplejerske"]}
        for n in range(15)
    ]
    staff += [{"id": f"U0TALE{d:04d}", "name": f"Tale {d}", "roles": ["tale-hørekonsulent"]} for d in range(4)]
    sizes = [3] * 8 + [2] * 6
    covered: dict[int, list[str]] = {}
    institution = 1
    for nurse, size in enumerate(sizes):
        for _ in range(size):
            covered.setdefault(nurse_for.get(institution, nurse), []).append(f"I{institution:02d}")
            institution += 1
    assignments: list[dict[str, Any]] = [
        {"role": "sundhedsplejerske", "staff": f"U0NURSE{n:03d}", "institutions": codes} for n, codes in covered.items()
    ]
    assignments += [
        {"role": "tale-hørekonsulent", "staff": f"U0TALE{d:04d}", "district": name} for d, name in enumerate(DISTRICTS)
    ]
    return {
        "municipality": {
            "name": "Herning-ish",
            "closing_days": ["2027-12-27..2027-12-31"],
            "visiting_disciplines": ["sundhedsplejerske", "tale-hørekonsulent"],
        },
        "institution": institutions,
        "staff": staff,
        "assignment": assignments,
    }


async def load(db: Database, clock: FakeClock, **options: Any) -> None:
    await import_roster(db, parse_roster(herning_roster(**options), source="test"), now=clock.now())


async def test_a_year_for_36_institutions_and_two_visiting_disciplines(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load(db, clock)
    await plan_visits(db, now=clock.now(), zone=COPENHAGEN)
    await plan_visits(db, now=clock.now(), zone=COPENHAGEN)  # a second run adds nothing

    year = [v for v in await visits(db) if v.year == 2027]
    assert len(year) == 36 * 2 * 4
    per_round = Counter((v.institution_id, v.discipline) for v in year)
    assert set(per_round.values()) == {4}
    assert all(
        sorted(v.quarter for v in year if (v.institution_id, v.discipline) == key) == [1, 2, 3, 4] for key in per_round
    )
    assert max(Counter((v.consultant_id, v.day) for v in year).values()) == 1
    async with db.read() as session:
        calendars = await store.calendars(session)
    assert [(v.institution_id, v.day) for v in year if not calendars[v.institution_id].is_working_day(v.day)] == []
    weeks = Counter(v.day.isocalendar()[:2] for v in year)
    assert max(weeks.values()) <= 2 * len(year) / 52  # no week carries more than twice its share
    # The rest of this year is planned too, never sooner than the parents' two weeks' notice.
    rest = [v for v in await visits(db) if v.year == 2026]
    assert len(rest) == 36 * 2 and min(v.day for v in rest) >= date(2026, 12, 15)


async def test_a_new_sundhedsplejerske_takes_over_the_unconfirmed_future_visits(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load(db, clock)
    await plan_visits(db, now=clock.now(), zone=COPENHAGEN)
    before = {v.id: v for v in await visits(db) if v.institution_id == 1 and v.discipline == "sundhedsplejerske"}

    # From March, institution I01 gets its own sundhedsplejerske (number 14, who had none).
    clock.set(datetime(2027, 3, 1, 7, 0))
    await load(db, clock, nurse_for={1: 14})
    await plan_visits(db, now=clock.now(), zone=COPENHAGEN)
    after = {v.id: v for v in await visits(db) if v.institution_id == 1 and v.discipline == "sundhedsplejerske"}
    assert after.keys() == before.keys()
    async with db.read() as session:
        table = await store.routing_table(session)
    new = table.fixed(1, "sundhedsplejerske")
    assert new is not None and new.person.name == "Sundhedsplejerske 14"
    for ident, visit in after.items():
        moved_on = visit.day >= date(2027, 3, 15)  # outside the notice period: follows the new consultant
        assert (visit.consultant_id == new.person.staff_id) is moved_on, visit
        if not moved_on:
            assert visit.consultant_id == before[ident].consultant_id


def test_teambot_plan_visits_prints_the_year_by_iso_week(database_url: str, tmp_path: Path) -> None:
    prepare(database_url)

    async def setup() -> None:
        db = Database(database_url)
        try:
            await load_visit_roster(db, FakeClock(datetime(2026, 11, 24, 12, 0)))
        finally:
            await db.dispose()

    asyncio.run(setup())
    env = {"TEAMBOT_DATABASE_URL": database_url}
    first = CliRunner().invoke(app, ["plan", "visits", "--year", "2030"], env=env)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0] == "*Årshjul 2030 · konsulentbesøg*"
    assert [line for line in lines if line.startswith("*")][1:] == [f"*{q}. kvartal*" for q in range(1, 5)]
    visit_lines = [line for line in lines if line.startswith("uge ")]
    assert len(visit_lines) == 16  # four institutions, four quarters, one sundhedsplejerske each
    assert any(
        line.startswith("uge ") and ": Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · " in line
        for line in visit_lines
    )
    assert lines[-1] == "Årshjul 2030: 16 besøg, heraf 16 nye; 0 uden dag."
    again = CliRunner().invoke(app, ["plan", "visits", "--year", "2030"], env=env)
    assert again.stdout.splitlines()[-1] == "Årshjul 2030: 16 besøg, heraf 0 nye; 0 uden dag."
    assert again.stdout.splitlines()[:-1] == lines[:-1]


def test_teambot_plan_visits_tells_of_a_visit_it_moves_off_a_new_closing_day(database_url: str) -> None:
    # The bot's dispatcher sends what the command puts in the outbox.
    prepare(database_url)
    env = {"TEAMBOT_DATABASE_URL": database_url}

    async def in_db(closing: dict[str, list[str]] | None = None) -> tuple[dict[int, date], list[tuple[str, str]]]:
        db = Database(database_url)
        try:
            if closing is not None:
                await load_visit_roster(db, FakeClock(datetime(2026, 11, 24, 12, 0)), closing=closing)
            days = {v.id: v.day for v in await visits(db, "SOL") if v.year == 2030 and v.id is not None}
            return days, [(r.recipient, r.payload["text"].splitlines()[0]) for r in await rows(db, "visit.moved")]
        finally:
            await db.dispose()

    asyncio.run(in_db(closing={}))
    assert CliRunner().invoke(app, ["plan", "visits", "--year", "2030"], env=env).exit_code == 0
    planned, _ = asyncio.run(in_db())
    visit, first = min(planned.items(), key=lambda item: item[1])
    _, told = asyncio.run(in_db(closing={"SOL": [first.isoformat()]}))  # the roster import announces it
    assert told == []

    again = CliRunner().invoke(app, ["plan", "visits", "--year", "2030"], env=env)

    assert again.exit_code == 0, again.output
    after, told = asyncio.run(in_db())
    moved = after[visit]
    assert moved != first
    text = (
        f"🔁 Konsulentbesøget i Børnehuset Solsikken er flyttet fra {format_date(first)} til {format_date(moved)}: "
        f"{format_date(first)} er blevet lukkedag i institutionen."
    )
    assert sorted(told) == [(HANNE, text), (KARSTEN, text)]


@pytest.mark.parametrize("year", ["1999", "27"])
def test_teambot_plan_visits_refuses_a_strange_year(database_url: str, year: str) -> None:
    outcome = CliRunner().invoke(app, ["plan", "visits", "--year", year], env={"TEAMBOT_DATABASE_URL": database_url})
    assert outcome.exit_code == 2
    assert "teambot: --year must be a year like 2027" in outcome.output


async def test_a_visit_row_is_one_per_institution_discipline_and_quarter(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load_visit_roster(db, clock)
    run = VisitRunner(db, clock)
    await asyncio.gather(run.plan(), run.plan())  # two planners at once (two processes on PostgreSQL)
    keys = Counter((v.institution_id, v.discipline, v.year, v.quarter) for v in await visits(db))
    assert set(keys.values()) == {1}

"""`/teambot forløb`: what a case is created with and what a closed case takes, refused in Danish with nothing
stored. The small roster on Thursday 19 November 2026 (SOL, Mette Jensen its pædagog)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from helpers_meetings import NOTHING_SAVED, PlanningRunner, planned, snapshot
from teambot.store.db import Database
from teambot.store.models import Case, Goal
from teambot.testing.clock import FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG


async def _state(db: Database) -> tuple[Any, ...]:
    """Cases, goals, meetings and messages: what a refusal leaves as it was."""
    async with db.read() as session:
        cases = [(c.code, c.status, c.start_meeting) for c in (await session.exec(select(Case))).all()]
        goals = [(g.case_id, g.number, g.text) for g in (await session.exec(select(Goal))).all()]
    return cases, goals, await snapshot(db)


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> PlanningRunner:
    return await planned(db, clock)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # The same limits as `forløb start`: a start meeting years back would plan years of meetings, all "held",
        # and count them in the quarter's figures.
        ("XY93 SOL 2020-01-01", "Opstartsmødet kan ligge højst 6 uger tilbage og højst et år frem, ikke onsdag 1."),
        ("XY95 SOL 2030-01-02", "Opstartsmødet kan ligge højst 6 uger tilbage og højst et år frem, ikke onsdag 2."),
        ("XY92 SOL 2026-12-25", "fredag 25. december 2026 er ikke en arbejdsdag i institutionen"),
        ("XY96 SOL 31/2", "Jeg forstår ikke datoen «31/2»."),  # not "Jeg kender ikke «31/2»" (a person)
    ],
)
async def test_a_case_created_with_a_start_meeting_out_of_bounds_is_refused(
    run: PlanningRunner, args: str, expected: str
) -> None:
    before = await _state(run.db)
    reply = await run(PAEDAGOG, f"/teambot forløb opret {args}")
    assert reply.text.startswith(expected) and reply.text.endswith(NOTHING_SAVED)
    assert await _state(run.db) == before


async def test_a_start_meeting_set_later_must_be_a_working_day(run: PlanningRunner) -> None:
    assert (await run(PAEDAGOG, "/teambot forløb opret XY92 SOL")).text.startswith("📂 Forløbet XY92 er oprettet")
    before = await _state(run.db)
    reply = await run(PAEDAGOG, "/teambot forløb start XY92 2026-12-25")
    assert reply.text.startswith("fredag 25. december 2026 er ikke en arbejdsdag") and reply.text.endswith(
        NOTHING_SAVED
    )
    assert await _state(run.db) == before
    reply = await run(PAEDAGOG, "/teambot forløb start XY92 2026-12-28")
    assert reply.text.startswith("📅 Opstartsmødet for XY92 er sat til mandag 28. december 2026")


async def test_a_closed_case_takes_no_new_goal(run: PlanningRunner) -> None:
    await run(PAEDAGOG, "/teambot forløb opret XY93 SOL 2026-12-01")
    assert (await run(PAEDAGOG, "/teambot forløb luk XY93")).text.startswith("🔒 Forløbet XY93 er lukket")
    before = await _state(run.db)
    reply = await run(PAEDAGOG, "/teambot forløb mål XY93 Leger med en anden")
    assert reply.text == "Forløbet XY93 er allerede lukket. Intet er gemt."
    assert await _state(run.db) == before


async def test_a_lead_names_the_pedagogue_by_her_full_name(run: PlanningRunner) -> None:
    """The refusal of an unknown person says to write the full name: a name of two words was read one word at a
    time ("Jeg kender ikke «Ali»")."""
    reply = await run(LEAD, "/teambot forløb opret XY84 SOL Ali Hassan 2026-12-01")
    assert reply.text.startswith("📂 Forløbet XY84 er oprettet i Børnehuset Solsikken med Ali Hassan som pædagog.")
    before = await _state(run.db)
    reply = await run(LEAD, "/teambot forløb opret XY85 SOL Ali Jensen")
    assert reply.text == "Jeg kender ikke «Ali Jensen». Nævn personen med @ eller skriv det fulde navn. Intet er gemt."
    assert await _state(run.db) == before


async def test_a_start_meeting_typed_without_its_year_is_the_nearest_such_day(run: PlanningRunner) -> None:
    """Today is 19 November 2026: "16/11" is the Monday just gone, within one interval back, not 16 November 2027
    (a start meeting cannot be changed once set). "3/1" is the one to come."""
    await run(PAEDAGOG, "/teambot forløb opret XY92 SOL")
    reply = await run(PAEDAGOG, "/teambot forløb start XY92 16/11")
    assert reply.text.startswith("📅 Opstartsmødet for XY92 er sat til mandag 16. november 2026")
    reply = await run(PAEDAGOG, "/teambot forløb opret XY93 SOL 16/11")
    assert "Opstartsmøde mandag 16. november 2026" in reply.text
    reply = await run(PAEDAGOG, "/teambot forløb opret XY94 SOL 4/1")
    assert "Opstartsmøde mandag 4. januar 2027" in reply.text

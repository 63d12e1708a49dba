"""`teambot simulate --json` shows the visits' and cafés' messages exactly as the planner and dispatcher will send
them: kind, recipient, the institution's code as subject, the event's date."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from typer.testing import CliRunner

from helpers_visits import HANNE, KARSTEN, SOL_CHANNEL, VisitRunner, load_visit_roster, rows
from teambot.cli import app
from teambot.store.db import Database
from teambot.testing.clock import FakeClock


def simulate(database_url: str, *args: str) -> list[dict[str, Any]]:
    env = {"TEAMBOT_DATABASE_URL": database_url, "TEAMBOT_TIMEZONE": "Europe/Copenhagen", "TEAMBOT_LANGUAGE": "da"}
    result = CliRunner().invoke(app, ["simulate", *args], env=env)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


async def test_visits_and_cafes_in_the_simulation(db: Database, clock: FakeClock, database_url: str) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": {"2027-02": 3, "2027-03": 4}})
    await VisitRunner(db, clock).plan()  # the årshjul as laid on 1 December
    before = [(r.dedupe_key, r.status) for r in await rows(db)]

    # From 1 February, six weeks before the café of 15 March, when the running bot proposes it and invites: a later
    # --from shows the invitations as sent before it, not as sent at its start.
    lines = await asyncio.to_thread(simulate, database_url, "--from", "2027-02-01", "--to", "2027-03-12", "--json")
    mine = [line for line in lines if line["kind"].startswith(("visit.", "cafe."))]
    sol = [(line["due"], line["kind"], line["recipient"]) for line in mine if line["event_date"] == "2027-03-11"]
    assert sol == [
        ("2027-02-18T08:00:00+01:00", "visit.confirm", HANNE),
        ("2027-02-25T08:00:00+01:00", "visit.notice", SOL_CHANNEL),
        ("2027-03-09T08:00:00+01:00", "visit.reminder", HANNE),
    ]
    assert {line["subject"] for line in mine if line["event_date"] == "2027-03-11"} == {"SOL"}
    cafe = [line for line in mine if line["kind"].startswith("cafe.")]
    assert {(line["kind"], line["event_date"], line["subject"]) for line in cafe} == {
        ("cafe.invite", "2027-03-15", "MAR"),
        ("cafe.reminder", "2027-03-15", "MAR"),
        # Mariehønen registered only February and March: each month its lead is asked for the coming ones.
        ("cafe.count_missing", "2027-02-01", "MAR"),
        ("cafe.count_missing", "2027-03-01", "MAR"),
    }
    asks = [(line["due"], line["recipient"], line["text"]) for line in cafe if line["kind"] == "cafe.count_missing"]
    assert [(due, recipient) for due, recipient, _ in asks] == [
        ("2027-02-01T08:00:00+01:00", KARSTEN),
        ("2027-03-01T08:00:00+01:00", KARSTEN),
    ]
    assert asks[0][2].startswith(
        "☕ Småbørnscafé: Hvor mange børn i Vuggestuen Mariehønen fylder 1½ år i april, maj og juni 2027?"
    )
    [lead_invite] = [line for line in cafe if line["kind"] == "cafe.invite" and line["recipient"] == KARSTEN]
    assert lead_invite["due"] == "2027-02-01T08:00:00+01:00"
    assert lead_invite["text"].startswith("☕ Småbørnscafé i Vuggestuen Mariehønen mandag 15. marts 2027 kl. 09.30")
    assert {line["due"] for line in cafe if line["kind"] == "cafe.reminder"} == {"2027-03-12T08:00:00+01:00"}

    # The simulation worked on a copy.
    assert [(r.dedupe_key, r.status) for r in await rows(db)] == before

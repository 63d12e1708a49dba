"""`teambot import FILE`: what an administrator sees, and what ends up in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from helpers_foundation import (
    ROSTER,
    ROSTER_EDITED,
    ROSTER_ERRORS,
    ROSTER_SYNTAX_ERROR,
    edited,
    query,
    row_counts,
    snapshot,
)
from teambot.cli import app
from teambot.testing.database import prepare

CPR_DATE = "280256"  # the date part of every CPR-shaped value in the fixtures

CREATED = [
    "+ municipality Prøvekommune",
    "+ district Nord",
    "+ district Syd",
    "+ institution SOL",
    "+ institution MAR",
    "+ staff U0METTE01",
    "+ staff U0ALI0001",
    "+ staff U0KARSTEN1",
    "+ staff U0PSYK01",
    "+ staff U0HANNE01",
    "+ staff tove@example.dk",
    "+ staff U0VIKAR01",
    "+ assignment psykolog Nord (U0PSYK01)",
    "+ assignment sundhedsplejerske SOL (U0HANNE01)",
    "+ assignment sundhedsplejerske MAR (U0HANNE01)",
    "+ assignment tale-hørekonsulent Syd (tove@example.dk)",
    "+ case AK12",
    "+ case BM04",
]


@pytest.fixture
def url(database_url: str) -> str:
    """The test database (SQLite file or the emptied PostgreSQL one), migrated and empty."""
    prepare(database_url)
    return database_url


def write(text: str, name: str = "roster.toml") -> str:
    Path(name).write_text(text, encoding="utf-8")  # the working directory is the test's tmp_path
    return name


def teambot_import(url: str, name: str) -> Result:
    return CliRunner().invoke(app, ["import", name], env={"TEAMBOT_DATABASE_URL": url})


def test_first_import_prints_what_was_created(url: str) -> None:
    result = teambot_import(url, write(ROSTER))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("+ ")] == CREATED
    assert lines[-1].startswith("Importeret roster.toml: 18 oprettet, ")
    assert result.stderr == ""
    counts = row_counts(url)
    assert counts["staff"] == 7 and counts["child_case"] == 2 and counts["goal"] == 3 and counts["assignment"] == 4
    assert sorted(query(url, "SELECT action, case_code FROM audit_entry")) == [
        ("case.create", "AK12"),
        ("case.create", "BM04"),
    ]


def test_first_import_summary_counts_nothing_as_changed(url: str) -> None:
    result = teambot_import(url, write(ROSTER))

    assert result.stdout.splitlines()[-1] == "Importeret roster.toml: 18 oprettet, 0 ændret, 0 deaktiveret."
    assert [line for line in result.stdout.splitlines() if line.startswith("~ ")] == []


def test_reimport_prints_no_changes_and_changes_nothing(url: str) -> None:
    teambot_import(url, write(ROSTER))
    before = snapshot(url)

    result = teambot_import(url, "roster.toml")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Ingen ændringer: databasen svarer allerede til roster.toml.\n"
    assert snapshot(url) == before


def test_edited_file_updates_in_place_and_prints_what_changed(url: str) -> None:
    teambot_import(url, write(ROSTER))
    counts = row_counts(url)

    result = teambot_import(url, write(ROSTER_EDITED, "roster-2.toml"))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "- staff U0ALI0001" in lines
    assert "~ case AK12: consent_professions, goal 2" in lines
    assert any(line.startswith("~ staff U0METTE01: ") and "name" in line for line in lines)
    assert not any(line.startswith("+ ") for line in lines)
    assert lines[-1].startswith("Importeret roster-2.toml: 0 oprettet, ")
    assert lines[-1].endswith(" ændret, 1 deaktiveret.")
    assert row_counts(url) == counts | {"goal": counts["goal"] + 1, "audit_entry": counts["audit_entry"] + 1}
    assert query(url, "SELECT name FROM staff WHERE slack_id = 'U0METTE01'") == [("Mette Jensen Holm",)]
    assert query(url, "SELECT active FROM staff WHERE slack_id = 'U0ALI0001'") in ([(False,)], [(0,)])

    again = teambot_import(url, "roster-2.toml")
    assert again.stdout == "Ingen ændringer: databasen svarer allerede til roster-2.toml.\n"


@pytest.mark.parametrize(("text", "entry", "key", "kind", "message"), ROSTER_ERRORS.values(), ids=ROSTER_ERRORS.keys())
def test_each_mistake_is_reported_and_nothing_is_imported(
    url: str, text: str, entry: str, key: str, kind: str, message: str
) -> None:
    teambot_import(url, write(ROSTER))
    before = snapshot(url)

    result = teambot_import(url, write(text, "roster-2.toml"))

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"roster-2.toml: {entry}, nøgle «{key}»: {message}",
        "Intet er importeret: 1 fejl i roster-2.toml. Ret filen og prøv igen.",
    ]
    assert CPR_DATE not in result.output
    assert snapshot(url) == before


def test_mistakes_in_a_first_import_leave_the_database_empty(url: str) -> None:
    result = teambot_import(url, write(ROSTER_ERRORS["unknown pædagog"][0]))

    assert result.exit_code != 0
    assert set(row_counts(url).values()) == {0}


def test_toml_syntax_error_names_the_file_and_line(url: str) -> None:
    teambot_import(url, write(ROSTER))
    before = snapshot(url)

    result = teambot_import(url, write(ROSTER_SYNTAX_ERROR, "broken.toml"))

    assert result.exit_code != 0
    first, last = result.stderr.splitlines()
    assert first.startswith("broken.toml: fil, nøgle «-»: filen er ikke gyldig TOML (")
    assert "line " in first
    assert last == "Intet er importeret: 1 fejl i broken.toml. Ret filen og prøv igen."
    assert snapshot(url) == before


def test_missing_file_is_reported(url: str) -> None:
    result = teambot_import(url, "nowhere.toml")

    assert result.exit_code != 0
    assert result.stderr.startswith("nowhere.toml: fil, nøgle «-»: filen kan ikke læses (")


def test_several_mistakes_are_all_reported(url: str) -> None:
    text = edited('paedagog = "U0METTE01"', 'paedagog = "U0NOBODY1"', ROSTER_ERRORS["malformed date"][0])

    result = teambot_import(url, write(text))

    assert result.stderr.splitlines() == [
        "roster.toml: [[case]] nr. 1 (AK12), nøgle «paedagog»: ukendt medarbejder «U0NOBODY1»",
        "roster.toml: [[case]] nr. 1 (AK12), nøgle «start_meeting»: «11-02-2027» er ikke en dato (ÅÅÅÅ-MM-DD)",
        "Intet er importeret: 2 fejl i roster.toml. Ret filen og prøv igen.",
    ]


@pytest.mark.parametrize(
    ("text", "entry", "key"),
    [
        (edited('start_meeting = "2027-02-11"', "start_meeting = 2802564321"), "[[case]] nr. 1", "start_meeting"),
        (edited("meeting_interval_weeks = 8", "meeting_interval_weeks = 2802564321"), "[[case]] nr. 2", None),
        (ROSTER + "\n[2802564321]\nnote = 1\n", None, None),
        (
            edited('channel = "C0SOLSIKKE"', 'channel = "C0SOLSIKKE"\ncafe_children = { "280256-4321" = 4 }'),
            "[[institution]] nr. 1",
            "cafe_children",
        ),
        (edited("consent = { ", 'consent = { "2802564321" = "x", '), "[[case]] nr. 1", "consent"),
        (
            edited('substitute = "U0ALI0001" }', 'substitute = "U0ALI0001", "280256 4321" = 1 }'),
            "[[staff]] nr. 1",
            "absences",
        ),
        (edited('"Beder om hjælp med ord"', '"Beder om hjælp 280256\u20134321"'), "[[case]] nr. 2", "goals"),
        (edited("meeting_interval_weeks = 8", "meeting_interval_weeks = 0.2802564321"), "[[case]] nr. 2", None),
    ],
    ids=[
        "number as a date",
        "number as an interval",
        "table name",
        "key of a table",
        "key of an inline table",
        "key of a table in a list",
        "goal with an en dash",
        "number with a decimal point",
    ],
)
def test_a_cpr_shaped_number_is_refused_and_never_echoed(url: str, text: str, entry: str | None, key: str) -> None:
    result = teambot_import(url, write(text))

    assert result.exit_code != 0
    assert CPR_DATE not in result.output
    if entry:
        assert f"{entry}, nøgle «" in result.stderr
        assert "ligner et CPR-nummer" in result.stderr
    assert set(row_counts(url).values()) == {0}


def test_moving_a_paedagog_away_from_her_childrens_cases_is_refused_naming_each(url: str) -> None:
    teambot_import(url, write(ROSTER))
    before = snapshot(url)
    moved = edited(
        'name = "Mette Jensen"\nroles = ["pædagog"]\ninstitutions = ["SOL"]',
        'name = "Mette Jensen"\nroles = ["pædagog"]\ninstitutions = ["MAR"]',
    )

    result = teambot_import(url, write(moved, "roster-2.toml"))

    assert result.exit_code == 1
    assert result.stdout == ""
    reason = "Mette Jensen er forløbets pædagog, men arbejder ikke i SOL: giv forløbet en ny pædagog, eller behold"
    assert result.stderr.splitlines() == [
        f"roster-2.toml: [[case]] AK12, nøgle «paedagog»: {reason} Mette Jensen i SOL",
        "Intet er importeret: 1 fejl i roster-2.toml. Ret filen og prøv igen.",
    ]
    assert snapshot(url) == before


def test_a_roster_imported_into_the_demo_database_says_to_use_a_new_one(url: str) -> None:
    """`make run` without Slack fills teambot.db with the demo municipality; importing the real roster there is
    refused for the demo's children, and the refusal says where the real roster belongs."""
    demo = CliRunner().invoke(app, ["demo"], env={"TEAMBOT_DATABASE_URL": url})
    assert demo.exit_code == 0, demo.output

    result = teambot_import(url, write(ROSTER))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Databasen rummer demokommunen (fra `make run` uden Slack). Importér jeres medarbejderliste i en ny "
        "database: sæt TEAMBOT_DATABASE_URL, eller flyt teambot.db væk."
    )

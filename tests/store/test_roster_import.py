"""Roster import into the database: created, updated in place, never duplicated, all or nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from helpers_foundation import ROSTER, ROSTER_EDITED, ROSTER_ERRORS, ROSTER_SYNTAX_ERROR, row_counts, snapshot
from teambot.commands import Context, run_command
from teambot.domain.roles import Role
from teambot.domain.roster import CaseSpec, Roster, RosterError, load_roster_file
from teambot.store.db import Database
from teambot.store.models import (
    Absence,
    Assignment,
    AuditEntry,
    Case,
    CaseConsultant,
    ClosingPeriod,
    District,
    Goal,
    Institution,
    Municipality,
    Staff,
    StaffInstitution,
)
from teambot.store.roster_import import ImportReport, import_roster
from teambot.testing.clock import FakeClock

NOW = datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def roster_file(folder: Path, text: str, name: str = "roster.toml") -> Roster:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_roster_file(path)


async def imported(db: Database, folder: Path, text: str = ROSTER, *, now: datetime = NOW) -> ImportReport:
    return await import_roster(db, roster_file(folder, text), now=now)


async def test_first_import_stores_every_table(db: Database, tmp_path: Path) -> None:
    report = await imported(db, tmp_path)

    async with db.read() as session:
        municipality = (await session.exec(select(Municipality))).one()
        districts = {d.id: d.name for d in (await session.exec(select(District))).all()}
        institutions = {i.code: i for i in (await session.exec(select(Institution))).all()}
        staff = {s.slack_id or s.email or s.name: s for s in (await session.exec(select(Staff))).all()}
        by_id = {s.id: key for key, s in staff.items()}
        closing = (await session.exec(select(ClosingPeriod))).all()
        members = (await session.exec(select(StaffInstitution))).all()
        absences = (await session.exec(select(Absence))).all()
        assignments = (await session.exec(select(Assignment))).all()
        cases = {c.code: c for c in (await session.exec(select(Case))).all()}
        consultants = (await session.exec(select(CaseConsultant))).all()
        goals = (await session.exec(select(Goal).order_by(col(Goal.case_id), col(Goal.number)))).all()

    assert municipality.name == "Prøvekommune"
    assert sorted(districts.values()) == ["Nord", "Syd"]

    sol, mar = institutions["SOL"], institutions["MAR"]
    assert (sol.name, sol.kind, districts[sol.district_id], sol.channel) == (
        "Børnehuset Solsikken",
        "integreret",
        "Nord",
        "C0SOLSIKKE",
    )
    assert (mar.name, mar.kind, districts[mar.district_id], mar.channel) == (
        "Vuggestuen Mariehønen",
        "vuggestue",
        "Syd",
        None,
    )
    assert sorted((p.institution_id, p.start, p.end) for p in closing if p.institution_id) == [
        (sol.id, date(2027, 5, 7), date(2027, 5, 7)),
        (sol.id, date(2027, 7, 12), date(2027, 7, 30)),
    ]
    assert [(p.municipality_id, p.start, p.end) for p in closing if p.institution_id is None] == [
        (municipality.id, date(2027, 12, 27), date(2027, 12, 31))
    ]

    assert sorted(staff) == sorted(
        ["U0METTE01", "U0ALI0001", "U0KARSTEN1", "U0PSYK01", "U0HANNE01", "tove@example.dk", "U0VIKAR01"]
    )
    assert staff["U0METTE01"].name == "Mette Jensen" and staff["U0METTE01"].roles == ["pædagog"]
    assert staff["tove@example.dk"].slack_id is None and staff["tove@example.dk"].roles == ["tale-hørekonsulent"]
    assert all(s.active for s in staff.values())
    codes = {i.id: code for code, i in institutions.items()}
    assert sorted((by_id[m.staff_id], codes[m.institution_id]) for m in members) == [
        ("U0ALI0001", "SOL"),
        ("U0KARSTEN1", "MAR"),
        ("U0KARSTEN1", "SOL"),
        ("U0METTE01", "SOL"),
        ("U0VIKAR01", "MAR"),
    ]
    assert [(by_id[a.staff_id], a.start, a.end, by_id[a.substitute_id]) for a in absences] == [
        ("U0METTE01", date(2027, 3, 1), date(2027, 3, 12), "U0ALI0001")
    ]
    assert sorted(
        (a.role, by_id[a.staff_id], codes.get(a.institution_id), districts.get(a.district_id)) for a in assignments
    ) == [
        ("psykolog", "U0PSYK01", None, "Nord"),
        ("sundhedsplejerske", "U0HANNE01", "MAR", None),
        ("sundhedsplejerske", "U0HANNE01", "SOL", None),
        ("tale-hørekonsulent", "tove@example.dk", None, "Syd"),
    ]

    ak12, bm04 = cases["AK12"], cases["BM04"]
    assert (codes[ak12.institution_id], by_id[ak12.paedagog_id], ak12.start_meeting, ak12.status) == (
        "SOL",
        "U0METTE01",
        date(2027, 2, 11),
        "active",
    )
    assert (ak12.consent_date, ak12.consent_professions, ak12.meeting_interval_weeks) == (
        date(2027, 2, 11),
        ["psykolog"],
        None,
    )
    assert (codes[bm04.institution_id], by_id[bm04.paedagog_id], bm04.start_meeting) == (
        "MAR",
        "U0VIKAR01",
        date(2027, 3, 4),
    )
    assert (bm04.consent_date, bm04.consent_professions, bm04.meeting_interval_weeks) == (None, [], 8)
    case_codes = {c.id: code for code, c in cases.items()}
    assert sorted((case_codes[c.case_id], by_id[c.staff_id]) for c in consultants) == [
        ("AK12", "U0PSYK01"),
        ("BM04", "U0HANNE01"),
        ("BM04", "tove@example.dk"),
    ]
    assert [(case_codes[g.case_id], g.number, g.text, g.active) for g in goals] == [
        ("AK12", 1, "Tager selv overtøj af og på i garderoben", True),
        ("BM04", 1, "Deltager i samling i 10 minutter", True),
        ("BM04", 2, "Beder om hjælp med ord", True),
    ]
    assert report.count("created", "case") == 2
    assert report.count("created", "staff") == 7


async def test_created_cases_are_audited(db: Database, tmp_path: Path) -> None:
    await imported(db, tmp_path)

    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    assert [(e.action, e.case_code, e.actor, e.at) for e in entries] == [
        ("case.create", "AK12", "import", NOW),
        ("case.create", "BM04", "import", NOW),
    ]


async def test_reimport_of_the_same_file_changes_nothing(db: Database, tmp_path: Path, database_url: str) -> None:
    await imported(db, tmp_path)
    before = snapshot(database_url)

    report = await imported(db, tmp_path, now=LATER)

    assert report.changes == []
    assert snapshot(database_url) == before


async def test_edited_file_updates_in_place(db: Database, tmp_path: Path, database_url: str) -> None:
    await imported(db, tmp_path)
    counts = row_counts(database_url)

    report = await imported(db, tmp_path, ROSTER_EDITED, now=LATER)

    async with db.read() as session:
        staff = {s.slack_id or s.email or s.name: s for s in (await session.exec(select(Staff))).all()}
        ak12 = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
        goals = (await session.exec(select(Goal).where(Goal.case_id == ak12.id).order_by(col(Goal.number)))).all()
        audit = (await session.exec(select(AuditEntry).where(AuditEntry.at == LATER))).all()

    # Updated in place: the same rows, plus exactly one new goal.
    assert row_counts(database_url) == counts | {"goal": counts["goal"] + 1, "audit_entry": counts["audit_entry"] + 1}
    assert staff["U0METTE01"].name == "Mette Jensen Holm"
    assert not staff["U0ALI0001"].active  # left out of the file: deactivated, not deleted
    assert all(s.active for key, s in staff.items() if key != "U0ALI0001")
    assert ak12.consent_professions == ["psykolog", "sundhedsplejerske"]
    assert [(g.number, g.text) for g in goals] == [
        (1, "Tager selv overtøj af og på i garderoben"),
        (2, "Siger farvel uden at græde"),
    ]
    assert [(a.action, a.case_code) for a in audit] == [("case.update", "AK12")]
    assert set(audit[0].detail["fields"]) >= {"consent_professions", "goal 2"}

    assert report.count("created", "staff") == 0 and report.count("created", "case") == 0
    assert report.count("deactivated", "staff") == 1
    assert any(c.what == "updated" and c.key == "U0METTE01" and "name" in c.fields for c in report.changes)
    assert any(
        c.what == "updated" and c.key == "AK12" and {"consent_professions", "goal 2"} <= set(c.fields)
        for c in report.changes
    )


async def test_deactivated_staff_is_no_longer_known_to_the_bot(db: Database, tmp_path: Path) -> None:
    await imported(db, tmp_path)
    await imported(db, tmp_path, ROSTER_EDITED, now=LATER)
    clock = FakeClock(LATER)

    reply = await run_command(Context(db=db, clock=clock, user_id="U0ALI0001"), "/teambot", "mig")

    assert "Bed din leder om at tilføje dig" in reply.text


async def test_importing_back_reactivates(db: Database, tmp_path: Path) -> None:
    await imported(db, tmp_path)
    await imported(db, tmp_path, ROSTER_EDITED, now=LATER)

    await imported(db, tmp_path, now=LATER)

    async with db.read() as session:
        ali = (await session.exec(select(Staff).where(Staff.slack_id == "U0ALI0001"))).one()
        goals = (await session.exec(select(Goal))).all()
    assert ali.active
    # Goals are never removed by an import: they may have ratings.
    assert len(goals) == 4


async def test_first_import_reports_only_creations(db: Database, tmp_path: Path) -> None:
    report = await imported(db, tmp_path)

    assert [c for c in report.changes if c.what != "created"] == []


async def test_a_failure_inside_the_transaction_stores_nothing(db: Database, tmp_path: Path, database_url: str) -> None:
    await imported(db, tmp_path)
    before = snapshot(database_url)
    roster = roster_file(tmp_path, ROSTER_EDITED)
    # A case the validation would have refused; applied last, after every other change is flushed.
    broken = CaseSpec("ZZ99", "NOPE", "U0METTE01", (), None, None, (Role.PSYKOLOG,), ("Mål",), None)

    with pytest.raises(KeyError):
        await import_roster(db, dataclasses.replace(roster, cases=(*roster.cases, broken)), now=LATER)

    assert snapshot(database_url) == before


@pytest.mark.parametrize(("text", "entry", "key", "kind", "message"), ROSTER_ERRORS.values(), ids=ROSTER_ERRORS.keys())
def test_each_mistake_is_found_with_its_entry_and_key(
    tmp_path: Path, text: str, entry: str, key: str, kind: str, message: str
) -> None:
    with pytest.raises(RosterError) as caught:
        roster_file(tmp_path, text)

    assert caught.value.source == str(tmp_path / "roster.toml")
    assert [(p.entry, p.key, p.kind) for p in caught.value.problems] == [(entry, key, kind)]


def test_toml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as caught:
        roster_file(tmp_path, ROSTER_SYNTAX_ERROR)

    [problem] = caught.value.problems
    assert (problem.entry, problem.key, problem.kind) == ("fil", "-", "roster.toml_syntax")
    assert "line" in problem.values["error"]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = ROSTER.replace('paedagog = "U0METTE01"', 'paedagog = "U0NOBODY1"').replace(
        "start_meeting = 2027-03-04", 'start_meeting = "4. marts"'
    )

    with pytest.raises(RosterError) as caught:
        roster_file(tmp_path, text)

    assert sorted((p.entry, p.key) for p in caught.value.problems) == [
        ("[[case]] nr. 1 (AK12)", "paedagog"),
        ("[[case]] nr. 2 (BM04)", "start_meeting"),
    ]


def test_the_format_example_file_is_valid(tmp_path: Path) -> None:
    roster = roster_file(tmp_path, ROSTER)

    assert roster.municipality == "Prøvekommune"
    assert [c.code for c in roster.cases] == ["AK12", "BM04"]
    assert roster.cases[1].consultants == ("tove@example.dk", "U0HANNE01")

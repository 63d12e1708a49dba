"""Roster import into the database: created, updated in place, never duplicated, all or nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, delete, select

from helpers_foundation import ROSTER, ROSTER_EDITED, ROSTER_ERRORS, ROSTER_SYNTAX_ERROR, row_counts, snapshot
from teambot.commands import Context, run_command
from teambot.domain.roles import Role
from teambot.domain.roster import CaseSpec, Roster, RosterError, load_roster_file, parse_roster
from teambot.store.db import Database
from teambot.store.models import (
    Absence,
    Assignment,
    AuditEntry,
    Case,
    CaseConsultant,
    CaseImport,
    ClosingPeriod,
    District,
    Goal,
    Institution,
    Municipality,
    Staff,
    StaffImport,
    StaffInstitution,
)
from teambot.store.roster_import import ImportReport, import_roster
from teambot.testing.clock import FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG, SUBSTITUTE, small_roster

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


# -- a case's pædagog works at its institution --------------------------------------------------------------------


def _small(**changes: Any) -> dict[str, Any]:
    """The small test roster with its pædagog Mette's institutions, or the case, changed."""
    data = small_roster()
    data["staff"][0]["institutions"] = changes.get("mette_at", ["SOL"])
    data["case"][0].update(changes.get("case", {}))
    return data


async def test_moving_a_paedagog_away_from_her_childrens_institution_is_refused_and_nothing_changes(
    db: Database, database_url: str
) -> None:
    """Mette moves from SOL to MAR while she is AK12's pædagog at SOL: the import would leave her able to change
    the case and be nudged with its goals, though she no longer works with the child. It is refused, naming the
    case, until the file gives the case another pædagog."""
    await import_roster(db, parse_roster(_small(), source="test"), now=NOW)
    before = snapshot(database_url)

    with pytest.raises(RosterError) as caught:
        await import_roster(db, parse_roster(_small(mette_at=["MAR"]), source="test"), now=LATER, source="fil.toml")

    assert caught.value.source == "fil.toml"
    [problem] = caught.value.problems
    assert (problem.entry, problem.key, problem.kind) == ("[[case]] AK12", "paedagog", "roster.paedagog_elsewhere")
    assert problem.values == {"name": "Mette Jensen", "institution": "SOL"}
    assert snapshot(database_url) == before

    # The same move with a new pædagog for AK12 goes through.
    report = await import_roster(
        db, parse_roster(_small(mette_at=["MAR"], case={"paedagog": SUBSTITUTE}), source="test"), now=LATER
    )
    assert report.mentions("case", "AK12", "updated")


async def test_a_new_case_whose_code_has_no_digit_is_refused_and_nothing_is_stored(
    db: Database, database_url: str
) -> None:
    """A child is only ever a pseudonymous code: a code of letters only may be the child's name (ANNA)."""
    await import_roster(db, parse_roster(_small(), source="test"), now=NOW)
    before = snapshot(database_url)
    data = _small(case={"goals": ["Tager selv overtøj af og på", "Siger farvel uden at græde", "Et nyt mål"]})
    data["case"].append({**data["case"][0], "code": "ANNA", "goals": ["Leger med en anden"]})

    with pytest.raises(RosterError) as caught:
        await import_roster(db, parse_roster(data, source="test"), now=LATER, source="fil.toml")

    [problem] = caught.value.problems
    assert (problem.entry, problem.key, problem.kind, problem.values) == (
        "[[case]] ANNA",
        "code",
        "roster.case_code_without_digit",
        {"value": "ANNA"},
    )
    assert snapshot(database_url) == before  # AK12's new goal neither: all or nothing


async def test_a_case_stored_before_with_a_code_without_a_digit_is_still_imported(db: Database) -> None:
    await import_roster(db, parse_roster(_small(), source="test"), now=NOW)
    async with db.write() as session:
        (await session.exec(select(Case).where(Case.code == "AK12"))).one().code = "ANNA"

    report = await import_roster(
        db, parse_roster(_small(case={"code": "ANNA", "meeting_interval_weeks": 8}), source="test"), now=LATER
    )

    assert report.mentions("case", "ANNA", "updated")
    async with db.read() as session:
        assert [(c.code, c.meeting_interval_weeks) for c in (await session.exec(select(Case))).all()] == [("ANNA", 8)]


async def test_a_case_made_in_slack_keeps_its_paedagog_at_its_institution_too(db: Database, clock: FakeClock) -> None:
    """A case the file does not list (made with `/teambot forløb opret`) counts as well."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    made = await run_command(
        Context(db=db, clock=clock, user_id=LEAD), "/teambot", f"forløb opret ZZ98 SOL <@{PAEDAGOG}>"
    )
    assert made.text.startswith("📂 Forløbet ZZ98 er oprettet"), made.text
    data = _small(mette_at=["MAR"], case={"paedagog": SUBSTITUTE})

    with pytest.raises(RosterError) as caught:
        await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    assert [(p.entry, p.values["name"]) for p in caught.value.problems] == [("[[case]] ZZ98", "Mette Jensen")]


async def test_a_paedagog_no_longer_at_the_institution_cannot_change_the_case(db: Database, clock: FakeClock) -> None:
    """A database from before the import checked this: the case's own pædagog, no longer a member of its
    institution, may not change consent, goals or consultants."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    async with db.write() as session:
        mette = (await session.exec(select(Staff).where(Staff.slack_id == PAEDAGOG))).one()
        for row in (await session.exec(select(StaffInstitution).where(StaffInstitution.staff_id == mette.id))).all():
            await session.delete(row)

    reply = await run_command(
        Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb samtykke AK12 psykolog,socialrådgiver"
    )

    assert "Intet er" in reply.text
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.consent_professions == ["psykolog"]


# -- consent and consultants also change in Slack ------------------------------------------------------------------

SPEECH = "U0TALE001"


def _with_speech_consultant(data: dict[str, Any]) -> dict[str, Any]:
    data["staff"].append({"id": SPEECH, "name": "Tine Tale", "roles": ["tale-hørekonsulent"], "institutions": []})
    return data


async def _case(db: Database) -> tuple[Case, list[int]]:
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
        consultants = sorted((await session.exec(select(CaseConsultant.staff_id))).all())
    return case, consultants


async def test_importing_the_same_file_again_keeps_a_consent_withdrawn_in_slack(db: Database, clock: FakeClock) -> None:
    """The parents withdraw consent and the pædagog records it in Slack. The nightly import of the unchanged file
    gave the psychologist the child's ratings back; the file has not changed its mind, so Slack's stands."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    pedagogue = Context(db=db, clock=clock, user_id=PAEDAGOG)
    withdrawn = await run_command(pedagogue, "/teambot", "forløb samtykke AK12 ingen")
    assert "AK12" in withdrawn.text

    report = await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())

    case, _ = await _case(db)
    assert (case.consent_date, case.consent_professions) == (None, [])
    assert [(c.what, c.key, c.fields) for c in report.changes] == [("kept", "AK12", ("consent",))]
    seen = await run_command(Context(db=db, clock=clock, user_id=PSYKOLOG), "/teambot", "forløb AK12")
    assert seen.text.startswith("Jeg kender ikke forløbet «AK12»")


async def test_a_consultant_added_in_slack_stays_when_the_unchanged_file_is_imported(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_with_speech_consultant(_small()), source="test"), now=clock.now())
    added = await run_command(
        Context(db=db, clock=clock, user_id=LEAD), "/teambot", f"forløb konsulent AK12 <@{SPEECH}>"
    )
    assert added.text.startswith("👥 Tine Tale er nu konsulent på AK12"), added.text
    _, before = await _case(db)

    report = await import_roster(db, parse_roster(_with_speech_consultant(_small()), source="test"), now=clock.now())

    assert (await _case(db))[1] == before and len(before) == 2
    assert [(c.what, c.fields) for c in report.changes] == [("kept", ("consultants",))]


async def test_a_file_that_changes_consent_or_consultants_is_applied_over_slack(db: Database, clock: FakeClock) -> None:
    """New consent signed on paper and written in the file, and the file's new consultant list: the file changed
    them since its last import, so they apply, also over a withdrawal recorded in Slack before."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_with_speech_consultant(_small()), source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb samtykke AK12 ingen")
    renewed = _with_speech_consultant(
        _small(
            case={
                "consent": {"date": "2027-03-05", "professions": ["psykolog", "tale-hørekonsulent"]},
                "consultants": [PSYKOLOG, SPEECH],
            }
        )
    )

    report = await import_roster(db, parse_roster(renewed, source="test"), now=clock.now())

    case, consultants = await _case(db)
    assert (case.consent_date, case.consent_professions) == (date(2027, 3, 5), ["psykolog", "tale-hørekonsulent"])
    assert len(consultants) == 2
    assert [(c.what, c.fields) for c in report.changes if c.table == "case"] == [
        ("updated", ("consent_date", "consent_professions", "consultants"))
    ]


async def test_a_case_made_in_slack_and_added_to_the_file_keeps_its_consent_and_consultants(
    db: Database, clock: FakeClock
) -> None:
    """The refusal above asks for a new pædagog, which only the file can give: adding the Slack-made case to the file
    (no consent, no consultants listed) dropped the consent and the consultant recorded in Slack."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    lead = Context(db=db, clock=clock, user_id=LEAD)
    for line in (
        f"forløb opret AK20 SOL <@{SUBSTITUTE}> 2027-02-15",
        "forløb samtykke AK20 psykolog",
        f"forløb konsulent AK20 <@{PSYKOLOG}>",
    ):
        assert "Intet er gemt" not in (await run_command(lead, "/teambot", line)).text
    data = _small()
    data["case"].append({"code": "AK20", "institution": "SOL", "paedagog": PAEDAGOG, "start_meeting": "2027-02-15"})

    report = await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK20"))).one()
        consultants = (await session.exec(select(CaseConsultant).where(CaseConsultant.case_id == case.id))).all()
    assert (case.consent_professions, len(consultants)) == (["psykolog"], 1)
    assert ("kept", "AK20", ("consent", "consultants")) in [(c.what, c.key, c.fields) for c in report.changes]


async def test_the_first_import_of_a_case_known_before_never_widens_its_consent(db: Database, clock: FakeClock) -> None:
    """A case the file had not given before (made in Slack, or from before teambot remembered what the file said):
    the file may narrow its consent, not widen it past what Slack recorded (a withdrawal stays withdrawn)."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    async with db.write() as session:  # as after the upgrade: nothing remembered of the file
        for row in (await session.exec(select(CaseImport))).all():
            await session.delete(row)
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb samtykke AK12 ingen")

    report = await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())

    assert (await _case(db))[0].consent_professions == []
    assert [(c.what, c.fields) for c in report.changes] == [("kept", ("consent",))]


async def test_a_start_meeting_set_in_slack_survives_a_file_that_does_not_give_one(
    db: Database, clock: FakeClock
) -> None:
    """`/teambot forløb start` for a case the file lists without a start meeting: the next import set it back to
    nothing, and the series of status meetings stopped."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    data = _small()
    del data["case"][0]["start_meeting"]
    await import_roster(db, parse_roster(data, source="test"), now=clock.now())
    started = await run_command(
        Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb start AK12 2027-02-15"
    )
    assert started.text.startswith("📅")

    await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    assert (await _case(db))[0].start_meeting == date(2027, 2, 15)


async def test_removing_a_paedagog_from_the_file_while_she_has_active_cases_is_refused(
    db: Database, clock: FakeClock, database_url: str
) -> None:
    """Staff missing from the file are deactivated: the children of a case made in Slack would be left with nobody
    to rate them or be nudged (moving her was refused; removing her passed)."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    made = await run_command(
        Context(db=db, clock=clock, user_id=LEAD), "/teambot", f"forløb opret AK20 SOL <@{SUBSTITUTE}> 2027-02-15"
    )
    assert made.text.startswith("📂")
    before = snapshot(database_url)
    data = _small()
    data["staff"] = [s for s in data["staff"] if s["id"] != SUBSTITUTE]

    with pytest.raises(RosterError) as caught:
        await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    [problem] = caught.value.problems
    assert (problem.entry, problem.key, problem.kind) == ("[[case]] AK20", "paedagog", "roster.paedagog_gone")
    assert problem.values == {"name": "Ali Hassan"}
    assert snapshot(database_url) == before


async def test_a_case_made_in_slack_without_consent_takes_the_consent_the_file_gives(
    db: Database, clock: FakeClock
) -> None:
    """Nobody recorded a consent in Slack: the file's consent is the first word on it and applies (it was reported
    as "changed in Slack" and left out, for good)."""
    clock.set(datetime(2027, 2, 11, 12, 0))
    await import_roster(db, parse_roster(_small(), source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=LEAD), "/teambot", f"forløb opret AK20 SOL <@{PAEDAGOG}>")
    data = _small()
    data["case"].append(
        {
            "code": "AK20",
            "institution": "SOL",
            "paedagog": PAEDAGOG,
            "consultants": [PSYKOLOG],
            "consent": {"date": "2027-02-10", "professions": ["psykolog"]},
        }
    )

    report = await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK20"))).one()
    assert (case.consent_date, case.consent_professions) == (date(2027, 2, 10), ["psykolog"])
    assert [c.what for c in report.changes if c.key == "AK20"] == ["updated"]


async def test_a_consultant_added_in_slack_stays_when_the_file_changes_its_own_list(
    db: Database, clock: FakeClock
) -> None:
    """The file adds a speech consultant; the psychologist's colleague added in Slack stays (the file's new list
    replaced everything, though the report had said the Slack consultant was kept)."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(_with_speech_consultant(_small()), source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=LEAD), "/teambot", f"forløb konsulent AK12 <@{SPEECH}>")
    data = _with_speech_consultant(_small())
    data["staff"].append({"id": "U0SOCI001", "name": "Sanne Social", "roles": ["socialrådgiver"], "institutions": []})
    data["case"][0]["consultants"] = [PSYKOLOG, "U0SOCI001"]

    report = await import_roster(db, parse_roster(data, source="test"), now=clock.now())

    async with db.read() as session:
        names = sorted(
            (
                await session.exec(
                    select(Staff.name).join(CaseConsultant, col(CaseConsultant.staff_id) == col(Staff.id))
                )
            ).all()
        )
    assert names == ["Peter Friis", "Sanne Social", "Tine Tale"]
    assert sorted((c.what, c.fields) for c in report.changes if c.table == "case") == [
        ("kept", ("consultants",)),
        ("updated", ("consultants",)),
    ]


async def test_a_file_dropping_one_profession_does_not_bring_back_another_withdrawn_in_slack(
    db: Database, clock: FakeClock
) -> None:
    """Consent for psychologist and speech consultant; the psychologist's is withdrawn in Slack; the file then
    drops the speech consultant from the same consent: the file's psychologist came back."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    both = {"date": "2027-02-11", "professions": ["psykolog", "tale-hørekonsulent"]}
    await import_roster(
        db, parse_roster(_with_speech_consultant(_small(case={"consent": both})), source="test"), now=clock.now()
    )
    await run_command(
        Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb samtykke AK12 tale-hørekonsulent 2027-02-11"
    )
    one = {"date": "2027-02-11", "professions": ["psykolog"]}

    report = await import_roster(
        db, parse_roster(_with_speech_consultant(_small(case={"consent": one})), source="test"), now=clock.now()
    )

    case, _ = await _case(db)
    assert (case.consent_date, case.consent_professions) == (None, [])
    assert sorted(c.what for c in report.changes if c.table == "case") == ["kept", "updated"]


async def test_a_same_date_edit_in_the_file_keeps_the_later_consent_date_recorded_in_slack(
    db: Database, clock: FakeClock
) -> None:
    """The parents renew their consent and the pædagog records it in Slack on 1 March; the file then adds a speech
    consultant to the consent it gave on 11 February: the profession comes, but the file's old date was written over
    the renewal recorded in Slack (and the import said nothing was kept)."""
    clock.set(datetime(2027, 2, 11, 10, 0))
    old = {"date": "2027-02-11", "professions": ["psykolog"]}
    await import_roster(
        db, parse_roster(_with_speech_consultant(_small(case={"consent": old})), source="test"), now=clock.now()
    )
    clock.set(datetime(2027, 3, 1, 10, 0))
    renewed = await run_command(
        Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "forløb samtykke AK12 psykolog"
    )
    assert renewed.text == "🤝 Samtykke for AK12 er registreret (mandag 1. marts 2027): psykolog.", renewed.text
    edited = {"date": "2027-02-11", "professions": ["psykolog", "tale-hørekonsulent"]}

    report = await import_roster(
        db, parse_roster(_with_speech_consultant(_small(case={"consent": edited})), source="test"), now=clock.now()
    )

    case, _ = await _case(db)
    assert (case.consent_date, case.consent_professions) == (date(2027, 3, 1), ["psykolog", "tale-hørekonsulent"])
    # The professions are the file's; only the date is Slack's (the report says so, not "consent" as a whole).
    assert sorted((c.what, c.fields) for c in report.changes if c.table == "case") == [
        ("kept", ("consent_date",)),
        ("updated", ("consent_professions",)),
    ]


# -- absences also change in Slack ---------------------------------------------------------------------------------

EASTER_WEEK = {"from": "2027-04-12", "to": "2027-04-16"}


async def _absences(db: Database) -> list[tuple[date, date, str | None]]:
    """Mette's absences, in the order registered (the first covering a day decides who stands in)."""
    async with db.read() as session:
        names = {s.id: s.name for s in (await session.exec(select(Staff))).all()}
        mette = (await session.exec(select(Staff).where(Staff.slack_id == PAEDAGOG))).one()
        rows = (await session.exec(select(Absence).where(Absence.staff_id == mette.id).order_by(col(Absence.id)))).all()
    return [(a.start, a.end, names.get(a.substitute_id) if a.substitute_id else None) for a in rows]


async def test_importing_the_same_file_again_keeps_an_absence_registered_in_slack(
    db: Database, clock: FakeClock
) -> None:
    """Mette registers a week away in Slack; the nightly import of the unchanged file deleted it (it replaced her
    absences with the file's), and Ali was never asked to stand in."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    roster = small_roster(absences=[EASTER_WEEK])
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    registered = await run_command(
        Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "fravær 15/3 19/3 Ali Hassan"
    )
    assert registered.text.startswith("🗓️ Dit fravær mandag 15. marts 2027")

    report = await import_roster(db, parse_roster(roster, source="test"), now=clock.now())

    assert await _absences(db) == [
        (date(2027, 4, 12), date(2027, 4, 16), None),
        (date(2027, 3, 15), date(2027, 3, 19), "Ali Hassan"),
    ]
    assert [(c.what, c.key, c.fields) for c in report.changes] == [("kept", PAEDAGOG, ("absences",))]


async def test_an_absence_taken_back_in_slack_does_not_come_back_with_the_unchanged_file(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 1, 10, 0))
    roster = small_roster(absences=[EASTER_WEEK])
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    taken_back = await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "fravær slet 12/4")
    assert taken_back.text.startswith("🗑️ Dit fravær mandag 12. april 2027")

    report = await import_roster(db, parse_roster(roster, source="test"), now=clock.now())

    assert await _absences(db) == []
    assert [(c.what, c.key, c.fields) for c in report.changes] == [("kept", PAEDAGOG, ("absences",))]


async def test_a_file_that_changes_its_absences_is_applied_beside_slack_s(db: Database, clock: FakeClock) -> None:
    """What the file dropped goes and what it added comes; the absence registered in Slack stays, and so does the
    row of the one the file kept (its place in the order decides who stands in)."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    summer = {"from": "2027-07-05", "to": "2027-07-23", "substitute": SUBSTITUTE}
    await import_roster(db, parse_roster(small_roster(absences=[EASTER_WEEK, summer]), source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "fravær 15/3 19/3")
    may = {"from": "2027-05-03", "to": "2027-05-07"}

    report = await import_roster(db, parse_roster(small_roster(absences=[summer, may]), source="test"), now=clock.now())

    assert await _absences(db) == [
        (date(2027, 7, 5), date(2027, 7, 23), "Ali Hassan"),
        (date(2027, 3, 15), date(2027, 3, 19), None),
        (date(2027, 5, 3), date(2027, 5, 7), None),
    ]
    assert [(c.what, c.key, c.fields) for c in report.changes] == [
        ("updated", PAEDAGOG, ("absences",)),
        ("kept", PAEDAGOG, ("absences",)),
    ]
    # Imported again unchanged: nothing to do but say Slack's absence is kept.
    again = await import_roster(db, parse_roster(small_roster(absences=[summer, may]), source="test"), now=clock.now())
    assert [(c.what, c.key, c.fields) for c in again.changes] == [("kept", PAEDAGOG, ("absences",))]
    assert len(await _absences(db)) == 3


async def test_the_first_import_since_teambot_remembers_the_file_adds_its_absences_and_removes_none(
    db: Database, clock: FakeClock
) -> None:
    """A database from before `staff_import` has absences from the file and from Slack alike, and cannot tell them
    apart: the file's first word adds what it has that is missing, duplicates none, and deletes nothing."""
    clock.set(datetime(2027, 3, 1, 10, 0))
    await import_roster(db, parse_roster(small_roster(absences=[EASTER_WEEK]), source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "fravær 15/3 19/3")
    async with db.write() as session:
        await session.exec(delete(StaffImport))
    may = {"from": "2027-05-03", "to": "2027-05-07"}

    await import_roster(db, parse_roster(small_roster(absences=[EASTER_WEEK, may]), source="test"), now=clock.now())

    assert await _absences(db) == [
        (date(2027, 4, 12), date(2027, 4, 16), None),
        (date(2027, 3, 15), date(2027, 3, 19), None),
        (date(2027, 5, 3), date(2027, 5, 7), None),
    ]


async def test_an_absence_registered_in_slack_that_is_over_is_no_news_at_the_next_import(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 1, 10, 0))
    roster = small_roster(absences=[EASTER_WEEK])
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "fravær 15/3 19/3")
    clock.set(datetime(2027, 3, 22, 2, 0))

    report = await import_roster(db, parse_roster(roster, source="test"), now=clock.now())

    assert report.changes == []
    assert len(await _absences(db)) == 2  # kept, only not reported

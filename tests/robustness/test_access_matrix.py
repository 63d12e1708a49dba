"""Access: every reading and writing command about the child AK12, run by every kind of person, with the case's
consent covering every consultant profession, only the psychologist, or none. The table below is the rule;
the test checks each cell: who may does it, who may not is refused (or shown nothing about the child), a refusal
stores nothing, and no refusal carries the child's goals or other case data.

The small roster, with more people: AK12 is at Børnehuset Solsikken (SOL), Mette Jensen is its pædagog, Ali
Hassan another pædagog at SOL, Karsten Bro SOL's lead; Mariehønen (MAR) has its own lead and pædagog; one
consultant of every profession is on the case, and another psychologist is not. Thursday 4 March 2027, 15:00; the
next status meeting is Tuesday 30 March 2027.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from teambot.commands import Context, Reply, UserError, run_action, run_command
from teambot.domain.roles import CONSULTANT_ROLES
from teambot.domain.roster import parse_roster
from teambot.scheduler.planner import plan_case
from teambot.store.db import Database, sync_url
from teambot.store.models import Case
from teambot.store.roster_import import import_roster
from teambot.testing import database as test_databases
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, SUBSTITUTE, small_roster

NOW = datetime(2027, 3, 4, 15, 0)  # local time
TODAY = date(2027, 3, 4)
MOVE_TO = date(2027, 3, 31)
NEW_GOAL = "Rydder op efter leg"
GOALS = ("Tager selv overtøj af og på", "Siger farvel uden at græde")

LEAD_MAR, OTHER_PSYKOLOG, STRANGER = "U0LEADMAR", "U0PSYK002", "U0NOBODY1"
CONSULTANTS = {  # one of every profession, all on AK12
    "psykolog": PSYKOLOG,
    "tale-hørekonsulent": "U0TALE001",
    "sundhedsplejerske": "U0SUND001",
    "småbørnskonsulent": "U0SMAA001",
    "fysioterapeut": "U0FYSI001",
    "socialrådgiver": "U0SOCI001",
}
assert set(CONSULTANTS) == {role.value for role in CONSULTANT_ROLES}
NAMES = {
    "tale-hørekonsulent": "Tove Holm",
    "sundhedsplejerske": "Hanne Vestergaard",
    "småbørnskonsulent": "Rasmus Eg",
    "fysioterapeut": "Maja Strand",
    "socialrådgiver": "Henrik Olsen",
}

ACTORS: dict[str, str] = {
    "pædagog": PAEDAGOG,  # the child's own pædagog
    "kollega": SUBSTITUTE,  # another pædagog of the child's institution
    "leder": LEAD,  # the lead of the child's institution
    "leder-MAR": LEAD_MAR,  # the lead of another institution
    "pædagog-MAR": OUTSIDER,  # a pædagog of another institution
    "fremmed": STRANGER,  # a Slack user who is not on the roster
    "psykolog-ude": OTHER_PSYKOLOG,  # a psychologist who is not on the case
    **CONSULTANTS,  # the consultants on the case, one column each below ("konsulent")
}

CONSENTS: dict[str, list[str]] = {
    "alle": sorted(CONSULTANTS),  # consent covers every profession
    "psykolog": ["psykolog"],  # only the psychologist
    "ingen": [],  # no consent
}

# ja: allowed · nej: refused, or shown nothing about the child · samtykke: allowed to a consultant on the case
# exactly when the consent covers their profession.
EXPECTED = """
command                              pædagog kollega leder leder-MAR pædagog-MAR fremmed psykolog-ude konsulent
/rating AK12                         ja      ja      ja    nej       nej         nej     nej          samtykke
/teambot forløb AK12                 ja      ja      ja    nej       nej         nej     nej          samtykke
/teambot rapport AK12                ja      ja      ja    nej       nej         nej     nej          samtykke
/uge                                 ja      nej     ja    nej       nej         nej     nej          samtykke
/teambot møder                       ja      nej     ja    nej       nej         nej     nej          samtykke
/teambot hjem                        ja      nej     ja    nej       nej         nej     nej          samtykke
/rating AK12 1 3                     ja      ja      ja    nej       nej         nej     nej          samtykke
/teambot forløb mål AK12 <tekst>     ja      nej     ja    nej       nej         nej     nej          nej
/teambot flyt AK12 2027-03-31        ja      nej     ja    nej       nej         nej     nej          samtykke
/teambot aflys AK12 barnet er syg    ja      nej     ja    nej       nej         nej     nej          samtykke
/teambot forløb samtykke AK12 <fag>  ja      nej     ja    nej       nej         nej     nej          nej
[rating_nudge] mål 1 i dag: 2        ja      ja      ja    nej       nej         nej     nej          samtykke
[meeting_confirm] næste statusmøde   ja      nej     ja    nej       nej         nej     nej          samtykke
"""


def _parse(table: str) -> dict[str, dict[str, str]]:
    lines = table.strip().splitlines()
    columns = lines[0].split()[1:]
    parsed = {}
    for line in lines[1:]:
        cells = line.split()
        label = " ".join(cells[: -len(columns)])
        parsed[label] = dict(zip(columns, cells[-len(columns) :], strict=True))
    return parsed


RULES = _parse(EXPECTED)


def expected(command: str, actor: str, consent: str) -> bool:
    rule = RULES[command]["konsulent" if actor in CONSULTANTS else actor]
    return rule == "ja" or (rule == "samtykke" and actor in CONSENTS[consent])


# -- the roster and its baseline ---------------------------------------------------------------------------------


def roster() -> dict[str, Any]:
    data = small_roster()
    data["staff"] += [
        {"id": LEAD_MAR, "name": "Lene Mark", "roles": ["leder"], "institutions": ["MAR"]},
        {"id": OTHER_PSYKOLOG, "name": "Anne Krogh", "roles": ["psykolog"], "institutions": []},
        *({"id": CONSULTANTS[role], "name": name, "roles": [role], "institutions": []} for role, name in NAMES.items()),
    ]
    data["case"][0]["consultants"] = list(CONSULTANTS.values())
    return data


# What a refusal, or an answer to someone who may not see the child, must not contain.
CASE_DATA = (
    *GOALS,
    "Mette Jensen",
    "Peter Friis",
    *NAMES.values(),
    "30. marts",
    "Solsikken",
    "samtykke",
)


@dataclass
class Baseline:
    url: str
    rows: dict[str, list[dict[str, Any]]]
    staff: dict[str, int]  # Slack id -> staff id
    goal_1: int
    meeting: int  # the next status meeting


def read_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in SQLModel.metadata.sorted_tables
        }


def restore(engine: Engine, rows: dict[str, list[dict[str, Any]]], consent: list[str]) -> None:
    """The database exactly as in `rows`, with AK12's consent covering `consent` (none if empty)."""
    cases = [
        {**case, "consent_professions": consent, "consent_date": date(2027, 2, 11) if consent else None}
        if case["code"] == "AK12"
        else case
        for case in rows["child_case"]
    ]
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in SQLModel.metadata.sorted_tables:
            if rows[table.name]:
                connection.execute(table.insert(), cases if table.name == "child_case" else rows[table.name])


async def _load(url: str) -> None:
    db = Database(url)
    try:
        clock = FakeClock(NOW, COPENHAGEN)
        await import_roster(db, parse_roster(roster(), source="test"), now=clock.now())
        async with db.read() as session:
            case_id = (await session.exec(select(Case.id).where(Case.code == "AK12"))).one()
        assert case_id is not None
        await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    url = test_databases.test_database_url(tmp_path_factory.mktemp("access"))
    test_databases.prepare(url)
    asyncio.run(_load(url))
    engine = create_engine(sync_url(url))
    try:
        rows = read_rows(engine)
    finally:
        engine.dispose()
    goal_1 = next(g["id"] for g in rows["goal"] if g["number"] == 1)
    upcoming = [m for m in rows["meeting"] if m["day"] >= TODAY and m["status"] != "cancelled"]
    meeting = min(upcoming, key=lambda m: m["day"])
    assert meeting["day"] == date(2027, 3, 30)
    return Baseline(url, rows, {s["slack_id"]: s["id"] for s in rows["staff"]}, goal_1, meeting["id"])


@dataclass
class Matrix:
    baseline: Baseline
    db: Database
    engine: Engine
    before: dict[str, list[dict[str, Any]]]
    refusals: list[str]

    def context(self, user: str) -> Context:
        return Context(db=self.db, clock=FakeClock(NOW, COPENHAGEN), user_id=user)

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return read_rows(self.engine)


# Every test of this module runs in one event loop, so that one Database (and its connections) serves them all.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(baseline: Baseline) -> AsyncIterator[tuple[Database, Engine]]:
    db, engine = Database(baseline.url), create_engine(sync_url(baseline.url))
    yield db, engine
    await db.dispose()
    engine.dispose()


@pytest.fixture
def matrix(
    baseline: Baseline, shared: tuple[Database, Engine], monkeypatch: pytest.MonkeyPatch, consent: str
) -> Matrix:
    """The baseline restored, with the consent of this test; refusals (UserError) recorded as they are raised."""
    db, engine = shared
    restore(engine, baseline.rows, CONSENTS[consent])
    refusals: list[str] = []
    original_init = UserError.__init__

    def recording_init(error: UserError, message: str) -> None:
        refusals.append(message)
        original_init(error, message)

    monkeypatch.setattr(UserError, "__init__", recording_init)
    return Matrix(baseline, db, engine, read_rows(engine), refusals)


# -- what each command is, and how its success shows -----------------------------------------------------------

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Probe:
    run: Callable[[Matrix, Context], Awaitable[Reply]]
    # A reading command shows the child (checked on the reply); a writing one changes the database (checked on
    # the rows after, given the actor's staff id).
    succeeded: Callable[[Matrix, Reply, Rows, int | None], bool]
    refuses: bool = True  # False: answers everyone, only without the child for those who may not see it


def command(line: str) -> Callable[[Matrix, Context], Awaitable[Reply]]:
    slash, _, rest = line.partition(" ")
    return lambda m, ctx: run_command(ctx, slash, rest)


def shows_child(reply: Reply) -> bool:
    return "AK12" in reply.text + json.dumps(reply.blocks or [], ensure_ascii=False)


def shows_goals(reply: Reply) -> bool:
    return all(goal in reply.text for goal in GOALS)


def rating_by(rows: Rows, m: Matrix, value: int, staff: int | None) -> bool:
    return any(
        r["goal_id"] == m.baseline.goal_1 and r["day"] == TODAY and r["value"] == value and r["rated_by"] == staff
        for r in rows["rating"]
    )


def the_meeting(rows: Rows, m: Matrix) -> dict[str, Any]:
    return next(r for r in rows["meeting"] if r["id"] == m.baseline.meeting)


def ak12(rows: Rows) -> dict[str, Any]:
    return next(r for r in rows["child_case"] if r["code"] == "AK12")


PROBES: dict[str, Probe] = {
    "/rating AK12": Probe(command("/rating AK12"), lambda m, reply, rows, staff: shows_goals(reply)),
    "/teambot forløb AK12": Probe(command("/teambot forløb AK12"), lambda m, reply, rows, staff: shows_goals(reply)),
    "/teambot rapport AK12": Probe(
        command("/teambot rapport AK12"), lambda m, reply, rows, staff: len(reply.files) == 2 and shows_child(reply)
    ),
    "/uge": Probe(command("/uge"), lambda m, reply, rows, staff: shows_child(reply), refuses=False),
    "/teambot møder": Probe(command("/teambot møder"), lambda m, reply, rows, staff: shows_child(reply), refuses=False),
    "/teambot hjem": Probe(command("/teambot hjem"), lambda m, reply, rows, staff: shows_child(reply), refuses=False),
    "/rating AK12 1 3": Probe(command("/rating AK12 1 3"), lambda m, reply, rows, staff: rating_by(rows, m, 3, staff)),
    "/teambot forløb mål AK12 <tekst>": Probe(
        command(f"/teambot forløb mål AK12 {NEW_GOAL}"),
        lambda m, reply, rows, staff: any(g["text"] == NEW_GOAL for g in rows["goal"]),
    ),
    "/teambot flyt AK12 2027-03-31": Probe(
        command("/teambot flyt AK12 2027-03-31"),
        lambda m, reply, rows, staff: the_meeting(rows, m)["day"] == MOVE_TO,
    ),
    "/teambot aflys AK12 barnet er syg": Probe(
        command("/teambot aflys AK12 barnet er syg"),
        lambda m, reply, rows, staff: the_meeting(rows, m)["status"] == "cancelled",
    ),
    "/teambot forløb samtykke AK12 <fag>": Probe(
        command("/teambot forløb samtykke AK12 tale-hørekonsulent"),
        lambda m, reply, rows, staff: ak12(rows)["consent_professions"] == ["tale-hørekonsulent"],
    ),
    "[rating_nudge] mål 1 i dag: 2": Probe(
        lambda m, ctx: run_action(ctx, "rating_nudge", f"{m.baseline.goal_1}:{TODAY.isoformat()}:2"),
        lambda m, reply, rows, staff: rating_by(rows, m, 2, staff),
    ),
    "[meeting_confirm] næste statusmøde": Probe(
        lambda m, ctx: run_action(ctx, "meeting_confirm", str(m.baseline.meeting)),
        lambda m, reply, rows, staff: staff in the_meeting(rows, m)["confirmed_by"],
    ),
}


async def test_the_table_covers_every_probe_and_actor() -> None:
    assert list(RULES) == list(PROBES)
    columns = {column for rule in RULES.values() for column in rule}
    assert columns == {*(a for a in ACTORS if a not in CONSULTANTS), "konsulent"}


def case_data_in(reply: Reply, actor: str) -> list[str]:
    """The case data `reply` shows; a consultant's own name does not count (App Home greets them by name)."""
    shown = reply.text + json.dumps(reply.blocks or [], ensure_ascii=False)
    return [item for item in CASE_DATA if item in shown and item != NAMES.get(actor, "Peter Friis")]


@pytest.mark.parametrize("consent", list(CONSENTS))
@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("probe", list(PROBES))
async def test_access(matrix: Matrix, probe: str, actor: str, consent: str) -> None:
    user = ACTORS[actor]
    staff = matrix.baseline.staff.get(user)
    allowed = expected(probe, actor, consent)
    before = matrix.before

    reply = await PROBES[probe].run(matrix, matrix.context(user))

    after = matrix.rows()
    refused = bool(matrix.refusals) and reply.text == matrix.refusals[-1]
    assert "noget gik galt" not in reply.text, reply.text
    if allowed:
        assert not refused, f"{actor} was refused: {reply.text}"
        assert PROBES[probe].succeeded(matrix, reply, after, staff), f"{actor} got: {reply.text}"
        # Every read and write of the child's data leaves an entry in the audit log, naming who did it.
        entries = [e for e in after["audit_entry"] if e not in before["audit_entry"]]
        assert any(e["case_code"] == "AK12" and e["actor"] == user for e in entries), f"{actor}: not audited"
        return
    assert not PROBES[probe].succeeded(matrix, reply, after, staff), f"{actor} may not, but: {reply.text}"
    assert not case_data_in(reply, actor), f"{actor} was told {case_data_in(reply, actor)}: {reply.text}"
    if PROBES[probe].refuses:
        assert refused, f"{actor} was not refused: {reply.text}"
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"refused ({reply.text}), but {changed} changed"
    else:
        assert not shows_child(reply)
        read = [e for e in after["audit_entry"] if e["case_code"] == "AK12" and e not in before["audit_entry"]]
        assert not read, f"{actor} is recorded as reading AK12: {read}"


# -- a refusal does not tell whether the child exists -----------------------------------------------------------

CODE_COMMANDS = {
    "/rating AK12": "/rating {code}",
    "/teambot forløb AK12": "/teambot forløb {code}",
    "/teambot rapport AK12": "/teambot rapport {code}",
    "/rating AK12 1 3": "/rating {code} 1 3",
    "/teambot forløb mål AK12 <tekst>": f"/teambot forløb mål {{code}} {NEW_GOAL}",
    "/teambot flyt AK12 2027-03-31": "/teambot flyt {code} 2027-03-31",
    "/teambot aflys AK12 barnet er syg": "/teambot aflys {code} barnet er syg",
    "/teambot forløb samtykke AK12 <fag>": "/teambot forløb samtykke {code} tale-hørekonsulent",
}


@pytest.mark.parametrize("consent", ["psykolog"])
@pytest.mark.parametrize("label", list(CODE_COMMANDS))
async def test_a_refusal_reads_the_same_whether_or_not_the_child_exists(
    matrix: Matrix, label: str, consent: str
) -> None:
    """Someone who may neither act on AK12 nor see it gets the same answer as for a code no child has (ZZ99), so
    nobody can find out which codes are in use by trying them (as `/rating` already promises). Those who may see
    the child (a colleague at its institution) may be told more precisely why they cannot act."""
    slash, _, rest = CODE_COMMANDS[label].partition(" ")
    different = {}
    for actor, user in ACTORS.items():
        if expected(label, actor, consent) or expected("/teambot forløb AK12", actor, consent):
            continue
        real = await run_command(matrix.context(user), slash, rest.format(code="AK12"))
        unknown = await run_command(matrix.context(user), slash, rest.format(code="ZZ99"))
        if real.text.replace("AK12", "ZZ99") != unknown.text:
            different[actor] = f"AK12: «{real.text}» but ZZ99: «{unknown.text}»"

    assert not different, "\n".join(f"{actor}: {texts}" for actor, texts in different.items())

"""Helpers for the foundation tests: the real `teambot` executable, clean environments, roster files and
database snapshots. Fixtures shared by many modules live in conftest.py; these are plain functions."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlmodel import SQLModel

import teambot.store.models  # noqa: F401  (registers the tables)
from teambot.store.db import sync_url

TEAMBOT = str(Path(sys.executable).with_name("teambot"))

SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "TEAMBOT_DATABASE_URL",
    "TEAMBOT_TIMEZONE",
    "TEAMBOT_LANGUAGE",
)


def clean_env(**settings: str) -> dict[str, str]:
    """The current environment without any teambot or Slack setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def run_teambot(
    *args: str, cwd: Path, env: Mapping[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed `teambot` console script as a user would."""
    return subprocess.run(
        [TEAMBOT, *args],
        cwd=cwd,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_file_url(folder: Path, name: str = "teambot.db") -> str:
    return f"sqlite:///{folder / name}"


# -- database snapshots ---------------------------------------------------------------------------


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: two equal snapshots mean nothing was stored or changed."""
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(url).items()}


def query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


# -- roster files ----------------------------------------------------------------------------------

# Every table and key of the roster format in the foundation issue, plus the optional keys the importer
# accepts (staff by email, absences with a substitute, a case's own meeting interval).
ROSTER = """\
[municipality]
name = "Prøvekommune"
closing_days = ["2027-12-27..2027-12-31"]

[[institution]]
code = "SOL"
name = "Børnehuset Solsikken"
kind = "integreret"
district = "Nord"
channel = "C0SOLSIKKE"
closing_days = ["2027-07-12..2027-07-30", "2027-05-07"]

[[institution]]
code = "MAR"
name = "Vuggestuen Mariehønen"
kind = "vuggestue"
district = "Syd"

[[staff]]
id = "U0METTE01"
name = "Mette Jensen"
roles = ["pædagog"]
institutions = ["SOL"]
absences = [{ from = "2027-03-01", to = "2027-03-12", substitute = "U0ALI0001" }]

[[staff]]
id = "U0ALI0001"
name = "Ali Hassan"
roles = ["pædagog"]
institutions = ["SOL"]

[[staff]]
id = "U0KARSTEN1"
name = "Karsten Bro"
roles = ["leder"]
institutions = ["SOL", "MAR"]

[[staff]]
id = "U0PSYK01"
name = "Peter Friis"
roles = ["psykolog"]

[[staff]]
id = "U0HANNE01"
name = "Hanne Vestergaard"
roles = ["sundhedsplejerske"]

[[staff]]
email = "tove@example.dk"
name = "Tove Munk"
roles = ["tale-hørekonsulent"]

[[staff]]
id = "U0VIKAR01"
name = "Vera Vikar"
roles = ["pædagog"]
institutions = ["MAR"]

[[assignment]]
role = "sundhedsplejerske"
staff = "U0HANNE01"
institutions = ["SOL", "MAR"]

[[assignment]]
role = "psykolog"
staff = "U0PSYK01"
district = "Nord"

[[assignment]]
role = "tale-hørekonsulent"
staff = "tove@example.dk"
district = "Syd"

[[case]]
code = "AK12"
institution = "SOL"
paedagog = "U0METTE01"
consultants = ["U0PSYK01"]
start_meeting = "2027-02-11"
consent = { date = "2027-02-11", professions = ["psykolog"] }
goals = ["Tager selv overtøj af og på i garderoben"]

[[case]]
code = "BM04"
institution = "MAR"
paedagog = "U0VIKAR01"
consultants = ["tove@example.dk", "U0HANNE01"]
start_meeting = 2027-03-04
meeting_interval_weeks = 8
goals = ["Deltager i samling i 10 minutter", "Beder om hjælp med ord"]
"""

# The same roster, edited: Mette's name changed, Ali removed (deactivated), a second goal for AK12 and
# consent for AK12 extended to the health visitor.
ROSTER_EDITED = (
    ROSTER.replace('name = "Mette Jensen"', 'name = "Mette Jensen Holm"')
    .replace(
        """[[staff]]
id = "U0ALI0001"
name = "Ali Hassan"
roles = ["pædagog"]
institutions = ["SOL"]

""",
        "",
    )
    .replace('substitute = "U0ALI0001"', 'substitute = "U0KARSTEN1"')
    .replace(
        'consent = { date = "2027-02-11", professions = ["psykolog"] }',
        'consent = { date = "2027-02-11", professions = ["psykolog", "sundhedsplejerske"] }',
    )
    .replace(
        'goals = ["Tager selv overtøj af og på i garderoben"]',
        'goals = ["Tager selv overtøj af og på i garderoben", "Siger farvel uden at græde"]',
    )
)
assert ROSTER_EDITED.count("Ali Hassan") == 0 and ROSTER_EDITED.count("Siger farvel") == 1


def edited(old: str, new: str, text: str = ROSTER, count: int = 1) -> str:
    """`text` with `old` replaced by `new`; fails loudly if `old` is not there (a test that cannot fail is no test)."""
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


# One mistake each: (roster text, table entry, key, catalog kind, the Danish message as printed).
ROSTER_ERRORS: dict[str, tuple[str, str, str, str, str]] = {
    "unknown institution of a case": (
        edited('institution = "SOL"\npaedagog', 'institution = "SØL"\npaedagog'),
        "[[case]] nr. 1 (AK12)",
        "institution",
        "roster.unknown_institution",
        "ukendt institution «SØL»",
    ),
    "unknown institution of a staff member": (
        edited('roles = ["leder"]\ninstitutions = ["SOL", "MAR"]', 'roles = ["leder"]\ninstitutions = ["SOL", "ABC"]'),
        "[[staff]] nr. 3 (U0KARSTEN1)",
        "institutions",
        "roster.unknown_institution",
        "ukendt institution «ABC»",
    ),
    "unknown role of a staff member": (
        edited('roles = ["psykolog"]', 'roles = ["astrolog"]'),
        "[[staff]] nr. 4 (U0PSYK01)",
        "roles",
        "roster.unknown_role",
        "ukendt rolle «astrolog»",
    ),
    "unknown role of an assignment": (
        edited('role = "psykolog"', 'role = "psykiater"'),
        "[[assignment]] nr. 2",
        "role",
        "roster.unknown_role",
        "ukendt rolle «psykiater»",
    ),
    "unknown profession in consent": (
        edited('professions = ["psykolog"]', 'professions = ["præst"]'),
        "[[case]] nr. 1 (AK12)",
        "consent",
        "roster.unknown_role",
        "ukendt rolle «præst»",
    ),
    "unknown institution kind": (
        edited('kind = "vuggestue"', 'kind = "fritidshjem"'),
        "[[institution]] nr. 2 (MAR)",
        "kind",
        "roster.unknown_kind",
        "ukendt institutionstype «fritidshjem» (vuggestue, børnehave, integreret, dagpleje)",
    ),
    "duplicate case code": (
        edited('code = "BM04"', 'code = "AK12"'),
        "[[case]] nr. 2 (AK12)",
        "code",
        "roster.duplicate",
        "«AK12» står der mere end én gang",
    ),
    "CPR-shaped case code": (
        edited('code = "BM04"', 'code = "2802564321"'),
        "[[case]] nr. 2",
        "code",
        "roster.cpr",
        "indeholder noget, der ligner et CPR-nummer; teambot gemmer aldrig CPR-numre",
    ),
    "CPR-shaped goal": (
        edited('"Beder om hjælp med ord"', '"Beder om hjælp 280256-4321"'),
        "[[case]] nr. 2",
        "goals",
        "roster.cpr",
        "indeholder noget, der ligner et CPR-nummer; teambot gemmer aldrig CPR-numre",
    ),
    "CPR-shaped staff name": (
        edited('name = "Ali Hassan"', 'name = "Ali 280256 4321"'),
        "[[staff]] nr. 2",
        "name",
        "roster.cpr",
        "indeholder noget, der ligner et CPR-nummer; teambot gemmer aldrig CPR-numre",
    ),
    "malformed date": (
        edited('start_meeting = "2027-02-11"', 'start_meeting = "11-02-2027"'),
        "[[case]] nr. 1 (AK12)",
        "start_meeting",
        "roster.bad_date",
        "«11-02-2027» er ikke en dato (ÅÅÅÅ-MM-DD)",
    ),
    "impossible consent date": (
        edited('consent = { date = "2027-02-11"', 'consent = { date = "2027-02-31"'),
        "[[case]] nr. 1 (AK12)",
        "consent",
        "roster.bad_date",
        "«2027-02-31» er ikke en dato (ÅÅÅÅ-MM-DD)",
    ),
    "reversed closing range": (
        edited('"2027-07-12..2027-07-30"', '"2027-07-30..2027-07-12"'),
        "[[institution]] nr. 1 (SOL)",
        "closing_days",
        "roster.bad_range",
        "«2027-07-30..2027-07-12» er ikke en dato eller periode (ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD)",
    ),
    "malformed municipality range": (
        edited('"2027-12-27..2027-12-31"', '"27/12..31/12"'),
        "[municipality]",
        "closing_days",
        "roster.bad_range",
        "«27/12..31/12» er ikke en dato eller periode (ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD)",
    ),
    "unknown pædagog": (
        edited('paedagog = "U0METTE01"', 'paedagog = "U0METTE02"'),
        "[[case]] nr. 1 (AK12)",
        "paedagog",
        "roster.unknown_staff",
        "ukendt medarbejder «U0METTE02»",
    ),
    "unknown consultant": (
        edited('consultants = ["U0PSYK01"]', 'consultants = ["U0PSYK02"]'),
        "[[case]] nr. 1 (AK12)",
        "consultants",
        "roster.unknown_staff",
        "ukendt medarbejder «U0PSYK02»",
    ),
    "unknown assigned staff": (
        edited('staff = "U0HANNE01"', 'staff = "U0HANNA01"'),
        "[[assignment]] nr. 1",
        "staff",
        "roster.unknown_staff",
        "ukendt medarbejder «U0HANNA01»",
    ),
    "assignment with both institutions and district": (
        edited(
            'staff = "U0PSYK01"\ndistrict = "Nord"', 'staff = "U0PSYK01"\ninstitutions = ["SOL"]\ndistrict = "Nord"'
        ),
        "[[assignment]] nr. 2",
        "institutions",
        "roster.institutions_or_district",
        "angiv enten institutions eller district (præcis én af dem)",
    ),
    "assignment with neither institutions nor district": (
        edited('staff = "U0PSYK01"\ndistrict = "Nord"\n', 'staff = "U0PSYK01"\n'),
        "[[assignment]] nr. 2",
        "institutions",
        "roster.institutions_or_district",
        "angiv enten institutions eller district (præcis én af dem)",
    ),
    "assignment to an unknown district": (
        edited('staff = "U0PSYK01"\ndistrict = "Nord"', 'staff = "U0PSYK01"\ndistrict = "Vest"'),
        "[[assignment]] nr. 2",
        "district",
        "roster.unknown_district",
        "ukendt distrikt «Vest»",
    ),
}

# The file is not TOML at all: reported with its own entry and key, and TOML's line number.
ROSTER_SYNTAX_ERROR = edited('[[case]]\ncode = "BM04"', '[[case]\ncode = "BM04"')

"""A small, precise roster for tests: one institution, a pædagog, a consultant, a lead, one case."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from teambot.domain.roster import parse_roster
from teambot.store.db import Database
from teambot.store.roster_import import import_roster

PAEDAGOG, PSYKOLOG, LEAD, SUBSTITUTE, OUTSIDER = "U0PAED001", "U0PSYK001", "U0LEAD001", "U0SUBST01", "U0OTHER01"


def small_roster(
    *,
    start_meeting: date = date(2027, 2, 11),
    closing_days: list[str] | None = None,
    municipality_closing: list[str] | None = None,
    absences: list[dict[str, str]] | None = None,
    interval_weeks: int | None = None,
    municipality: dict[str, Any] | None = None,
) -> dict[str, Any]:
    case: dict[str, Any] = {
        "code": "AK12",
        "institution": "SOL",
        "paedagog": PAEDAGOG,
        "consultants": [PSYKOLOG],
        "start_meeting": start_meeting.isoformat(),
        "consent": {"date": start_meeting.isoformat(), "professions": ["psykolog"]},
        "goals": ["Tager selv overtøj af og på", "Siger farvel uden at græde"],
    }
    if interval_weeks:
        case["meeting_interval_weeks"] = interval_weeks
    paedagog: dict[str, Any] = {"id": PAEDAGOG, "name": "Mette Jensen", "roles": ["pædagog"], "institutions": ["SOL"]}
    if absences:
        paedagog["absences"] = absences
    return {
        "municipality": {"name": "Testkommune", "closing_days": municipality_closing or [], **(municipality or {})},
        "institution": [
            {
                "code": "SOL",
                "name": "Børnehuset Solsikken",
                "kind": "integreret",
                "district": "Nord",
                "closing_days": closing_days or [],
            },
            {"code": "MAR", "name": "Mariehønen", "kind": "vuggestue", "district": "Nord"},
        ],
        "staff": [
            paedagog,
            {"id": PSYKOLOG, "name": "Peter Friis", "roles": ["psykolog"], "institutions": []},
            {"id": LEAD, "name": "Karsten Bro", "roles": ["leder"], "institutions": ["SOL"]},
            {"id": SUBSTITUTE, "name": "Ali Hassan", "roles": ["pædagog"], "institutions": ["SOL"]},
            {"id": OUTSIDER, "name": "Sofie Lund", "roles": ["pædagog"], "institutions": ["MAR"]},
        ],
        "assignment": [{"role": "psykolog", "staff": PSYKOLOG, "district": "Nord"}],
        "case": [case],
    }


async def load_small_roster(db: Database, *, now: datetime, **options: Any) -> None:
    await import_roster(db, parse_roster(small_roster(**options), source="test"), now=now)

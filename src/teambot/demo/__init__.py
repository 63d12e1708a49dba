"""The demo municipality: realistic, fictional, and dated relative to today so it never goes stale.

It goes through the same validation and import as a real roster, then adds a few months of ratings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from teambot.domain.cafe import first_of_month, month_at, month_index
from teambot.domain.roster import parse_roster
from teambot.store import audit, queries
from teambot.store.db import Database
from teambot.store.models import Case, Goal, Institution, Rating, Staff
from teambot.store.roster_import import import_roster

DEMO_USER = "U0METTE01"  # the console's default user: a pædagog with children to rate
DEMO_LEAD = "U0KARSTEN1"
DEMO_MUNICIPALITY = "Demo Kommune"

_STAFF: list[dict[str, Any]] = [
    {"id": "U0KARSTEN1", "name": "Karsten Bro", "roles": ["leder"], "institutions": ["SOL", "MAR"]},
    {"id": "U0BIRGIT01", "name": "Birgitte Holm", "roles": ["leder"], "institutions": ["EGE", "REG", "DAG"]},
    {"id": "U0METTE01", "name": "Mette Jensen", "roles": ["pædagog"], "institutions": ["SOL"]},
    {"id": "U0ALI0001", "name": "Ali Hassan", "roles": ["pædagog"], "institutions": ["SOL"]},
    {"id": "U0SOFIE01", "name": "Sofie Lund", "roles": ["pædagog"], "institutions": ["MAR"]},
    {"id": "U0JONAS01", "name": "Jonas Berg", "roles": ["pædagog"], "institutions": ["EGE"]},
    {"id": "U0FATIMA1", "name": "Fatima Nour", "roles": ["pædagog"], "institutions": ["REG"]},
    {"id": "U0LONE001", "name": "Lone Dam", "roles": ["pædagog"], "institutions": ["DAG"]},
    {"id": "U0PETER01", "name": "Peter Friis", "roles": ["psykolog"], "institutions": []},
    {"id": "U0ANNE001", "name": "Anne Krogh", "roles": ["psykolog"], "institutions": []},
    {"id": "U0HANNE01", "name": "Hanne Vestergaard", "roles": ["sundhedsplejerske"], "institutions": []},
    {"id": "U0LISE001", "name": "Lise Bach", "roles": ["sundhedsplejerske"], "institutions": []},
    {"id": "U0TOVE001", "name": "Tove Munk", "roles": ["tale-hørekonsulent"], "institutions": []},
    {"id": "U0RASMUS1", "name": "Rasmus Eg", "roles": ["småbørnskonsulent"], "institutions": []},
    {"id": "U0MAJA001", "name": "Maja Strand", "roles": ["fysioterapeut"], "institutions": []},
    {"id": "U0MIKKEL1", "name": "Mikkel Holt", "roles": ["fysioterapeut"], "institutions": []},
    {"id": "U0HENRIK1", "name": "Henrik Olsen", "roles": ["socialrådgiver"], "institutions": []},
]

_ASSIGNMENTS: list[dict[str, Any]] = [
    {"role": "psykolog", "staff": "U0PETER01", "district": "Nord"},
    {"role": "psykolog", "staff": "U0ANNE001", "district": "Syd"},
    {"role": "sundhedsplejerske", "staff": "U0HANNE01", "institutions": ["SOL", "MAR"]},
    {"role": "sundhedsplejerske", "staff": "U0LISE001", "institutions": ["EGE", "REG", "DAG"]},
    {"role": "tale-hørekonsulent", "staff": "U0TOVE001", "district": "Nord"},
    {"role": "tale-hørekonsulent", "staff": "U0TOVE001", "district": "Syd"},
    {"role": "småbørnskonsulent", "staff": "U0RASMUS1", "district": "Nord"},
    {"role": "småbørnskonsulent", "staff": "U0RASMUS1", "district": "Syd"},
    {"role": "fysioterapeut", "staff": "U0MAJA001", "district": "Nord"},
    {"role": "fysioterapeut", "staff": "U0MAJA001", "district": "Syd"},
    # Solsikken has its own fysioterapeut, so Nord has two to rotate between when one cannot come to a café.
    {"role": "fysioterapeut", "staff": "U0MIKKEL1", "institutions": ["SOL"]},
]

# code, institution, pædagog, consultants, weeks since start, consent professions, goals
_CASES: list[tuple[str, str, str, list[str], int, list[str], list[str]]] = [
    (
        "AK12",
        "SOL",
        "U0METTE01",
        ["U0PETER01"],
        14,
        ["psykolog"],
        ["Tager selv overtøj af og på i garderoben", "Siger farvel til mor eller far uden at græde"],
    ),
    ("BM04", "SOL", "U0METTE01", ["U0TOVE001"], 9, ["tale-hørekonsulent"], ["Deltager i samling i 10 minutter"]),
    (
        "CL07",
        "SOL",
        "U0ALI0001",
        ["U0PETER01", "U0TOVE001"],
        20,
        ["psykolog"],
        ["Beder om hjælp med ord", "Leger med en anden i 5 minutter"],
    ),
    ("DN21", "MAR", "U0SOFIE01", ["U0HANNE01"], 11, ["sundhedsplejerske"], ["Sover til middag uden uro"]),
    ("EJ03", "MAR", "U0SOFIE01", ["U0MAJA001"], 6, [], ["Kravler op ad trappen på legepladsen"]),
    (
        "FO15",
        "EGE",
        "U0JONAS01",
        ["U0ANNE001"],
        17,
        ["psykolog"],
        ["Venter på tur ved frokosten", "Rydder op efter leg"],
    ),
    ("GP09", "EGE", "U0JONAS01", ["U0TOVE001"], 8, ["tale-hørekonsulent"], ["Bruger to-ords-sætninger"]),
    (
        "HR11",
        "REG",
        "U0FATIMA1",
        ["U0ANNE001", "U0HENRIK1"],
        24,
        ["psykolog", "socialrådgiver"],
        ["Kommer i gang med dagens første aktivitet"],
    ),
    ("IS02", "REG", "U0FATIMA1", ["U0RASMUS1"], 4, ["småbørnskonsulent"], ["Spiser selv med ske"]),
    ("JT05", "DAG", "U0LONE001", ["U0LISE001"], 12, ["sundhedsplejerske"], ["Falder til ro efter aflevering"]),
]


_STRUGGLING = {("AK12", 2), ("GP09", 1)}  # goals that stay below 2: the "2. uge under 2" flag
_QUIET = {"HR11"}  # no ratings for the last six working days: the "ingen registreringer" flag
_NOTES = (
    "øvede med billedkort",
    "en voksen ved siden af",
    "gav god tid og ros",
    "delte opgaven op i små trin",
    "brugte timer og billeder",
)


def demo_roster_data(today: date) -> dict[str, Any]:
    """The demo roster as TOML-shaped data, with dates relative to `today`."""

    def monday_weeks_ago(weeks: int) -> date:
        day = today - timedelta(weeks=weeks)
        return day - timedelta(days=day.weekday()) + timedelta(days=1)  # a Tuesday

    def cafe_children(by_offset: dict[int, int]) -> dict[str, int]:
        """Children reaching 18 months, by months from this one: counts only, never child data."""
        this_month = month_index(first_of_month(today))
        return {month_at(this_month + k).strftime("%Y-%m"): n for k, n in by_offset.items()}

    year = today.year
    return {
        "municipality": {
            "name": DEMO_MUNICIPALITY,
            "closing_days": [f"{year}-12-28..{year}-12-31"],
            "visiting_disciplines": ["sundhedsplejerske"],
        },
        "institution": [
            {
                "code": "SOL",
                "name": "Børnehuset Solsikken",
                "kind": "integreret",
                "district": "Nord",
                "closing_days": [f"{year + 1}-07-12..{year + 1}-07-30"],
                "cafe_children": cafe_children({0: 2, 1: 2}),
            },
            {
                "code": "MAR",
                "name": "Vuggestuen Mariehønen",
                "kind": "vuggestue",
                "district": "Nord",
                # Last and this month's children fill a café now; the next two months another; then too few.
                "cafe_children": cafe_children({-1: 3, 0: 4, 1: 3, 2: 4, 3: 2}),
            },
            {"code": "EGE", "name": "Børnehaven Egebakken", "kind": "børnehave", "district": "Syd"},
            {"code": "REG", "name": "Regnbuen", "kind": "integreret", "district": "Syd"},
            {
                "code": "DAG",
                "name": "Dagplejen Syd",
                "kind": "dagpleje",
                "district": "Syd",
                "cafe_children": cafe_children({2: 5}),
            },
        ],
        "staff": _STAFF,
        "assignment": _ASSIGNMENTS,
        "case": [
            {
                "code": code,
                "institution": institution,
                "paedagog": paedagog,
                "consultants": consultants,
                "start_meeting": monday_weeks_ago(weeks).isoformat(),
                **(
                    {"consent": {"date": monday_weeks_ago(weeks).isoformat(), "professions": consent}}
                    if consent
                    else {}
                ),
                "goals": goals,
            }
            for code, institution, paedagog, consultants, weeks, consent, goals in _CASES
        ],
    }


@dataclass(frozen=True)
class DemoSummary:
    institutions: int
    staff: int
    cases: int
    ratings: int


async def load_demo(db: Database, *, now: datetime, zone: ZoneInfo) -> DemoSummary:
    """Import the demo roster and give every goal ratings on past working days (idempotent)."""
    today = now.astimezone(zone).date()
    roster = parse_roster(demo_roster_data(today), source="demo")
    await import_roster(db, roster, now=now, actor="demo", zone=zone)
    rng = random.Random(1247)
    async with db.write() as session:
        goals = (await session.exec(select(Goal, Case).join(Case, col(Case.id) == col(Goal.case_id)))).all()
        for goal, case in sorted(goals, key=lambda gc: (gc[1].code, gc[0].number)):
            calendar = await queries.work_calendar(session, case.institution_id)
            assert goal.id is not None
            rated = set((await session.exec(select(col(Rating.day)).where(Rating.goal_id == goal.id))).all())
            if goal.from_start_meeting and case.start_meeting is not None:
                # The demo's history is that of a municipality using teambot since each start meeting: the nudge
                # asked for the goals from then (`first_asked_day`), not from today's import, so `/uge` and the
                # quarter's figures count those days.
                goal.started_on = case.start_meeting
            start = goal.started_on or case.start_meeting or today
            # Each goal drifts from where it started towards where it is heading, with day-to-day noise;
            # a few goals stay low and one case has gone quiet, so the week's flags have something to show.
            level, target = rng.uniform(1.3, 2.3), rng.uniform(1.6, 3.6)
            if (case.code, goal.number) in _STRUGGLING:
                target = 1.6
            # A goal added today (in Slack, since the last load) has no past days yet.
            days = calendar.working_days(start, today - timedelta(days=1)) if start < today else []
            for index, day in enumerate(days):
                level += (target - level) * 0.06
                # Draw every random number before deciding to skip, so a re-run draws the same sequence.
                missed = rng.random() < 0.08  # a missed day now and then, like real life
                value = max(1, min(4, round(level + rng.uniform(-0.8, 0.8))))
                at = datetime.combine(day, time(14, rng.randint(0, 50)), zone)
                quiet = case.code in _QUIET and index >= len(days) - 6
                if missed or quiet or day in rated:
                    continue
                notes = _NOTES if rng.random() < 0.3 else ("",)
                note = rng.choice(notes) or None
                session.add(
                    Rating(goal_id=goal.id, day=day, value=value, note=note, rated_by=case.paedagog_id, rated_at=at)
                )
        audit.record(session, at=now, actor="demo", action="demo.load")
    async with db.read() as session:
        return DemoSummary(
            institutions=(await session.exec(select(func.count()).select_from(Institution))).one(),
            staff=(await session.exec(select(func.count()).select_from(Staff))).one(),
            cases=(await session.exec(select(func.count()).select_from(Case))).one(),
            ratings=(await session.exec(select(func.count()).select_from(Rating))).one(),
        )

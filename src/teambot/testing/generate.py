"""A deterministic municipality of a given size, for benchmarks and scale tests.

Sizes: S (10 institutions, 60 cases), M (300 institutions, 2,000 cases), L (3,000 institutions, 20,000 cases);
two goals per case. Rows are bulk-inserted: going through the roster import would measure the import instead.

Each institution has a lead and two pædagoger; each district (one per 50 institutions) a psykolog, and the
consultants a småbørnscafé needs: one sundhedsplejerske for every three institutions of a district (the visiting
discipline: four visits a year per institution once the planner has run), and a småbørnskonsulent, a fysioterapeut
and a tale-hørekonsulent for the district. Every institution has registered how many children reach 18 months in
each month from two months before `start` to six after, so the planner proposes cafés. These come after the
original rows (staff ids after the psykologer) and from their own random stream, so ids, codes and the cases are
what they were before visits and cafés were generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlmodel import SQLModel

from teambot.store.db import Database
from teambot.store.models import (
    Assignment,
    CafeCount,
    Case,
    CaseConsultant,
    District,
    Goal,
    Institution,
    Municipality,
    Rating,
    Staff,
    StaffInstitution,
)

Row = dict[str, Any]
NURSE = "sundhedsplejerske"
DISTRICT_CONSULTANTS = ("småbørnskonsulent", "fysioterapeut", "tale-hørekonsulent")
INSTITUTIONS_PER_NURSE = 3
CAFE_MONTHS = range(-2, 7)  # registered counts, in months from `start`'s month


def table(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class, for bulk inserts."""
    return cast(Table, getattr(model, "__table__"))  # noqa: B009  (not declared on SQLModel for type checkers)


@dataclass(frozen=True)
class Size:
    name: str
    institutions: int
    cases: int


SIZES = {
    "S": Size("S", 10, 60),
    "M": Size("M", 300, 2_000),
    "L": Size("L", 3_000, 20_000),
}


async def generate(db: Database, size: Size, *, start: date, rating_days: int = 0, seed: int = 7) -> None:
    """Fill an empty, migrated database. Case start meetings spread over the 6 weeks before `start`;
    `rating_days` working days of ratings before `start` are added for every goal."""
    rng = random.Random(seed)
    districts = max(1, size.institutions // 50)
    async with db.write() as session:
        await (await session.connection()).execute(
            insert(table(Municipality)),
            [
                {
                    "id": 1,
                    "name": f"Kommune {size.name}",
                    "meeting_interval_weeks": 6,
                    "meeting_time": "14:00",
                    "reminder_days": [7, 1],
                    "reminder_time": "08:00",
                    "rating_nudge_time": "14:00",
                    "visiting_disciplines": [NURSE],
                    "visit_notice_days": 14,
                    "visit_reminder_days": 2,
                    "cafe_min_children": 3,
                    "cafe_max_children": 8,
                    "cafe_age_from": 15,
                    "cafe_age_to": 21,
                    "cafe_time": "09:30",
                }
            ],
        )
        await (await session.connection()).execute(
            insert(table(District)),
            [{"id": d + 1, "name": f"D{d + 1}", "municipality_id": 1} for d in range(districts)],
        )
        await (await session.connection()).execute(
            insert(table(Institution)),
            [
                {
                    "id": i + 1,
                    "code": f"I{i + 1:04d}",
                    "name": f"Institution {i + 1}",
                    "kind": "integreret",
                    "district_id": i % districts + 1,
                    "channel": None,
                }
                for i in range(size.institutions)
            ],
        )
        staff: list[Row] = []
        links: list[Row] = []
        for i in range(size.institutions):
            for n, role in ((0, "leder"), (1, "pædagog"), (2, "pædagog")):
                staff_id = i * 3 + n + 1
                staff.append(
                    {
                        "id": staff_id,
                        "slack_id": f"U{staff_id:07d}",
                        "email": None,
                        "name": f"Medarbejder {staff_id}",
                        "roles": [role],
                        "active": True,
                    }
                )
                links.append({"staff_id": staff_id, "institution_id": i + 1})
        first_consultant = len(staff) + 1
        for d in range(districts):
            staff_id = first_consultant + d
            staff.append(
                {
                    "id": staff_id,
                    "slack_id": f"U{staff_id:07d}",
                    "email": None,
                    "name": f"Psykolog {d + 1}",
                    "roles": ["psykolog"],
                    "active": True,
                }
            )
        assignments: list[Row] = [
            {"role": "psykolog", "staff_id": first_consultant + d, "institution_id": None, "district_id": d + 1}
            for d in range(districts)
        ]
        _visiting_consultants(staff, assignments, size.institutions, districts)
        await (await session.connection()).execute(insert(table(Staff)), staff)
        await (await session.connection()).execute(insert(table(StaffInstitution)), links)
        await (await session.connection()).execute(insert(table(Assignment)), assignments)
        await (await session.connection()).execute(
            insert(table(CafeCount)), _cafe_counts(size.institutions, start, random.Random(seed + 1))
        )
        cases: list[Row] = []
        goals: list[Row] = []
        consultants: list[Row] = []
        for c in range(size.cases):
            institution = c % size.institutions
            started = start - timedelta(days=rng.randint(0, 41))
            cases.append(
                {
                    "id": c + 1,
                    "code": f"C{c + 1:05d}",
                    "institution_id": institution + 1,
                    "paedagog_id": institution * 3 + 2 + c % 2,
                    "start_meeting": started,
                    "status": "active",
                    "closed_on": None,
                    "consent_date": started,
                    "consent_professions": ["psykolog"],
                    "meeting_interval_weeks": None,
                }
            )
            consultants.append({"case_id": c + 1, "staff_id": first_consultant + institution % districts})
            for g in (1, 2):
                goals.append(
                    {
                        "id": c * 2 + g,
                        "case_id": c + 1,
                        "number": g,
                        "text": f"Mål {g}",
                        "active": True,
                        "started_on": started,
                        "ended_on": None,
                    }
                )
        await (await session.connection()).execute(insert(table(Case)), cases)
        await (await session.connection()).execute(insert(table(CaseConsultant)), consultants)
        await (await session.connection()).execute(insert(table(Goal)), goals)
    if rating_days:
        await _ratings(db, goals, cases, start, rating_days, rng)


def _visiting_consultants(staff: list[Row], assignments: list[Row], institutions: int, districts: int) -> None:
    """Add the sundhedsplejersker (each the fixed one of three institutions of one district) and the district's
    småbørnskonsulent, fysioterapeut and tale-hørekonsulent, with ids after the staff already in `staff`."""

    def person(role: str, number: int) -> int:
        staff_id = len(staff) + 1
        staff.append(
            {
                "id": staff_id,
                "slack_id": f"U{staff_id:07d}",
                "email": None,
                "name": f"{role.capitalize()} {number}",
                "roles": [role],
                "active": True,
            }
        )
        return staff_id

    nurses = 0
    for d in range(districts):
        members = list(range(d, institutions, districts))  # institution i is in district i % districts
        for first in range(0, len(members), INSTITUTIONS_PER_NURSE):
            nurses += 1
            nurse = person(NURSE, nurses)
            assignments.extend(
                {"role": NURSE, "staff_id": nurse, "institution_id": i + 1, "district_id": None}
                for i in members[first : first + INSTITUTIONS_PER_NURSE]
            )
    for role in DISTRICT_CONSULTANTS:
        for d in range(districts):
            assignments.append(
                {"role": role, "staff_id": person(role, d + 1), "institution_id": None, "district_id": d + 1}
            )


def _cafe_counts(institutions: int, start: date, rng: random.Random) -> list[Row]:
    """0–3 children a month reaching 18 months: an integrated institution of about 40 children under three."""
    at = datetime(start.year, start.month, start.day, tzinfo=UTC)
    months = []
    for offset in CAFE_MONTHS:
        index = start.year * 12 + start.month - 1 + offset
        months.append(date(index // 12, index % 12 + 1, 1))
    rows = []
    for i in range(institutions):
        for month in months:
            children = rng.randint(0, 3)
            if children:  # a month without children is not registered
                rows.append(
                    {
                        "institution_id": i + 1,
                        "month": month,
                        "children": children,
                        "updated_by": "generate",
                        "updated_at": at,
                    }
                )
    return rows


async def _ratings(
    db: Database,
    goals: list[Row],
    cases: list[Row],
    start: date,
    days: int,
    rng: random.Random,
) -> None:
    """L holds ten million ratings: rows go to the driver as plain tuples (SQLite) or through COPY
    (PostgreSQL), in batches, which is about ten times faster than Core inserts of dicts."""
    paedagog = {c["id"]: c["paedagog_id"] for c in cases}
    day, working = start, list[date]()
    while len(working) < days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            working.append(day)
    texts = [d.isoformat() for d in working]
    at = datetime(start.year, start.month, start.day, 13, 0, tzinfo=UTC)
    # SQLite keeps instants naive in UTC in SQLAlchemy's own text format (see store.types.UTCDateTime).
    at_text = at.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else at.isoformat()
    batch: list[tuple[int, str, int, int, str]] = []
    indexes = await _drop_indexes(db, table(Rating).name)
    for goal in goals:
        by = paedagog[goal["case_id"]]
        batch.extend((goal["id"], text, rng.randint(1, 4), by, at_text) for text in texts)
        if len(batch) >= 100_000:
            await _insert_ratings(db, batch)
            batch = []
    if batch:
        await _insert_ratings(db, batch)
    async with db.write() as session:
        for ddl in indexes:
            await (await session.connection()).exec_driver_sql(ddl)


async def _drop_indexes(db: Database, name: str) -> list[str]:
    """Drop the table's plain indexes and return how to make them again: building an index once at the end is
    much faster than keeping it up to date through millions of inserts. Constraint indexes stay."""
    if db.is_sqlite:
        query = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{name}' AND sql IS NOT NULL"
    else:
        query = (
            f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '{name}'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    async with db.write() as session:
        connection = await session.connection()
        found = [(str(row[0]), str(row[1])) for row in (await connection.execute(text(query))).all()]
        for index, _ in found:
            await connection.exec_driver_sql(f'DROP INDEX "{index}"')
    return [ddl for _, ddl in found]


async def _insert_ratings(db: Database, batch: list[tuple[int, str, int, int, str]]) -> None:
    columns = f"{table(Rating).name} (goal_id, day, value, rated_by, rated_at)"
    async with db.write() as session:
        connection = await session.connection()
        if db.is_sqlite:
            await connection.exec_driver_sql(f"INSERT INTO {columns} VALUES (?, ?, ?, ?, ?)", batch)
            return
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        data = "".join(f"{g}\t{d}\t{v}\t{b}\t{a}\n" for g, d, v, b, a in batch)
        async with raw.cursor() as cursor:
            async with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                await copy.write(data)

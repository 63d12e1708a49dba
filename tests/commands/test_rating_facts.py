"""`/rating` reads the asker, the child, its goals, who may rate it and the day's closing and ratings together
(store.ratings.rating_facts): the edges of that read, each as the user sees it. Thursday 4 March 2027, the small
roster (see helpers_ratings)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import col, select

from conftest import Runner
from helpers_ratings import (
    GOAL_1,
    GOAL_2,
    NOTHING_SAVED,
    THURSDAY,
    UNKNOWN_USER,
    audit_entries,
    load_roster,
    ratings,
    staff_id,
)
from teambot.store.db import Database
from teambot.store.models import Goal, Staff
from teambot.testing.clock import FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG

RECORDED_1 = f"✅ Registreret: AK12, mål 1 «{GOAL_1}» — {THURSDAY}: *3 af 4*."
CLOSED_WEDNESDAY = (
    "onsdag 3. marts 2027 er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). " + NOTHING_SAVED
)
RECORDED_WEDNESDAY = f"✅ Registreret: AK12, mål 1 «{GOAL_1}» — onsdag 3. marts 2027: *3 af 4*."


def close_mariehonen(days: list[str]) -> Any:
    def adjust(data: dict[str, Any]) -> None:
        data["institution"][1]["closing_days"] = days

    return adjust


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({"municipality_closing": ["2027-03-03"]}, CLOSED_WEDNESDAY, id="the municipality's closing day"),
        pytest.param({"closing_days": ["2027-03-01..2027-03-03"]}, CLOSED_WEDNESDAY, id="last day of a period"),
        pytest.param({"closing_days": ["2027-03-03..2027-03-12"]}, CLOSED_WEDNESDAY, id="first day of a period"),
        pytest.param(
            {"closing_days": ["2027-03-01..2027-03-02"]}, RECORDED_WEDNESDAY, id="a period ended the day before"
        ),
        pytest.param({"closing_days": ["2027-03-04"]}, RECORDED_WEDNESDAY, id="closed the day after"),
        pytest.param({"adjust": close_mariehonen(["2027-03-03"])}, RECORDED_WEDNESDAY, id="another institution's day"),
    ],
)
async def test_only_a_closing_of_the_municipality_or_the_childs_institution_on_that_day_refuses(
    db: Database, clock: FakeClock, options: dict[str, Any], expected: str
) -> None:
    await load_roster(db, clock, **options)

    reply = await Runner(db, clock)(PAEDAGOG, "/rating AK12 i går 1 3")

    assert reply.text == expected
    assert len(await ratings(db)) == (0 if expected == CLOSED_WEDNESDAY else 1)


async def test_someone_no_longer_active_is_unknown_and_nothing_is_stored(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    async with db.write() as session:
        staff = (await session.exec(select(Staff).where(Staff.slack_id == PAEDAGOG))).one()
        staff.active = False

    assert (await Runner(db, clock)(PAEDAGOG, "/rating AK12 1 3")).text == UNKNOWN_USER
    assert await ratings(db) == []
    assert await audit_entries(db) == []


async def test_an_ended_goal_is_neither_listed_nor_rated(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    async with db.write() as session:
        goal = (await session.exec(select(Goal).where(Goal.number == 1))).one()
        goal.active = False
    run = Runner(db, clock)

    refused = await run(PAEDAGOG, "/rating AK12 1 3")
    only_goal = await run(PAEDAGOG, "/rating AK12 3")

    assert refused.text == f"AK12 har intet aktivt mål 1. Målene er:\n2. {GOAL_2}\n{NOTHING_SAVED}"
    assert only_goal.text == f"✅ Registreret: AK12, mål 2 «{GOAL_2}» — {THURSDAY}: *3 af 4*."
    [rating] = await ratings(db)
    async with db.read() as session:
        second = (await session.exec(select(Goal.id).where(col(Goal.number) == 2))).one()
    assert rating.goal_id == second


async def test_the_code_is_read_in_any_case_and_the_day_after_it(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    run = Runner(db, clock)

    assert (await run(PAEDAGOG, "/rating ak12 1 3")).text == RECORDED_1
    assert (await run(LEAD, "/rating Ak12 i går 1 3")).text == RECORDED_WEDNESDAY
    # Only that day's rating counts as the one corrected: Thursday's 3 stays, Wednesday's becomes 1.
    corrected = await run(PAEDAGOG, "/rating AK12 i går 1 1")

    assert corrected.text == "✏️ Ændret: AK12, mål 1 — onsdag 3. marts 2027: ændret fra 3 til *1*."
    assert [(r.day, r.value, r.rated_by) for r in await ratings(db)] == [
        (date(2027, 3, 3), 1, await staff_id(db, PAEDAGOG)),
        (date(2027, 3, 4), 3, await staff_id(db, PAEDAGOG)),
    ]
    [correction] = await audit_entries(db, "rating.correct")
    assert (correction.detail["old_value"], correction.detail["old_by"]) == (3, await staff_id(db, LEAD))


async def test_the_consultant_without_a_case_at_the_institution_rates_by_consent_alone(
    db: Database, clock: FakeClock
) -> None:
    """The psykolog works at no institution: the consultant fact alone, with consent, lets them rate."""
    await load_roster(db, clock)

    assert (await Runner(db, clock)(PSYKOLOG, "/rating AK12 1 3")).text == RECORDED_1
    [created] = await audit_entries(db, "rating.create")
    assert (created.actor, created.case_code, created.detail) == (
        PSYKOLOG,
        "AK12",
        {"goal": 1, "day": "2027-03-04", "value": 3},
    )

"""A slash command whose replay check the guard put off (`Context.replay`, PostgreSQL's shared guard): a replay is
refused before the command stores, reads or answers anything, whichever way the command goes."""

from __future__ import annotations

import pytest

from helpers_ratings import NOW, audit_entries, load_roster, ratings
from teambot.commands import Context, run_command
from teambot.store import requests
from teambot.store.db import Database
from teambot.store.requests import Replay, Replayed
from teambot.testing.clock import FakeClock
from teambot.testing.roster import PAEDAGOG


@pytest.fixture(autouse=True)
def shared(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serves one process; its guard is never put off")


async def replayed(db: Database, clock: FakeClock, key: str) -> Context:
    """The context of a request whose key another worker recorded already."""
    assert await requests.first_time_alone(db, key, clock.now())
    return Context(db=db, clock=clock, user_id=PAEDAGOG, replay=Replay(db, key, clock.now()))


@pytest.mark.parametrize(
    ("slash", "text"),
    [
        ("/rating", "AK12 1 3"),  # decided by the command's own read
        ("/rating", "AK12 i går 2 3 note"),
        ("/rating", "XX99 1 3"),  # an unknown child: the refusal would list the user's children
        ("/rating", ""),  # the day's modal
        ("/rating", "mangler"),
        ("/teambot", "mig"),  # decided before the command runs
        ("/uge", ""),
        ("/teambot", "ukendt"),  # a refusal before any command runs
        ("/rating", "AK12 1 3 0101901234"),  # CPR-shaped: refused before anything is looked at
    ],
)
async def test_a_replayed_command_is_refused_with_nothing_stored_or_answered(
    db: Database, clock: FakeClock, slash: str, text: str
) -> None:
    await load_roster(db, clock, NOW)
    ctx = await replayed(db, clock, f"sig:v0=replayed-{slash}-{text}")

    with pytest.raises(Replayed):
        await run_command(ctx, slash, text)

    assert await ratings(db) == []
    assert await audit_entries(db) == []


async def test_the_first_time_the_command_runs_and_records_the_key(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, NOW)
    key = "sig:v0=first"
    ctx = Context(db=db, clock=clock, user_id=PAEDAGOG, replay=Replay(db, key, clock.now()))

    reply = await run_command(ctx, "/rating", "AK12 1 3")

    assert reply.text.startswith("✅ Registreret: AK12, mål 1")
    assert [r.value for r in await ratings(db)] == [3]
    # The key is recorded: the same request reaching another worker is a replay.
    assert not await requests.first_time_alone(db, key, clock.now())


async def test_a_refused_rating_still_records_the_key(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, NOW)
    key = "sig:v0=refused"
    ctx = Context(db=db, clock=clock, user_id=PAEDAGOG, replay=Replay(db, key, clock.now()))

    reply = await run_command(ctx, "/rating", "AK12 1 7")

    assert reply.text == "Bedømmelsen skal være fra 1 til 4 — du skrev 7. Intet er gemt."
    assert await ratings(db) == []
    assert not await requests.first_time_alone(db, key, clock.now())

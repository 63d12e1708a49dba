"""A slash command whose replay check the guard put off (`Context.replay`, PostgreSQL's shared guard): a replay is
refused before the command stores, reads or answers anything, whichever way the command goes."""

from __future__ import annotations

import pytest
from sqlmodel import delete

from helpers_ratings import NOW, STRANGER, UNKNOWN_USER, audit_entries, load_roster, ratings
from teambot.commands import Context, run_command
from teambot.i18n import t
from teambot.store import direct as direct_module
from teambot.store import ratings as rating_store
from teambot.store import requests
from teambot.store.db import Database
from teambot.store.direct import Direct
from teambot.store.models import Rating
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
        # The guard puts the check off only for /rating; run_command decides it for any other command first.
        ("/teambot", "mig"),
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


def pending(db: Database, clock: FakeClock, key: str, user: str = PAEDAGOG) -> Context:
    return Context(db=db, clock=clock, user_id=user, replay=Replay(db, key, clock.now()))


async def test_an_unknown_user_is_told_so_the_first_time(db: Database, clock: FakeClock) -> None:
    # The read finds no staff member: the statement still returns its row with the record's outcome.
    await load_roster(db, clock, NOW)

    reply = await run_command(pending(db, clock, "sig:v0=stranger", STRANGER), "/rating", "AK12 1 3")

    assert reply.text == UNKNOWN_USER
    with pytest.raises(Replayed):
        await run_command(pending(db, clock, "sig:v0=stranger", STRANGER), "/rating", "AK12 1 3")


@pytest.mark.parametrize("text", ["AK12 3", "AK12", "AK12 9 3", "XX99 1 3", "AK12 i går 2 4"])
async def test_answers_are_the_same_with_the_check_in_the_read(db: Database, clock: FakeClock, text: str) -> None:
    # Two goals: a refusal lists them in order, and the one rated is the one named.
    await load_roster(db, clock, NOW)

    checked = await run_command(pending(db, clock, f"sig:v0={text}"), "/rating", text)
    async with db.write() as session:  # undo a rating, so that the second run sees the same day
        await session.exec(delete(Rating))  # type: ignore[call-overload]
    plain = await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/rating", text)

    assert checked.text == plain.text


async def test_a_read_whose_answer_was_lost_ends_in_the_apology_not_a_refusal(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The statement committed (the key is recorded) but its rows never reached the bot: the request is its own
    # first, so the user gets the apology; the key stays recorded for a replay.
    await load_roster(db, clock, NOW)
    rows = Direct.rows

    async def lost(self: Direct, statement: object, parameters: object) -> list[list[object]]:
        found = await rows(self, statement, parameters)  # type: ignore[arg-type]
        if statement is rating_store._RATING_FACTS_RECORDING:
            raise ConnectionError("the answer was lost")
        return found

    monkeypatch.setattr(direct_module.Direct, "rows", lost)
    reply = await run_command(pending(db, clock, "sig:v0=lost"), "/rating", "AK12 1 3")

    assert reply.text == t("error.unexpected")
    assert await ratings(db) == []
    monkeypatch.undo()
    with pytest.raises(Replayed):
        await run_command(pending(db, clock, "sig:v0=lost"), "/rating", "AK12 1 3")


async def test_the_check_must_be_the_first_statement(db: Database, clock: FakeClock) -> None:
    # Later in a transaction a refusal's rollback would take the record with it.
    await load_roster(db, clock, NOW)
    async with db.direct() as direct:
        await rating_store.rating_facts(direct, PAEDAGOG, "AK12", NOW.date())
        with pytest.raises(RuntimeError, match="first statement"):
            await rating_store.rating_facts(
                direct, PAEDAGOG, "AK12", NOW.date(), Replay(db, "sig:v0=late", clock.now())
            )

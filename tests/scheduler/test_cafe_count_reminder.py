"""The småbørnscafé's monthly reminder: cafés are planned only from the counts an institution registers, so on its
first working day of each month, at 08:00, the leads of an institution in the café model are asked for the counts
of the coming four months that are still missing. Institutions that never registered a count are not in the model
and are never asked; registering the counts before 08:00 cancels the message.

Mariehønen has counts for February and March 2027. 1 January 2027 is nytårsdag and 2–3 January a weekend, so
January's reminder goes on Monday 4 January.
"""

from __future__ import annotations

from datetime import datetime

from helpers_visits import BIRGITTE, KARSTEN, VisitRunner, load_visit_roster, local, rows
from teambot.commands import Reply
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.testing.clock import FakeClock

KIND = "cafe.count_missing"
MAR_COUNTS = {"2027-02": 3, "2027-03": 4}
FOOTER = "Du får denne besked, fordi du er leder for Vuggestuen Mariehønen."


def asking(months: str, first: str, *, institution: str = "Vuggestuen Mariehønen", code: str = "MAR") -> str:
    return (
        f"☕ Småbørnscafé: Hvor mange børn i {institution} fylder 1½ år i {months}? "
        "Uden tal kommer de børn ikke med i en café.\n"
        f"Registrér hver måned for sig, fx `/teambot café børn {first} <antal> {code}`. "
        "Skriv 0, hvis ingen børn fylder 1½ år den måned.\n"
        f"Du får denne besked, fordi du er leder for {institution}."
    )


async def start(db: Database, clock: FakeClock, counts: dict[str, dict[str, int]]) -> VisitRunner:
    clock.set(datetime(2026, 12, 28, 9, 0))
    await load_visit_roster(db, clock, cafe_children=counts)
    return VisitRunner(db, clock)


def count_messages(sent: list[tuple[str, Reply]]) -> list[tuple[str, str]]:
    return [(to, reply.text) for to, reply in sent if "Hvor mange børn" in reply.text]


async def reminders(db: Database) -> list[Notification]:
    return await rows(db, KIND)


async def test_the_leads_are_asked_on_the_first_working_day_of_each_month(db: Database, clock: FakeClock) -> None:
    """Solsikken registered only a 0, for a month long gone: it is in the café model all the same, and all four
    months are asked for. Birkelunden (Karsten's too) and Egebakken (Birgitte's) never registered a count."""
    run = await start(db, clock, {"MAR": MAR_COUNTS, "SOL": {"2026-10": 0}})

    sent = count_messages(await run.until(datetime(2027, 2, 1, 12, 0)))

    sol = {"institution": "Børnehuset Solsikken", "code": "SOL"}
    assert sent == [
        (KARSTEN, asking("februar, marts, april og maj 2027", "2027-02", **sol)),
        (KARSTEN, asking("april og maj 2027", "2027-04")),
        (KARSTEN, asking("marts, april, maj og juni 2027", "2027-03", **sol)),
        (KARSTEN, asking("april, maj og juni 2027", "2027-04")),
    ]
    found = await reminders(db)
    assert [(local(r.due_at), r.subject, r.recipient, r.status) for r in found] == [
        (datetime(2027, 1, 4, 8, 0), "SOL", KARSTEN, "sent"),
        (datetime(2027, 1, 4, 8, 0), "MAR", KARSTEN, "sent"),
        (datetime(2027, 2, 1, 8, 0), "SOL", KARSTEN, "sent"),
        (datetime(2027, 2, 1, 8, 0), "MAR", KARSTEN, "sent"),
    ]
    assert BIRGITTE not in {r.recipient for r in await rows(db)}  # Egebakken has no café: never asked


async def test_nothing_is_sent_when_the_coming_months_are_registered(db: Database, clock: FakeClock) -> None:
    run = await start(db, clock, {"MAR": {**MAR_COUNTS, "2027-04": 0, "2027-05": 2}})

    sent = await run.until(datetime(2027, 1, 4, 12, 0))

    assert count_messages(sent) == []
    assert await reminders(db) == []


async def test_registering_before_eight_narrows_then_cancels_the_message(db: Database, clock: FakeClock) -> None:
    run = await start(db, clock, {"MAR": MAR_COUNTS})
    await run.until(datetime(2027, 1, 4, 7, 30))
    [waiting] = await reminders(db)
    assert (waiting.status, waiting.payload["text"]) == ("pending", asking("april og maj 2027", "2027-04"))

    await run(KARSTEN, "/teambot café børn 2027-04 2 MAR")
    [waiting] = await reminders(db)
    assert (waiting.status, waiting.payload["text"]) == ("pending", asking("maj 2027", "2027-05"))

    await run(KARSTEN, "/teambot café børn maj 2027 0 MAR")  # 0 is a count too
    sent = await run.until(datetime(2027, 1, 4, 12, 0))

    assert count_messages(sent) == []
    assert [r.status for r in await reminders(db)] == ["cancelled"]


async def test_counts_imported_with_the_roster_cancel_it_at_the_next_pass(db: Database, clock: FakeClock) -> None:
    run = await start(db, clock, {"MAR": MAR_COUNTS})
    await run.until(datetime(2027, 1, 2, 10, 0))
    assert [r.status for r in await reminders(db)] == ["pending"]

    await load_visit_roster(db, clock, cafe_children={"MAR": {**MAR_COUNTS, "2027-04": 1, "2027-05": 0}})
    sent = await run.until(datetime(2027, 1, 4, 12, 0))

    assert count_messages(sent) == []
    assert [r.status for r in await reminders(db)] == ["cancelled"]


async def test_a_bot_started_after_eight_on_the_day_does_not_send_it_late(db: Database, clock: FakeClock) -> None:
    """The month's ask goes at 08:00 or not at all: the next month asks again."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": MAR_COUNTS})
    run = VisitRunner(db, clock)

    sent = await run.until(datetime(2027, 1, 5, 12, 0))

    assert count_messages(sent) == []
    assert await reminders(db) == []

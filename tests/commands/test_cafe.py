"""The småbørnscafé as users meet it: counts registered (only counts), cafés proposed from them, invitations with
Deltager · Kan ikke, a decline handing the invitation to the next colleague in the district (fairly), the lead told
when nobody is left, the reminder the working day before, and the lead's overview and Aula text.

On Monday 4 January 2027 Mariehønen has 3 children reaching 18 months in January and 4 in February: one café for 7,
in February, proposed at once — Monday 15 February 2027 at 09.30. Birkelunden's 5 March children get theirs when
March is four weeks away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from helpers_visits import (
    BIRGITTE,
    HANNE,
    KARSTEN,
    MAJA,
    METTE,
    MIKKEL,
    NANNA,
    OUTSIDER,
    PIA,
    RASMUS,
    SOFIE,
    TOVE,
    VisitRunner,
    button_value,
    cafes,
    invites,
    load_visit_roster,
    rows,
    visit_roster,
)
from teambot.commands import Reply, cafe_notices
from teambot.commands.cafe_notices import sync_cafe_outbox
from teambot.commands.messenger import DeliveryError
from teambot.domain.roster import parse_roster
from teambot.i18n import format_date
from teambot.scheduler.visits import plan_cafes, plan_visits
from teambot.store import queries
from teambot.store import visits as visit_store
from teambot.store.cafe import stand_in_counts
from teambot.store.db import Database
from teambot.store.models import CafeCount, CafeInvite, CafeSession, Institution, Notification, Staff, Visit
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import postgres_url, until_waiting_for_locks

CAFE_DAY = date(2027, 2, 15)
COUNTS = {"MAR": {"2027-01": 3, "2027-02": 4}, "BIR": {"2027-03": 5}, "SOL": {"2027-04": 2}}
INVITE_BODY = (
    "☕ Småbørnscafé i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30\n"
    "For de 7 børn, der fylder 1½ år i januar–februar 2027, og deres forældre. Sundhedsplejerske, "
    "småbørnskonsulent, fysioterapeut og tale-hørekonsulent er inviteret sammen med institutionens pædagoger.\n"
)
AULA = (
    "> Kære forældre\n"
    "> Vi holder småbørnscafé mandag 15. februar 2027 kl. 09.30 i Vuggestuen Mariehønen for børn, der fylder 1½ år "
    "i januar–februar 2027, og deres familier. Her kan I møde sundhedsplejersken, småbørnskonsulenten, "
    "fysioterapeuten og tale-hørekonsulenten og tale med dem og os om jeres barns trivsel, sprog og motorik. "
    "Søskende er også velkomne.\n"
    "> Giv os gerne besked, om I kommer.\n"
    ">\n"
    "> Venlig hilsen\n"
    "> Vuggestuen Mariehønen"
)


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> VisitRunner:
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children=COUNTS)
    runner = VisitRunner(db, clock)
    await runner.plan()
    return runner


async def invitation(run: VisitRunner, slack_id: str, day: date = CAFE_DAY) -> Notification:
    [row] = [r for r in await rows(run.db, "cafe.invite") if r.recipient == slack_id and r.event_day == day]
    return row


async def counts(db: Database) -> list[tuple[int, date, int]]:
    async with db.read() as session:
        return [(c.institution_id, c.month, c.children) for c in (await session.exec(select(CafeCount))).all()]


async def snapshot(db: Database) -> tuple[object, ...]:
    async with db.read() as session:
        return (
            await counts(db),
            [(s.id, s.day, s.children) for s in (await session.exec(select(CafeSession))).all()],
            [(i.id, i.status) for i in (await session.exec(select(CafeInvite))).all()],
            [(r.dedupe_key, r.status) for r in await rows(db)],
        )


# -- proposal and invitations -----------------------------------------------------------------------------------


async def test_enough_children_bring_a_cafe_and_invitations_to_the_five_professions(run: VisitRunner) -> None:
    [cafe] = await cafes(run.db)
    assert (cafe.day, cafe.start, cafe.first_month, cafe.last_month, cafe.children) == (
        CAFE_DAY,
        "09:30",
        date(2027, 1, 1),
        date(2027, 2, 1),
        7,
    )
    assert cafe.id is not None
    assert await invites(run.db, cafe.id) == [
        (HANNE, "sundhedsplejerske", "invited"),
        (RASMUS, "småbørnskonsulent", "invited"),
        (MAJA, "fysioterapeut", "invited"),
        (TOVE, "tale-hørekonsulent", "invited"),
        (KARSTEN, "leder", "invited"),
    ]
    maja = await invitation(run, MAJA)
    assert maja.due_at == run.clock.now()
    assert maja.payload["text"] == (
        f"{INVITE_BODY}Kan du komme?\nDu får denne besked, fordi du er fysioterapeut for Vuggestuen Mariehønen."
    )
    buttons = [e for b in maja.payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["action_id"]) for b in buttons] == [("Deltager", "cafe_yes"), ("Kan ikke", "cafe_no")]
    lead = await invitation(run, KARSTEN)
    assert lead.payload["text"] == (
        f"{INVITE_BODY}Her er en invitation til forældrene, klar til at lægge på Aula:\n{AULA}\n"
        "Se hvem der kommer med `/teambot café MAR`.\nKan du komme?\n"
        "Du får denne besked, fordi du er leder for Vuggestuen Mariehønen."
    )
    await run.plan()  # planning again neither proposes nor invites twice
    assert len(await cafes(run.db)) == 1
    assert len(await rows(run.db, "cafe.invite")) == 5


async def test_two_cafes_in_one_district_do_not_fall_on_the_same_day(db: Database, clock: FakeClock) -> None:
    """Mariehønen and Birkelunden (both district Nord) each have a February café. Their sundhedsplejersker
    differ, but the district's småbørnskonsulent, fysioterapeut and tale-hørekonsulent are the same three people:
    Birkelunden's goes to the next free day instead of the same Monday."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": {"2027-01": 3, "2027-02": 4}, "BIR": {"2027-02": 8}})

    await VisitRunner(db, clock).plan()

    assert sorted((c.institution_id, c.day) for c in await cafes(db)) == [
        (2, CAFE_DAY),
        (3, date(2027, 2, 16)),
    ]


async def busy_at_cafes(db: Database, clock: FakeClock, slack_id: str, role: str, code: str, days: list[date]) -> None:
    """`slack_id` is invited (and has said yes) as `role` to a café at `code` on each of `days`."""
    async with db.write() as session:
        [person] = (await session.exec(select(Staff).where(Staff.slack_id == slack_id))).all()
        [where] = (await session.exec(select(Institution).where(Institution.code == code))).all()
        assert person.id is not None and where.id is not None
        for day in days:
            busy = CafeSession(
                institution_id=where.id,
                day=day,
                start="09:30",
                first_month=date(2027, 6, 1),
                last_month=date(2027, 6, 1),
                children=3,
                created_at=clock.now(),
            )
            session.add(busy)
            await session.flush()
            assert busy.id is not None
            session.add(
                CafeInvite(session_id=busy.id, role=role, staff_id=person.id, status="accepted", created_at=clock.now())
            )


def working_days(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5
    ]


async def mariehønens_cafe(db: Database) -> CafeSession:
    async with db.read() as session:
        [mar] = (await session.exec(select(Institution).where(Institution.code == "MAR"))).all()
    [cafe] = [c for c in await cafes(db) if c.institution_id == mar.id]
    return cafe


async def test_a_district_consultant_busy_every_day_still_lets_the_cafe_be_held(db: Database, clock: FakeClock) -> None:
    """Maja, Nord's fysioterapeut, is at a café in Solsikken on every working day the children of Mariehønen could
    have theirs: the café is held all the same, on the first day clear of its own sundhedsplejerske, and Maja is
    invited (she may decline and a colleague is asked). Children without a café would be worse."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": COUNTS["MAR"]})
    await busy_at_cafes(db, clock, MAJA, "fysioterapeut", "SOL", working_days(date(2027, 1, 18), date(2027, 5, 31)))

    await VisitRunner(db, clock).plan()

    mariehønen = await mariehønens_cafe(db)
    assert mariehønen.id is not None and mariehønen.day == CAFE_DAY
    assert (MAJA, "fysioterapeut", "invited") in await invites(db, mariehønen.id)


@pytest.mark.parametrize("also_on_the_15th", [(TOVE, "tale-hørekonsulent"), (MAJA, "fysioterapeut")])
async def test_with_no_day_clear_of_everyone_the_cafe_takes_the_day_with_the_fewest_bookings(
    db: Database, clock: FakeClock, also_on_the_15th: tuple[str, str]
) -> None:
    """Maja, Nord's fysioterapeut, is at a café every working day. Tove, Nord's tale-hørekonsulent, is at one on
    Monday the 15th too, or Maja at a second: Mariehønen's café goes to Tuesday, not to the 15th, when two must
    decline (Maja and Tove), or Maja would have three cafés that day. Cafés a district cannot give days of their own
    spread over the days instead of piling up on the first."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": COUNTS["MAR"]})
    await busy_at_cafes(db, clock, MAJA, "fysioterapeut", "SOL", working_days(date(2027, 1, 18), date(2027, 5, 31)))
    await busy_at_cafes(db, clock, *also_on_the_15th, "BIR", [CAFE_DAY])

    await VisitRunner(db, clock).plan()

    assert (await mariehønens_cafe(db)).day == date(2027, 2, 16)


@pytest.mark.parametrize(
    ("busy", "where", "day", "invited"),
    [(PIA, "BIR", date(2027, 2, 16), HANNE), (HANNE, "SOL", CAFE_DAY, PIA)],
    ids=["the substitute is busy", "the absent one is busy"],
)
async def test_an_absent_sundhedsplejerskes_substitute_counts_and_her_own_diary_does_not(
    db: Database, clock: FakeClock, busy: str, where: str, day: date, invited: str
) -> None:
    """Hanne is away on the 15th with Pia in her place. If Pia is at a café that day, Mariehønen's goes to the 16th,
    when Hanne is back, instead of inviting Pia to two at once. If Hanne is (one she said yes to before she was
    away), it is held on the 15th all the same, with Pia."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(
        db,
        clock,
        cafe_children={"MAR": COUNTS["MAR"]},
        hanne_absences=[{"from": "2027-02-15", "to": "2027-02-15", "substitute": PIA}],
    )
    await busy_at_cafes(db, clock, busy, "sundhedsplejerske", where, [CAFE_DAY])

    await VisitRunner(db, clock).plan()

    cafe = await mariehønens_cafe(db)
    assert cafe.id is not None and cafe.day == day
    assert (invited, "sundhedsplejerske", "invited") in await invites(db, cafe.id)


async def test_a_visit_kept_by_a_new_sundhedsplejerske_keeps_the_cafe_off_her_day(
    db: Database, clock: FakeClock
) -> None:
    """Birkelunden's first-quarter visit was agreed for the 15th with Pia; then Hanne becomes Birkelunden's
    sundhedsplejerske too. The agreed visit keeps its day and is Hanne's now (its messages go to her), though it was
    planned for Pia: Mariehønen's café, also Hanne's, goes to the 16th."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock)
    await plan_visits(db, now=clock.now(), zone=COPENHAGEN)
    async with db.write() as session:
        [bir] = (await session.exec(select(Institution).where(Institution.code == "BIR"))).all()
        [visit] = (await session.exec(select(Visit).where(Visit.institution_id == bir.id, Visit.quarter == 1))).all()
        visit.day, visit.status, visit.confirmed_by = CAFE_DAY, "moved", visit.consultant_id
        session.add(visit)
    raw = visit_roster(cafe_children={"MAR": COUNTS["MAR"]})
    raw["assignment"] = [a for a in raw["assignment"] if a["staff"] != PIA]
    for assignment in raw["assignment"]:
        if assignment["staff"] == HANNE:
            assignment["institutions"] = ["SOL", "MAR", "BIR"]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())

    await VisitRunner(db, clock).plan()

    assert (await mariehønens_cafe(db)).day == date(2027, 2, 16)


async def test_a_lead_of_several_institutions_is_not_invited_to_two_cafes_on_one_day(
    db: Database, clock: FakeClock
) -> None:
    """Karsten leads Mariehønen and is invited to a café elsewhere on Monday the 15th: Mariehønen's goes to the
    16th."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(db, clock, cafe_children={"MAR": COUNTS["MAR"]})
    await busy_at_cafes(db, clock, KARSTEN, "leder", "EGE", [CAFE_DAY])

    await VisitRunner(db, clock).plan()

    assert (await mariehønens_cafe(db)).day == date(2027, 2, 16)


async def test_too_few_children_wait_and_a_later_month_is_proposed_four_weeks_ahead(run: VisitRunner) -> None:
    assert [c.institution_id for c in await cafes(run.db)] == [2]  # Mariehønen only, for now
    await run.skip_to(datetime(2027, 2, 1, 9, 0))
    birkelunden = [c for c in await cafes(run.db) if c.day.month == 3]
    assert [(c.day, c.children) for c in birkelunden] == [(date(2027, 3, 15), 5)]


async def test_a_day_the_sundhedsplejerske_is_away_without_a_substitute_is_avoided(
    db: Database, clock: FakeClock
) -> None:
    """Hanne is away on Monday the 15th with nobody in her place: Mariehønen's café goes to Tuesday, when she is
    back (before, it was held on the 15th and a colleague asked in her place)."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(
        db, clock, cafe_children=COUNTS, hanne_absences=[{"from": "2027-02-15", "to": "2027-02-15"}]
    )
    await VisitRunner(db, clock).plan()
    [cafe] = await cafes(db)
    assert cafe.id is not None and cafe.day == date(2027, 2, 16)
    assert (await invites(db, cafe.id))[0] == (HANNE, "sundhedsplejerske", "invited")


async def test_a_day_off_of_a_consultant_without_slack_does_not_move_the_cafe(db: Database, clock: FakeClock) -> None:
    """Tove, Nord's only tale-hørekonsulent, has no Slack account (an email only), so she is never invited: her day
    off on the 15th is no worse for the café than any other day, and it is held on the 15th."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(cafe_children=COUNTS)
    for person in raw["staff"]:
        if person["id"] == TOVE:
            del person["id"]
            person.update(email="tove.munk@example.dk", absences=[{"from": "2027-02-15", "to": "2027-02-15"}])
    for assignment in raw["assignment"]:
        if assignment["staff"] == TOVE:
            assignment["staff"] = "tove.munk@example.dk"
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    await VisitRunner(db, clock).plan()
    [cafe] = await cafes(db)
    assert cafe.day == CAFE_DAY


async def test_an_absent_professional_without_substitute_is_replaced_by_a_colleague(
    db: Database, clock: FakeClock
) -> None:
    """Hanne is on leave for all of the children's window, with nobody in her place: the café is held all the same,
    and Pia, the district's other sundhedsplejerske, is asked to stand in."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    await load_visit_roster(
        db, clock, cafe_children=COUNTS, hanne_absences=[{"from": "2027-01-04", "to": "2027-06-30"}]
    )
    await VisitRunner(db, clock).plan()
    [cafe] = await cafes(db)
    assert cafe.id is not None and cafe.day == CAFE_DAY
    assert (await invites(db, cafe.id))[0] == (PIA, "sundhedsplejerske", "invited")
    [row] = [r for r in await rows(db, "cafe.invite") if r.recipient == PIA]
    assert row.payload["text"].endswith(
        "Du får denne besked, fordi du træder til for Hanne Vestergaard (sundhedsplejerske for Vuggestuen Mariehønen)."
    )


# -- answers ----------------------------------------------------------------------------------------------------


async def test_deltager_records_the_answer_and_the_lead_sees_it(run: VisitRunner) -> None:
    reply = await run.press(HANNE, "cafe_yes", button_value(await invitation(run, HANNE), "cafe_yes"))
    assert reply.text == (
        "✅ Du deltager i småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30. Tak! "
        "Du får en påmindelse arbejdsdagen før."
    )
    assert reply.replace_original
    overview = await run(KARSTEN, "/teambot café MAR")
    assert overview.text == (
        "*Småbørnscafé · Vuggestuen Mariehønen*\n"
        "☕ Småbørnscafé i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30 — 7 børn, der fylder 1½ år i "
        "januar–februar 2027\n"
        "    ✅ Hanne Vestergaard (sundhedsplejerske) — deltager\n"
        "    ⏳ Rasmus Eg (småbørnskonsulent) — har ikke svaret\n"
        "    ⏳ Maja Strand (fysioterapeut) — har ikke svaret\n"
        "    ⏳ Tove Munk (tale-hørekonsulent) — har ikke svaret\n"
        "    ⏳ Karsten Bro (leder) — har ikke svaret\n"
        "Invitation til forældrene på Aula: `/teambot café tekst MAR`."
    )
    assert (await run(KARSTEN, "/teambot café tekst MAR")).text == (
        "Invitation til forældrene på Aula — ☕ Småbørnscafé i Vuggestuen Mariehønen mandag 15. februar 2027 "
        f"kl. 09.30:\n{AULA}"
    )


MOVED_TO = date(2027, 2, 16)


async def close_the_cafe_day(run: VisitRunner, *, hanne_away: bool = True) -> None:
    """A roster import on 6 January makes Monday 15 February a closing day at Mariehønen; Hanne is on leave from
    the 16th to the end of the children's window (so no later day is better for the café)."""
    run.clock.set(datetime(2027, 1, 6, 9, 0))
    away = [{"from": "2027-02-16", "to": "2027-04-30"}] if hanne_away else []
    await load_visit_roster(
        run.db, run.clock, cafe_children=COUNTS, closing={"MAR": [CAFE_DAY.isoformat()]}, hanne_absences=away
    )


async def invite_ids(db: Database, cafe_id: int) -> dict[str, int]:
    async with db.read() as session:
        found = await session.exec(
            select(Staff.slack_id, CafeInvite.id)
            .join(CafeInvite, col(CafeInvite.staff_id) == col(Staff.id))
            .where(CafeInvite.session_id == cafe_id)
        )
        return {slack_id or "": invite_id or 0 for slack_id, invite_id in found.all()}


async def test_a_cafe_on_a_day_that_becomes_a_closing_day_moves_and_everyone_is_asked_again(
    run: VisitRunner, db: Database
) -> None:
    """Hanne said yes to Monday 15 February and Tove no; the 15th then becomes a closing day and Hanne is on
    leave from the 16th. The café goes to the next free working day, and its people are asked afresh for that day as for
    a new café: a colleague for Hanne, Tove again (her no was for the 15th). Those who had not declined and the lead
    are told; the lead is reminded of the parents. Nothing left waiting names the closed day."""
    await run.press(HANNE, "cafe_yes", button_value(await invitation(run, HANNE), "cafe_yes"))
    await run.press(TOVE, "cafe_no", button_value(await invitation(run, TOVE), "cafe_no"))
    [cafe] = await cafes(db)
    assert cafe.id is not None
    ids_before = await invite_ids(db, cafe.id)
    await close_the_cafe_day(run)

    await run.plan()

    [cafe] = await cafes(db)
    assert cafe.id is not None and cafe.day == MOVED_TO
    invited = await invites(db, cafe.id)
    assert {status for *_, status in invited} == {"invited"}
    [nurse] = [who for who, role, _ in invited if role == "sundhedsplejerske"]
    assert nurse != HANNE  # away that day: a colleague is asked
    assert sorted(who for who, *_ in invited) == sorted([nurse, RASMUS, MAJA, TOVE, KARSTEN])
    # Those asked again keep their invitation (the stand-in rotation counts them; buttons name them).
    ids_after = await invite_ids(db, cafe.id)
    assert {who: ids_after[who] for who in (RASMUS, MAJA, TOVE, KARSTEN)} == {
        who: ids_before[who] for who in (RASMUS, MAJA, TOVE, KARSTEN)
    }
    moved = (
        "🔁 Småbørnscaféen i Vuggestuen Mariehønen er flyttet fra mandag 15. februar 2027 til tirsdag 16. februar "
        "2027 kl. 09.30: mandag 15. februar 2027 er blevet lukkedag i institutionen."
    )
    again, parents = " Du får en ny invitation til den nye dag.", " Giv forældrene besked om den nye dag på Aula: "
    told = {r.recipient: r.payload["text"].splitlines() for r in await rows(db, "cafe.moved")}
    assert {who: lines[0] for who, lines in told.items()} == {
        HANNE: moved + " Du er ikke inviteret til den nye dag.",
        RASMUS: moved + again,
        MAJA: moved + again,
        KARSTEN: moved + again + parents + "`/teambot café tekst MAR`.",
    }
    assert told[MAJA][1] == "Du får denne besked, fordi du er fysioterapeut for Vuggestuen Mariehønen."
    pending = [r for r in await rows(db, status="pending") if r.ref_type == "cafe"]
    assert [r.kind for r in pending if r.kind != "cafe.moved" and "15. februar" in r.payload["text"]] == []
    assert [r for r in pending if r.event_day == CAFE_DAY] == []
    new_invitations = [r.recipient for r in pending if r.kind == "cafe.invite" and r.event_day == MOVED_TO]
    assert sorted(new_invitations) == sorted([nurse, RASMUS, MAJA, TOVE, KARSTEN])
    count = len(await rows(db, "cafe.moved"))
    await run.plan()  # a later pass finds it on a working day: told once
    assert len(await rows(db, "cafe.moved")) == count


async def test_a_button_from_before_the_move_answers_nothing_and_says_where_the_cafe_went(
    run: VisitRunner, db: Database
) -> None:
    """Rasmus and Hanne press the 15th's Deltager after the café moved to the 16th: nothing is stored, and each is
    told where it went (Rasmus is asked again, Hanne is away that day). SQLite gives Hanne's deleted invitation's id
    to the colleague asked in her place: her old button must not answer that one either."""
    old = {who: button_value(await invitation(run, who), "cafe_yes") for who in (RASMUS, HANNE)}
    await close_the_cafe_day(run)
    await run.plan()
    before = await snapshot(db)

    assert (await run.press(RASMUS, "cafe_yes", old[RASMUS])).text == (
        "Caféen i Vuggestuen Mariehønen er flyttet til tirsdag 16. februar 2027. Svar på invitationen til den nye "
        "dag. Intet er gemt."
    )
    assert (await run.press(HANNE, "cafe_no", old[HANNE])).text == (
        "Caféen i Vuggestuen Mariehønen er flyttet til tirsdag 16. februar 2027, og du er ikke inviteret den dag. "
        "Intet er gemt."
    )
    assert await snapshot(db) == before
    # The new day's invitation answers the new day; the old button then says so.
    reply = await run.press(RASMUS, "cafe_yes", button_value(await invitation(run, RASMUS, MOVED_TO), "cafe_yes"))
    assert reply.text == (
        "✅ Du deltager i småbørnscaféen i Vuggestuen Mariehønen tirsdag 16. februar 2027 kl. 09.30. Tak! Du får en "
        "påmindelse arbejdsdagen før."
    )
    [cafe] = await cafes(db)
    assert cafe.id is not None
    assert (RASMUS, "småbørnskonsulent", "accepted") in await invites(db, cafe.id)
    assert (await run.press(RASMUS, "cafe_no", old[RASMUS])).text == (
        "Caféen i Vuggestuen Mariehønen er flyttet til tirsdag 16. februar 2027, og du har allerede svaret for den "
        "dag. Intet er gemt."
    )
    assert (RASMUS, "småbørnskonsulent", "accepted") in await invites(db, cafe.id)


async def test_an_old_button_never_answers_the_invitation_that_took_its_id(run: VisitRunner, db: Database) -> None:
    """Hanne declines the 15th and Pia is asked in her place; the 15th closes and the café moves to the 16th, when
    Hanne can come, so Pia's invitation goes. SQLite gives its id to the next invitation made, Pia's own to
    Birkelunden's café on 1 February: her old Deltager must answer neither café."""
    await run.press(HANNE, "cafe_no", button_value(await invitation(run, HANNE), "cafe_no"))
    pia_old = button_value(await invitation(run, PIA), "cafe_yes")
    await close_the_cafe_day(run, hanne_away=False)
    await run.plan()
    [mariehønen] = await cafes(db)
    assert mariehønen.id is not None and mariehønen.day == MOVED_TO
    assert PIA not in {who for who, *_ in await invites(db, mariehønen.id)}
    await run.skip_to(datetime(2027, 2, 1, 9, 0))
    [birkelunden] = [c for c in await cafes(db) if c.day.month == 3]
    assert birkelunden.id is not None
    before = await snapshot(db)

    assert (await run.press(PIA, "cafe_yes", pia_old)).text == (
        "Caféen i Vuggestuen Mariehønen er flyttet til tirsdag 16. februar 2027, og du er ikke inviteret den dag. "
        "Intet er gemt."
    )
    assert await snapshot(db) == before
    assert (PIA, "sundhedsplejerske", "invited") in await invites(db, birkelunden.id)


async def test_a_stand_in_who_can_come_on_the_new_day_keeps_her_invitation(db: Database, clock: FakeClock) -> None:
    """Hanne is on leave from the 15th to the end of the children's window, so Pia stands in for the 15th; the 15th
    closes and the café moves to the 16th, when Hanne is still away. Pia is asked again in her own invitation: her
    ask still counts once in the rotation, and her old button says she is asked again, not that she is not
    invited."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    away = [{"from": "2027-02-15", "to": "2027-04-30"}]
    await load_visit_roster(db, clock, cafe_children=COUNTS, hanne_absences=away)
    run = VisitRunner(db, clock)
    await run.plan()
    [cafe] = await cafes(db)
    assert cafe.id is not None
    pia_old = button_value(await invitation(run, PIA), "cafe_yes")
    ids_before = await invite_ids(db, cafe.id)
    async with db.read() as session:
        counts_before = await stand_in_counts(session)
    assert sorted(counts_before.values()) == [1]
    await close_the_cafe_day(run)

    await run.plan()

    [cafe] = await cafes(db)
    assert cafe.id is not None and cafe.day == MOVED_TO
    assert (PIA, "sundhedsplejerske", "invited") in await invites(db, cafe.id)
    assert (await invite_ids(db, cafe.id))[PIA] == ids_before[PIA]
    async with db.read() as session:
        assert await stand_in_counts(session) == counts_before
    assert (await run.press(PIA, "cafe_yes", pia_old)).text == (
        "Caféen i Vuggestuen Mariehønen er flyttet til tirsdag 16. februar 2027. Svar på invitationen til den nye "
        "dag. Intet er gemt."
    )


async def test_a_button_with_the_id_alone_answers_nothing_once_the_cafe_has_moved(
    run: VisitRunner, db: Database
) -> None:
    """Invitations sent before buttons named the café and day: Rasmus's (asked again for the 16th) and Hanne's
    (gone: she is away the 16th; on SQLite its id goes to the colleague asked instead) answer nothing."""
    [cafe] = await cafes(db)
    assert cafe.id is not None
    async with db.write() as session:
        for invite in (await session.exec(select(CafeInvite))).all():
            invite.asked_for = None  # made before migration 0009
    legacy = {who: str(invite_id) for who, invite_id in (await invite_ids(db, cafe.id)).items()}
    await close_the_cafe_day(run)
    await run.plan()
    before = await snapshot(db)

    stale = (
        "Den invitation gælder ikke længere: caféen er flyttet, siden du fik den. Svar på den nye invitation, hvis du "
        "har fået en. Intet er gemt."
    )
    for who in (RASMUS, HANNE):
        for action in ("cafe_yes", "cafe_no"):
            assert (await run.press(who, action, legacy[who])).text == stale
    assert await snapshot(db) == before


async def test_two_moves_before_the_first_notices_went_out_tell_both_in_order(run: VisitRunner, db: Database) -> None:
    """The 15th closes, and before the bot has sent the notices (it was down), the 16th closes too: Rasmus hears
    of both moves, each from the day he had last heard of."""
    await close_the_cafe_day(run, hanne_away=False)
    await run.plan()
    await load_visit_roster(
        db, run.clock, cafe_children=COUNTS, closing={"MAR": [CAFE_DAY.isoformat(), MOVED_TO.isoformat()]}
    )
    await run.plan()

    [cafe] = await cafes(db)
    told = [
        r.payload["text"].split(":")[0] for r in await rows(db, "cafe.moved", status="pending") if r.recipient == RASMUS
    ]
    assert told == [
        "🔁 Småbørnscaféen i Vuggestuen Mariehønen er flyttet fra mandag 15. februar 2027 til tirsdag 16. februar "
        "2027 kl. 09.30",
        "🔁 Småbørnscaféen i Vuggestuen Mariehønen er flyttet fra tirsdag 16. februar 2027 til "
        f"{format_date(cafe.day)} kl. 09.30",
    ]


async def test_a_lead_who_is_also_a_consultant_there_gets_one_invitation(db: Database, clock: FakeClock) -> None:
    """Karsten leads Mariehønen and is its småbørnskonsulent too: one invitation, as the consultant (the table keeps
    one per person and café; proposing the café failed on that key before), with the lead's text for the
    parents."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(cafe_children=COUNTS)
    for person in raw["staff"]:
        if person["id"] == KARSTEN:
            person["roles"] = ["leder", "småbørnskonsulent"]
    raw["assignment"].append({"role": "småbørnskonsulent", "staff": KARSTEN, "institutions": ["MAR"]})
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())

    await VisitRunner(db, clock).plan()

    [cafe] = await cafes(db)
    assert cafe.id is not None
    assert await invites(db, cafe.id) == [
        (HANNE, "sundhedsplejerske", "invited"),
        (KARSTEN, "småbørnskonsulent", "invited"),
        (MAJA, "fysioterapeut", "invited"),
        (TOVE, "tale-hørekonsulent", "invited"),
    ]
    # The text for the parents is in it all the same: he is the one to post it.
    [karsten] = [r for r in await rows(db, "cafe.invite") if r.recipient == KARSTEN]
    assert AULA in karsten.payload["text"]


async def test_a_button_sent_before_buttons_named_the_cafe_still_answers(run: VisitRunner, db: Database) -> None:
    """Invitations already in Slack when this version is deployed carry the invitation's id alone; their rows have
    no `asked_for` (migration 0009 adds it empty)."""
    [cafe] = await cafes(db)
    assert cafe.id is not None
    async with db.write() as session:
        for invite in (await session.exec(select(CafeInvite))).all():
            invite.asked_for = None
    legacy = str((await invite_ids(db, cafe.id))[MAJA])
    await run.press(MAJA, "cafe_yes", legacy)
    assert (MAJA, "fysioterapeut", "accepted") in await invites(db, cafe.id)


async def test_two_cafes_moved_in_one_pass_do_not_share_a_day_or_a_nurse(
    run: VisitRunner, db: Database, clock: FakeClock
) -> None:
    # Mariehønen's café and a second one of its own on the 16th (made by hand here): closing the 15th moves the
    # first past the second, on the institution's and Hanne's next free day.
    [cafe] = await cafes(db)
    async with db.write() as session:
        session.add(
            CafeSession(
                institution_id=cafe.institution_id,
                day=date(2027, 2, 16),
                start="09:30",
                first_month=date(2027, 3, 1),
                last_month=date(2027, 3, 1),
                children=3,
                created_at=clock.now(),
            )
        )
    clock.set(datetime(2027, 1, 6, 9, 0))
    await load_visit_roster(db, clock, cafe_children=COUNTS, closing={"MAR": [CAFE_DAY.isoformat()]})

    await run.plan()

    assert sorted(c.day for c in await cafes(db) if c.institution_id == cafe.institution_id) == [
        date(2027, 2, 16),
        date(2027, 2, 17),
    ]


async def test_a_decline_asks_the_next_colleague_and_the_rotation_is_fair(run: VisitRunner) -> None:
    reply = await run.press(MAJA, "cafe_no", button_value(await invitation(run, MAJA), "cafe_no"))
    assert reply.text == (
        "❌ Du har meldt afbud til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30. "
        "Jeg spørger Mikkel Holt (fysioterapeut) i stedet."
    )
    stand_in = await invitation(run, MIKKEL)
    assert stand_in.due_at == run.clock.now()
    assert stand_in.payload["text"].endswith(
        "Du får denne besked, fordi du træder til for Maja Strand (fysioterapeut for Vuggestuen Mariehønen)."
    )
    assert (
        "    ⏳ Mikkel Holt (fysioterapeut, træder til for Maja Strand) — har ikke svaret"
        in (await run(KARSTEN, "/teambot café MAR")).text
    )
    assert (await run.press(MAJA, "cafe_no", button_value(await invitation(run, MAJA), "cafe_no"))).text == (
        "Du har allerede meldt afbud. Intet er gemt."
    )
    assert (await run.press(MAJA, "cafe_yes", button_value(await invitation(run, MAJA), "cafe_yes"))).text == (
        "Du har meldt afbud, og Mikkel Holt er spurgt i stedet. Tal med lederen, hvis du alligevel kan komme. "
        "Intet er gemt."
    )

    # Birkelunden's café in March: its own fysioterapeut Nanna declines. Mikkel has stood in once already, Maja
    # never: Maja is asked.
    await run.skip_to(datetime(2027, 2, 1, 9, 0))
    [march] = [c for c in await cafes(run.db) if c.day == date(2027, 3, 15)]
    reply = await run.press(NANNA, "cafe_no", button_value(await invitation(run, NANNA, march.day), "cafe_no"))
    assert reply.text.endswith("Jeg spørger Maja Strand (fysioterapeut) i stedet.")


async def test_a_colleague_on_a_visit_that_day_is_not_asked_to_stand_in(run: VisitRunner) -> None:
    """A fysioterapeut visit to Solsikken on the 15th, agreed when it was Nanna's (she keeps it on record), is
    Mikkel's now that Solsikken has him: Mikkel, first in the rotation, is on it, so Nanna is asked in Maja's place
    (the visit is made by whom its messages go to, not by whom it was planned for)."""
    async with run.db.write() as session:
        [nanna] = (await session.exec(select(Staff).where(Staff.slack_id == NANNA))).all()
        [sol] = (await session.exec(select(Institution).where(Institution.code == "SOL"))).all()
        assert nanna.id is not None and sol.id is not None
        session.add(
            Visit(
                institution_id=sol.id,
                discipline="fysioterapeut",
                year=2027,
                quarter=1,
                consultant_id=nanna.id,
                planned_day=CAFE_DAY,
                day=CAFE_DAY,
                status="confirmed",
                confirmed_by=nanna.id,
            )
        )
    reply = await run.press(MAJA, "cafe_no", button_value(await invitation(run, MAJA), "cafe_no"))
    assert reply.text.endswith("Jeg spørger Nanna Friis (fysioterapeut) i stedet.")


async def test_when_nobody_is_left_the_lead_is_told(run: VisitRunner) -> None:
    # Rasmus is Nord's only småbørnskonsulent.
    reply = await run.press(RASMUS, "cafe_no", button_value(await invitation(run, RASMUS), "cafe_no"))
    assert reply.text == (
        "❌ Du har meldt afbud til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30. "
        "Der er ingen anden småbørnskonsulent i distriktet at spørge, så lederen (Karsten Bro) får besked."
    )
    [told] = await rows(run.db, "cafe.unfilled")
    assert (told.recipient, told.due_at) == (KARSTEN, run.clock.now())
    assert told.payload["text"] == (
        "⚠️ Ingen småbørnskonsulent kan komme til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 "
        "kl. 09.30: der er ingen småbørnskonsulent i distriktet tilbage at spørge. Aftal gerne selv en løsning.\n"
        "Du får denne besked, fordi du er leder for Vuggestuen Mariehønen."
    )
    assert "    ⚠️ ingen småbørnskonsulent kan komme" in (await run(KARSTEN, "/teambot café MAR")).text


async def lead_who_is_also_tale_hørekonsulent(db: Database, clock: FakeClock, *, tove_away: bool) -> VisitRunner:
    """Karsten leads Mariehønen and is its tale-hørekonsulent too; Tove, Nord's other one, may be away that day."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(cafe_children={"MAR": COUNTS["MAR"]})
    for person in raw["staff"]:
        if person["id"] == KARSTEN:
            person["roles"] = ["leder", "tale-hørekonsulent"]
        if person["id"] == TOVE and tove_away:
            person["absences"] = [{"from": "2027-02-15", "to": "2027-02-15"}]
    raw["assignment"].append({"role": "tale-hørekonsulent", "staff": KARSTEN, "institutions": ["MAR"]})
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    run = VisitRunner(db, clock)
    await run.plan()
    return run


async def test_a_lead_who_is_the_consultant_and_declines_is_not_told_about_himself(
    db: Database, clock: FakeClock
) -> None:
    """With Tove away there is nobody else to ask: Karsten's answer says so, and no "nobody can come" notice goes
    to him about his own answer (before: "så lederen (Karsten Bro) får besked", and the notice)."""
    run = await lead_who_is_also_tale_hørekonsulent(db, clock, tove_away=True)
    reply = await run.press(KARSTEN, "cafe_no", button_value(await invitation(run, KARSTEN), "cafe_no"))
    assert reply.text == (
        "❌ Du har meldt afbud til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30. "
        "Der er ingen anden tale-hørekonsulent i distriktet at spørge, og du er selv leder, så der går ingen besked "
        "videre."
    )
    assert await rows(run.db, "cafe.unfilled") == []
    assert "    ⚠️ ingen tale-hørekonsulent kan komme" in (await run(KARSTEN, "/teambot café MAR")).text


async def test_a_lead_who_is_the_consultant_hears_when_the_colleague_asked_in_his_place_declines(
    db: Database, clock: FakeClock
) -> None:
    run = await lead_who_is_also_tale_hørekonsulent(db, clock, tove_away=False)
    reply = await run.press(KARSTEN, "cafe_no", button_value(await invitation(run, KARSTEN), "cafe_no"))
    assert reply.text.endswith("Jeg spørger Tove Munk (tale-hørekonsulent) i stedet.")
    reply = await run.press(TOVE, "cafe_no", button_value(await invitation(run, TOVE), "cafe_no"))
    assert reply.text.endswith(
        "Der er ingen anden tale-hørekonsulent i distriktet at spørge, så lederen (Karsten Bro) får besked."
    )
    assert [r.recipient for r in await rows(run.db, "cafe.unfilled")] == [KARSTEN]


@pytest.mark.parametrize("karsten", ["leads elsewhere", "is not on Slack"])
async def test_with_no_lead_to_tell_the_answer_says_so(db: Database, clock: FakeClock, karsten: str) -> None:
    """Mariehønen has no lead in the roster, or one without a Slack account: Rasmus, Nord's only småbørnskonsulent,
    declines (before: "så lederen (ingen) får besked", or a notice to nobody)."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(cafe_children={"MAR": COUNTS["MAR"]})
    for person in raw["staff"]:
        if person["id"] == KARSTEN and karsten == "leads elsewhere":
            person["institutions"] = ["SOL", "BIR"]
        elif person["id"] == KARSTEN:
            del person["id"]
            person["email"] = "karsten.bro@example.dk"
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    run = VisitRunner(db, clock)
    await run.plan()
    reply = await run.press(RASMUS, "cafe_no", button_value(await invitation(run, RASMUS), "cafe_no"))
    assert reply.text.endswith(
        "Der er ingen anden småbørnskonsulent i distriktet at spørge, og der er ingen leder, teambot kan give besked."
    )
    assert await rows(run.db, "cafe.unfilled") == []


async def test_every_fysioterapeut_declining_ends_with_the_lead(run: VisitRunner) -> None:
    for who in (MAJA, MIKKEL):
        await run.press(who, "cafe_no", button_value(await invitation(run, who), "cafe_no"))
    last = await run.press(NANNA, "cafe_no", button_value(await invitation(run, NANNA), "cafe_no"))
    assert last.text.endswith(
        "Der er ingen anden fysioterapeut i distriktet at spørge, så lederen (Karsten Bro) får besked."
    )
    assert [r.recipient for r in await rows(run.db, "cafe.unfilled")] == [KARSTEN]


# -- the café's notices to the leads follow a lead's absence ------------------------------------------------------

LONE = "U0LONE0001"
NOBODY_LEFT = (
    "❌ Du har meldt afbud til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30. "
    "Der er ingen anden småbørnskonsulent i distriktet at spørge"
)
NOBODY_CAN_COME = "⚠️ Ingen småbørnskonsulent kan komme til småbørnscaféen i Vuggestuen Mariehønen"
MOVED_NOTICE = "🔁 Småbørnscaféen i Vuggestuen Mariehønen er flyttet fra mandag 15. februar 2027 til "
AS_LEAD = "Du får denne besked, fordi du er leder for Vuggestuen Mariehønen."
FOR_KARSTEN = "Du får denne besked, fordi du er stedfortræder for Karsten Bro (leder for Vuggestuen Mariehønen)."
AWAY_LEAD = (
    "Du får denne besked, fordi du er leder for Vuggestuen Mariehønen, og ingen står i dit sted, mens du er fraværende."
)


async def cafe_roster(
    db: Database, clock: FakeClock, *, lone: bool = False, karsten_away: list[dict[str, str]] | None = None
) -> tuple[VisitRunner, dict[str, Any]]:
    """The café roster on Monday 4 January at 09.00, with Lone Dahl as Mariehønen's second lead (`lone`) and
    Karsten's absences from the roster (`karsten_away`); also the raw roster, to import again changed."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(cafe_children=COUNTS)
    if lone:
        raw["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["MAR"]})
    if karsten_away:
        next(p for p in raw["staff"] if p["id"] == KARSTEN)["absences"] = karsten_away
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    run = VisitRunner(db, clock)
    await run.plan()
    return run, raw


async def rasmus_declines(run: VisitRunner) -> str:
    """Rasmus, Nord's only småbørnskonsulent, says «Kan ikke»: nobody is left to ask. His answer's text."""
    return (await run.press(RASMUS, "cafe_no", button_value(await invitation(run, RASMUS), "cafe_no"))).text


def told_nobody_can_come(sent: Sequence[tuple[str, Reply]]) -> list[tuple[str, str]]:
    """Who was sent the 'nobody can come' notice, with its why line."""
    return [(to, reply.text.splitlines()[-1]) for to, reply in sent if reply.text.startswith(NOBODY_CAN_COME)]


def sent_so_far(run: VisitRunner) -> list[tuple[str, Reply]]:
    return [(to, reply) for to, reply, _ in run.messenger.sent]


async def test_an_absence_registered_before_nobody_can_come_goes_out_hands_it_to_his_substitute(
    run: VisitRunner,
) -> None:
    """The notice to Karsten waits in the outbox; before it goes out he registers today away with Sofie standing in.
    It goes to her, on his behalf, and not to him (reviewer-101: the row waiting still went to him)."""
    assert await rasmus_declines(run) == NOBODY_LEFT + ", så lederen (Karsten Bro) får besked."
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08 Sofie Lund")
    await run.dispatcher.dispatch_due()
    assert told_nobody_can_come(sent_so_far(run)) == [(SOFIE, FOR_KARSTEN)]


async def test_an_absence_removed_before_nobody_can_come_goes_out_gives_it_back_to_the_lead(
    db: Database, clock: FakeClock
) -> None:
    """Karsten is away from Tuesday with Sofie standing in; Rasmus declines on Monday evening, so the notice goes out
    on Tuesday at 08.00: to Sofie, and his answer says so. The absence is then taken out of the roster: Karsten gets
    it, and Sofie nothing."""
    run, raw = await cafe_roster(
        db, clock, karsten_away=[{"from": "2027-01-05", "to": "2027-01-08", "substitute": SOFIE}]
    )
    clock.set(datetime(2027, 1, 4, 20, 0))
    assert await rasmus_declines(run) == NOBODY_LEFT + ", så Sofie Lund (stedfortræder for Karsten Bro) får besked."
    del next(p for p in raw["staff"] if p["id"] == KARSTEN)["absences"]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    sent = await run.until(datetime(2027, 1, 5, 9, 0))
    assert told_nobody_can_come(sent) == [(KARSTEN, AS_LEAD)]


async def test_nobody_can_come_goes_to_an_absent_lead_s_substitute_by_the_day_it_goes_out(run: VisitRunner) -> None:
    """Karsten is away this week with Sofie standing in, and on the café's day without anyone: the notice goes out
    today, so it goes to Sofie, on his behalf; the answer names her, and nobody else gets it."""
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08 Sofie Lund")
    await run(KARSTEN, "/teambot fravær 2027-02-15 2027-02-15")
    assert await rasmus_declines(run) == NOBODY_LEFT + ", så Sofie Lund (stedfortræder for Karsten Bro) får besked."
    sent = await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent) == [(SOFIE, FOR_KARSTEN)]


async def test_a_lead_away_without_a_substitute_leaves_nobody_can_come_to_the_other_lead(
    db: Database, clock: FakeClock
) -> None:
    run, _ = await cafe_roster(db, clock, lone=True)
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08")
    assert await rasmus_declines(run) == NOBODY_LEFT + ", så lederen (Lone Dahl) får besked."
    sent = await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent) == [(LONE, AS_LEAD)]


async def test_with_every_lead_away_without_a_substitute_nobody_can_come_still_reaches_the_lead(
    run: VisitRunner,
) -> None:
    """Nobody stands in for Karsten, Mariehønen's only lead: he is told all the same (he alone can find someone; the
    message waits for him), the why line says why, and so does Rasmus's answer."""
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08")
    assert await rasmus_declines(run) == (
        NOBODY_LEFT + ", så Karsten Bro (leder, fraværende uden stedfortræder) får besked."
    )
    sent = await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent) == [(KARSTEN, AWAY_LEAD)]


async def test_kan_ikke_again_after_the_leads_were_told_names_nobody_who_is_not_told(run: VisitRunner) -> None:
    """Karsten was told that no småbørnskonsulent can come; he then registers the week away with Sofie standing in,
    and Rasmus says Deltager and then Kan ikke again. The leadership knows already: nobody is told anew, and the answer
    says that rather than name Sofie, whom nothing reaches (reviewer-101: the answer named a lead the notice's
    told-once rule then did not tell)."""
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    assert told_nobody_can_come(sent_so_far(run)) == [(KARSTEN, AS_LEAD)]
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08 Sofie Lund")
    value = button_value(await invitation(run, RASMUS), "cafe_yes")
    await run.press(RASMUS, "cafe_yes", value)
    assert (await run.press(RASMUS, "cafe_no", value)).text == (
        NOBODY_LEFT + "; ledelsen har allerede fået besked om, at ingen småbørnskonsulent kan komme."
    )
    await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent_so_far(run)) == [(KARSTEN, AS_LEAD)]


async def test_a_planner_pass_that_read_its_table_before_an_absence_leaves_the_notice_rerouted(
    run: VisitRunner,
) -> None:
    """A planner pass reads the routing table once, before it syncs the cafés chunk by chunk. Karsten registers an
    absence in between, with Sofie standing in, which reroutes the waiting notice to her at once: the chunk's sync
    routes it by the absences as they are when it runs, and does not give it back to him."""
    run.clock.set(datetime(2027, 1, 4, 20, 0))
    await rasmus_declines(run)
    async with run.db.read() as session:
        table = await visit_store.routing_table(session)
    await run(KARSTEN, "/teambot fravær 2027-01-05 2027-01-08 Sofie Lund")
    [cafe] = await cafes(run.db)
    async with run.db.write() as session:
        await sync_cafe_outbox(
            session,
            cafe,
            table=table,
            calendar=await queries.work_calendar(session, cafe.institution_id),
            remind_at="08:00",
            now=run.clock.now(),
            zone=COPENHAGEN,
        )
    assert [r.recipient for r in await rows(run.db, "cafe.unfilled", status="pending")] == [SOFIE]


async def test_a_role_filled_again_before_nobody_can_come_goes_out_cancels_it(
    run: VisitRunner,
) -> None:
    """Rasmus declines on Monday evening (the notice would go out on Tuesday at 08.00) and says Deltager after all:
    Karsten is not told that nobody can come."""
    run.clock.set(datetime(2027, 1, 4, 20, 0))
    value = button_value(await invitation(run, RASMUS), "cafe_no")
    await run.press(RASMUS, "cafe_no", value)
    await run.press(RASMUS, "cafe_yes", value)
    sent = await run.until(datetime(2027, 1, 5, 17, 0))
    assert told_nobody_can_come(sent) == []


async def _answer_during_a_pass(run: VisitRunner, monkeypatch: pytest.MonkeyPatch, action: str, value: str) -> Any:
    """Rasmus presses `action` while a planner pass's chunk has read the café's invitations and holds its transaction
    open; then the pass goes on. His answer's reply."""
    real_read = cafe_notices.invites_of_sessions
    pass_has_read, release = asyncio.Event(), asyncio.Event()

    async def invites_of_sessions(session: Any, ids: Any) -> Any:
        found = await real_read(session, ids)
        if not pass_has_read.is_set():
            pass_has_read.set()  # the pass's chunk: invitations read, its transaction open
            await release.wait()
        return found

    monkeypatch.setattr(cafe_notices, "invites_of_sessions", invites_of_sessions)
    planner = asyncio.create_task(plan_cafes(run.db, now=run.clock.now(), zone=COPENHAGEN))
    await asyncio.wait_for(pass_has_read.wait(), timeout=20)
    answer = asyncio.create_task(run.press(RASMUS, action, value))
    await until_waiting_for_locks(run.db, or_done=answer)  # the answer has committed, or waits for the pass's lock
    release.set()
    _, reply = await asyncio.wait_for(asyncio.gather(planner, answer), timeout=20)
    return reply


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_planner_pass_that_read_the_invitations_before_a_deltager_leaves_the_notice_cancelled(
    run: VisitRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL, Monday 09.00. Rasmus declines (the notice to Karsten is due at once); a planner pass's chunk then
    reads the café's invitations, and while it goes on Rasmus says Deltager, which cancels the notice. The pass must
    not set it pending again from what it read before: Karsten would be told at once that nobody can come though
    Rasmus is coming (reviewer: the chunk read the invitations before `lock_lead_notices`, and the answer's sync did
    not take it)."""
    value = button_value(await invitation(run, RASMUS), "cafe_no")
    await run.press(RASMUS, "cafe_no", value)
    assert [r.recipient for r in await rows(run.db, "cafe.unfilled", status="pending")] == [KARSTEN]

    reply = await _answer_during_a_pass(run, monkeypatch, "cafe_yes", value)
    assert reply.text.startswith("✅ Du deltager i småbørnscaféen i Vuggestuen Mariehønen")

    await run.dispatcher.dispatch_due()
    assert told_nobody_can_come(sent_so_far(run)) == []


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_planner_pass_that_read_the_invitations_before_a_kan_ikke_leaves_the_notice_planned(
    run: VisitRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL, Monday 09.00. A planner pass's chunk reads the café's invitations (Rasmus still asked); while it
    goes on Rasmus says Kan ikke, and his answer says Karsten is told. The pass must not cancel that notice from what
    it read before: nobody would be told (until a later pass), though the answer said so."""
    value = button_value(await invitation(run, RASMUS), "cafe_no")
    reply = await _answer_during_a_pass(run, monkeypatch, "cafe_no", value)
    assert reply.text == NOBODY_LEFT + ", så lederen (Karsten Bro) får besked."

    await run.dispatcher.dispatch_due()
    assert told_nobody_can_come(sent_so_far(run)) == [(KARSTEN, AS_LEAD)]


async def test_an_absence_registered_after_nobody_can_come_went_out_sends_nothing_anew(run: VisitRunner) -> None:
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08 Sofie Lund")
    await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent_so_far(run)) == [(KARSTEN, AS_LEAD)]
    assert [r.recipient for r in await rows(run.db, "cafe.unfilled")] == [KARSTEN]


async def test_nobody_can_come_slack_may_have_posted_stays_with_its_lead_when_he_registers_an_absence(
    run: VisitRunner,
) -> None:
    """Slack posts the notice to Karsten but answers 500. Before the retry he registers the week away with Sofie: he
    may have it already, so it stays his as it is (the look before the retry finds it), and Sofie gets none."""
    send = run.messenger.send
    failed: list[str] = []

    async def answered_500_once(recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        ts = await send(recipient, reply, metadata=metadata)
        if reply.text.startswith(NOBODY_CAN_COME) and not failed:
            failed.append(recipient)
            raise DeliveryError("http 500")
        return ts

    run.messenger.send = answered_500_once  # type: ignore[method-assign]
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    assert failed == [KARSTEN]
    await run(KARSTEN, "/teambot fravær 2027-01-04 2027-01-08 Sofie Lund")
    await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent_so_far(run)) == [(KARSTEN, AS_LEAD)]
    assert [(r.recipient, r.status) for r in await rows(run.db, "cafe.unfilled")] == [(KARSTEN, "sent")]


def refused_to_karsten(run: VisitRunner, error: str = "user_not_found") -> list[str]:
    """Slack refuses the 'nobody can come' notice to Karsten for good (by default: his user is gone):
    nothing is posted. Whom it was refused to, as it happens."""
    send = run.messenger.send
    refused: list[str] = []

    async def refusing(recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        if recipient == KARSTEN and reply.text.startswith(NOBODY_CAN_COME):
            refused.append(recipient)
            raise DeliveryError(error, permanent=True)
        return await send(recipient, reply, metadata=metadata)

    run.messenger.send = refusing  # type: ignore[method-assign]
    return refused


@pytest.mark.parametrize("error", ["user_not_found", "invalid_auth"])
async def test_nobody_can_come_slack_refused_for_good_goes_to_the_substitute_of_an_absence_registered_later(
    db: Database, clock: FakeClock, error: str
) -> None:
    """Slack refuses the notice to Karsten for good, for him (user_not_found) or for the bot's token (invalid_auth),
    not for the message: it reached nobody. His absence with Sofie standing in is then registered (in the roster: he
    is not on Slack now): she gets it, on his behalf (before: the refused row counted as 'may have reached him', and
    nobody was told; and after that, a refusal for the bot's token counted as refused to anyone)."""
    run, raw = await cafe_roster(db, clock)
    refused = refused_to_karsten(run, error)
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    assert refused == [KARSTEN]
    next(p for p in raw["staff"] if p["id"] == KARSTEN)["absences"] = [
        {"from": "2027-01-04", "to": "2027-01-08", "substitute": SOFIE}
    ]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    sent = await run.until(datetime(2027, 1, 5, 17, 0))
    assert told_nobody_can_come(sent) == [(SOFIE, FOR_KARSTEN)]


async def test_nobody_can_come_slack_refused_for_its_content_is_not_handed_to_the_substitute_of_a_later_absence(
    db: Database, clock: FakeClock
) -> None:
    """Slack refuses the notice to Karsten for good for the message itself (msg_too_long), not for him: Sofie, standing
    in from an absence registered after it, would be refused the same message the same way, so it is not handed to
    her; Rasmus' «Kan ikke» after a Deltager says Slack could not deliver it (before: Sofie was sent it, and the
    answer named her as told)."""
    run, raw = await cafe_roster(db, clock)
    refused = refused_to_karsten(run, "msg_too_long")
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    assert refused == [KARSTEN]
    next(p for p in raw["staff"] if p["id"] == KARSTEN)["absences"] = [
        {"from": "2027-01-04", "to": "2027-01-08", "substitute": SOFIE}
    ]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    value = button_value(await invitation(run, RASMUS), "cafe_yes")
    await run.press(RASMUS, "cafe_yes", value)
    assert (await run.press(RASMUS, "cafe_no", value)).text == (
        NOBODY_LEFT + ", og Slack kunne ikke levere beskeden om det til ledelsen."
    )
    sent = await run.until(datetime(2027, 1, 5, 17, 0))
    assert told_nobody_can_come(sent) == []
    assert [(r.recipient, r.status, r.last_error) for r in await rows(run.db, "cafe.unfilled")] == [
        (KARSTEN, "failed", "refused: msg_too_long")
    ]


async def test_kan_ikke_after_slack_refused_nobody_can_come_for_good_does_not_say_the_leads_were_told(
    run: VisitRunner,
) -> None:
    """Slack refuses the notice to Karsten, Mariehønen's only lead, for good. Rasmus says Deltager and then Kan ikke
    again: the answer says the message could not be delivered, not that the leadership was told (before: "ledelsen
    har allerede fået besked"), and nothing more is tried to Karsten."""
    refused = refused_to_karsten(run)
    await rasmus_declines(run)
    await run.dispatcher.dispatch_due()
    assert refused == [KARSTEN]
    value = button_value(await invitation(run, RASMUS), "cafe_yes")
    await run.press(RASMUS, "cafe_yes", value)
    assert (await run.press(RASMUS, "cafe_no", value)).text == (
        NOBODY_LEFT + ", og Slack kunne ikke levere beskeden om det til ledelsen."
    )
    sent = await run.until(datetime(2027, 1, 8, 17, 0))
    assert told_nobody_can_come(sent) == []
    assert refused == [KARSTEN]


async def test_a_move_off_a_closing_day_is_told_to_an_absent_lead_s_substitute(db: Database, clock: FakeClock) -> None:
    """Karsten is away on 6 January, when the 15th becomes a closing day, with Sofie standing in: she is told of the
    move and reminded of the parents, on his behalf; he hears of it only as one invited (asked again)."""
    away = [{"from": "2027-01-06", "to": "2027-01-08", "substitute": SOFIE}]
    run, raw = await cafe_roster(db, clock, karsten_away=away)
    clock.set(datetime(2027, 1, 6, 9, 0))
    raw["institution"][1]["closing_days"] = [CAFE_DAY.isoformat()]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    sent = {
        to: reply.text
        for to, reply in await run.until(datetime(2027, 1, 6, 9, 0))
        if reply.text.startswith(MOVED_NOTICE)
    }
    assert sent[SOFIE].endswith(
        f" Giv forældrene besked om den nye dag på Aula: `/teambot café tekst MAR`.\n{FOR_KARSTEN}"
    )
    assert "forældrene" not in sent[KARSTEN]


async def test_a_move_off_a_closing_day_reaches_the_lead_when_nobody_stands_in_for_him(
    db: Database, clock: FakeClock
) -> None:
    """Karsten, Mariehønen's only lead, is away without a substitute when the 15th becomes a closing day: the move,
    and the parents to tell on Aula, still reach him (only he can post it), with why (reviewer-101: it reached no
    lead at all; before routing by absence, the leads always got it)."""
    run, raw = await cafe_roster(db, clock, karsten_away=[{"from": "2027-01-06", "to": "2027-01-08"}])
    clock.set(datetime(2027, 1, 6, 9, 0))
    raw["institution"][1]["closing_days"] = [CAFE_DAY.isoformat()]
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    sent = {
        to: reply.text
        for to, reply in await run.until(datetime(2027, 1, 6, 9, 0))
        if reply.text.startswith(MOVED_NOTICE)
    }
    assert sent[KARSTEN].endswith(
        f" Giv forældrene besked om den nye dag på Aula: `/teambot café tekst MAR`.\n{AWAY_LEAD}"
    )


async def test_only_the_invited_person_can_answer(run: VisitRunner) -> None:
    before = await snapshot(run.db)
    value = button_value(await invitation(run, HANNE), "cafe_yes")
    assert (await run.press(METTE, "cafe_yes", value)).text == "Invitationen er til en anden. Intet er gemt."
    for broken in ("x", "1:x:2027-02-15", "1:1:15-02-2027", "1:1", ""):
        assert (await run.press(HANNE, "cafe_yes", broken)).text == (
            "Den café findes ikke længere. Skriv `/teambot café` for at se caféerne. Intet er gemt."
        )
    assert await snapshot(run.db) == before


async def test_the_reminder_the_working_day_before_says_who_is_coming(run: VisitRunner) -> None:
    await run.press(HANNE, "cafe_yes", button_value(await invitation(run, HANNE), "cafe_yes"))
    await run.press(TOVE, "cafe_no", button_value(await invitation(run, TOVE), "cafe_no"))
    await run.press(KARSTEN, "cafe_yes", button_value(await invitation(run, KARSTEN), "cafe_yes"))
    await run.skip_to(datetime(2027, 2, 11, 9, 0))
    sent = await run.until(datetime(2027, 2, 12, 8, 0))  # Friday: the working day before Monday the 15th
    reminders = {r: m.text for r, m in sent if m.text.startswith("☕ Påmindelse")}
    assert set(reminders) == {HANNE, RASMUS, MAJA, KARSTEN}  # Tove declined
    assert reminders[RASMUS] == (
        "☕ Påmindelse: småbørnscafé i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30\n"
        "Kommer: Hanne Vestergaard (sundhedsplejerske), Karsten Bro (leder)\n"
        "Har ikke svaret: Rasmus Eg (småbørnskonsulent), Maja Strand (fysioterapeut)\n"
        "Du får denne besked, fordi du er småbørnskonsulent for Vuggestuen Mariehønen."
    )


# -- counts -----------------------------------------------------------------------------------------------------


async def test_registering_a_count_and_correcting_it(run: VisitRunner) -> None:
    first = await run(SOFIE, "/teambot café børn 2027-05 4")
    assert first.text == (
        "☕ Registreret: 4 børn i Vuggestuen Mariehønen fylder 1½ år i maj 2027\n"
        "teambot foreslår en café, når der er børn nok i aldersvinduet. Se status med `/teambot café`."
    )
    again = await run(SOFIE, "/teambot café børn maj 5")
    assert again.text.startswith("☕ Registreret: 5 børn i Vuggestuen Mariehønen fylder 1½ år i maj 2027 (før: 4)\n")
    assert (await run(KARSTEN, "/teambot café børn maj 2027 3 Birkelunden")).text.startswith(
        "☕ Registreret: 3 børn i Birkelunden fylder 1½ år i maj 2027"
    )
    assert (2, date(2027, 5, 1), 5) in await counts(run.db)


async def test_a_corrected_count_follows_into_the_cafe_already_proposed(run: VisitRunner) -> None:
    reply = await run(SOFIE, "/teambot café børn 2027-02 5")
    assert reply.text == (
        "☕ Registreret: 5 børn i Vuggestuen Mariehønen fylder 1½ år i februar 2027 (før: 4)\n"
        "De er med i småbørnscaféen mandag 15. februar 2027."
    )
    assert [(c.children, c.revision, c.changed_at) for c in await cafes(run.db)] == [(8, 1, run.clock.now())]
    # The same count again changes nothing a calendar shows.
    await run(SOFIE, "/teambot café børn 2027-02 5")
    assert [c.revision for c in await cafes(run.db)] == [1]


@pytest.mark.parametrize(
    ("user", "args", "message"),
    [
        (
            SOFIE,
            "",
            "Skriv fx `/teambot café børn 2027-03 4` eller `/teambot café børn marts 4 SOL`: måneden, antal børn der "
            "fylder 1½ år i den, og evt. institutionen. Kun antal — aldrig navne eller fødselsdatoer. Intet er gemt.",
        ),
        (
            SOFIE,
            "martz 4",
            "Jeg forstår ikke måneden «martz». Skriv fx 2027-03, marts eller marts 2027. Intet er gemt.",
        ),
        (SOFIE, "2027-03 fire", "Antallet skal være et helt tal fra 0 til 40 — du skrev «fire». Intet er gemt."),
        (SOFIE, "2027-03 -1", "Antallet skal være et helt tal fra 0 til 40 — du skrev «-1». Intet er gemt."),
        (SOFIE, "2027-03 41", "Antallet skal være et helt tal fra 0 til 40 — du skrev «41». Intet er gemt."),
        (SOFIE, "2027-03 ٣", "Antallet skal være et helt tal fra 0 til 40 — du skrev «٣». Intet er gemt."),
        (
            SOFIE,
            "2026-08 4",
            "august 2026 ligger for langt fra i dag. Registrér måneder fra oktober 2026 til januar 2029. "
            "Intet er gemt.",
        ),
        (
            SOFIE,
            "2027-03 4 SOL",
            "Kun personalet i Børnehuset Solsikken kan registrere børn til caféen. Intet er gemt.",
        ),
        (
            KARSTEN,
            "2027-03 4",
            # A lead of several is shown them by name, and how to write it (a substitute was; he got only codes).
            "Hvilken institution? Du kan registrere børn for Birkelunden (BIR), Vuggestuen Mariehønen (MAR) og "
            "Børnehuset Solsikken (SOL). Skriv koden til sidst, fx `/teambot café børn 2027-03 4 BIR`. Intet er gemt.",
        ),
        (
            SOFIE,
            "2027-03 4 Regnbuen",
            "Jeg kender ikke institutionen «Regnbuen». Skriv koden eller navnet, fx SOL. Intet er gemt.",
        ),
        (
            HANNE,
            "2027-03 4",
            "Du er ikke knyttet til en institution, så du kan ikke registrere børn. Intet er gemt.",
        ),
        (
            SOFIE,
            "2027-03 4 AK12 født 010190-1234",
            "Det ligner et CPR-nummer. Af hensyn til barnet gemmer teambot aldrig CPR-numre — skriv beskeden uden. "
            "Intet er gemt.",
        ),
    ],
)
async def test_count_refusals_store_nothing(run: VisitRunner, user: str, args: str, message: str) -> None:
    before = await snapshot(run.db)
    assert (await run(user, f"/teambot café børn {args}".rstrip())).text == message
    assert await snapshot(run.db) == before


async def test_a_substitute_with_an_institution_of_her_own_must_name_the_one_she_counts_for(run: VisitRunner) -> None:
    """Mette (a pædagog in Solsikken) stands in for Birgitte, Egebakken's lead: without a code her count went into
    Solsikken, silently, though she may count for Egebakken too. Now she is asked which, and nothing is stored."""
    await run(BIRGITTE, "/teambot fravær 2027-01-04 2027-01-08 Mette Jensen")
    before = await snapshot(run.db)

    refused = await run(METTE, "/teambot café børn april 2")

    assert refused.text == (
        "Hvilken institution? Du kan registrere børn for Børnehaven Egebakken (EGE) og Børnehuset Solsikken (SOL). "
        "Skriv koden til sidst, fx `/teambot café børn april 2 EGE`. Intet er gemt."
    )
    assert await snapshot(run.db) == before
    assert (await run(METTE, "/teambot café børn april 2 EGE")).text.startswith(
        "☕ Registreret: 2 børn i Børnehaven Egebakken fylder 1½ år i april 2027\n"
    )
    assert (await run(METTE, "/teambot café børn maj 3 SOL")).text.startswith(
        "☕ Registreret: 3 børn i Børnehuset Solsikken fylder 1½ år i maj 2027\n"
    )


async def test_a_substitute_with_no_institution_of_her_own_counts_for_the_one_she_stands_in_for(
    run: VisitRunner,
) -> None:
    """Pia (a sundhedsplejerske, in no institution) stands in for Birgitte: Egebakken is the only institution she may
    count for, so the code may be left out (she was told she belongs to no institution)."""
    await run(BIRGITTE, "/teambot fravær 2027-01-04 2027-01-08 Pia Skov")

    assert (await run(PIA, "/teambot café børn april 2")).text.startswith(
        "☕ Registreret: 2 børn i Børnehaven Egebakken fylder 1½ år i april 2027\n"
    )


async def test_a_lead_of_one_institution_standing_in_for_nobody_counts_without_a_code(run: VisitRunner) -> None:
    assert (await run(BIRGITTE, "/teambot café børn april 2")).text.startswith(
        "☕ Registreret: 2 børn i Børnehaven Egebakken fylder 1½ år i april 2027\n"
    )


async def test_the_overview_for_a_lead_with_several_institutions_and_for_outsiders(run: VisitRunner) -> None:
    text = (await run(KARSTEN, "/teambot café")).text
    assert text.count("*Småbørnscafé · ") == 3
    assert (
        "*Småbørnscafé · Birkelunden*\n"
        "Næste: 5 børn, der fylder 1½ år i marts 2027 — caféen i marts 2027 foreslås senest 28 dage før."
    ) in text
    assert (
        "*Småbørnscafé · Børnehuset Solsikken*\n"
        "Venter på flere børn: 2 børn, der fylder 1½ år i april 2027 (der skal være mindst 3)."
    ) in text
    # A consultant without institutions sees the cafés they are invited to; someone with neither is told so.
    assert (await run(RASMUS, "/teambot café")).text.startswith("*Småbørnscafé · Vuggestuen Mariehønen*")
    assert (await run(PIA, "/teambot café")).text == (
        "Du er ikke knyttet til en institution og ikke inviteret til nogen småbørnscafé."
    )
    assert (
        await run(OUTSIDER, "/teambot café tekst")
    ).text == "Børnehaven Egebakken har ingen kommende småbørnscafé endnu."
    # Another institution's text is refused as such (it was refused as registering children).
    assert (await run(SOFIE, "/teambot café tekst SOL")).text == (
        "Kun personalet i Børnehuset Solsikken kan hente teksten til forældrene om caféen."
    )
    assert (await run(PIA, "/teambot café tekst")).text == (
        "Du er ikke knyttet til en institution, så der er ingen café at skrive til forældrene om."
    )
    assert (await run(KARSTEN, "/teambot café tekst")).text == (
        "Skriv hvilken institution til sidst, fx `/teambot café tekst BIR`: BIR, MAR, SOL."
    )


async def test_a_decline_beside_a_move_of_the_cafe_counts_both_in_its_sequence(run: VisitRunner) -> None:
    """PostgreSQL, READ COMMITTED: another transaction (a move off a closing day, a new count) holds the café's row
    while Maja says **Kan ikke**. Her decline waits for it and counts on from its revision: before, it had read the
    old one and wrote the same number, so a calendar that fetched between the two saw the move with no higher
    SEQUENCE and ignored it. (SQLite has one writer at a time: nothing to race.)"""
    if run.db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite runs one write transaction at a time")
    [cafe] = [c for c in await cafes(run.db) if c.day == CAFE_DAY]
    before = cafe.revision
    value = button_value(await invitation(run, MAJA), "cafe_no")
    async with run.db.engine.connect() as other:
        await other.exec_driver_sql(
            "UPDATE cafe_session SET revision = revision + 1 WHERE id = %(id)s", {"id": cafe.id}
        )  # the row is held until this transaction ends
        declining = asyncio.ensure_future(run.press(MAJA, "cafe_no", value))
        await until_waiting_for_locks(run.db)  # the decline has read what it reads, and waits for the row
        await other.commit()
    reply = await declining
    assert reply.text.startswith("❌ Du har meldt afbud")
    [after] = [c for c in await cafes(run.db) if c.id == cafe.id]
    assert after.revision == before + 2


async def test_two_clicks_on_kan_ikke_at_once_decline_once(run: VisitRunner) -> None:
    """PostgreSQL: two clicks of **Kan ikke** that arrive together (the café's row held meanwhile by another
    transaction, so both wait): the second sees the first's answer, and one stand-in is asked, not two."""
    if run.db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite runs one write transaction at a time")
    [cafe] = [c for c in await cafes(run.db) if c.day == CAFE_DAY]
    value = button_value(await invitation(run, MAJA), "cafe_no")
    async with run.db.engine.connect() as other:
        await other.exec_driver_sql("SELECT id FROM cafe_session WHERE id = %(id)s FOR UPDATE", {"id": cafe.id})
        clicks = [asyncio.ensure_future(run.press(MAJA, "cafe_no", value)) for _ in range(2)]
        await until_waiting_for_locks(run.db, 2)  # both have read the invitation, and wait for the café
        await other.commit()
    replies = sorted(reply.text for reply in await asyncio.gather(*clicks))
    assert replies[0].startswith("Du har allerede meldt afbud") and replies[1].startswith("❌ Du har meldt afbud")
    async with run.db.read() as session:
        asked = (
            await session.exec(
                select(CafeInvite).where(CafeInvite.session_id == cafe.id, col(CafeInvite.stands_in_for).is_not(None))
            )
        ).all()
    assert len(asked) == 1


async def test_fravaer_over_a_cafe_she_is_invited_to_says_how_to_hand_it_on(run: VisitRunner) -> None:
    # The invitation stays hers (she answers it, the bot does not answer for her): the reply points her to it.
    await run.press(HANNE, "cafe_yes", button_value(await invitation(run, HANNE), "cafe_yes"))
    await run.press(MAJA, "cafe_no", button_value(await invitation(run, MAJA), "cafe_no"))
    advice = (
        " Du er inviteret til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30, som ligger i "
        "dit fravær: tryk «Kan ikke» i invitationen, så spørger jeg en kollega."
    )

    assert (await run(HANNE, "/teambot fravær 2027-02-15 2027-02-16")).text.endswith(advice)
    # Maja has said «Kan ikke» already: nothing to do.
    assert "småbørnscaféen" not in (await run(MAJA, "/teambot fravær 2027-02-15 2027-02-16")).text


async def test_fravaer_over_a_cafe_a_lead_is_invited_to_promises_no_colleague(run: VisitRunner) -> None:
    # A lead's «Kan ikke» asks nobody in her place.
    reply = await run(KARSTEN, "/teambot fravær 2027-02-15 2027-02-16")

    assert reply.text.endswith(
        " Du er inviteret til småbørnscaféen i Vuggestuen Mariehønen mandag 15. februar 2027 kl. 09.30, som ligger i "
        "dit fravær: tryk «Kan ikke» i invitationen."
    )


async def test_one_child_reads_in_the_singular(run: VisitRunner) -> None:
    reply = await run(SOFIE, "/teambot café børn 2027-06 1")

    assert reply.text.startswith("☕ Registreret: 1 barn i Vuggestuen Mariehønen fylder 1½ år i juni 2027")
    assert "Venter på flere børn: 1 barn, der fylder 1½ år i juni 2027" in (await run(SOFIE, "/teambot café")).text

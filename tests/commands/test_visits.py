"""Consultant visits as users meet them: `/teambot hvem`, `/teambot besøg`, `/teambot tema`, and the Bekræft · Flyt
buttons with the date-picker modal. The årshjul is laid on 1 December 2026 by the real planner."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from helpers_visits import (
    BIRGITTE,
    HANNE,
    KARSTEN,
    LISE,
    METTE,
    OUTSIDER,
    PIA,
    SOFIE,
    SOL_CHANNEL,
    VisitRunner,
    button_value,
    load_visit_roster,
    rows,
    visit_roster,
    visits,
)
from teambot.commands import run_view
from teambot.domain.roster import parse_roster
from teambot.i18n import format_date, format_short_date
from teambot.store.db import Database
from teambot.store.models import Staff, Visit, VisitTheme
from teambot.store.roster_import import import_roster
from teambot.testing.clock import FakeClock

SOL_VISIT = date(2027, 3, 11)  # Hanne's first-quarter visit to Solsikken, uge 10


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> VisitRunner:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load_visit_roster(db, clock, hanne_absences=[{"from": "2027-02-15", "to": "2027-02-19", "substitute": PIA}])
    runner = VisitRunner(db, clock)
    await runner.plan()
    await runner.skip_to(datetime(2027, 2, 17, 9, 0))  # the confirm request for 11 March is due tomorrow
    return runner


async def snapshot(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """What a refusal must leave as it was: visits, outbox rows, themes."""
    async with db.read() as session:
        themes = len((await session.exec(select(VisitTheme))).all())
    return (
        [(v.id, v.day, v.status, v.confirmed_by) for v in await visits(db)],
        [(r.dedupe_key, r.status, r.due_at) for r in await rows(db)],
        themes,
    )


async def sol_visit(db: Database) -> Visit:
    [visit] = [v for v in await visits(db, "SOL") if v.day == SOL_VISIT]
    return visit


# -- /teambot hvem ----------------------------------------------------------------------------------------------


async def test_hvem_shows_the_routing_table_of_the_caller_s_institution(run: VisitRunner) -> None:
    reply = await run(METTE, "/teambot hvem")
    assert reply.text == (
        "*Hvem er hvem · Børnehuset Solsikken (SOL)* · distrikt Nord\n"
        "• leder: Karsten Bro\n"
        "• psykolog: ingen fast — beskeder går til lederen\n"
        "• tale-hørekonsulent: Tove Munk (for distrikt Nord)\n"
        "• sundhedsplejerske: Hanne Vestergaard (fast for institutionen) — fraværende til og med "
        "fredag 19. februar 2027; stedfortræder: Pia Skov\n"
        "• småbørnskonsulent: Rasmus Eg (for distrikt Nord)\n"
        "• fysioterapeut: Mikkel Holt (fast for institutionen)\n"
        "• socialrådgiver: ingen fast — beskeder går til lederen\n"
        "_Fravær og stedfortræder registreres med `/teambot fravær`._"
    )
    assert reply.ephemeral


async def test_hvem_for_a_named_institution_and_for_a_consultant_without_institutions(run: VisitRunner) -> None:
    egebakken = await run(METTE, "/teambot hvem Egebakken")
    assert egebakken.text.splitlines()[:3] == [
        "*Hvem er hvem · Børnehaven Egebakken (EGE)* · distrikt Syd",
        "• leder: Birgitte Holm",
        "• psykolog: ingen fast — beskeder går til lederen",
    ]
    assert "• sundhedsplejerske: Lise Bach (fast for institutionen)" in egebakken.text
    assert (await run(METTE, "/teambot hvem ege")).text == egebakken.text
    # Hanne belongs to no institution: she sees the ones she covers.
    titles = [line for line in (await run(HANNE, "/teambot hvem")).text.splitlines() if line.startswith("*")]
    assert titles == [
        "*Hvem er hvem · Vuggestuen Mariehønen (MAR)* · distrikt Nord",
        "*Hvem er hvem · Børnehuset Solsikken (SOL)* · distrikt Nord",
    ]


async def test_hvem_with_an_unknown_institution(run: VisitRunner) -> None:
    reply = await run(METTE, "/teambot hvem Regnbuen")
    assert reply.text == (
        "Jeg kender ikke institutionen «Regnbuen». Skriv koden eller navnet, fx SOL eller Solsikken. "
        "Institutionerne: BIR, EGE, MAR, SOL."
    )
    assert (await run("U0STRANGER", "/teambot hvem")).text.startswith("Jeg kender dig ikke endnu.")


# -- /teambot besøg ---------------------------------------------------------------------------------------------


async def test_besoeg_shows_the_caller_s_year_by_iso_week(run: VisitRunner) -> None:
    reply = await run(HANNE, "/teambot besøg 2027")
    assert reply.text == (
        "*Årshjul 2027 · konsulentbesøg*\n"
        "*1. kvartal*\n"
        "uge 4: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · to 28/1\n"
        "uge 10: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · to 11/3\n"
        "*2. kvartal*\n"
        "uge 17: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · on 28/4\n"
        "uge 24: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ma 14/6\n"
        "*3. kvartal*\n"
        "uge 30: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · to 29/7\n"
        "uge 37: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ti 14/9\n"
        "*4. kvartal*\n"
        "uge 43: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · fr 29/10\n"
        "uge 50: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ti 14/12"
    )
    # Without a year: this year's. A pædagog sees their institution's visits.
    assert (await run(HANNE, "/teambot besøg")).text == reply.text
    assert [line for line in (await run(METTE, "/teambot besøg")).text.splitlines() if "uge" in line] == [
        "uge 10: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · to 11/3",
        "uge 24: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ma 14/6",
        "uge 37: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ti 14/9",
        "uge 50: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · ti 14/12",
    ]


async def test_besoeg_for_everyone_and_for_one_institution(run: VisitRunner) -> None:
    everyone = (await run(SOFIE, "/teambot besøg 2027 alle")).text.splitlines()
    assert everyone[0] == "*Årshjul 2027 · konsulentbesøg · hele kommunen*"
    assert len([line for line in everyone if line.startswith("uge")]) == 4 * 4  # four institutions, four quarters
    lise = await run(SOFIE, "/teambot besøg 2027 EGE")
    assert lise.text.splitlines()[:3] == [
        "*Årshjul 2027 · konsulentbesøg · Børnehaven Egebakken*",
        "*1. kvartal*",
        "uge 11: Børnehaven Egebakken — Lise Bach (sundhedsplejerske) · ti 16/3",
    ]


async def test_besoeg_for_a_year_not_planned_yet_and_bad_input(run: VisitRunner) -> None:
    assert (await run(HANNE, "/teambot besøg 2029")).text == (
        "Årshjulet for 2029 er ikke lagt endnu. teambot lægger det selv fra søndag 1. oktober 2028, eller en "
        "administrator kan køre `teambot plan visits --year 2029`."
    )
    assert (
        await run(HANNE, "/teambot besøg 1999")
    ).text == "Jeg forstår ikke året «1999». Skriv fx `/teambot besøg 2027`."
    assert (await run(HANNE, "/teambot besøg 2027 Regnbuen")).text.startswith(
        "Jeg kender ikke institutionen «Regnbuen»."
    )


# -- /teambot tema ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "line", "message"),
    [
        (
            METTE,
            "/teambot tema",
            "Skriv fx `/teambot tema SOL Søvn og gode rutiner` (institution og tema). Intet er gemt.",
        ),
        (
            METTE,
            "/teambot tema Regnbuen Søvn",
            "Jeg kender ikke institutionen «Regnbuen». Skriv koden eller navnet, fx SOL eller Solsikken. "
            "Institutionerne: BIR, EGE, MAR, SOL. Intet er gemt.",
        ),
        (
            OUTSIDER,
            "/teambot tema SOL Søvn",
            "Kun personalet i Børnehuset Solsikken og den besøgende konsulent kan tilføje temaer. Intet er gemt.",
        ),
        (
            LISE,
            "/teambot tema SOL Søvn",
            "Kun personalet i Børnehuset Solsikken og den besøgende konsulent kan tilføje temaer. Intet er gemt.",
        ),
        (
            METTE,
            "/teambot tema SOL " + "x" * 201,
            "Temaet er 201 tegn; det må højst være 200. Skriv det kortere. Intet er gemt.",
        ),
        (
            METTE,
            "/teambot tema SOL Barnet 010190-1234 sover dårligt",
            "Det ligner et CPR-nummer. Af hensyn til barnet gemmer teambot aldrig CPR-numre — skriv beskeden uden. "
            "Intet er gemt.",
        ),
    ],
)
async def test_tema_refusals_store_nothing(run: VisitRunner, user: str, line: str, message: str) -> None:
    before = await snapshot(run.db)
    assert (await run(user, line)).text == message
    assert await snapshot(run.db) == before


async def test_tema_refuses_a_duplicate_and_the_consultant_may_add_themes(run: VisitRunner) -> None:
    await run(METTE, "/teambot tema SOL Søvn og gode rutiner")
    before = await snapshot(run.db)
    assert (await run(KARSTEN, "/teambot tema SOL søvn og gode rutiner")).text == (
        "Temaet «søvn og gode rutiner» er allerede med. Intet er gemt."
    )
    assert await snapshot(run.db) == before
    assert (await run(HANNE, "/teambot tema SOL Overgang til børnehave")).text.endswith("Temaer indtil nu: 2.")


async def test_tema_without_an_upcoming_visit(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load_visit_roster(db, clock)  # nothing planned yet
    reply = await VisitRunner(db, clock)(METTE, "/teambot tema SOL Søvn")
    assert reply.text == "Børnehuset Solsikken har intet kommende konsulentbesøg at tilføje temaer til. Intet er gemt."


# -- Bekræft · Flyt ---------------------------------------------------------------------------------------------


async def confirm_request(run: VisitRunner) -> str:
    """The confirm request arrives Thursday 18 February. Hanne is away that week, but she is back for the visit on
    11 March, so it is hers: messages about a visit are routed by the visit's day."""
    sent = await run.until(datetime(2027, 2, 18, 8, 0))
    [(recipient, request)] = [(r, m) for r, m in sent if m.text.startswith("🩺 Konsulentbesøg i Børnehuset Solsikken")]
    assert recipient == HANNE
    assert request.text == (
        "🩺 Konsulentbesøg i Børnehuset Solsikken torsdag 11. marts 2027 (uge 10)\n"
        "Passer dagen? Bekræft den, eller flyt besøget til en anden arbejdsdag i kvartalet. Institutionen får en "
        "tekst til forældrene torsdag 25. februar 2027.\n"
        "Du får denne besked, fordi du er sundhedsplejerske for Børnehuset Solsikken."
    )
    return button_value(request, "visit_confirm")


async def test_bekraeft_confirms_the_visit_and_the_reminder_drops_its_buttons(run: VisitRunner) -> None:
    value = await confirm_request(run)
    reply = await run.press(HANNE, "visit_confirm", value)
    assert reply.text == "✅ Du har bekræftet konsulentbesøget i Børnehuset Solsikken torsdag 11. marts 2027."
    assert reply.replace_original
    visit = await sol_visit(run.db)
    assert (visit.status, visit.confirmed_by is not None) == ("confirmed", True)
    [reminder] = [r for r in await rows(run.db, "visit.reminder", status="pending") if r.event_day == SOL_VISIT]
    assert not [b for b in reminder.payload["blocks"] if b["type"] == "actions"]
    assert "· bekræftet" in (await run(HANNE, "/teambot besøg 2027")).text


async def test_bekraeft_on_a_request_for_a_day_the_visit_has_left_confirms_nothing(run: VisitRunner) -> None:
    """Hanne has the confirm request for 11 March when a roster import makes that day a closing day and the planner
    moves the visit: her old Bekræft must not confirm a day she was never asked about."""
    old = await confirm_request(run)
    [sol] = [v for v in await visits(run.db, "SOL") if v.day == SOL_VISIT]
    await load_visit_roster(run.db, run.clock, closing={"SOL": [SOL_VISIT.isoformat()]})
    await run.plan()
    [moved] = [v for v in await visits(run.db, "SOL") if v.id == sol.id]
    assert moved.day != SOL_VISIT
    before = await snapshot(run.db)

    assert (await run.press(HANNE, "visit_confirm", old)).text == (
        f"Besøget i Børnehuset Solsikken er flyttet til {format_date(moved.day)}, så den knap gælder ikke længere. "
        "Skriv `/teambot besøg` for at se årshjulet. Intet er gemt."
    )
    assert await snapshot(run.db) == before
    # A button from before buttons named the day (the id alone) confirms nothing either, once the planner has
    # moved the visit; one naming the visit's day confirms it.
    assert (await run.press(HANNE, "visit_confirm", str(sol.id))).text == (
        f"Besøget i Børnehuset Solsikken er flyttet til {format_date(moved.day)}, så den knap gælder ikke længere. "
        "Skriv `/teambot besøg` for at se årshjulet. Intet er gemt."
    )
    assert await snapshot(run.db) == before
    assert (await run.press(HANNE, "visit_confirm", f"{sol.id}:{moved.day.isoformat()}")).text.startswith("✅")
    [confirmed] = [v for v in await visits(run.db, "SOL") if v.id == sol.id]
    assert confirmed.confirmed_by is not None


async def test_a_confirm_button_with_the_visit_id_alone_still_confirms(run: VisitRunner) -> None:
    """Requests already in Slack when this version is deployed carry the visit's id alone."""
    await confirm_request(run)
    reply = await run.press(HANNE, "visit_confirm", str((await sol_visit(run.db)).id))
    assert reply.text == "✅ Du har bekræftet konsulentbesøget i Børnehuset Solsikken torsdag 11. marts 2027."


async def test_a_bekraeft_with_the_id_alone_is_refused_once_a_new_consultant_has_the_visit_on_another_day(
    run: VisitRunner,
) -> None:
    """On 18 February Pia becomes Solsikken's sundhedsplejerske; her own visit to Birkelunden is on 11 March, so the
    planner gives Solsikken's visit another day (it stays planned, not moved). Karsten's old button with the id
    alone must not confirm that day, which nobody was asked about."""
    old = await confirm_request(run)
    sol = await sol_visit(run.db)
    async with run.db.write() as session:
        [bir] = [v for v in (await session.exec(select(Visit))).all() if v.institution_id == 3 and v.quarter == 1]
        bir.day = SOL_VISIT
        session.add(bir)
    raw = visit_roster()
    for assignment in raw["assignment"]:
        if assignment["staff"] == HANNE:
            assignment["institutions"] = ["MAR"]
        if assignment["staff"] == PIA:
            assignment["institutions"] = ["BIR", "SOL"]
    await import_roster(run.db, parse_roster(raw, source="test"), now=run.clock.now())
    await run.plan()
    [moved] = [v for v in await visits(run.db, "SOL") if v.id == sol.id]
    assert (moved.day != SOL_VISIT, moved.status, moved.revision) == (True, "planned", 1)
    before = await snapshot(run.db)

    refused = (
        f"Besøget i Børnehuset Solsikken er flyttet til {format_date(moved.day)}, så den knap gælder ikke længere. "
        "Skriv `/teambot besøg` for at se årshjulet. Intet er gemt."
    )
    assert (await run.press(KARSTEN, "visit_confirm", str(sol.id))).text == refused
    assert (await run.press(KARSTEN, "visit_confirm", old)).text == refused
    assert await snapshot(run.db) == before


async def test_an_agreed_visit_becomes_the_new_consultants_and_her_diary_counts_it(run: VisitRunner) -> None:
    """Pia agrees Birkelunden's second-quarter visit; then Hanne becomes Birkelunden's sundhedsplejerske too. The
    agreed visit keeps its day and is Hanne's now, as its messages are: the årshjul names her, and she cannot be
    moved onto that day elsewhere (before, it stayed Pia's in the årshjul and in every diary but the messages')."""
    [bir] = [v for v in await visits(run.db, "BIR") if v.quarter == 2 and v.year == 2027]
    agreed = await run.press(PIA, "visit_confirm", f"{bir.id}:{bir.day.isoformat()}")
    assert agreed.text.startswith("✅ Du har bekræftet konsulentbesøget i Birkelunden")
    raw = visit_roster()
    raw["assignment"] = [a for a in raw["assignment"] if a["staff"] != PIA]
    for assignment in raw["assignment"]:
        if assignment["staff"] == HANNE:
            assignment["institutions"] = ["SOL", "MAR", "BIR"]
    await import_roster(run.db, parse_roster(raw, source="test"), now=run.clock.now())
    await run.plan()

    [kept] = [v for v in await visits(run.db, "BIR") if v.id == bir.id]
    assert (kept.day, kept.confirmed_by is not None) == (bir.day, True)
    assert (
        f"Birkelunden — Hanne Vestergaard (sundhedsplejerske) · {format_short_date(bir.day)}"
        in (await run(HANNE, "/teambot besøg 2027")).text  # her own årshjul
    )
    [sol] = [v for v in await visits(run.db, "SOL") if v.quarter == 2 and v.year == 2027]
    text, refused = await move(run, KARSTEN, f"{sol.id}:{sol.day.isoformat()}", bir.day.isoformat())
    assert refused and text.startswith(f"Hanne Vestergaard har allerede et besøg {format_date(bir.day)}")


async def test_only_the_consultant_or_the_lead_may_confirm_or_move(run: VisitRunner) -> None:
    value = await confirm_request(run)
    before = await snapshot(run.db)
    for user in (METTE, BIRGITTE, LISE, PIA):
        reply = await run.press(user, "visit_confirm", value)
        assert reply.text == (
            "Kun den besøgende konsulent og lederen i Børnehuset Solsikken kan bekræfte eller flytte besøget. "
            "Intet er gemt."
        )
        assert (await run.press(user, "visit_move", value)).text == reply.text
    for broken in ("not-a-number", "1:", "1:11-03-2027", ":2027-03-11"):
        assert (await run.press(HANNE, "visit_confirm", broken)).text == (
            "Det besøg findes ikke længere. Skriv `/teambot besøg` for at se årshjulet. Intet er gemt."
        )
    assert await snapshot(run.db) == before


async def move(run: VisitRunner, user: str, visit_id: str, day: str) -> tuple[str, bool]:
    modal = await run.press(user, "visit_move", visit_id)
    assert modal.modal is not None and modal.modal["callback_id"] == "visit_move_modal"
    outcome = await run_view(run.context(user), "visit_move_modal", {"day": day}, modal.modal["private_metadata"])
    return outcome.reply.text, outcome.refused


async def test_flyt_opens_a_date_picker_and_moves_the_visit_within_its_quarter(run: VisitRunner) -> None:
    value = await confirm_request(run)
    modal = await run.press(KARSTEN, "visit_move", value)
    assert modal.text == "Vælg den nye dag for besøget i Børnehuset Solsikken."
    assert modal.modal is not None
    [picker] = [b["element"] for b in modal.modal["blocks"] if b["type"] == "input"]
    assert picker == {"type": "datepicker", "action_id": "day", "initial_date": "2027-03-11"}

    text, refused = await move(run, KARSTEN, value, "2027-03-16")
    assert (text, refused) == (
        "🔁 Konsulentbesøget i Børnehuset Solsikken er flyttet til tirsdag 16. marts 2027. 1 får besked.",
        False,
    )
    [visit] = [v for v in await visits(run.db, "SOL") if v.quarter == 1 and v.year == 2027]
    assert (visit.day, visit.status) == (date(2027, 3, 16), "moved")
    # The old day's messages are cancelled; the new day's are planned; Hanne is told at once.
    old = {r.kind for r in await rows(run.db, status="pending") if r.event_day == SOL_VISIT}
    assert old == set()
    new = {
        (r.kind, r.recipient)
        for r in await rows(run.db, status="pending")
        if r.event_day == date(2027, 3, 16) and r.subject == "SOL"
    }
    assert new == {("visit.moved", HANNE), ("visit.notice", SOL_CHANNEL), ("visit.reminder", HANNE)}
    [told] = await rows(run.db, "visit.moved")
    assert told.payload["text"] == (
        "🔁 Konsulentbesøget i Børnehuset Solsikken er flyttet fra torsdag 11. marts 2027 til tirsdag 16. marts 2027 "
        "af Karsten Bro.\n"
        "Du får denne besked, fordi du er sundhedsplejerske for Børnehuset Solsikken."
    )
    assert told.due_at == run.clock.now()


async def test_a_lead_away_today_has_the_move_told_to_his_substitute(run: VisitRunner) -> None:
    """Karsten is away from today (18 February) to 19 March with Mette standing in; Hanne moves the visit to the
    16th: Mette is told in his place (the move is news now), saying on whose behalf; Karsten is not."""
    value = await confirm_request(run)
    await run(KARSTEN, "/teambot fravær 2027-02-18 2027-03-19 Mette Jensen")
    await move(run, HANNE, value, "2027-03-16")
    [told] = await rows(run.db, "visit.moved")
    assert told.recipient == METTE
    assert told.payload["text"] == (
        "🔁 Konsulentbesøget i Børnehuset Solsikken er flyttet fra torsdag 11. marts 2027 til tirsdag 16. marts 2027 "
        "af Hanne Vestergaard.\n"
        "Du får denne besked, fordi du er stedfortræder for Karsten Bro (leder for Børnehuset Solsikken)."
    )


async def test_a_lead_away_only_on_the_new_day_is_told_of_the_move_himself(run: VisitRunner) -> None:
    """Karsten is away 15–19 March with Mette standing in, but here today: he is told that Hanne moved the visit to
    the 16th (it goes out now), Mette is not."""
    value = await confirm_request(run)
    await run(KARSTEN, "/teambot fravær 2027-03-15 2027-03-19 Mette Jensen")
    await move(run, HANNE, value, "2027-03-16")
    [told] = await rows(run.db, "visit.moved")
    assert told.recipient == KARSTEN
    assert told.payload["text"].endswith("Du får denne besked, fordi du er leder for Børnehuset Solsikken.")


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2027-02-10", "onsdag 10. februar 2027 er allerede gået. Vælg en dag fra i dag og frem. Intet er gemt."),
        (
            "2027-04-06",
            "tirsdag 6. april 2027 ligger uden for besøgets kvartal. Vælg en dag fra fredag 1. januar 2027 til "
            "onsdag 31. marts 2027, så institutionen stadig får ét besøg i 1. kvartal 2027. Intet er gemt.",
        ),
        (
            "2027-03-25",
            "torsdag 25. marts 2027 er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). "
            "Vælg en anden dag. Intet er gemt.",
        ),
        ("2027-03-11", "Besøget ligger allerede torsdag 11. marts 2027. Intet er gemt."),
        ("11/3", "Jeg forstår ikke datoen «11/3». Vælg en dato i kalenderen. Intet er gemt."),
    ],
)
async def test_flyt_refusals_keep_the_modal_open_and_store_nothing(run: VisitRunner, day: str, message: str) -> None:
    value = await confirm_request(run)
    before = await snapshot(run.db)
    assert await move(run, HANNE, value, day) == (message, True)
    assert await snapshot(run.db) == before


async def test_a_consultant_cannot_be_moved_onto_a_day_with_another_visit(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 1, 7, 0))
    await load_visit_roster(db, clock)
    run = VisitRunner(db, clock)
    await run.plan()
    await run.skip_to(datetime(2027, 1, 5, 9, 0))  # Hanne's visit to Mariehønen on Thursday 28 January is ahead
    before = await snapshot(db)
    text, refused = await move(run, HANNE, str((await sol_visit(db)).id), "2027-01-28")
    assert (text, refused) == (
        "Hanne Vestergaard har allerede et besøg torsdag 28. januar 2027 (i Vuggestuen Mariehønen). Vælg en anden dag. "
        "Intet er gemt.",
        True,
    )
    assert await snapshot(db) == before


async def test_parents_told_the_old_date_get_a_new_text_at_once(run: VisitRunner) -> None:
    value = await confirm_request(run)
    await run.until(datetime(2027, 2, 25, 9, 0))  # the parents' notice for 11 March has gone to the channel
    await move(run, HANNE, value, "2027-03-16")
    sent = await run.until(datetime(2027, 2, 25, 9, 1))
    [(recipient, notice)] = [(r, m) for r, m in sent if m.text.startswith("🔁 Konsulentbesøget er flyttet")]
    assert recipient == SOL_CHANNEL
    assert notice.text.splitlines()[0] == (
        "🔁 Konsulentbesøget er flyttet til tirsdag 16. marts 2027: Hanne Vestergaard (sundhedsplejerske) kommer til "
        "Børnehuset Solsikken."
    )
    assert "> Tirsdag 16. marts 2027 kommer vores sundhedsplejerske, Hanne Vestergaard" in notice.text
    assert "> Skriv jeres forslag til os senest torsdag 11. marts 2027." in notice.text


async def test_parents_told_of_a_move_hear_when_the_visit_moves_back(run: VisitRunner) -> None:
    """11 March → 16 March → 11 March after the parents' notice went out: the text for the 11th had been sent
    before, so nothing went to the channel, and the parents last heard "16. marts"."""
    value = await confirm_request(run)
    await run.until(datetime(2027, 2, 25, 9, 0))
    await move(run, HANNE, value, "2027-03-16")
    await run.until(datetime(2027, 2, 25, 9, 1))
    run.clock.set(datetime(2027, 2, 26, 10, 0))
    await move(run, HANNE, value, "2027-03-11")

    sent = await run.until(datetime(2027, 2, 26, 10, 1))

    [(recipient, notice)] = [(r, m) for r, m in sent if m.text.startswith("🔁 Konsulentbesøget er flyttet")]
    assert recipient == SOL_CHANNEL
    assert "> Torsdag 11. marts 2027 kommer vores sundhedsplejerske, Hanne Vestergaard" in notice.text
    # And no second text later: the parents have the current date.
    later = await run.until(datetime(2027, 3, 11, 18, 0))
    assert [r for r, m in later if r == SOL_CHANNEL and "Kære forældre" in m.text] == []


async def test_moved_away_before_the_parents_heard_and_back_after_they_did_the_channel_gets_one_text(
    run: VisitRunner,
) -> None:
    """11 → 16 March before the text for the 11th went out (it is cancelled), the text for the 16th goes out, then
    back to the 11th: the cancelled text for the 11th comes back under its old row and is sent. Ordered by row, the
    latest text looked like the one for the 16th, and a second "flyttet til 11. marts" followed the next day."""
    value = await confirm_request(run)
    run.clock.set(datetime(2027, 2, 18, 10, 0))
    await move(run, HANNE, value, "2027-03-16")
    sent = await run.until(datetime(2027, 3, 3, 9, 0))
    run.clock.set(datetime(2027, 3, 3, 10, 0))
    await move(run, HANNE, value, "2027-03-11")
    sent += await run.until(datetime(2027, 3, 11, 18, 0))

    to_channel = [m.text.splitlines()[0] for r, m in sent if r == SOL_CHANNEL]
    assert [line for line in to_channel if "flyttet til torsdag 11. marts" in line] == [
        "🔁 Konsulentbesøget er flyttet til torsdag 11. marts 2027: Hanne Vestergaard (sundhedsplejerske) kommer til "
        "Børnehuset Solsikken."
    ]


async def test_fravaer_says_who_gets_the_visits_she_would_have_made_in_the_absence(run: VisitRunner) -> None:
    # Hanne's visits to Solsikken on 11 March and to Mariehønen on 28 April fall in her absences: the reply tells
    # her who has them now, so she need not ask.
    alone = await run(HANNE, "/teambot fravær 2027-03-10 2027-03-12")
    assert alone.text.endswith(
        " Ledelsen i Børnehuset Solsikken får beskederne om dit konsulentbesøg torsdag 11. marts 2027, "
        "da ingen står i dit sted."
    )
    with_pia = await run(HANNE, f"/teambot fravær 2027-04-26 2027-04-30 @{PIA}")
    assert with_pia.text.endswith(" Dit konsulentbesøg i Vuggestuen Mariehønen onsdag 28. april 2027 går til Pia Skov.")
    # A period without a visit says nothing of visits.
    assert "konsulentbesøg" not in (await run(HANNE, "/teambot fravær 2027-05-03 2027-05-04")).text


async def test_fravaer_says_nobody_gets_a_visits_messages_where_no_lead_is_on_slack(
    db: Database, clock: FakeClock
) -> None:
    """Karsten, Solsikken's only lead, is in the roster by email but not yet on Slack: with nobody standing in for
    Hanne, the planner sends her 11 March visit's messages to no one, and the reply must not say his do."""
    clock.set(datetime(2026, 12, 1, 7, 0))
    roster = visit_roster()
    [karsten] = [s for s in roster["staff"] if s.get("id") == KARSTEN]
    del karsten["id"]
    karsten["email"] = "karsten.bro@testkommune.dk"
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    run = VisitRunner(db, clock)
    await run.plan()
    await run.skip_to(datetime(2027, 2, 17, 9, 0))

    reply = await run(HANNE, "/teambot fravær 2027-03-10 2027-03-12")
    await run.plan()

    assert reply.text.endswith(
        " Ingen får beskederne om dit konsulentbesøg i Børnehuset Solsikken torsdag 11. marts 2027: ingen står i "
        "dit sted, og institutionen har ingen leder på Slack. Aftal selv med institutionen, hvad der sker med "
        "besøget."
    )
    visit = await sol_visit(db)
    to_people = [
        r.recipient
        for r in await rows(db, status="pending")
        if r.ref_type == "visit" and r.ref_id == visit.id and r.recipient != SOL_CHANNEL
    ]
    assert to_people == []


async def test_fravaer_says_nobody_gets_a_visits_messages_when_the_only_lead_is_away_too(run: VisitRunner) -> None:
    """Karsten, Solsikken's only lead, is away on 11 March with nobody standing in; so is Hanne: nobody gets her
    visit's messages, and the reply says why (he is on Slack)."""
    await run(KARSTEN, "/teambot fravær 2027-03-11 2027-03-11")
    reply = await run(HANNE, "/teambot fravær 2027-03-10 2027-03-12")
    assert reply.text.endswith(
        " Ingen får beskederne om dit konsulentbesøg i Børnehuset Solsikken torsdag 11. marts 2027: ingen står i "
        "dit sted, og ledelsen er også fraværende uden stedfortræder. Aftal selv med institutionen, hvad der sker "
        "med besøget."
    )


async def test_besoeg_shows_who_makes_a_visit_in_the_consultants_place(run: VisitRunner) -> None:
    await run(HANNE, f"/teambot fravær 2027-04-26 2027-04-30 @{PIA}")
    await run(HANNE, "/teambot fravær 2027-03-10 2027-03-12")

    hanne = (await run(HANNE, "/teambot besøg 2027")).text.splitlines()
    assert "uge 10: Børnehuset Solsikken — Hanne Vestergaard (sundhedsplejerske) · to 11/3 · ingen stedfortræder" in (
        hanne
    )
    assert "uge 17: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · on 28/4 · Pia Skov i stedet" in (
        hanne
    )
    # Pia makes the 28 April visit: it is in her årshjul too, beside her own.
    pia = (await run(PIA, "/teambot besøg 2027")).text.splitlines()
    assert "uge 17: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · on 28/4 · Pia Skov i stedet" in pia


async def test_fravaer_of_a_substitute_says_the_visit_she_makes_for_a_colleague_stays_hers(run: VisitRunner) -> None:
    # A substitute's own absence hands nothing on (as for meetings): the reply must not leave her thinking it does.
    await run(HANNE, f"/teambot fravær 2027-03-10 2027-03-12 @{PIA}")

    reply = await run(PIA, "/teambot fravær 2027-03-11 2027-03-11")

    assert reply.text.endswith(
        " Konsulentbesøget i Børnehuset Solsikken torsdag 11. marts 2027, som du tager for Hanne Vestergaard, "
        "går stadig til dig, selvom du selv er fraværende."
    )


async def test_fravaer_slet_gives_the_consultant_her_visits_back(run: VisitRunner) -> None:
    """Hanne takes back her absence in the week of her 28 April visit: the reply says the visit is hers again, her
    årshjul and Pia's show it so, and its messages are routed to her."""
    await run(HANNE, f"/teambot fravær 2027-04-26 2027-04-30 @{PIA}")
    reply = await run(HANNE, "/teambot fravær slet 27/4")
    assert reply.text.endswith(" Dit konsulentbesøg i Vuggestuen Mariehønen onsdag 28. april 2027 er dit igen.")
    line = "uge 17: Vuggestuen Mariehønen — Hanne Vestergaard (sundhedsplejerske) · on 28/4"
    assert line in (await run(HANNE, "/teambot besøg 2027")).text.splitlines()
    assert not any(
        "28/4" in shown and "Pia Skov i stedet" in shown
        for shown in (await run(PIA, "/teambot besøg 2027")).text.splitlines()
    )
    [visit] = [v for v in await visits(run.db, "MAR") if v.day == date(2027, 4, 28)]
    async with run.db.read() as session:
        hanne = (await session.exec(select(Staff).where(Staff.slack_id == HANNE))).one()
    assert visit.visitor_id == hanne.id

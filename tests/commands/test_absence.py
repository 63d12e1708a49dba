"""`/teambot fravær` as users meet it: the reply says who gets what in the absent one's place (meeting invitations,
the children's rating reminder, a lead's Friday status and visit messages), and promises nothing to a substitute who
cannot get messages. The small roster is planned by the real planner, and every change re-plans the case the way the
running bot does."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from helpers_meetings import CO_LEAD, NOTHING_SAVED, STRANGER, PlanningRunner, planned, rows, snapshot
from teambot.commands import Context, run_command
from teambot.domain.roster import parse_roster
from teambot.scheduler.digest import digest_refreshers, plan_digests
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store import queries
from teambot.store.db import Database
from teambot.store.models import Absence, Case, Staff
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, SUBSTITUTE, load_small_roster, small_roster


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> PlanningRunner:
    return await planned(db, clock)


# -- /teambot fravær --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("substitute", ["<@U0SUBST01|ali>", "@U0SUBST01", "Ali Hassan"])
async def test_fravaer_sends_the_reminders_to_the_substitute(run: PlanningRunner, substitute: str) -> None:
    db = run.db
    reply = await run(PAEDAGOG, f"/teambot fravær 2027-03-15 2027-04-02 {substitute}")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Ali Hassan får dine mødeinvitationer i perioden. "
        "Ali Hassan får dine børn med i sin daglige påmindelse om registreringer."
    )
    pending = await rows(db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {SUBSTITUTE, PSYKOLOG, LEAD}
    text = next(r for r in pending if r.recipient == SUBSTITUTE).payload["text"]
    assert "Deltagere: Ali Hassan (pædagog, for Mette Jensen), Peter Friis (psykolog), Karsten Bro (leder)" in text
    assert text.endswith("Du får denne besked, fordi du er stedfortræder for Mette Jensen (pædagog for AK12).")
    assert {r.status for r in await rows(db, kind="meeting.reminder") if r.recipient == PAEDAGOG} == {"cancelled"}
    assert "tirsdag 30. marts 2027 kl. 14.00 — AK12" in (await run(SUBSTITUTE, "/teambot møder")).text


async def test_fravaer_without_substitute_leaves_the_absent_out(run: PlanningRunner) -> None:
    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Du får ingen mødeinvitationer i perioden. Ingen får en påmindelse om dine børns registreringer."
    )
    pending = await rows(run.db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PSYKOLOG, LEAD}


async def test_fravaer_tells_a_lead_who_gets_his_friday_status_and_visit_messages(run: PlanningRunner) -> None:
    with_ali = await run(LEAD, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert with_ali.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Ali Hassan får dine mødeinvitationer i perioden. "
        "Ali Hassan får din fredagsstatus og dine beskeder om konsulentbesøg i perioden."
    )
    alone = await run(LEAD, "/teambot fravær 2027-05-03 2027-05-07")
    assert alone.text == (
        "🗓️ Dit fravær mandag 3. maj 2027 – fredag 7. maj 2027 er registreret. "
        "Du får ingen mødeinvitationer i perioden. "
        "Ingen får din fredagsstatus eller dine beskeder om konsulentbesøg i perioden."
    )


async def test_fravaer_with_a_substitute_who_cannot_get_messages_tells_a_lead_nobody_gets_his_friday_status(
    db: Database, clock: FakeClock
) -> None:
    """Hanne is in the roster by email only, not (yet) found on Slack: standing in for Karsten she can be sent
    nothing, so his Friday status and his visit messages reach nobody in the period, and the reply says so rather
    than naming her for them."""
    roster = small_roster()
    roster["staff"].append(
        {"email": "hanne.holm@example.dk", "name": "Hanne Holm", "roles": ["pædagog"], "institutions": ["SOL"]}
    )
    clock.set(datetime(2027, 3, 10, 9, 0))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    reply = await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 15/3 19/3 Hanne Holm"
    )
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 19. marts 2027 er registreret. "
        "Ingen får dine mødeinvitationer i perioden, så længe Hanne Holm ikke kan få beskeder fra teambot på Slack. "
        "Ingen får din fredagsstatus eller dine beskeder om konsulentbesøg i perioden."
    )

    clock.set(datetime(2027, 3, 19, 0, 5))
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 0


async def test_fravaer_on_friday_afternoon_promises_no_friday_status_that_went_out(
    db: Database, clock: FakeClock
) -> None:
    """Karsten got his digest at 12:00 on Friday 5 March; at 13:00 he registers the day away with Ali. Ali gets no
    copy of it (the week's went out): the reply promises her none."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [LEAD]

    clock.set(datetime(2027, 3, 5, 13, 0))
    reply = await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    assert reply.text.endswith("Ali Hassan får dine beskeder om konsulentbesøg i perioden.")
    assert "fredagsstatus" not in reply.text


async def test_fravaer_with_a_co_lead_standing_in_promises_her_no_second_friday_status(
    db: Database, clock: FakeClock
) -> None:
    """Lone leads Solsikken too: standing in for Karsten she gets her own digest only, which shows his institution."""
    roster = small_roster()
    roster["staff"].append({"id": CO_LEAD, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    clock.set(datetime(2027, 3, 4, 15, 0))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    reply = await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 8/3 12/3 Lone Dahl"
    )
    assert reply.text.endswith("Lone Dahl får dine beskeder om konsulentbesøg i perioden.")
    assert "fredagsstatus" not in reply.text


async def test_fravaer_with_a_co_lead_away_herself_on_friday_names_her_for_the_friday_status(
    db: Database, clock: FakeClock
) -> None:
    """Lone leads Solsikken too, but is away herself on Friday 12 March: her own digest does not go out to show his
    institution, so Karsten's goes to her in his place, and the reply to his absence says so, as the planner has it."""
    roster = small_roster()
    roster["staff"].append({"id": CO_LEAD, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    clock.set(datetime(2027, 3, 4, 15, 0))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=CO_LEAD, zone=COPENHAGEN), "/teambot", "fravær 12/3 12/3")
    reply = await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 8/3 12/3 Lone Dahl"
    )
    assert "Lone Dahl får din fredagsstatus og dine beskeder om konsulentbesøg i perioden." in reply.text

    clock.set(datetime(2027, 3, 12, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 12, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    [(recipient, digest, _)] = messenger.sent
    assert recipient == CO_LEAD
    assert "fordi du er stedfortræder for Karsten Bro (leder)" in digest.text


async def test_fravaer_with_a_substitute_who_cannot_get_messages_promises_her_nothing(
    db: Database, clock: FakeClock
) -> None:
    """Hanne is in the roster by email only, not (yet) found on Slack: standing in for Mette she gets neither the
    meeting invitations (they go to nobody in Mette's place) nor a daily rating reminder, and the reply says so."""
    roster = small_roster(closing_days=["2027-04-07..2027-04-08"])
    roster["staff"].append(
        {"email": "hanne.holm@example.dk", "name": "Hanne Holm", "roles": ["pædagog"], "institutions": ["SOL"]}
    )
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    run = PlanningRunner(db, clock)
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.id is not None
    await run.replan(case.id)

    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Hanne Holm")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Ingen får dine mødeinvitationer i perioden, så længe Hanne Holm ikke kan få beskeder fra teambot på Slack. "
        "Ingen får en påmindelse om dine børns registreringer."
    )
    pending = await rows(db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PSYKOLOG, LEAD}


async def test_fravaer_says_when_the_substitute_may_not_rate_the_children(run: PlanningRunner) -> None:
    """Sofie works at Mariehønen, not at AK12's Solsikken: she may not rate AK12, so no daily reminder of hers
    holds it, and the reply says so instead of promising it (helper-56)."""
    reply = await run(PAEDAGOG, f"/teambot fravær 2027-03-15 2027-04-02 @{OUTSIDER}")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Sofie Lund får dine mødeinvitationer i perioden. "
        "Sofie Lund kan ikke registrere for AK12, så ingen får en påmindelse om de registreringer."
    )


async def test_fravaer_of_someone_without_children_says_nothing_of_children(run: PlanningRunner) -> None:
    reply = await run(PSYKOLOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Ali Hassan får dine mødeinvitationer i perioden."
    )


async def test_fravaer_over_an_earlier_one_says_the_earlier_still_decides(run: PlanningRunner) -> None:
    """The first absence covering a day decides who stands in (meetings and the nudge): a second one inside it is
    stored, and its reply says the first still holds instead of promising the new substitute anything; one that
    reaches past it promises for the rest and says the first holds on its days (helper-56, helper-57)."""
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02")
    inside = await run(PAEDAGOG, "/teambot fravær 2027-03-22 2027-03-23 Ali Hassan")
    assert inside.text == (
        "🗓️ Dit fravær mandag 22. marts 2027 – tirsdag 23. marts 2027 er registreret, men dit fravær "
        "mandag 15. marts 2027 – fredag 2. april 2027 (stedfortræder: ingen) dækker allerede de dage og gælder stadig."
    )
    past = await run(PAEDAGOG, "/teambot fravær 2027-03-29 2027-04-09 Ali Hassan")
    assert past.text == (
        "🗓️ Dit fravær mandag 29. marts 2027 – fredag 9. april 2027 er registreret. "
        "Ali Hassan får dine mødeinvitationer i perioden. "
        "Ali Hassan får dine børn med i sin daglige påmindelse om registreringer. "
        "Du havde allerede fravær mandag 15. marts 2027 – fredag 2. april 2027 (stedfortræder: ingen); "
        "på de dage gælder det stadig."
    )


async def test_fravaer_with_a_substitute_who_is_away_herself_says_so(run: PlanningRunner) -> None:
    """A substitute away herself stands in for nobody in the daily nudge (helper-57): the reply says which days."""
    await run(SUBSTITUTE, "/teambot fravær 2027-03-22 2027-04-16")
    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert reply.text.endswith(
        "Ali Hassan er selv væk mandag 22. marts 2027 – fredag 2. april 2027; de dage får ingen en påmindelse om "
        "dine børns registreringer."
    )


async def test_fravaer_lists_the_callers_absences(run: PlanningRunner) -> None:
    assert (await run(PAEDAGOG, "/teambot fravær")).text == "Du har intet registreret fravær."
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    await run(PAEDAGOG, "/teambot fravær 2027-06-01 2027-06-04")
    assert (await run(PAEDAGOG, "/teambot fravær")).text == (
        "*Dit fravær*\n"
        "• mandag 15. marts 2027 – fredag 2. april 2027 · stedfortræder: Ali Hassan\n"
        "• tirsdag 1. juni 2027 – fredag 4. juni 2027 · stedfortræder: ingen\n"
        "Slet et fravær med `/teambot fravær slet <dag>`."
    )
    assert (await run(SUBSTITUTE, "/teambot fravær")).text == "Du har intet registreret fravær."


async def test_a_one_day_absence_reads_as_its_day(run: PlanningRunner) -> None:
    """A one-day absence read «fredag 19. marts 2027 – fredag 19. marts 2027» in every reply: it names the day once."""
    registered = await run(PAEDAGOG, "/teambot fravær 2027-03-19 2027-03-19")
    assert registered.text == (
        "🗓️ Dit fravær fredag 19. marts 2027 er registreret. Du får ingen mødeinvitationer i perioden. "
        "Ingen får en påmindelse om dine børns registreringer."
    )
    await run(PAEDAGOG, "/teambot fravær 2027-06-01 2027-06-04")
    assert (await run(PAEDAGOG, "/teambot fravær")).text == (
        "*Dit fravær*\n"
        "• fredag 19. marts 2027 · stedfortræder: ingen\n"
        "• tirsdag 1. juni 2027 – fredag 4. juni 2027 · stedfortræder: ingen\n"
        "Slet et fravær med `/teambot fravær slet <dag>`."
    )
    assert (await run(PAEDAGOG, "/teambot fravær slet")).text == (
        "Du har flere fraværsperioder registreret: fredag 19. marts 2027; tirsdag 1. juni 2027 – fredag 4. juni 2027. "
        "Skriv en dag i det, du vil slette, fx `/teambot fravær slet 2/3`. Intet er gemt."
    )
    assert (await run(PAEDAGOG, "/teambot fravær slet 19/3")).text == (
        "🗑️ Dit fravær fredag 19. marts 2027 er slettet. "
        "Dine mødeinvitationer og påmindelser i perioden går igen til dig."
    )


async def test_a_one_day_absence_beside_another_reads_as_its_day(run: PlanningRunner) -> None:
    """The replies naming an earlier or a substitute's absence of one day name the day once too."""
    await run(PAEDAGOG, "/teambot fravær 2027-03-22 2027-03-22")
    await run(SUBSTITUTE, "/teambot fravær 2027-03-23 2027-03-23")
    over = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert "Ali Hassan er selv væk tirsdag 23. marts 2027; de dage får ingen en påmindelse" in over.text
    assert over.text.endswith(
        "Du havde allerede fravær mandag 22. marts 2027 (stedfortræder: ingen); på de dage gælder det stadig."
    )
    inside = await run(PAEDAGOG, "/teambot fravær 2027-03-30 2027-03-30")
    assert inside.text == (
        "🗓️ Dit fravær tirsdag 30. marts 2027 er registreret, men dit fravær mandag 15. marts 2027 – fredag 2. april "
        "2027 (stedfortræder: Ali Hassan) dækker allerede de dage og gælder stadig."
    )
    assert (await run(PAEDAGOG, "/teambot fravær slet 30/3")).text.startswith(
        "🗑️ Dit fravær tirsdag 30. marts 2027 er slettet. Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 "
        "gælder stadig"
    )
    taken = await run(PAEDAGOG, "/teambot fravær slet 15/3")
    assert taken.text == (
        "🗑️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er slettet. Dit fravær mandag 22. marts 2027 "
        "gælder stadig, så på de dage går dine beskeder fortsat, som det bestemmer."
    )


@pytest.mark.parametrize(
    ("args", "period"),
    [
        ("i dag i morgen", "torsdag 19. november 2026 – fredag 20. november 2026"),
        ("idag imorgen", "torsdag 19. november 2026 – fredag 20. november 2026"),
        ("I dag 27/11", "torsdag 19. november 2026 – fredag 27. november 2026"),
        ("20/11 i morgen", "fredag 20. november 2026"),
        # "i morgen" is tomorrow as the end too, not the day after the start
        ("i morgen i morgen", "fredag 20. november 2026"),
        ("imorgen imorgen", "fredag 20. november 2026"),
    ],
)
async def test_fravaer_reads_i_dag_and_i_morgen_as_days(run: PlanningRunner, args: str, period: str) -> None:
    """Today is Thursday 19 November 2026. «i dag» is one day in two words: `/teambot fravær i dag i morgen` was
    refused as not understanding the date «i»."""
    reply = await run(PAEDAGOG, f"/teambot fravær {args} Ali Hassan")
    assert reply.text.startswith(f"🗓️ Dit fravær {period} er registreret. Ali Hassan får dine mødeinvitationer")
    async with run.db.read() as session:
        [stored] = (await session.exec(select(Absence))).all()
    assert stored.substitute_id is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("32/13 2/4", "Jeg forstår ikke datoen «32/13». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("2/3 snart", "Jeg forstår ikke datoen «snart». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("i dg i morgen", "Jeg forstår ikke datoen «i dg». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("i dag i mrogen", "Jeg forstår ikke datoen «i mrogen». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("23/11 i morgen", "Slutdatoen ligger før startdatoen. Intet er gemt."),
        (
            "i dag",
            "Skriv fx `/teambot fravær 2/3 13/3 @Ali` (fra, til og evt. stedfortræder) eller "
            "`/teambot fravær slet 2/3`. Intet er gemt.",
        ),
        ("2027-04-02 2027-03-15", "Slutdatoen ligger før startdatoen. Intet er gemt."),
        (
            "15/12 1/12",  # swapped: without its year, the end became next year's
            "Slutdatoen «1/12» bliver onsdag 1. december 2027, over et halvt år efter tirsdag 15. december 2026. Har du"
            " byttet om på datoerne? Skriv den første dag først. Skal fraværet vare så længe, så skriv året med:"
            " 1/12/2027. Intet er gemt.",
        ),
        ("2026-11-02 2026-11-13", "Fraværet er allerede slut. Intet er gemt."),
        (
            "2027-03-15",
            "Skriv fx `/teambot fravær 2/3 13/3 @Ali` (fra, til og evt. stedfortræder) eller "
            "`/teambot fravær slet 2/3`. Intet er gemt.",
        ),
        (
            "2027-03-15 2027-04-02 Bo Ukendt",
            "Jeg kender ikke stedfortræderen «Bo Ukendt». Nævn personen med @ eller skriv det fulde navn. "
            "Intet er gemt.",
        ),
        ("2027-03-15 2027-04-02 <@U0PAED001>", "Du kan ikke være din egen stedfortræder. Intet er gemt."),
        ("2027-03-15 2027-04-02 Mette Jensen", "Du kan ikke være din egen stedfortræder. Intet er gemt."),
    ],
)
async def test_fravaer_refusals_change_nothing(run: PlanningRunner, args: str, expected: str) -> None:
    before = await snapshot(run.db)
    assert (await run(PAEDAGOG, f"/teambot fravær {args}")).text == expected
    assert await snapshot(run.db) == before


async def test_fravaer_by_a_stranger_is_refused(run: PlanningRunner) -> None:
    reply = await run(STRANGER, "/teambot fravær 2027-03-15 2027-04-02")
    assert reply.text.startswith("Jeg kender dig ikke endnu.") and reply.text.endswith(NOTHING_SAVED)


async def _ali_left(db: Database) -> Staff:
    """Ali Hassan has left: the roster no longer has him (a later import deactivates him; his Slack id stays)."""
    async with db.write() as session:
        ali = (await session.exec(select(Staff).where(Staff.slack_id == SUBSTITUTE))).one()
        ali.active = False
        session.add(ali)
    return ali


async def test_fravaer_naming_a_substitute_who_has_left_is_refused(run: PlanningRunner) -> None:
    """The command looks up active staff only: one who has left is not known as a substitute, and nothing is stored."""
    await _ali_left(run.db)
    before = await snapshot(run.db)
    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert reply.text == (
        "Jeg kender ikke stedfortræderen «Ali Hassan». Nævn personen med @ eller skriv det fulde navn. Intet er gemt."
    )
    assert await snapshot(run.db) == before


async def test_fravaer_with_a_substitute_who_has_left_promises_him_nothing(
    run: PlanningRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the lookup hand back one who has left (a roster import deactivating him while the command runs), he
    has a Slack id but cannot get messages (`queries.reachable_id`): the reply promises him neither the meeting
    invitations nor the children's rating reminder, as the routing and the nudge send him neither."""
    ali = await _ali_left(run.db)

    async def found_by_name(session: AsyncSession, name: str) -> Staff | None:
        return await session.get(Staff, ali.id) if name == "Ali Hassan" else None

    monkeypatch.setattr(queries, "staff_by_name", found_by_name)
    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Ingen får dine mødeinvitationer i perioden, så længe Ali Hassan ikke kan få beskeder fra teambot på Slack. "
        "Ingen får en påmindelse om dine børns registreringer."
    )
    pending = await rows(run.db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PSYKOLOG, LEAD}


@pytest.mark.parametrize(
    ("args", "until"),
    [
        ("20/12 5/1", "tirsdag 5. januar 2027"),
        ("15/12 1/12/2027", "onsdag 1. december 2027"),
        ("16/11 20/11", "fredag 20. november 2026"),  # today is 19 November: away since Monday, not next November
        ("1/6 30/6", "onsdag 30. juni 2027"),  # next summer, more than half a year ahead, is still next summer
    ],
)
async def test_fravaer_over_new_year_or_with_the_year_typed_is_recorded(
    run: PlanningRunner, args: str, until: str
) -> None:
    """A short absence over New Year needs no year; a long one is recorded when its end says its year."""
    reply = await run(PAEDAGOG, f"/teambot fravær {args}")
    assert reply.text.startswith("🗓️ Dit fravær ") and f" – {until} er registreret." in reply.text


# -- /teambot fravær slet ---------------------------------------------------------------------------------------


async def test_fravaer_slet_gives_the_meetings_and_the_children_back(run: PlanningRunner) -> None:
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    reply = await run(PAEDAGOG, "/teambot fravær slet 15/3")
    assert reply.text == (
        "🗑️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er slettet. "
        "Dine mødeinvitationer og påmindelser i perioden går igen til dig."
    )
    pending = await rows(run.db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PAEDAGOG, PSYKOLOG, LEAD}
    assert "AK12" not in (await run(SUBSTITUTE, "/teambot møder")).text
    assert "tirsdag 30. marts 2027 kl. 14.00 — AK12" in (await run(PAEDAGOG, "/teambot møder")).text
    assert (await run(PAEDAGOG, "/teambot fravær")).text == "Du har intet registreret fravær."


async def test_fravaer_slet_of_an_absence_begun_ends_it_yesterday(run: PlanningRunner) -> None:
    """Taken back on its second week, the absence keeps the days gone (Ali stood in then) and ends yesterday: from
    today the meeting invitations are Mette's again."""
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    run.clock.set(datetime(2027, 3, 22, 9, 0))
    reply = await run(PAEDAGOG, "/teambot fravær slet")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er afkortet, så det sluttede i går, søndag 21. "
        "marts 2027. Dine mødeinvitationer og påmindelser går igen til dig fra i dag."
    )
    assert (await run(PAEDAGOG, "/teambot fravær")).text == "Du har intet registreret fravær."
    async with run.db.read() as session:
        [kept] = (await session.exec(select(Absence))).all()
    assert (kept.start, kept.end) == (date(2027, 3, 15), date(2027, 3, 21))
    pending = await rows(run.db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PAEDAGOG, PSYKOLOG, LEAD}


async def test_fravaer_slet_of_one_of_two_overlapping_says_the_other_still_applies(run: PlanningRunner) -> None:
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    await run(PAEDAGOG, "/teambot fravær 2027-03-29 2027-04-09")
    before = await snapshot(run.db)
    refused = await run(PAEDAGOG, "/teambot fravær slet 30/3")
    assert refused.text == (
        "Flere af dine fraværsperioder dækker tirsdag 30. marts 2027: mandag 15. marts 2027 – fredag 2. april 2027; "
        "mandag 29. marts 2027 – fredag 9. april 2027. Skriv den første dag i det, du vil slette. Intet er gemt."
    )
    assert await snapshot(run.db) == before
    reply = await run(PAEDAGOG, "/teambot fravær slet 15/3")
    assert reply.text == (
        "🗑️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er slettet. Dit fravær mandag 29. marts 2027 – "
        "fredag 9. april 2027 gælder stadig, så på de dage går dine beskeder fortsat, som det bestemmer."
    )
    # The meeting on 30 March falls in the absence left, without a substitute: nobody in Mette's place is invited.
    pending = await rows(run.db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {PSYKOLOG, LEAD}


@pytest.mark.parametrize(
    ("absences", "args", "expected"),
    [
        ([], "slet", "Du har intet kommende fravær at slette. Intet er gemt."),
        ([], "slet 15/3", "Du har intet kommende fravær at slette. Intet er gemt."),
        (
            ["2027-03-15 2027-03-19", "2027-06-01 2027-06-04"],
            "slet",
            "Du har flere fraværsperioder registreret: mandag 15. marts 2027 – fredag 19. marts 2027; tirsdag 1. juni "
            "2027 – fredag 4. juni 2027. Skriv en dag i det, du vil slette, fx `/teambot fravær slet 2/3`. "
            "Intet er gemt.",
        ),
        (
            ["2027-03-15 2027-03-19"],
            "slet 22/3",
            "Du har intet kommende fravær, der dækker mandag 22. marts 2027. Dit fravær: mandag 15. marts 2027 – "
            "fredag 19. marts 2027. Intet er gemt.",
        ),
        (
            ["2027-03-15 2027-03-19"],
            "slet 32/3",
            "Jeg forstår ikke datoen «32/3». Skriv fx 2/3 eller 2027-03-02. Intet er gemt.",
        ),
        (
            ["2027-03-15 2027-03-19"],
            "slet 15/3 19/3",
            "Skriv fx `/teambot fravær slet 2/3` (en dag i fraværet). Intet er gemt.",
        ),
    ],
)
async def test_fravaer_slet_refusals_change_nothing(
    run: PlanningRunner, absences: list[str], args: str, expected: str
) -> None:
    for absence in absences:
        await run(PAEDAGOG, f"/teambot fravær {absence}")
    before = await snapshot(run.db)
    assert (await run(PAEDAGOG, f"/teambot fravær {args}")).text == expected
    assert await snapshot(run.db) == before


async def test_fravaer_slet_takes_only_the_callers_own(run: PlanningRunner) -> None:
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02 Ali Hassan")
    before = await snapshot(run.db)
    reply = await run(SUBSTITUTE, "/teambot fravær slet 15/3")
    assert reply.text == "Du har intet kommende fravær at slette. Intet er gemt."
    assert await snapshot(run.db) == before


async def test_fravaer_slet_on_friday_morning_gives_the_lead_his_friday_status_back(
    db: Database, clock: FakeClock
) -> None:
    """Karsten registered Friday away with Ali, and the planner sent the digest her way; taking the day back on
    Friday morning re-plans it at once, so at noon it reaches him, not her."""
    clock.set(datetime(2027, 3, 4, 9, 0))
    await load_small_roster(db, now=clock.now())
    context = Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN)
    await run_command(context, "/teambot", "fravær 5/3 5/3 Ali Hassan")
    clock.set(datetime(2027, 3, 5, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 8, 0))
    reply = await run_command(context, "/teambot", "fravær slet")
    assert reply.text == (
        "🗑️ Dit fravær fredag 5. marts 2027 er slettet. Dine mødeinvitationer og påmindelser i perioden går igen til "
        "dig. Din fredagsstatus og dine beskeder om konsulentbesøg går også til dig igen."
    )
    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [LEAD]


async def test_fravaer_slet_finds_an_absence_next_summer_by_its_day_without_a_year(run: PlanningRunner) -> None:
    """Typed on 19 November 2026, «1/7» is next July's (more than half a year ahead): the absence registered for it
    is the one taken back, not refused as last July's."""
    await run(PAEDAGOG, "/teambot fravær 2027-06-28 2027-07-09")
    reply = await run(PAEDAGOG, "/teambot fravær slet 1/7")
    assert reply.text == (
        "🗑️ Dit fravær mandag 28. juni 2027 – fredag 9. juli 2027 er slettet. Dine mødeinvitationer og påmindelser i "
        "perioden går igen til dig."
    )
    assert (await run(PAEDAGOG, "/teambot fravær")).text == "Du har intet registreret fravær."


async def test_fravaer_slet_of_two_beginning_the_same_day_takes_back_both(run: PlanningRunner) -> None:
    await run(PAEDAGOG, "/teambot fravær 2027-03-01 2027-03-05")
    await run(PAEDAGOG, "/teambot fravær 2027-03-01 2027-03-12 Ali Hassan")
    reply = await run(PAEDAGOG, "/teambot fravær slet 3/3")
    assert reply.text == (
        "🗑️ Dit fravær mandag 1. marts 2027 – fredag 5. marts 2027 er slettet. 🗑️ Dit fravær mandag 1. marts 2027 – "
        "fredag 12. marts 2027 er slettet. Dine mødeinvitationer og påmindelser i perioden går igen til dig."
    )


async def test_fravaer_slet_i_dag_takes_back_the_absence_running_today(run: PlanningRunner) -> None:
    """«i dag» is one day in two words: it was called a wrong use of the command."""
    await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02")
    run.clock.set(datetime(2027, 3, 22, 9, 0))
    reply = await run(PAEDAGOG, "/teambot fravær slet i dag")
    assert reply.text.startswith("🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er afkortet")

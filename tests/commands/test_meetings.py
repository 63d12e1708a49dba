"""Status meetings as users meet them: `/teambot møder`, `flyt`, `aflys`, `fravær`, and the Bekræft · Flyt · Aflys
buttons on a reminder. The small roster is planned by the real planner, and every change re-plans the case the
way the running bot does."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import col, select

from conftest import Runner
from teambot.commands import Context, run_command, run_view
from teambot.domain.roster import parse_roster
from teambot.scheduler.digest import digest_refreshers, plan_digests
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.planner import plan_case
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store.db import Database
from teambot.store.models import Absence, Case, Meeting, Notification, Staff
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import (
    LEAD,
    OUTSIDER,
    PAEDAGOG,
    PSYKOLOG,
    SUBSTITUTE,
    load_small_roster,
    small_roster,
)

STRANGER = "U0STRANGER"
CO_LEAD = "U0LEAD002"
NOTHING_SAVED = "Intet er gemt."
# With the start meeting on 11 February 2027 the next status meeting is Tuesday 30 March 2027 at 14.00.
FIRST_MEETING = date(2027, 3, 30)


class PlanningRunner(Runner):
    """The conftest Runner, with the re-planning the runtime hands every command."""

    def context(self, user: str) -> Context:
        return Context(db=self.db, clock=self.clock, user_id=user, replan=self.replan)

    async def replan(self, case_id: int) -> None:
        await plan_case(self.db, case_id, now=self.clock.now(), zone=COPENHAGEN)


async def _planned(db: Database, clock: FakeClock, **options: object) -> PlanningRunner:
    await load_small_roster(db, now=clock.now(), closing_days=["2027-04-07..2027-04-08"], **options)
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.id is not None
    runner = PlanningRunner(db, clock)
    await runner.replan(case.id)
    return runner


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> PlanningRunner:
    return await _planned(db, clock)


async def _meetings(db: Database) -> list[Meeting]:
    async with db.read() as session:
        return list((await session.exec(select(Meeting).order_by(col(Meeting.seq)))).all())


async def _rows(db: Database, *, kind: str | None = None, status: str | None = None) -> list[Notification]:
    async with db.read() as session:
        query = select(Notification).order_by(col(Notification.due_at), col(Notification.id))
        if kind:
            query = query.where(Notification.kind == kind)
        if status:
            query = query.where(Notification.status == status)
        return list((await session.exec(query)).all())


async def _snapshot(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    """What a refusal must leave exactly as it was: meetings, outbox rows, absences."""
    meetings = [(m.id, m.day, m.start, m.status, m.cancel_reason, list(m.confirmed_by)) for m in await _meetings(db)]
    rows = [(r.dedupe_key, r.status, r.due_at) for r in await _rows(db)]
    async with db.read() as session:
        absences = len((await session.exec(select(Absence))).all())
    return meetings, rows, absences


async def _meeting_id(db: Database) -> str:
    [meeting] = await _meetings(db)
    return str(meeting.id)


async def _staff_id(db: Database, slack_id: str) -> int:
    async with db.read() as session:
        staff = (await session.exec(select(Staff).where(Staff.slack_id == slack_id))).one()
    assert staff.id is not None
    return staff.id


# -- /teambot møder ---------------------------------------------------------------------------------------------


async def test_moeder_lists_the_next_meeting_with_danish_date_and_time(run: PlanningRunner) -> None:
    reply = await run(PAEDAGOG, "/teambot møder")
    assert reply.text == (
        "*Dine kommende statusmøder*\n"
        "• tirsdag 30. marts 2027 kl. 14.00 — AK12 (Børnehuset Solsikken) · 0 af 3 har bekræftet"
    )
    assert reply.ephemeral
    for participant in (PSYKOLOG, LEAD):
        assert "tirsdag 30. marts 2027 kl. 14.00 — AK12" in (await run(participant, "/teambot møder")).text


async def test_moeder_for_someone_without_meetings(run: PlanningRunner) -> None:
    assert (await run(OUTSIDER, "/teambot møder")).text == "Du har ingen kommende statusmøder."
    assert (await run(STRANGER, "/teambot møder")).text.startswith("Jeg kender dig ikke endnu.")


async def test_moeder_in_iso_week_53(db: Database, clock: FakeClock) -> None:
    # Start meeting today, 19 November 2026: the first status meeting is Thursday 31 December, in week 53.
    run = await _planned(db, clock, start_meeting=date(2026, 11, 19))
    reply = await run(PAEDAGOG, "/teambot møder 53/2026")
    assert reply.text == (
        "*Dine statusmøder i uge 53 (2026)*\n"
        "• torsdag 31. december 2026 kl. 14.00 — AK12 (Børnehuset Solsikken) · 0 af 3 har bekræftet"
    )
    assert (await run(PAEDAGOG, "/teambot møder uge 53")).text == reply.text
    assert (await run(PAEDAGOG, "/teambot møder 52")).text == "Du har ingen statusmøder i uge 52."


@pytest.mark.parametrize("week", ["53/2027", "54", "uge syv", "0"])
async def test_moeder_with_a_week_that_does_not_exist(run: PlanningRunner, week: str) -> None:
    reply = await run(PAEDAGOG, f"/teambot møder {week}")
    assert reply.text == f"Jeg forstår ikke ugen «{week}». Skriv fx 49 eller 53/2026."


# -- /teambot flyt ----------------------------------------------------------------------------------------------


async def test_flyt_moves_the_meeting_replans_reminders_and_tells_the_others(run: PlanningRunner) -> None:
    db = run.db
    old_reminders = await _rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in old_reminders} == {FIRST_MEETING}

    reply = await run(PAEDAGOG, "/teambot flyt AK12 2027-04-06")
    assert reply.text == (
        "🔁 Statusmødet for AK12 er flyttet til tirsdag 6. april 2027 kl. 14.00. 2 deltagere får besked."
    )

    [meeting] = await _meetings(db)
    assert (meeting.day, meeting.start, meeting.status) == (date(2027, 4, 6), "14:00", "moved")
    by_key = {r.dedupe_key: r for r in await _rows(db)}
    assert {by_key[r.dedupe_key].status for r in old_reminders} == {"cancelled"}
    pending = await _rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in pending} == {date(2027, 4, 6)}
    assert {r.recipient for r in pending} == {PAEDAGOG, PSYKOLOG, LEAD}
    # 7 days before is Tuesday 30 March (summer time now), 1 day before is Monday 5 April: 08:00 local both.
    assert {r.due_at.astimezone(COPENHAGEN).replace(tzinfo=None) for r in pending} == {
        datetime(2027, 3, 30, 8, 0),
        datetime(2027, 4, 5, 8, 0),
    }
    assert "tirsdag 6. april 2027 kl. 14.00" in pending[0].payload["text"]

    notices = await _rows(db, kind="meeting.moved")
    assert {n.recipient for n in notices} == {PSYKOLOG, LEAD}  # not the one who moved it
    assert {n.status for n in notices} == {"pending"} and {n.due_at for n in notices} == {run.clock.now()}
    text = notices[0].payload["text"]
    assert text.startswith(
        "🔁 Statusmødet for AK12 er flyttet fra tirsdag 30. marts 2027 til tirsdag 6. april 2027 kl. 14.00 "
        "af Mette Jensen."
    )


async def test_flyt_onto_a_day_a_participant_is_away_says_who_stands_in_and_who_is_missing(
    run: PlanningRunner,
) -> None:
    # The lead picks a day without seeing the team's absences: the reply tells her before she leaves it there.
    await run(PAEDAGOG, "/teambot fravær 2027-04-05 2027-04-09 Ali Hassan")
    await run(PSYKOLOG, "/teambot fravær 2027-04-06 2027-04-06")

    reply = await run(LEAD, "/teambot flyt AK12 2027-04-06")

    assert reply.text == (
        "🔁 Statusmødet for AK12 er flyttet til tirsdag 6. april 2027 kl. 14.00. 1 deltager får besked.\n"
        "⚠️ Mette Jensen (pædagog) er fraværende den dag; stedfortræderen Ali Hassan får mødets beskeder i stedet.\n"
        "⚠️ Peter Friis (psykolog) er fraværende den dag og har ingen stedfortræder, der kan få mødets beskeder."
    )
    assert {n.recipient for n in await _rows(run.db, kind="meeting.moved")} == {SUBSTITUTE}
    # A day nobody is away keeps the one line.
    back = await run(LEAD, "/teambot flyt AK12 2027-04-13")
    assert (
        back.text == "🔁 Statusmødet for AK12 er flyttet til tirsdag 13. april 2027 kl. 14.00. 2 deltagere får besked."
    )


async def test_flyt_onto_a_day_the_mover_is_away_says_so_to_her(run: PlanningRunner) -> None:
    await run(LEAD, "/teambot fravær 2027-04-06 2027-04-06")

    reply = await run(LEAD, "/teambot flyt AK12 2027-04-06")

    assert reply.text.splitlines()[1:] == [
        "⚠️ Du er selv fraværende den dag og har ingen stedfortræder, der kan få mødets beskeder."
    ]


async def test_flyt_counts_a_substitute_who_cannot_get_messages_as_none(run: PlanningRunner) -> None:
    # Ali has left: the routing sends Mette's messages to nobody, and the warning must not promise him.
    await run(PAEDAGOG, "/teambot fravær 2027-04-05 2027-04-09 Ali Hassan")
    async with run.db.write() as session:
        ali = (await session.exec(select(Staff).where(Staff.slack_id == SUBSTITUTE))).one()
        ali.active = False

    reply = await run(LEAD, "/teambot flyt AK12 2027-04-06")

    assert reply.text.splitlines()[1:] == [
        "⚠️ Mette Jensen (pædagog) er fraværende den dag og har ingen stedfortræder, der kan få mødets beskeder."
    ]


async def test_flyt_with_a_new_time(run: PlanningRunner) -> None:
    reply = await run(LEAD, "/teambot flyt AK12 6/4 kl. 9.30")
    assert reply.text.startswith("🔁 Statusmødet for AK12 er flyttet til tirsdag 6. april 2027 kl. 09.30.")
    [meeting] = await _meetings(run.db)
    assert (meeting.day, meeting.start) == (date(2027, 4, 6), "09:30")
    assert {n.recipient for n in await _rows(run.db, kind="meeting.moved")} == {PAEDAGOG, PSYKOLOG}


async def test_flyt_back_and_forth_tells_the_others_every_time(run: PlanningRunner) -> None:
    for day in ("2027-04-06", "2027-03-30", "2027-04-06"):
        reply = await run(PAEDAGOG, f"/teambot flyt AK12 {day}")
        assert reply.text.endswith("2 deltagere får besked.")
        run.clock.advance(minutes=5)
    [meeting] = await _meetings(run.db)
    assert meeting.day == date(2027, 4, 6)
    # The reply promised that two participants are told; the latest move must be waiting for them.
    pending = await _rows(run.db, kind="meeting.moved", status="pending")
    assert {n.recipient for n in pending} == {PSYKOLOG, LEAD}, "nobody is told about the last move"
    assert all("fra tirsdag 30. marts 2027 til tirsdag 6. april 2027" in n.payload["text"] for n in pending)


@pytest.mark.parametrize(
    ("user", "args", "expected"),
    [
        (PAEDAGOG, "AK12 2027-04-03", "lørdag 3. april 2027 er ikke en arbejdsdag i institutionen"),
        (PAEDAGOG, "AK12 2027-03-29", "mandag 29. marts 2027 er ikke en arbejdsdag i institutionen"),  # 2. påskedag
        (PAEDAGOG, "AK12 2027-04-07", "onsdag 7. april 2027 er ikke en arbejdsdag i institutionen"),  # closing day
        (PAEDAGOG, "AK12 2026-11-18", "onsdag 18. november 2026 er allerede gået."),
        (PAEDAGOG, "XY99 2027-04-06", "Jeg kender ikke barnet «XY99»."),
        (PAEDAGOG, "AK12 snart", "Jeg forstår ikke datoen «snart»."),
        (PAEDAGOG, "AK12 2027-04-06 25.00", "Jeg forstår ikke klokkeslættet «25.00»."),
        (PAEDAGOG, "AK12", "Skriv fx `/teambot flyt AK12 10/3`"),
        (STRANGER, "AK12 2027-04-06", "Jeg kender dig ikke endnu."),
        (OUTSIDER, "AK12 2027-04-06", "Jeg kender ikke barnet «AK12». Intet er gemt."),
    ],
)
async def test_flyt_refusals_change_nothing(run: PlanningRunner, user: str, args: str, expected: str) -> None:
    before = await _snapshot(run.db)
    reply = await run(user, f"/teambot flyt {args}")
    assert expected in reply.text
    assert reply.text.endswith(NOTHING_SAVED)
    assert await _snapshot(run.db) == before


# -- /teambot aflys ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "args", "expected"),
    [
        (PAEDAGOG, "AK12", "Skriv en kort begrundelse for aflysningen. Intet er gemt."),
        (PAEDAGOG, "AK12   ", "Skriv en kort begrundelse for aflysningen. Intet er gemt."),
        (PAEDAGOG, "", "Skriv fx `/teambot aflys AK12 barnet er på ferie`. Intet er gemt."),
        (PAEDAGOG, "AK12 " + "x" * 301, "Begrundelsen må højst være 300 tegn. Intet er gemt."),
        (PAEDAGOG, "XY99 syg", "Jeg kender ikke barnet «XY99». Intet er gemt."),
        (OUTSIDER, "AK12 syg", "Jeg kender ikke barnet «AK12». Intet er gemt."),
    ],
)
async def test_aflys_refusals_change_nothing(run: PlanningRunner, user: str, args: str, expected: str) -> None:
    before = await _snapshot(run.db)
    assert (await run(user, f"/teambot aflys {args}")).text == expected
    assert await _snapshot(run.db) == before


async def test_aflys_cancels_tells_the_others_and_the_series_goes_on(run: PlanningRunner) -> None:
    db = run.db
    reply = await run(PSYKOLOG, "/teambot aflys AK12 barnet er på ferie")
    assert reply.text == "❌ Statusmødet for AK12 tirsdag 30. marts 2027 er aflyst. 2 deltagere får besked."

    first, second = await _meetings(db)
    assert (first.day, first.status, first.cancel_reason) == (FIRST_MEETING, "cancelled", "barnet er på ferie")
    assert (second.day, second.status) == (date(2027, 5, 11), "planned")  # six weeks after the cancelled date

    notices = await _rows(db, kind="meeting.cancelled")
    assert {n.recipient for n in notices} == {PAEDAGOG, LEAD}
    assert (
        notices[0]
        .payload["text"]
        .startswith(
            "❌ Statusmødet for AK12 tirsdag 30. marts 2027 er aflyst af Peter Friis. Begrundelse: barnet er på ferie"
        )
    )
    listing = (await run(PAEDAGOG, "/teambot møder")).text
    assert "• tirsdag 30. marts 2027 kl. 14.00 — AK12 (Børnehuset Solsikken) · aflyst" in listing
    assert "• tirsdag 11. maj 2027 kl. 14.00 — AK12" in listing
    # The Home tab lists coming meetings without a state: a cancelled one showed there as if it were still on.
    home = (await run(PAEDAGOG, "/teambot hjem")).text
    assert "30. marts 2027" not in home and "tirsdag 11. maj 2027 kl. 14.00 — AK12" in home

    pending = await _rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in pending if r.ref_id == second.id} == {date(2027, 5, 11)}
    # Nobody is reminded of the cancelled meeting: its 7-day and 1-day reminders no longer go out.
    reminders_for_cancelled = [r.dedupe_key for r in pending if r.ref_id == first.id]
    assert reminders_for_cancelled == [], "reminders of the cancelled meeting are still pending"


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
    pending = await _rows(db, kind="meeting.reminder", status="pending")
    assert {r.recipient for r in pending} == {SUBSTITUTE, PSYKOLOG, LEAD}
    text = next(r for r in pending if r.recipient == SUBSTITUTE).payload["text"]
    assert "Deltagere: Ali Hassan (pædagog, for Mette Jensen), Peter Friis (psykolog), Karsten Bro (leder)" in text
    assert text.endswith("Du får denne besked, fordi du er stedfortræder for Mette Jensen (pædagog for AK12).")
    assert {r.status for r in await _rows(db, kind="meeting.reminder") if r.recipient == PAEDAGOG} == {"cancelled"}
    assert "tirsdag 30. marts 2027 kl. 14.00 — AK12" in (await run(SUBSTITUTE, "/teambot møder")).text


async def test_fravaer_without_substitute_leaves_the_absent_out(run: PlanningRunner) -> None:
    reply = await run(PAEDAGOG, "/teambot fravær 2027-03-15 2027-04-02")
    assert reply.text == (
        "🗓️ Dit fravær mandag 15. marts 2027 – fredag 2. april 2027 er registreret. "
        "Du får ingen mødeinvitationer i perioden. Ingen får en påmindelse om dine børns registreringer."
    )
    pending = await _rows(run.db, kind="meeting.reminder", status="pending")
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
    pending = await _rows(db, kind="meeting.reminder", status="pending")
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
        "• tirsdag 1. juni 2027 – fredag 4. juni 2027 · stedfortræder: ingen"
    )
    assert (await run(SUBSTITUTE, "/teambot fravær")).text == "Du har intet registreret fravær."


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("32/13 2/4", "Jeg forstår ikke datoen «32/13». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("2/3 snart", "Jeg forstår ikke datoen «snart». Skriv fx 2/3 eller 2027-03-02. Intet er gemt."),
        ("2027-04-02 2027-03-15", "Slutdatoen ligger før startdatoen. Intet er gemt."),
        ("2026-11-02 2026-11-13", "Fraværet er allerede slut. Intet er gemt."),
        ("2027-03-15", "Skriv fx `/teambot fravær 2/3 13/3 @Ali` (fra, til og evt. stedfortræder). Intet er gemt."),
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
    before = await _snapshot(run.db)
    assert (await run(PAEDAGOG, f"/teambot fravær {args}")).text == expected
    assert await _snapshot(run.db) == before


async def test_fravaer_by_a_stranger_is_refused(run: PlanningRunner) -> None:
    reply = await run(STRANGER, "/teambot fravær 2027-03-15 2027-04-02")
    assert reply.text.startswith("Jeg kender dig ikke endnu.") and reply.text.endswith(NOTHING_SAVED)


# -- buttons on the reminder ------------------------------------------------------------------------------------


async def test_bekraeft_replaces_the_reminder_and_is_stored(run: PlanningRunner) -> None:
    meeting_id = await _meeting_id(run.db)
    reply = await run.press(PAEDAGOG, "meeting_confirm", meeting_id)
    assert reply.replace_original
    assert reply.text.startswith("📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00 (Børnehuset Solsikken)")
    assert "✅ Du har bekræftet. 1 af 3 har bekræftet." in reply.text
    assert reply.blocks and all(block["type"] != "actions" for block in reply.blocks)  # no buttons left to press

    again = await run.press(PAEDAGOG, "meeting_confirm", meeting_id)
    assert "✅ Du har bekræftet. 1 af 3 har bekræftet." in again.text
    assert "✅ Du har bekræftet. 2 af 3 har bekræftet." in (await run.press(LEAD, "meeting_confirm", meeting_id)).text
    [meeting] = await _meetings(run.db)
    assert sorted(meeting.confirmed_by) == sorted([await _staff_id(run.db, PAEDAGOG), await _staff_id(run.db, LEAD)])
    assert "· 2 af 3 har bekræftet" in (await run(PSYKOLOG, "/teambot møder")).text


async def test_flyt_button_opens_a_modal_with_a_date_picker(run: PlanningRunner) -> None:
    meeting_id = await _meeting_id(run.db)
    reply = await run.press(PAEDAGOG, "meeting_move", meeting_id)
    # Transports without modals (the console) show the text: which command to type instead.
    assert reply.text == "Skriv `/teambot flyt AK12 <dato> [kl.]` for at flytte mødet, fx `/teambot flyt AK12 10/3`."
    modal = reply.modal
    assert modal is not None
    assert (modal["type"], modal["callback_id"]) == ("modal", "meeting_move_modal")
    assert modal["private_metadata"] == meeting_id
    [field] = [block for block in modal["blocks"] if block["type"] == "input"]
    assert field["element"]["type"] == "datepicker"
    assert field["element"]["initial_date"] == "2027-03-30"
    assert modal["title"]["text"] == "Flyt statusmøde"


async def test_aflys_button_opens_a_modal_asking_for_the_reason(run: PlanningRunner) -> None:
    meeting_id = await _meeting_id(run.db)
    reply = await run.press(LEAD, "meeting_cancel", meeting_id)
    assert reply.text == "Skriv `/teambot aflys AK12 <begrundelse>` for at aflyse mødet."
    assert reply.modal is not None and reply.modal["callback_id"] == "meeting_cancel_modal"
    [field] = [block for block in reply.modal["blocks"] if block["type"] == "input"]
    assert field["element"]["type"] == "plain_text_input"


@pytest.mark.parametrize("action", ["meeting_confirm", "meeting_move", "meeting_cancel"])
@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (STRANGER, "Jeg kender dig ikke endnu."),
        (OUTSIDER, "Du deltager ikke i statusmøderne for AK12, så du kan ikke ændre dem."),
    ],
)
async def test_buttons_pressed_by_someone_else_are_refused(
    run: PlanningRunner, action: str, user: str, expected: str
) -> None:
    before = await _snapshot(run.db)
    reply = await run.press(user, action, await _meeting_id(run.db))
    assert reply.text.startswith(expected) and reply.text.endswith(NOTHING_SAVED)
    assert reply.modal is None and not reply.replace_original
    assert await _snapshot(run.db) == before


async def test_button_for_a_meeting_that_no_longer_exists(run: PlanningRunner) -> None:
    reply = await run.press(PAEDAGOG, "meeting_confirm", "999999")
    assert reply.text == "Det møde findes ikke længere. Skriv `/teambot møder` for at se dine møder. Intet er gemt."


# -- an old reminder's buttons, after the meeting --------------------------------------------------------------------


async def _a_week_after_the_first_meeting(run: PlanningRunner) -> str:
    """The meeting of 30 March was held; on 6 April the series has its next meeting and the old reminder's
    buttons are still in Slack."""
    meeting_id = await _meeting_id(run.db)
    run.clock.set(datetime(2027, 4, 6, 9, 0))
    case_id = (await _meetings(run.db))[0].case_id
    await run.replan(case_id)
    return meeting_id


HELD = "Statusmødet for AK12 tirsdag 30. marts 2027 er holdt og kan ikke flyttes eller aflyses. Intet er gemt."


@pytest.mark.parametrize("action", ["meeting_move", "meeting_cancel"])
async def test_the_buttons_of_a_held_meetings_reminder_no_longer_open_a_form(run: PlanningRunner, action: str) -> None:
    meeting_id = await _a_week_after_the_first_meeting(run)
    reply = await run.press(PAEDAGOG, action, meeting_id)
    assert (reply.text, reply.modal) == (HELD, None)


@pytest.mark.parametrize(
    ("callback", "values"), [("meeting_move_modal", {"day": "2027-05-04"}), ("meeting_cancel_modal", {"reason": "syg"})]
)
async def test_a_form_sent_for_a_held_meeting_changes_nothing_and_tells_nobody(
    run: PlanningRunner, callback: str, values: dict[str, str]
) -> None:
    """A form opened before the meeting and sent after it: the held meeting was moved into May (two meetings a week
    apart, one without reminders) or relabelled cancelled, and everyone was told so a week afterwards."""
    meeting_id = await _a_week_after_the_first_meeting(run)
    before = await _snapshot(run.db)

    outcome = await run_view(run.context(PAEDAGOG), callback, values, meeting_id)

    assert outcome.reply is not None and outcome.reply.text == HELD
    assert await _snapshot(run.db) == before

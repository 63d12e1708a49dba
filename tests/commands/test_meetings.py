"""Status meetings as users meet them: `/teambot møder`, `flyt`, `aflys`, and the Bekræft · Flyt · Aflys buttons
on a reminder (`/teambot fravær`: test_absence.py). The small roster is planned by the real planner, and every change
re-plans the case the way the running bot does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from helpers_meetings import NOTHING_SAVED, STRANGER, PlanningRunner, meetings, planned, rows, snapshot
from teambot.commands import run_view
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Staff
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, SUBSTITUTE

# With the start meeting on 11 February 2027 the next status meeting is Tuesday 30 March 2027 at 14.00.
FIRST_MEETING = date(2027, 3, 30)


@pytest.fixture
async def run(db: Database, clock: FakeClock) -> PlanningRunner:
    return await planned(db, clock)


async def _meeting_id(db: Database) -> str:
    [meeting] = await meetings(db)
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
    run = await planned(db, clock, start_meeting=date(2026, 11, 19))
    reply = await run(PAEDAGOG, "/teambot møder 53/2026")
    assert reply.text == (
        "*Dine statusmøder i uge 53 (2026)*\n"
        "• torsdag 31. december 2026 kl. 14.00 — AK12 (Børnehuset Solsikken) · 0 af 3 har bekræftet"
    )
    assert (await run(PAEDAGOG, "/teambot møder uge 53")).text == reply.text
    assert (await run(PAEDAGOG, "/teambot møder 52")).text == "Du har ingen statusmøder i uge 52."


@pytest.mark.parametrize("week", ["54", "uge syv", "0", "53/0000"])
async def test_moeder_with_a_week_that_does_not_exist(run: PlanningRunner, week: str) -> None:
    reply = await run(PAEDAGOG, f"/teambot møder {week}")
    assert reply.text == f"Jeg forstår ikke ugen «{week}». Skriv fx 49 eller 53/2026."


async def test_moeder_in_week_53_of_a_year_with_52_says_the_year_has_52(run: PlanningRunner, db: Database) -> None:
    """2027 has 52 ISO weeks: `/teambot møder 53/2027` answered that it did not understand the week."""
    before = await _audit(db)
    assert (await run(PAEDAGOG, "/teambot møder 53/2027")).text == "2027 har kun 52 uger. Skriv fx 52/2027."
    assert (await run(PAEDAGOG, "/teambot møder uge 53/2027")).text == "2027 har kun 52 uger. Skriv fx 52/2027."
    run.clock.set(datetime(2027, 3, 10, 9, 0))
    assert (await run(PAEDAGOG, "/teambot møder 53")).text == "2027 har kun 52 uger. Skriv fx 52/2027."
    assert await _audit(db) == before


@pytest.mark.parametrize("week", ["48/3000", "10/2024", "1/2028"])
async def test_moeder_with_a_week_years_away(run: PlanningRunner, db: Database, week: str) -> None:
    """`/teambot møder 48/3000` answered as if the year 3000 were one to look at (an exploratory QA pass); it is
    refused, naming the years it may be, and nothing is audited as read."""
    before = await _audit(db)

    reply = await run(PAEDAGOG, f"/teambot møder {week}")

    assert reply.text == f"Jeg viser kun møder i uger fra 2025 til 2027, ikke «{week}». Skriv fx 49 eller 49/2027."
    assert await _audit(db) == before


@pytest.mark.parametrize(
    ("week", "first_line"),
    [("13/2027", "*Dine statusmøder i uge 13 (2027)*"), ("uge 52/2025", "Du har ingen statusmøder i uge 52.")],
)
async def test_moeder_in_last_year_and_next_year(run: PlanningRunner, week: str, first_line: str) -> None:
    """Today is 19 November 2026; the first status meeting is 30 March 2027, in week 13."""
    assert (await run(PAEDAGOG, f"/teambot møder {week}")).text.splitlines()[0] == first_line


async def _audit(db: Database) -> list[tuple[object, ...]]:
    async with db.read() as session:
        return [(e.action, e.case_code) for e in (await session.exec(select(AuditEntry))).all()]


# -- /teambot flyt ----------------------------------------------------------------------------------------------


async def test_flyt_moves_the_meeting_replans_reminders_and_tells_the_others(run: PlanningRunner) -> None:
    db = run.db
    old_reminders = await rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in old_reminders} == {FIRST_MEETING}

    reply = await run(PAEDAGOG, "/teambot flyt AK12 2027-04-06")
    assert reply.text == (
        "🔁 Statusmødet for AK12 er flyttet til tirsdag 6. april 2027 kl. 14.00. 2 deltagere får besked."
    )

    [meeting] = await meetings(db)
    assert (meeting.day, meeting.start, meeting.status) == (date(2027, 4, 6), "14:00", "moved")
    by_key = {r.dedupe_key: r for r in await rows(db)}
    assert {by_key[r.dedupe_key].status for r in old_reminders} == {"cancelled"}
    pending = await rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in pending} == {date(2027, 4, 6)}
    assert {r.recipient for r in pending} == {PAEDAGOG, PSYKOLOG, LEAD}
    # 7 days before is Tuesday 30 March (summer time now), 1 day before is Monday 5 April: 08:00 local both.
    assert {r.due_at.astimezone(COPENHAGEN).replace(tzinfo=None) for r in pending} == {
        datetime(2027, 3, 30, 8, 0),
        datetime(2027, 4, 5, 8, 0),
    }
    assert "tirsdag 6. april 2027 kl. 14.00" in pending[0].payload["text"]

    notices = await rows(db, kind="meeting.moved")
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
    assert {n.recipient for n in await rows(run.db, kind="meeting.moved")} == {SUBSTITUTE}
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
    [meeting] = await meetings(run.db)
    assert (meeting.day, meeting.start) == (date(2027, 4, 6), "09:30")
    assert {n.recipient for n in await rows(run.db, kind="meeting.moved")} == {PAEDAGOG, PSYKOLOG}


async def test_flyt_back_and_forth_tells_the_others_every_time(run: PlanningRunner) -> None:
    for day in ("2027-04-06", "2027-03-30", "2027-04-06"):
        reply = await run(PAEDAGOG, f"/teambot flyt AK12 {day}")
        assert reply.text.endswith("2 deltagere får besked.")
        run.clock.advance(minutes=5)
    [meeting] = await meetings(run.db)
    assert meeting.day == date(2027, 4, 6)
    # The reply promised that two participants are told; the latest move must be waiting for them.
    pending = await rows(run.db, kind="meeting.moved", status="pending")
    assert {n.recipient for n in pending} == {PSYKOLOG, LEAD}, "nobody is told about the last move"
    assert all("fra tirsdag 30. marts 2027 til tirsdag 6. april 2027" in n.payload["text"] for n in pending)


async def test_meetings_of_one_day_are_listed_by_their_time(run: PlanningRunner) -> None:
    """Two of Mette's children have their meeting on 30 March; AK12's is moved to 13.00: it comes first (it was
    listed after AB01's at 14.00, by the children's codes)."""
    assert (await run(PAEDAGOG, "/teambot forløb opret AB01 SOL 2027-02-11")).text.startswith("📂 Forløbet AB01")
    assert (await run(PAEDAGOG, "/teambot flyt AK12 30/3 13.00")).text.startswith("🔁 Statusmødet for AK12")
    listed = [line for line in (await run(PAEDAGOG, "/teambot møder 13/2027")).text.splitlines() if "30. marts" in line]
    assert [line.split(" — ")[1][:4] for line in listed] == ["AK12", "AB01"], listed


async def test_flyt_of_the_time_alone_tells_the_others_both_times(run: PlanningRunner) -> None:
    reply = await run(PAEDAGOG, "/teambot flyt AK12 30/3 14.30")
    assert reply.text.startswith("🔁 Statusmødet for AK12 er flyttet til tirsdag 30. marts 2027 kl. 14.30.")
    pending = await rows(run.db, kind="meeting.moved", status="pending")
    assert {n.recipient for n in pending} == {PSYKOLOG, LEAD}
    assert all(
        "flyttet fra tirsdag 30. marts 2027 kl. 14.00 til tirsdag 30. marts 2027 kl. 14.30" in n.payload["text"]
        for n in pending
    )


@pytest.mark.parametrize(
    ("user", "args", "expected"),
    [
        (PAEDAGOG, "AK12 2027-04-03", "lørdag 3. april 2027 er ikke en arbejdsdag i institutionen"),
        (PAEDAGOG, "AK12 2027-03-29", "mandag 29. marts 2027 er ikke en arbejdsdag i institutionen"),  # 2. påskedag
        (PAEDAGOG, "AK12 2027-04-07", "onsdag 7. april 2027 er ikke en arbejdsdag i institutionen"),  # closing day
        (PAEDAGOG, "AK12 2026-11-18", "onsdag 18. november 2026 er allerede gået."),
        # Past the next meeting of the series (30 March + 6 weeks); and a day just gone, typed without its year,
        # read as next year's.
        (PAEDAGOG, "AK12 2027-05-12", "højst flyttes 6 uger frem, til tirsdag 11. maj 2027, ikke til onsdag 12. maj"),
        (
            PAEDAGOG,
            "AK12 1/11",
            "højst flyttes 6 uger frem, til tirsdag 11. maj 2027, ikke til mandag 1. november 2027",
        ),
        # Where it is already: nothing would change, yet everyone would be told it had.
        (PAEDAGOG, "AK12 2027-03-30", "Statusmødet for AK12 ligger allerede tirsdag 30. marts 2027 kl. 14.00."),
        (PAEDAGOG, "AK12 30/3 14.00", "Statusmødet for AK12 ligger allerede tirsdag 30. marts 2027 kl. 14.00."),
        (PAEDAGOG, "XY99 2027-04-06", "Jeg kender ikke barnet «XY99»."),
        (PAEDAGOG, "AK12 snart", "Jeg forstår ikke datoen «snart»."),
        (PAEDAGOG, "AK12 2027-04-06 25.00", "Jeg forstår ikke klokkeslættet «25.00»."),
        (PAEDAGOG, "AK12", "Skriv fx `/teambot flyt AK12 10/3`"),
        (STRANGER, "AK12 2027-04-06", "Jeg kender dig ikke endnu."),
        (OUTSIDER, "AK12 2027-04-06", "Jeg kender ikke barnet «AK12». Intet er gemt."),
    ],
)
async def test_flyt_refusals_change_nothing(run: PlanningRunner, user: str, args: str, expected: str) -> None:
    before = await snapshot(run.db)
    reply = await run(user, f"/teambot flyt {args}")
    assert expected in reply.text
    assert reply.text.endswith(NOTHING_SAVED)
    assert await snapshot(run.db) == before


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ("8/12 03.00", "kl. 03.00"),
        ("2027-04-06 3", "kl. 03.00"),
        ("2027-04-06 kl. 6.59", "kl. 06.59"),
        ("2027-04-06 18.01", "kl. 18.01"),
        ("2027-04-06 23:30", "kl. 23.30"),
    ],
)
async def test_flyt_to_a_time_outside_the_working_day_is_refused(run: PlanningRunner, args: str, shown: str) -> None:
    """`/teambot flyt AK12 8/12 03.00` moved the meeting to 3 at night and told everyone (an exploratory QA pass)."""
    before = await snapshot(run.db)

    reply = await run(PAEDAGOG, f"/teambot flyt AK12 {args}")

    assert reply.text == (
        f"Et statusmøde kan begynde fra kl. 07.00 til kl. 18.00, ikke {shown}. Skriv fx 14.30. Intet er gemt."
    )
    assert await snapshot(run.db) == before


@pytest.mark.parametrize(("typed", "start"), [("7.00", "07:00"), ("kl. 18", "18:00")])
async def test_flyt_to_the_first_and_last_hour_of_the_working_day(run: PlanningRunner, typed: str, start: str) -> None:
    await run(PAEDAGOG, f"/teambot flyt AK12 2027-04-06 {typed}")
    [meeting] = await meetings(run.db)
    assert (meeting.day, meeting.start) == (date(2027, 4, 6), start)


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
    before = await snapshot(run.db)
    assert (await run(user, f"/teambot aflys {args}")).text == expected
    assert await snapshot(run.db) == before


async def test_aflys_cancels_tells_the_others_and_the_series_goes_on(run: PlanningRunner) -> None:
    db = run.db
    reply = await run(PSYKOLOG, "/teambot aflys AK12 barnet er på ferie")
    assert reply.text == "❌ Statusmødet for AK12 tirsdag 30. marts 2027 er aflyst. 2 deltagere får besked."

    first, second = await meetings(db)
    assert (first.day, first.status, first.cancel_reason) == (FIRST_MEETING, "cancelled", "barnet er på ferie")
    assert (second.day, second.status) == (date(2027, 5, 11), "planned")  # six weeks after the cancelled date

    notices = await rows(db, kind="meeting.cancelled")
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

    pending = await rows(db, kind="meeting.reminder", status="pending")
    assert {r.event_day for r in pending if r.ref_id == second.id} == {date(2027, 5, 11)}
    # Nobody is reminded of the cancelled meeting: its 7-day and 1-day reminders no longer go out.
    reminders_for_cancelled = [r.dedupe_key for r in pending if r.ref_id == first.id]
    assert reminders_for_cancelled == [], "reminders of the cancelled meeting are still pending"


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
    [meeting] = await meetings(run.db)
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
    before = await snapshot(run.db)
    reply = await run.press(user, action, await _meeting_id(run.db))
    assert reply.text.startswith(expected) and reply.text.endswith(NOTHING_SAVED)
    assert reply.modal is None and not reply.replace_original
    assert await snapshot(run.db) == before


async def test_button_for_a_meeting_that_no_longer_exists(run: PlanningRunner) -> None:
    reply = await run.press(PAEDAGOG, "meeting_confirm", "999999")
    assert reply.text == "Det møde findes ikke længere. Skriv `/teambot møder` for at se dine møder. Intet er gemt."


# -- an old reminder's buttons, after the meeting --------------------------------------------------------------------


async def _a_week_after_the_first_meeting(run: PlanningRunner) -> str:
    """The meeting of 30 March was held; on 6 April the series has its next meeting and the old reminder's
    buttons are still in Slack."""
    meeting_id = await _meeting_id(run.db)
    run.clock.set(datetime(2027, 4, 6, 9, 0))
    case_id = (await meetings(run.db))[0].case_id
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
    before = await snapshot(run.db)

    outcome = await run_view(run.context(PAEDAGOG), callback, values, meeting_id)

    assert outcome.reply is not None and outcome.reply.text == HELD
    assert await snapshot(run.db) == before


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # The form opens on the meeting's own day: sent unchanged, it moved nothing and told everyone it had.
        ("2027-03-30", "Statusmødet for AK12 ligger allerede tirsdag 30. marts 2027 kl. 14.00. Intet er gemt."),
        ("2027-05-12", "Et statusmøde kan højst flyttes 6 uger frem, til tirsdag 11. maj 2027, ikke til onsdag 12."),
    ],
)
async def test_the_move_form_is_refused_as_the_command_is(run: PlanningRunner, day: str, expected: str) -> None:
    meeting_id = await _meeting_id(run.db)
    before = await snapshot(run.db)

    outcome = await run_view(run.context(PAEDAGOG), "meeting_move_modal", {"day": day}, meeting_id)

    assert outcome.reply is not None and outcome.reply.text.startswith(expected)
    assert await snapshot(run.db) == before


async def test_a_weekly_series_moves_at_most_one_week_ahead(db: Database, clock: FakeClock) -> None:
    run = await planned(db, clock, interval_weeks=1)
    [first, *_] = await meetings(run.db)
    too_far = first.day + timedelta(days=14)
    reply = await run(PAEDAGOG, f"/teambot flyt AK12 {too_far.isoformat()}")
    assert reply.text.startswith("Et statusmøde kan højst flyttes 1 uge frem, til ")  # not "1 uger"
    assert reply.text.endswith(NOTHING_SAVED)

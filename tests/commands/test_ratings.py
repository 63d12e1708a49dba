"""`/rating`, the day's modal and `/teambot forløb`, run as the users would, on the small roster.

Every refusal is in Danish, ends with "Intet er gemt." and stores nothing; CPR-shaped text is never stored or
logged; only the child's institution and the case's consultants (with consent) see or rate the child.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from conftest import Runner
from helpers_ratings import (
    CPR_REFUSAL,
    GOAL_1,
    GOAL_2,
    NOTHING_SAVED,
    STRANGER,
    TALE,
    THURSDAY,
    TODAY,
    UNKNOWN_USER,
    RecordingMessenger,
    audit_entries,
    case_of,
    goal_ids,
    lead_of_both_institutions,
    load_roster,
    notifications,
    ratings,
    staff_id,
    with_speech_consultant,
)
from teambot.commands import Context, run_command
from teambot.commands.registry import run_view
from teambot.scheduler.planner import plan_case
from teambot.scheduler.runtime import BotScheduler
from teambot.store.db import Database
from teambot.store.models import Case, Meeting
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, SUBSTITUTE

RECORDED_1 = f"✅ Registreret: AK12, mål 1 «{GOAL_1}» — {THURSDAY}: *3 af 4*."
GOAL_LIST = f"1. {GOAL_1}\n2. {GOAL_2}"
NOT_YOURS = (
    "Jeg kender ikke forløbet «AK12», eller du må ikke ændre det (kun ledere og barnets pædagog). Intet er gemt."
)
OUTSIDER_REFUSAL = "Jeg kender ikke barnet «{code}», og du har ingen børn at registrere for. Intet er gemt."


@pytest.fixture
async def bot(db: Database, clock: FakeClock) -> Runner:
    """The small roster on Thursday 4 March 2027 at 15:00, three weeks after AK12's start meeting."""
    await load_roster(db, clock)
    return Runner(db, clock)


# -- recording -------------------------------------------------------------------------------------------


async def test_a_rating_is_confirmed_exactly_as_recorded(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating AK12 1 3")

    assert reply.text == RECORDED_1
    assert reply.ephemeral
    [rating] = await ratings(db)
    ids = await goal_ids(db)
    assert (rating.goal_id, rating.day, rating.value, rating.note) == (ids[1], TODAY, 3, None)
    assert rating.rated_by == await staff_id(db, PAEDAGOG)
    assert rating.rated_at == datetime(2027, 3, 4, 14, 0, tzinfo=UTC)
    [created] = await audit_entries(db, "rating.create")
    assert (created.actor, created.case_code) == (PAEDAGOG, "AK12")
    assert created.detail == {"goal": 1, "day": "2027-03-04", "value": 3}


async def test_the_note_is_stored_and_shown(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating AK12 2 4 øvede med billedkort")

    assert reply.text == (f"✅ Registreret: AK12, mål 2 «{GOAL_2}» — {THURSDAY}: *4 af 4*.\nNote: øvede med billedkort")
    [rating] = await ratings(db)
    assert (rating.value, rating.note) == (4, "øvede med billedkort")


async def test_the_only_active_goal_needs_no_number(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/teambot forløb afslut AK12 2")

    assert (await bot(PAEDAGOG, "/rating AK12 3 5 gange")).text == f"{RECORDED_1}\nNote: 5 gange"
    [rating] = await ratings(db)
    assert (rating.goal_id, rating.value, rating.note) == ((await goal_ids(db))[1], 3, "5 gange")


@pytest.mark.parametrize(
    ("words", "day", "shown"),
    [
        ("i går", date(2027, 3, 3), "onsdag 3. marts 2027"),
        ("mandag", date(2027, 3, 1), "mandag 1. marts 2027"),
        ("2027-03-02", date(2027, 3, 2), "tirsdag 2. marts 2027"),
        ("26/2", date(2027, 2, 26), "fredag 26. februar 2027"),
    ],
)
async def test_backfill_records_the_named_day(bot: Runner, db: Database, words: str, day: date, shown: str) -> None:
    reply = await bot(PAEDAGOG, f"/rating AK12 {words} 2 1")

    assert reply.text == f"✅ Registreret: AK12, mål 2 «{GOAL_2}» — {shown}: *1 af 4*."
    [rating] = await ratings(db)
    assert (rating.day, rating.value) == (day, 1)


async def test_a_correction_replaces_the_value_and_the_audit_log_keeps_the_old_one(
    bot: Runner, db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 4, 10, 0))
    await bot(PAEDAGOG, "/rating AK12 1 2 svær morgen")
    clock.set(datetime(2027, 3, 4, 15, 30))

    reply = await bot(LEAD, "/rating AK12 1 3")

    assert reply.text == (
        f"✏️ Ændret: AK12, mål 1 — {THURSDAY}: ændret fra 2 til *3*.\nNoten «svær morgen» står stadig."
    )
    [rating] = await ratings(db)
    assert (rating.value, rating.rated_by) == (3, await staff_id(db, LEAD))
    assert rating.note == "svær morgen"  # a correction without a note keeps the first note
    [correction] = await audit_entries(db, "rating.correct")
    assert (correction.actor, correction.case_code) == (LEAD, "AK12")
    assert correction.at == datetime(2027, 3, 4, 14, 30, tzinfo=UTC)
    detail = dict(correction.detail)
    assert datetime.fromisoformat(detail.pop("old_at")) == datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
    assert detail == {
        "goal": 1,
        "day": "2027-03-04",
        "old_value": 2,
        "old_note": "svær morgen",
        "old_by": await staff_id(db, PAEDAGOG),
        "new_value": 3,
    }
    assert len(await audit_entries(db, "rating.create")) == 1


async def test_a_correction_of_a_backfilled_day_touches_only_that_day(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/rating AK12 1 4")
    await bot(PAEDAGOG, "/rating AK12 i går 1 1")

    reply = await bot(PAEDAGOG, "/rating AK12 i går 1 2")

    assert reply.text == "✏️ Ændret: AK12, mål 1 — onsdag 3. marts 2027: ændret fra 1 til *2*."
    assert [(r.day, r.value) for r in await ratings(db)] == [(date(2027, 3, 3), 2), (TODAY, 4)]


UNCHANGED_1 = f"☑️ Uændret: AK12, mål 1 — {THURSDAY}: var allerede registreret med *3 af 4*."


@pytest.mark.parametrize(
    ("again", "shown"),
    [
        # The note given first stays: the answer says so, so nobody thinks a rating without one took it away.
        pytest.param("/rating AK12 1 3", f"{UNCHANGED_1}\nNoten «svær morgen» står stadig.", id="without a note"),
        pytest.param("/rating AK12 1 3 svær morgen", f"{UNCHANGED_1}\nNote: svær morgen", id="the same note"),
    ],
)
async def test_rating_again_with_the_value_it_has_says_so_and_writes_nothing(
    bot: Runner, db: Database, clock: FakeClock, again: str, shown: str
) -> None:
    clock.set(datetime(2027, 3, 4, 10, 0))
    await bot(PAEDAGOG, "/rating AK12 1 3 svær morgen")
    clock.set(datetime(2027, 3, 4, 15, 30))

    reply = await bot(LEAD, again)

    assert reply.text == shown
    [rating] = await ratings(db)
    assert (rating.value, rating.note, rating.rated_by) == (3, "svær morgen", await staff_id(db, PAEDAGOG))
    assert rating.rated_at == datetime(2027, 3, 4, 9, 0, tzinfo=UTC)  # still when Mette gave it
    assert [e.action for e in await audit_entries(db) if e.action != "rating.read"] == ["rating.create"]
    # The answer tells the lead the value stored: a read of the child's data, so audited as one.
    [read] = await audit_entries(db, "rating.read")
    assert (read.actor, read.case_code, read.detail) == (
        LEAD,
        "AK12",
        {"via": "unchanged", "goal": 1, "day": "2027-03-04"},
    )


async def test_the_same_value_with_a_new_note_changes_only_the_note(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/rating AK12 1 3 svær morgen")

    reply = await bot(PAEDAGOG, "/rating AK12 1 3 bedre efter frokost")

    assert reply.text == (
        f"✏️ Ændret: AK12, mål 1 — {THURSDAY}: ny note, bedømmelsen er stadig *3 af 4*.\nNote: bedre efter frokost"
    )
    [rating] = await ratings(db)
    assert (rating.value, rating.note) == (3, "bedre efter frokost")
    [correction] = await audit_entries(db, "rating.correct")
    assert (correction.detail["old_value"], correction.detail["old_note"], correction.detail["new_value"]) == (
        3,
        "svær morgen",
        3,
    )


async def test_the_same_value_without_a_note_when_none_was_given_says_nothing_of_a_note(bot: Runner) -> None:
    await bot(PAEDAGOG, "/rating AK12 1 3")

    unchanged, corrected = [(await bot(PAEDAGOG, text)).text for text in ("/rating AK12 1 3", "/rating AK12 1 2")]

    assert unchanged == UNCHANGED_1
    assert corrected == f"✏️ Ændret: AK12, mål 1 — {THURSDAY}: ændret fra 3 til *2*."


# -- refusals: a Danish message, "Intet er gemt.", nothing stored ----------------------------------------

REFUSALS = [
    pytest.param(
        "/rating AK13 1 3",
        {},
        "Jeg kender ikke barnet «AK13». Du kan registrere for: AK12. Intet er gemt.",
        id="unknown child",
    ),
    pytest.param(
        "/rating AK12 3",
        {},
        "AK12 har flere mål — skriv målets nummer før bedømmelsen, fx `/rating AK12 1 3`:\n"
        f"{GOAL_LIST}\nIntet er gemt.",
        id="missing goal with two goals",
    ),
    pytest.param(
        "/rating AK12 3 2",
        {},
        f"AK12 har intet aktivt mål 3. Målene er:\n{GOAL_LIST}\nIntet er gemt.",
        id="unknown goal number",
    ),
    pytest.param(
        "/rating AK12 1 0", {}, "Bedømmelsen skal være fra 1 til 4 — du skrev 0. Intet er gemt.", id="rating 0"
    ),
    pytest.param(
        "/rating AK12 1 5", {}, "Bedømmelsen skal være fra 1 til 4 — du skrev 5. Intet er gemt.", id="rating 5"
    ),
    pytest.param(
        "/rating AK12 tre",
        {},
        "«tre» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
        id="rating tre",
    ),
    pytest.param(
        "/rating AK12 2,5",
        {},
        "«2,5» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
        id="rating 2,5",
    ),
    pytest.param(
        "/rating AK12 31/2 1 3",
        {},
        "Datoen «31/2» findes ikke. Skriv fx `/rating AK12 4/3 3` eller `/rating AK12 i går 3`. Intet er gemt.",
        id="no such date",
    ),
    pytest.param(
        "/rating AK12 3.0",
        {},
        "«3.0» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
        id="rating 3.0, not a day",
    ),
    pytest.param(
        "/rating AK12 2027-02-31 1 3",
        {},
        "Datoen «2027-02-31» findes ikke. Skriv fx `/rating AK12 4/3 3` eller `/rating AK12 i går 3`. Intet er gemt.",
        id="no such ISO date",
    ),
    pytest.param(
        "/rating AK12 2027-03-05 1 3",
        {},
        "fredag 5. marts 2027 er ikke kommet endnu — du kan kun registrere for i dag og dagene før. Intet er gemt.",
        id="future date",
    ),
    pytest.param(
        "/rating AK12 i morgen 1 3",
        {},
        "fredag 5. marts 2027 er ikke kommet endnu — du kan kun registrere for i dag og dagene før. Intet er gemt.",
        id="tomorrow",
    ),
    pytest.param(
        "/rating AK12 2027-02-24 1 3",
        {},
        "onsdag 24. februar 2027 er mere end 7 dage siden; så langt tilbage kan der ikke registreres. Intet er gemt.",
        id="8 days back",
    ),
    pytest.param(
        "/rating AK12 fredag 1 3",
        {"start_meeting": date(2027, 3, 1)},
        "fredag 26. februar 2027 er før forløbet eller målet startede. Intet er gemt.",
        id="before the case started",
    ),
    pytest.param(
        "/rating AK12 lørdag 1 3",
        {},
        "lørdag 27. februar 2027 er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). "
        "Intet er gemt.",
        id="weekend",
    ),
    pytest.param(
        "/rating AK12 i går 1 3",
        {"when": datetime(2027, 3, 30, 15, 0)},
        "mandag 29. marts 2027 er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). "
        "Intet er gemt.",
        id="public holiday (2. påskedag)",
    ),
    pytest.param(
        "/rating AK12 i går 1 3",
        {"closing_days": ["2027-03-03"]},
        "onsdag 3. marts 2027 er ikke en arbejdsdag i institutionen (weekend, helligdag eller lukkedag). "
        "Intet er gemt.",
        id="institution closing day",
    ),
    pytest.param(
        "/rating AK12 1 3 " + "x" * 501,
        {},
        "Noten er 501 tegn; den må højst være 500. Intet er gemt.",
        id="note of 501 characters",
    ),
    pytest.param(
        "/rating AK12 1 2,5",
        {},
        "«2,5» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt.",
        id="goal 1, rating 2,5",
    ),
]


@pytest.mark.parametrize(("line", "options", "expected"), REFUSALS)
async def test_bad_input_is_refused_in_danish_and_nothing_is_stored(
    db: Database, clock: FakeClock, line: str, options: dict[str, Any], expected: str
) -> None:
    await load_roster(db, clock, **options)
    run = Runner(db, clock)

    reply = await run(PAEDAGOG, line)

    assert reply.text == expected
    assert reply.text.endswith(NOTHING_SAVED)
    assert await ratings(db) == []
    assert await audit_entries(db, "rating.create") == []


async def test_a_note_of_exactly_500_characters_is_accepted(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating AK12 1 3 " + "x" * 500)
    assert reply.text.startswith(RECORDED_1)
    assert len((await ratings(db))[0].note or "") == 500


async def test_superscript_digits_get_a_clear_refusal_not_an_apology(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating AK12 ³")
    assert reply.text == (
        "«³» er ikke en bedømmelse. Skriv et helt tal fra 1 til 4, fx `/rating AK12 3`. Intet er gemt."
    )
    assert await ratings(db) == []


CPR_LINES = [
    pytest.param("/rating AK12 1 3 barnet 010190-1234", id="dash"),
    pytest.param("/rating AK12 1 3 0101901234 ringede", id="no separator"),
    pytest.param("/rating AK12 1 3 cpr 010190 1234", id="space"),
    pytest.param("/rating 0101901234 3", id="as the child's code"),
    pytest.param("/rating AK12 010190-1234 3", id="as the date"),
]


@pytest.mark.parametrize("line", CPR_LINES)
async def test_cpr_shaped_text_is_refused_never_stored_and_never_logged(
    bot: Runner, db: Database, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    caplog.set_level(logging.DEBUG)

    reply = await bot(PAEDAGOG, line)

    assert reply.text == CPR_REFUSAL
    assert await ratings(db) == []
    for entry in await audit_entries(db):
        assert "010190" not in str(entry.detail) and "1234" not in str(entry.detail)
    assert "010190" not in caplog.text


async def test_cpr_shaped_text_never_reaches_a_goal_or_the_log(
    bot: Runner, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    assert (await bot(PAEDAGOG, "/teambot forløb mål AK12 ringede på 010190-1234")).text == CPR_REFUSAL
    assert (await bot(PAEDAGOG, "/rating AK12 1 3 barnet 010190-1234")).text == CPR_REFUSAL

    assert sorted(await goal_ids(db)) == [1, 2]
    assert await audit_entries(db) == []
    assert "010190" not in caplog.text


@pytest.mark.parametrize(
    ("line", "number"),
    [
        pytest.param("/rating AK12 1 3 barnet 01-01-90-1234", "01-01-90-1234", id="dashes"),
        pytest.param("/rating AK12 1 3 01.01.90-1234 ringede", "01.01.90-1234", id="dots"),
        pytest.param("/rating AK12 1 3 cpr 01/01/90 6789", "01/01/90 6789", id="slashes"),
        pytest.param("/rating AK12 1 3 cpr 01 01 90-1234", "01 01 90-1234", id="spaces"),
        pytest.param("/teambot forløb mål AK12 ringede på 01-01-90-1234", "01-01-90-1234", id="as a goal"),
    ],
)
async def test_cpr_with_separators_inside_the_date_is_refused_and_nothing_is_stored(
    bot: Runner, db: Database, caplog: pytest.LogCaptureFixture, line: str, number: str
) -> None:
    """ "01-01-90-1234" was stored as a note (found by an exploratory QA pass)."""
    caplog.set_level(logging.DEBUG)

    assert (await bot(PAEDAGOG, line)).text == CPR_REFUSAL

    assert await ratings(db) == []
    assert sorted(await goal_ids(db)) == [1, 2]
    assert await audit_entries(db) == []
    assert number not in caplog.text


async def test_a_date_and_a_time_shaped_as_a_cpr_number_is_refused_saying_how_to_write_the_time(
    bot: Runner, db: Database
) -> None:
    """ "møde 08.12.26 1400" is a date and four digits: refused as a CPR number, as it may be one, but the refusal says
    to write the time with a dot (it only said it looked like one); written so, the note is stored."""
    refused = await bot(PAEDAGOG, "/rating AK12 1 3 møde 08.12.26 1400")
    assert refused.text == (
        "Det ligner et CPR-nummer: en dato med fire cifre efter. Af hensyn til barnet gemmer teambot aldrig "
        "CPR-numre. Er de fire cifre et klokkeslæt, så skriv det med punktum, fx 14.00. Intet er gemt."
    )
    assert await ratings(db) == []
    stored = await bot(PAEDAGOG, "/rating AK12 1 3 møde 08.12.26 14.00")
    assert stored.text.startswith("✅ Registreret: AK12")
    assert [r.note for r in await ratings(db)] == ["møde 08.12.26 14.00"]
    # Four digits that are no time, or a number without separators in its date, get the plain refusal.
    assert (await bot(PAEDAGOG, "/rating AK12 1 3 møde 08.12.26 1490")).text == CPR_REFUSAL
    assert (await bot(PAEDAGOG, "/rating AK12 1 3 møde 081226 1400")).text == CPR_REFUSAL


# -- access ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["/rating {code} 1 3", "/rating {code}"])
async def test_someone_from_another_institution_learns_nothing_about_the_child(
    bot: Runner, db: Database, line: str
) -> None:
    existing = await bot(OUTSIDER, line.format(code="AK12"))
    missing = await bot(OUTSIDER, line.format(code="ZZ99"))

    assert existing.text == OUTSIDER_REFUSAL.format(code="AK12")
    assert missing.text == OUTSIDER_REFUSAL.format(code="ZZ99")
    assert await ratings(db) == []
    assert await audit_entries(db, "rating.read") == []


@pytest.mark.parametrize("line", ["/rating {code} 1 3", "/rating {code}", "/rating"])
async def test_a_stranger_is_refused_the_same_way_whether_or_not_the_child_exists(
    bot: Runner, db: Database, line: str
) -> None:
    assert (await bot(STRANGER, line.format(code="AK12"))).text == UNKNOWN_USER
    assert (await bot(STRANGER, line.format(code="ZZ99"))).text == UNKNOWN_USER
    assert await ratings(db) == []


async def test_a_mistyped_code_lists_a_colleagues_child_as_one_she_may_rate_not_as_her_own(bot: Runner) -> None:
    # Ali has no children of his own; AK12 is Mette's, at his institution. "Dine børn: AK12" would tell him AK12
    # is his, which `/teambot mig` ("Du har ingen aktive forløb") contradicts.
    reply = await bot(SUBSTITUTE, "/rating AK13 1 3")

    assert reply.text == "Jeg kender ikke barnet «AK13». Du kan registrere for: AK12. Intet er gemt."


@pytest.mark.parametrize("user", [LEAD, SUBSTITUTE], ids=["lead", "another pædagog of the institution"])
async def test_staff_of_the_institution_may_rate(bot: Runner, db: Database, user: str) -> None:
    assert (await bot(user, "/rating AK12 1 3")).text == RECORDED_1
    [rating] = await ratings(db)
    assert rating.rated_by == await staff_id(db, user)


async def test_the_consultant_rates_and_reads_while_consent_covers_their_profession(bot: Runner, db: Database) -> None:
    assert (await bot(PSYKOLOG, "/rating AK12 1 3")).text == RECORDED_1
    shown = await bot(PSYKOLOG, "/rating AK12")
    assert f"1. {GOAL_1} — to 4/3: 3" in shown.text.splitlines()

    withdrawn = await bot(PAEDAGOG, "/teambot forløb samtykke AK12 ingen")

    assert withdrawn.text == "🤝 Samtykket for AK12 er trukket tilbage: teambot deler intet med konsulenterne."
    assert (await bot(PSYKOLOG, "/rating AK12 2 3")).text == OUTSIDER_REFUSAL.format(code="AK12")
    assert (await bot(PSYKOLOG, "/rating AK12")).text == OUTSIDER_REFUSAL.format(code="AK12")
    assert (await bot(PSYKOLOG, "/teambot forløb AK12")).text.endswith("Intet er vist.")
    assert [r.value for r in await ratings(db)] == [3]
    assert len(await audit_entries(db, "rating.read")) == 1


async def test_a_consultant_whose_profession_consent_does_not_cover_sees_nothing_until_it_does(
    db: Database, clock: FakeClock
) -> None:
    await load_roster(db, clock, adjust=with_speech_consultant)
    run = Runner(db, clock)

    added = await run(PAEDAGOG, f"/teambot forløb konsulent AK12 <@{TALE}>")

    assert added.text == (
        "👥 Tove Holm er nu konsulent på AK12 og inviteres til statusmøderne. Samtykket dækker ikke "
        "tale-hørekonsulent endnu, så tale-hørekonsulent ser ingen registreringer, før det er givet."
    )
    assert (await run(TALE, "/rating AK12 1 3")).text == OUTSIDER_REFUSAL.format(code="AK12")

    consent = await run(PAEDAGOG, "/teambot forløb samtykke AK12 psykolog,tale-hørekonsulent")

    assert consent.text == f"🤝 Samtykke for AK12 er registreret ({THURSDAY}): psykolog, tale-hørekonsulent."
    assert (await run(TALE, "/rating AK12 1 3")).text == RECORDED_1
    assert len(await ratings(db)) == 1


# -- reading ---------------------------------------------------------------------------------------------


async def test_reading_lists_the_goals_and_this_weeks_ratings_and_is_audited(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/rating AK12 fredag 1 4")  # last week: not shown
    await bot(PAEDAGOG, "/rating AK12 mandag 1 2")
    await bot(PAEDAGOG, "/rating AK12 1 3")

    reply = await bot(PAEDAGOG, "/rating AK12")

    assert reply.text == (
        "*Mål for AK12*\n"
        f"1. {GOAL_1} — ma 1/3: 2, to 4/3: 3\n"
        f"2. {GOAL_2}\n"
        "Registrér med `/rating AK12 <mål> <1-4> [note]`."
    )
    [read] = await audit_entries(db, "rating.read")
    assert (read.actor, read.case_code, read.at) == (PAEDAGOG, "AK12", datetime(2027, 3, 4, 14, 0, tzinfo=UTC))
    assert len(await ratings(db)) == 3


# -- the day's modal -------------------------------------------------------------------------------------


async def test_bare_rating_offers_a_modal_with_every_active_goal_and_a_note_per_child(
    bot: Runner, db: Database
) -> None:
    await bot(PAEDAGOG, "/rating AK12 2 4")

    reply = await bot(PAEDAGOG, "/rating")

    assert reply.text == (f"Dagens registrering for {THURSDAY}: giv hvert mål 1–4 og gem. Tomme mål springes over.")
    modal = reply.modal
    assert modal is not None
    assert (modal["type"], modal["callback_id"], modal["private_metadata"]) == (
        "modal",
        "rating_day_modal",
        "2027-03-04",
    )
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    ids = await goal_ids(db)
    case_id = (await case_of(db)).id
    assert [b["element"]["action_id"] for b in inputs] == [f"g{ids[1]}", f"g{ids[2]}", f"n{case_id}"]
    radios = [b["element"] for b in inputs[:2]]
    assert all(r["type"] == "radio_buttons" for r in radios)
    assert [[o["value"] for o in r["options"]] for r in radios] == [["1", "2", "3", "4"]] * 2
    assert [b["label"]["text"] for b in inputs[:2]] == [f"AK12 · mål 1: {GOAL_1}", f"AK12 · mål 2: {GOAL_2}"]
    assert "initial_option" not in radios[0]
    assert radios[1]["initial_option"]["value"] == "4"  # already rated today
    note = inputs[2]
    assert note["optional"] and note["element"]["type"] == "plain_text_input"
    assert note["element"]["max_length"] == 500


async def test_the_modal_shows_todays_ratings_so_opening_it_is_an_audited_read(bot: Runner, db: Database) -> None:
    """DESIGN §4: every read of case data is audited. The modal lists the child's goals and pre-fills today's
    ratings, as much a read as `/rating AK12`."""
    await bot(LEAD, "/rating AK12 2 4")

    reply = await bot(PAEDAGOG, "/rating")

    assert reply.modal is not None
    assert [(e.actor, e.case_code) for e in await audit_entries(db, "rating.read")] == [(PAEDAGOG, "AK12")]


async def test_bare_rating_without_children_says_so(bot: Runner) -> None:
    assert (await bot(OUTSIDER, "/rating")).text == "Du har ingen børn med aktive mål at registrere for."


async def test_the_modal_records_every_chosen_goal_in_one_go(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)
    case_id = (await case_of(db)).id
    values = {f"g{ids[1]}": "3", f"g{ids[2]}": "1", f"n{case_id}": "  øvede med billedkort  "}

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert not outcome.refused
    assert outcome.reply.text == (
        f"✅ Registreret for {THURSDAY}:\n{RECORDED_1}\n✅ Registreret: AK12, mål 2 «{GOAL_2}» — {THURSDAY}: *1 af 4*."
    )
    assert [(r.goal_id, r.value, r.note) for r in await ratings(db)] == [
        (ids[1], 3, "øvede med billedkort"),
        (ids[2], 1, "øvede med billedkort"),
    ]


async def test_the_modal_covers_every_child_with_its_own_note(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/teambot forløb opret BM04")
    await bot(PAEDAGOG, "/teambot forløb mål BM04 Sidder med til samling")
    ak12, bm04 = (await case_of(db, "AK12")).id, (await case_of(db, "BM04")).id
    ids, bm04_goal = await goal_ids(db), (await goal_ids(db, "BM04"))[1]

    modal = (await bot(PAEDAGOG, "/rating")).modal

    assert modal is not None
    assert [b["text"]["text"] for b in modal["blocks"] if b["type"] == "header"] == ["AK12", "BM04"]
    assert [b["element"]["action_id"] for b in modal["blocks"] if b["type"] == "input"] == [
        f"g{ids[1]}",
        f"g{ids[2]}",
        f"n{ak12}",
        f"g{bm04_goal}",
        f"n{bm04}",
    ]
    values = {f"g{ids[2]}": "2", f"n{ak12}": "", f"g{bm04_goal}": "4", f"n{bm04}": "sad stille hele samlingen"}

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert not outcome.refused
    assert outcome.reply.text.splitlines() == [
        f"✅ Registreret for {THURSDAY}:",
        f"✅ Registreret: AK12, mål 2 «{GOAL_2}» — {THURSDAY}: *2 af 4*.",
        f"✅ Registreret: BM04, mål 1 «Sidder med til samling» — {THURSDAY}: *4 af 4*.",
    ]
    assert [(r.goal_id, r.value, r.note) for r in await ratings(db)] == [
        (ids[2], 2, None),
        (bm04_goal, 4, "sad stille hele samlingen"),
    ]


async def test_goals_left_empty_in_the_modal_are_skipped(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)
    case_id = (await case_of(db)).id

    outcome = await run_view(
        bot.context(PAEDAGOG),
        "rating_day_modal",
        {f"g{ids[1]}": "", f"g{ids[2]}": "2", f"n{case_id}": ""},
        "2027-03-04",
    )

    assert not outcome.refused
    assert [(r.goal_id, r.value, r.note) for r in await ratings(db)] == [(ids[2], 2, None)]


async def test_the_modal_saved_with_a_rating_it_already_had_says_which_changed(bot: Runner, db: Database) -> None:
    """The form shows the day's ratings already given: saved, it sends them again beside the new ones."""
    await bot(PAEDAGOG, "/rating AK12 1 3")
    ids = await goal_ids(db)

    outcome = await run_view(
        bot.context(PAEDAGOG), "rating_day_modal", {f"g{ids[1]}": "3", f"g{ids[2]}": "2"}, "2027-03-04"
    )

    assert not outcome.refused
    assert outcome.reply.text.splitlines() == [
        f"✅ Registreret for {THURSDAY}:",
        UNCHANGED_1,
        f"✅ Registreret: AK12, mål 2 «{GOAL_2}» — {THURSDAY}: *2 af 4*.",
    ]
    assert [(r.goal_id, r.value) for r in await ratings(db)] == [(ids[1], 3), (ids[2], 2)]
    assert [e.action for e in await audit_entries(db) if e.action != "rating.read"] == ["rating.create"] * 2

    again = await run_view(
        bot.context(PAEDAGOG), "rating_day_modal", {f"g{ids[1]}": "3", f"g{ids[2]}": "2"}, "2027-03-04"
    )

    assert again.reply.text.splitlines() == [
        f"☑️ Ingen ændringer for {THURSDAY}:",
        UNCHANGED_1,
        f"☑️ Uændret: AK12, mål 2 — {THURSDAY}: var allerede registreret med *2 af 4*.",
    ]
    assert [e.action for e in await audit_entries(db) if e.action != "rating.read"] == ["rating.create"] * 2


async def test_the_modal_saved_without_a_note_says_the_note_given_first_stays(bot: Runner, db: Database) -> None:
    """The form's note field starts empty even when the day's rating has a note: saved so, the note is kept."""
    await bot(PAEDAGOG, "/rating AK12 1 3 svær morgen")
    ids = await goal_ids(db)

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", {f"g{ids[1]}": "3"}, "2027-03-04")

    assert outcome.reply.text.splitlines() == [
        f"☑️ Ingen ændringer for {THURSDAY}:",
        UNCHANGED_1,
        "Noten «svær morgen» står stadig.",
    ]
    assert [(r.value, r.note) for r in await ratings(db)] == [(3, "svær morgen")]


async def test_a_modal_with_nothing_chosen_stores_nothing(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)
    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", {f"g{ids[1]}": ""}, "2027-03-04")
    assert outcome.refused
    assert outcome.reply.text == "Du valgte ingen bedømmelser. Intet er gemt."
    assert await ratings(db) == []


async def _goal_of_another_child(run: Runner, db: Database) -> int:
    """BM04 at Mariehønen, created in Slack by its own pædagog."""
    await run(OUTSIDER, "/teambot forløb opret BM04")
    await run(OUTSIDER, "/teambot forløb mål BM04 Sidder med til samling")
    return (await goal_ids(db, "BM04"))[1]


@pytest.mark.parametrize("bad", ["invalid value", "goal of another child", "goal ended", "cpr in the note"])
async def test_the_modal_is_all_or_nothing(bot: Runner, db: Database, bad: str) -> None:
    ids = await goal_ids(db)
    case_id = (await case_of(db)).id
    values = {f"g{ids[1]}": "3", f"g{ids[2]}": "2", f"n{case_id}": "god dag"}
    expected = "Målet findes ikke længere eller er afsluttet. Skriv `/rating` igen. Intet er gemt."
    if bad == "invalid value":
        values[f"g{ids[2]}"] = "7"
        expected = "Bedømmelsen skal være fra 1 til 4 — du skrev 7. Intet er gemt."
    elif bad == "goal of another child":
        values[f"g{await _goal_of_another_child(bot, db)}"] = "4"
    elif bad == "goal ended":
        await bot(PAEDAGOG, "/teambot forløb afslut AK12 2")
    else:
        values[f"n{case_id}"] = "mor oplyste 0101901234"
        expected = CPR_REFUSAL

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert outcome.refused
    assert outcome.reply.text == expected
    assert await ratings(db) == []


async def test_a_modal_note_over_500_characters_is_refused(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)
    case_id = (await case_of(db)).id
    values = {f"g{ids[1]}": "3", f"n{case_id}": "x" * 501}

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert outcome.refused
    assert outcome.reply.text == "Noten er 501 tegn; den må højst være 500. Intet er gemt."
    assert await ratings(db) == []


async def test_a_modal_opened_on_a_day_outside_the_window_is_refused(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)
    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", {f"g{ids[1]}": "3"}, "2027-02-20")
    assert outcome.refused
    assert outcome.reply.text == (
        "lørdag 20. februar 2027 er mere end 7 dage siden; så langt tilbage kan der ikke registreres. Intet er gemt."
    )
    assert await ratings(db) == []


# -- /teambot forløb -------------------------------------------------------------------------------------


async def test_show_a_case_and_the_read_is_audited(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/teambot forløb AK12")

    assert reply.text.splitlines() == [
        "*Forløb AK12* · Børnehuset Solsikken · aktivt",
        "Pædagog: Mette Jensen",
        "Konsulenter: Peter Friis (psykolog)",
        "Samtykke (torsdag 11. februar 2027): psykolog",
        "Opstartsmøde: torsdag 11. februar 2027",
        "Mål:",
        f"1. {GOAL_1}",
        f"2. {GOAL_2}",
    ]
    [read] = await audit_entries(db, "case.read")
    assert (read.actor, read.case_code) == (PAEDAGOG, "AK12")


@pytest.mark.parametrize(("user", "code"), [(OUTSIDER, "AK12"), (OUTSIDER, "ZZ99"), (PAEDAGOG, "ZZ99")])
async def test_show_refuses_strangers_without_revealing_the_case(
    bot: Runner, db: Database, user: str, code: str
) -> None:
    reply = await bot(user, f"/teambot forløb {code}")
    assert reply.text == f"Jeg kender ikke forløbet «{code}», eller du har ikke adgang til det. Intet er vist."
    assert await audit_entries(db, "case.read") == []


async def test_a_pedagogue_creates_a_case_for_herself(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/teambot forløb opret ak13")

    assert reply.text == (
        "📂 Forløbet AK13 er oprettet i Børnehuset Solsikken med Mette Jensen som pædagog. "
        "Sæt opstartsmødet med `/teambot forløb start AK13 <dato>`, så planlægges statusmøderne."
    )
    case = await case_of(db, "AK13")
    assert (case.paedagog_id, case.status, case.start_meeting) == (await staff_id(db, PAEDAGOG), "active", None)
    [created] = await audit_entries(db, "case.create")
    assert (created.actor, created.case_code, created.detail) == (PAEDAGOG, "AK13", {"institution": "SOL"})


async def test_a_case_made_without_a_start_meeting_gets_one_and_its_status_meetings(
    db: Database, clock: FakeClock
) -> None:
    """The answer to `opret` without a date says how to set it (it sent people to `opret` again, which refuses an
    existing code); `start` sets it and the series is planned from it."""
    await load_roster(db, clock)
    planning = Context(db=db, clock=clock, user_id=PAEDAGOG)

    async def replan(case_id: int) -> None:
        await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)

    planning.replan = replan
    await run_command(planning, "/teambot", "forløb opret AK13")

    reply = await run_command(planning, "/teambot", "forløb start AK13 2027-03-08")

    assert reply.text == "📅 Opstartsmødet for AK13 er sat til mandag 8. marts 2027; statusmøderne planlægges herfra."
    assert (await case_of(db, "AK13")).start_meeting == date(2027, 3, 8)
    [started] = await audit_entries(db, "case.start")
    assert (started.actor, started.case_code, started.detail) == (PAEDAGOG, "AK13", {"day": "2027-03-08"})
    async with db.read() as session:
        case = await case_of(db, "AK13")
        days = [m.day for m in (await session.exec(select(Meeting).where(Meeting.case_id == case.id))).all()]
    assert days == [date(2027, 4, 19)]  # six weeks after


@pytest.mark.parametrize(
    ("user", "line", "expected"),
    [
        (
            PAEDAGOG,
            "start AK12 2027-03-08",
            "Forløbet AK12 har allerede opstartsmøde torsdag 11. februar 2027, og statusmøderne følger det. "
            "Intet er gemt.",
        ),
        (
            PAEDAGOG,
            "start AK12",
            "Skriv fx `/teambot forløb start AK12 2027-03-01` (barnet og opstartsmødets dato). Intet er gemt.",
        ),
        (
            PAEDAGOG,
            "start AK12 snart",
            "Skriv fx `/teambot forløb start AK12 2027-03-01` (barnet og opstartsmødets dato). Intet er gemt.",
        ),
        (
            OUTSIDER,
            "start AK12 2027-03-08",
            "Jeg kender ikke forløbet «AK12», eller du må ikke ændre det (kun ledere og barnets pædagog). "
            "Intet er gemt.",
        ),
    ],
)
async def test_start_refusals_change_nothing(bot: Runner, db: Database, user: str, line: str, expected: str) -> None:
    reply = await bot(user, f"/teambot forløb {line}")
    assert reply.text == expected
    assert (await case_of(db)).start_meeting == date(2027, 2, 11)
    assert await audit_entries(db, "case.start") == []


@pytest.mark.parametrize(
    ("user", "args", "expected"),
    [
        pytest.param(
            PAEDAGOG,
            "ak-13",
            "«ak-13» er ikke en gyldig barnekode: 2–12 store bogstaver og tal med mindst ét bogstav og ét tal, "
            "fx AK12 — aldrig navn eller fødselsdato. Intet er gemt.",
            id="bad code",
        ),
        pytest.param(
            PAEDAGOG,
            "A",
            "«A» er ikke en gyldig barnekode: 2–12 store bogstaver og tal med mindst ét bogstav og ét tal, "
            "fx AK12 — aldrig navn eller fødselsdato. Intet er gemt.",
            id="too short",
        ),
        pytest.param(
            PAEDAGOG,
            "ANNA",
            "«ANNA» kan ikke bruges som barnekode: koden skal indeholde mindst ét tal, fx AK12, så et barns navn "
            "aldrig bliver brugt som kode. Intet er gemt.",
            id="a name",
        ),
        pytest.param(
            LEAD,
            f"mette SOL <@{PAEDAGOG}> 2027-03-08",
            "«mette» kan ikke bruges som barnekode: koden skal indeholde mindst ét tal, fx AK12, så et barns navn "
            "aldrig bliver brugt som kode. Intet er gemt.",
            id="a name in lower case",
        ),
        pytest.param(
            PAEDAGOG,
            "AK12",
            "Der findes allerede et forløb med koden AK12. Vælg en anden kode. Intet er gemt.",
            id="duplicate",
        ),
        pytest.param(PAEDAGOG, "0101901234", CPR_REFUSAL, id="CPR-shaped code"),
        pytest.param(PAEDAGOG, "010190-1234", CPR_REFUSAL, id="CPR-shaped code with dash"),
        pytest.param(
            PAEDAGOG,
            f"AK13 <@{SUBSTITUTE}>",
            "Kun en leder kan oprette et forløb for en anden pædagog. Intet er gemt.",
            id="pædagog creating for someone else",
        ),
        pytest.param(
            LEAD,
            f"AK13 <@{OUTSIDER}>",
            "Sofie Lund arbejder ikke i Børnehuset Solsikken. Intet er gemt.",
            id="elsewhere",
        ),
        pytest.param(LEAD, "AK13", "Karsten Bro er ikke pædagog. Intet er gemt.", id="lead without a pædagog"),
        pytest.param(
            LEAD,
            "AK13 <@U0GHOST01>",
            "Jeg kender ikke «<@U0GHOST01>». Nævn personen med @ eller skriv det fulde navn. Intet er gemt.",
            id="unknown person",
        ),
        pytest.param(
            PAEDAGOG,
            "",
            "Skriv fx `/teambot forløb opret AK13 SOL @Mette 2027-02-11` (kode, evt. institution, pædagog og "
            "opstartsmøde). Intet er gemt.",
            id="no code",
        ),
        pytest.param(
            LEAD,
            f"AK13 MAR <@{PAEDAGOG}>",
            "Du hører ikke til institutionen «MAR», så du kan ikke oprette forløb der. Intet er gemt.",
            id="someone else's institution",
        ),
    ],
)
async def test_create_refusals_store_nothing(bot: Runner, db: Database, user: str, args: str, expected: str) -> None:
    reply = await bot(user, f"/teambot forløb opret {args}".rstrip())

    assert reply.text == expected
    async with db.read() as session:
        assert [c.code for c in (await session.exec(select(Case))).all()] == ["AK12"]
    assert await audit_entries(db, "case.create") == []


@pytest.mark.parametrize("code", ["010190", "24122021"])
async def test_a_birth_date_is_never_accepted_as_a_childs_code(bot: Runner, db: Database, code: str) -> None:
    """DESIGN §4: a child is only a pseudonymous code, never a birth date (the refusal itself says so)."""
    reply = await bot(LEAD, f"/teambot forløb opret {code} <@{PAEDAGOG}>")

    assert reply.text == (
        f"«{code}» er ikke en gyldig barnekode: 2–12 store bogstaver og tal med mindst ét bogstav og ét tal, "
        "fx AK12 — aldrig navn eller fødselsdato. Intet er gemt."
    )
    async with db.read() as session:
        assert [c.code for c in (await session.exec(select(Case))).all()] == ["AK12"]


async def test_a_code_without_a_digit_stored_before_still_works(bot: Runner, db: Database) -> None:
    """Only a new code must have a digit: a case stored before with a code of letters only is still found."""
    async with db.write() as session:
        (await session.exec(select(Case).where(Case.code == "AK12"))).one().code = "ANNA"

    assert (await bot(PAEDAGOG, "/rating anna 1 3")).text == RECORDED_1.replace("AK12", "ANNA")
    assert (await bot(PAEDAGOG, "/teambot forløb ANNA")).text.startswith("*Forløb ANNA* · Børnehuset Solsikken")
    added = await bot(PAEDAGOG, "/teambot forløb mål ANNA Leger med en anden")
    assert added.text == "🎯 Mål 3 for ANNA: «Leger med en anden» er tilføjet."
    [rating] = await ratings(db)
    assert (rating.goal_id, rating.value) == ((await goal_ids(db, "ANNA"))[1], 3)


async def test_a_lead_of_several_institutions_must_name_one(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, adjust=lead_of_both_institutions)
    run = Runner(db, clock)

    refused = await run(LEAD, f"/teambot forløb opret AK13 <@{PAEDAGOG}>")
    created = await run(LEAD, f"/teambot forløb opret AK13 sol <@{PAEDAGOG}> 2027-03-11")

    assert refused.text == "Skriv hvilken institution forløbet hører til: MAR, SOL. Intet er gemt."
    assert created.text == (
        "📂 Forløbet AK13 er oprettet i Børnehuset Solsikken med Mette Jensen som pædagog. "
        "Opstartsmøde torsdag 11. marts 2027; statusmøderne planlægges herfra."
    )
    case = await case_of(db, "AK13")
    assert (case.paedagog_id, case.start_meeting) == (await staff_id(db, PAEDAGOG), date(2027, 3, 11))
    assert len(await audit_entries(db, "case.create")) == 1


async def test_goals_are_added_and_ended_and_audited(bot: Runner, db: Database) -> None:
    added = await bot(LEAD, "/teambot forløb mål AK12 Siger hej til de   voksne")
    rated = await bot(PAEDAGOG, "/rating AK12 3 2")
    ended = await bot(PAEDAGOG, "/teambot forløb afslut AK12 1")
    again = await bot(PAEDAGOG, "/rating AK12 1 2")

    assert added.text == "🎯 Mål 3 for AK12: «Siger hej til de voksne» er tilføjet."
    assert rated.text == f"✅ Registreret: AK12, mål 3 «Siger hej til de voksne» — {THURSDAY}: *2 af 4*."
    assert ended.text == f"🏁 Mål 1 for AK12 «{GOAL_1}» er afsluttet."
    assert again.text == (
        f"AK12 har intet aktivt mål 1. Målene er:\n2. {GOAL_2}\n3. Siger hej til de voksne\nIntet er gemt."
    )
    assert [(e.actor, e.detail) for e in await audit_entries(db, "goal.create")] == [(LEAD, {"goal": 3})]
    assert [(e.actor, e.detail) for e in await audit_entries(db, "goal.end")] == [(PAEDAGOG, {"goal": 1})]
    assert len(await ratings(db)) == 1


@pytest.mark.parametrize(
    ("user", "line", "expected"),
    [
        pytest.param(
            SUBSTITUTE,
            "mål AK12 Noget nyt",
            NOT_YOURS,
            id="not the case's pædagog",
        ),
        pytest.param(
            PSYKOLOG,
            "luk AK12",
            NOT_YOURS,
            id="consultant may not close",
        ),
        pytest.param(
            PAEDAGOG, "mål AK12 " + "x" * 301, "Et mål må højst være 300 tegn. Intet er gemt.", id="goal too long"
        ),
        pytest.param(PAEDAGOG, "afslut AK12 7", "AK12 har intet aktivt mål 7. Intet er gemt.", id="no such goal"),
        pytest.param(
            PAEDAGOG,
            "afslut AK12",
            "Skriv fx `/teambot forløb afslut AK12 2` (barn og målets nummer). Intet er gemt.",
            id="end without number",
        ),
        pytest.param(
            PAEDAGOG,
            f"konsulent AK12 <@{PSYKOLOG}>",
            "Peter Friis er allerede konsulent på AK12. Intet er gemt.",
            id="consultant already",
        ),
        pytest.param(
            PAEDAGOG,
            f"konsulent AK12 <@{SUBSTITUTE}>",
            "Ali Hassan er ikke konsulent (fx psykolog eller tale-hørekonsulent). Intet er gemt.",
            id="not a consultant",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 bager",
            "«bager» er ikke en konsulentfaggruppe (psykolog, tale-hørekonsulent, sundhedsplejerske, "
            "småbørnskonsulent, fysioterapeut, socialrådgiver). Intet er gemt.",
            id="unknown profession",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 psykolog,leder",
            "«leder» er ikke en konsulentfaggruppe (psykolog, tale-hørekonsulent, sundhedsplejerske, "
            "småbørnskonsulent, fysioterapeut, socialrådgiver). Intet er gemt.",
            id="lead is not a consultant profession",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 psykolog 2027-03-05",
            "«2027-03-05» er ikke en dato i dag eller før. Intet er gemt.",
            id="consent dated in the future",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 psykolog 5/3",
            "«5/3» er ikke en dato i dag eller før. Intet er gemt.",
            id="consent dated tomorrow without its year",  # it was recorded as 5 March a year back
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 tale-hørekonsulent 2020-01-06",
            "Samtykket kan ikke være fra mandag 6. januar 2020: det er mere end et år før forløbets opstartsmøde "
            "(torsdag 11. februar 2027). Skriv den dato, forældrene gav samtykke. Intet er gemt.",
            id="consent dated years before the case",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 tale-hørekonsulent 2026-02-10",
            "Samtykket kan ikke være fra tirsdag 10. februar 2026: det er mere end et år før forløbets opstartsmøde "
            "(torsdag 11. februar 2027). Skriv den dato, forældrene gav samtykke. Intet er gemt.",
            id="consent dated a day too early",
        ),
        pytest.param(
            PAEDAGOG,
            "samtykke AK12 ,,",
            "Skriv fx `/teambot forløb samtykke AK12 psykolog,tale-hørekonsulent 2027-02-11` eller `ingen`. "
            "Intet er gemt.",
            id="commas without a profession",
        ),
    ],
)
async def test_case_change_refusals_change_nothing(
    bot: Runner, db: Database, user: str, line: str, expected: str
) -> None:
    before = await audit_entries(db)

    reply = await bot(user, f"/teambot forløb {line}")

    assert reply.text == expected
    assert reply.text.endswith(NOTHING_SAVED)
    assert await audit_entries(db) == before
    case = await case_of(db)
    assert (case.status, case.consent_professions) == ("active", ["psykolog"])
    assert sorted(await goal_ids(db)) == [1, 2]


async def test_consent_may_be_dated_at_most_a_year_before_the_start_meeting(bot: Runner, db: Database) -> None:
    """Parents consent at the start meeting or before it, months before on a waiting list. AK12's start meeting was
    Thursday 11 February 2027: 11 February 2026 is the earliest consent. A case without a start meeting takes a
    consent from the last year, however long ago it came into teambot."""
    accepted = await bot(PAEDAGOG, "/teambot forløb samtykke AK12 tale-hørekonsulent 2026-02-11")

    assert accepted.text == "🤝 Samtykke for AK12 er registreret (onsdag 11. februar 2026): tale-hørekonsulent."
    assert (await case_of(db)).consent_date == date(2026, 2, 11)

    await bot(PAEDAGOG, "/teambot forløb opret BM04")
    refused = await bot(PAEDAGOG, "/teambot forløb samtykke BM04 psykolog 2026-03-03")
    accepted = await bot(PAEDAGOG, "/teambot forløb samtykke BM04 psykolog 2026-03-04")

    assert refused.text == (
        "Samtykket kan ikke være fra tirsdag 3. marts 2026: det er mere end et år siden. Skriv den dato, forældrene "
        "gav samtykke. Intet er gemt."
    )
    assert accepted.text == "🤝 Samtykke for BM04 er registreret (onsdag 4. marts 2026): psykolog."
    assert [e.detail["date"] for e in await audit_entries(db, "case.consent")] == ["2026-02-11", "2026-03-04"]


async def test_consultant_and_consent_changes_are_audited(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, adjust=with_speech_consultant)
    run = Runner(db, clock)

    await run(LEAD, f"/teambot forløb konsulent AK12 <@{TALE}>")
    await run(LEAD, "/teambot forløb samtykke AK12 tale-hørekonsulent 2/3")

    [consultant] = await audit_entries(db, "case.consultant")
    assert (consultant.actor, consultant.case_code, consultant.detail) == (
        LEAD,
        "AK12",
        {"staff": await staff_id(db, TALE)},
    )
    [consent] = await audit_entries(db, "case.consent")
    assert consent.detail == {"professions": ["tale-hørekonsulent"], "date": "2027-03-02"}
    case = await case_of(db)
    assert (case.consent_professions, case.consent_date) == (["tale-hørekonsulent"], date(2027, 3, 2))
    # Consent now covers the speech consultant only: the psychologist no longer sees the child.
    assert (await run(PSYKOLOG, "/rating AK12")).text == OUTSIDER_REFUSAL.format(code="AK12")
    assert (await run(TALE, "/rating AK12")).text.startswith("*Mål for AK12*")


async def test_closing_a_case_stops_ratings_and_cancels_pending_reminders(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    case = await case_of(db)
    assert case.id is not None
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)
    assert {r.status for r in await notifications(db, "meeting.reminder")} == {"pending"}
    scheduler = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN)
    ctx = Context(db=db, clock=clock, user_id=PAEDAGOG, zone=COPENHAGEN, replan=scheduler.replan)
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")

    closed = await run_command(ctx, "/teambot", "forløb luk AK12")
    await scheduler.drain()

    assert closed.text == f"🔒 Forløbet AK12 er lukket {THURSDAY}. Kommende statusmøder og påmindelser er aflyst."
    assert {r.status for r in await notifications(db, "meeting.reminder")} == {"cancelled"}
    refusal = "Forløbet for AK12 er lukket, så der kan ikke registreres mere. Intet er gemt."
    assert (await run(PAEDAGOG, "/rating AK12 2 3")).text == refusal
    assert (await run(LEAD, "/rating AK12 i går 1 3")).text == refusal
    assert (await run(PAEDAGOG, "/teambot forløb luk AK12")).text == "Forløbet AK12 er allerede lukket. Intet er gemt."
    assert (await run(PAEDAGOG, "/rating")).text == "Du har ingen børn med aktive mål at registrere for."
    assert [r.value for r in await ratings(db)] == [3]
    [closing] = await audit_entries(db, "case.close")
    assert (closing.actor, closing.case_code) == (PAEDAGOG, "AK12")
    assert (await case_of(db)).closed_on == TODAY
    # The meeting of 30 March is cancelled too: left "planned", /teambot overblik counted it as held once its day
    # had passed, with hours for every participant.
    async with db.read() as session:
        meetings = (await session.exec(select(Meeting).where(Meeting.case_id == case.id))).all()
    assert [(m.day, m.status) for m in meetings] == [(date(2027, 3, 30), "cancelled")]


async def test_a_closed_case_shows_when_it_closed_and_offers_nothing_it_would_refuse(bot: Runner) -> None:
    await bot(PAEDAGOG, "/teambot forløb opret AK13 SOL")
    await bot(PAEDAGOG, "/teambot forløb luk AK13")

    shown = (await bot(PAEDAGOG, "/teambot forløb AK13")).text.splitlines()

    assert shown[0] == f"*Forløb AK13* · Børnehuset Solsikken · lukket {THURSDAY}"
    assert shown[4:] == ["Opstartsmøde: ikke sat", "Mål:", "Ingen aktive mål."]


async def test_a_goal_added_today_cannot_be_rated_for_the_days_before_it(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    run = Runner(db, clock)
    added = await run(PAEDAGOG, "/teambot forløb mål AK12 Hænger selv jakken op")
    assert added.text.startswith("🎯 Mål 3 for AK12")

    refused = await run(PAEDAGOG, "/rating AK12 i går 3 3")
    assert refused.text.endswith("er før forløbet eller målet startede. Intet er gemt.")
    assert (await run(PAEDAGOG, "/rating AK12 3 3")).text.startswith("✅ Registreret: AK12, mål 3")


async def test_a_date_without_a_rating_asks_for_the_rating(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    reply = await Runner(db, clock)(PAEDAGOG, "/rating AK12 i går")
    assert reply.text == "Skriv en bedømmelse fra 1 til 4 efter datoen, fx `/rating AK12 i går 3`. Intet er gemt."


async def test_rating_mangler_shows_todays_goals_with_buttons_at_any_time(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock)
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")
    reply = await run(PAEDAGOG, "/rating mangler")
    assert "1 af 2 mål mangler" in reply.text
    buttons = [e for b in reply.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["1", "2", "3", "4"]

    await run(PAEDAGOG, "/rating AK12 2 2")
    assert "Alle dagens mål er registreret. Tak!" in (await run(PAEDAGOG, "/rating mangler")).text
    clock.set(datetime(2027, 3, 6, 10, 0))  # a Saturday: nothing to rate
    assert (await run(PAEDAGOG, "/rating mangler")).text == "Du har ingen mål at registrere lørdag 6. marts 2027."


# -- reads shown elsewhere than `/rating AK12` are audited too (DESIGN §4) --------------------------------


async def test_rating_mangler_is_an_audited_read(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating mangler")

    assert f"*AK12* · mål 1 «{GOAL_1}»" in reply.text.splitlines()
    reads = await audit_entries(db, "rating.read")
    assert [(e.actor, e.case_code, e.detail) for e in reads] == [(PAEDAGOG, "AK12", {"via": "todo"})]


async def test_the_nudge_redrawn_after_a_button_is_an_audited_read(bot: Runner, db: Database) -> None:
    ids = await goal_ids(db)

    reply = await bot.press(PAEDAGOG, "rating_nudge:3", f"{ids[1]}:2027-03-04:3")

    assert f"*AK12* · mål 2 «{GOAL_2}»" in reply.text.splitlines()
    reads = await audit_entries(db, "rating.read")
    assert [(e.actor, e.case_code, e.detail) for e in reads] == [(PAEDAGOG, "AK12", {"via": "nudge"})]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            "AK12 3",
            f"AK12 har flere mål — skriv målets nummer før bedømmelsen, fx `/rating AK12 1 3`:\n{GOAL_LIST}\n"
            "Intet er gemt.",
        ),
        ("AK12 9 3", f"AK12 har intet aktivt mål 9. Målene er:\n{GOAL_LIST}\nIntet er gemt."),
    ],
)
async def test_a_refusal_listing_the_goals_is_an_audited_read_and_stores_no_rating(
    bot: Runner, db: Database, args: str, expected: str
) -> None:
    reply = await bot(PAEDAGOG, f"/rating {args}")

    assert reply.text == expected
    assert await ratings(db) == []
    entries = await audit_entries(db)
    assert [(e.action, e.actor, e.case_code, e.detail) for e in entries] == [
        ("rating.read", PAEDAGOG, "AK12", {"via": "refusal"})
    ]


async def test_a_refusal_without_goal_texts_is_no_read(bot: Runner, db: Database) -> None:
    reply = await bot(PAEDAGOG, "/rating AK12 1 5")

    assert reply.text == "Bedømmelsen skal være fra 1 til 4 — du skrev 5. Intet er gemt."
    assert await audit_entries(db) == []


# -- the day's modal: a note needs a rating; a value outside 1–4 is named as such ----------------------------


async def test_a_modal_note_for_a_child_given_no_rating_refuses_the_whole_form(bot: Runner, db: Database) -> None:
    await bot(PAEDAGOG, "/teambot forløb opret BM04")
    await bot(PAEDAGOG, "/teambot forløb mål BM04 Sidder med til samling")
    ids, bm04 = await goal_ids(db), (await case_of(db, "BM04")).id
    values = {f"g{ids[1]}": "3", f"n{bm04}": "sad stille hele samlingen"}

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert outcome.refused
    assert outcome.reply.text == (
        "Noten til BM04 gemmes med en bedømmelse: giv mindst ét af BM04's mål 1–4, eller slet noten. Intet er gemt."
    )
    assert await ratings(db) == []
    assert await audit_entries(db, "rating.create") == []


@pytest.mark.parametrize("given", ["5", "0", "tre", "3,5"])
async def test_a_modal_value_outside_1_to_4_is_refused_as_out_of_range(bot: Runner, db: Database, given: str) -> None:
    """Only the console lets anyone type a value; Slack's radio buttons send 1–4."""
    ids = await goal_ids(db)
    values = {f"g{ids[1]}": "3", f"g{ids[2]}": given}

    outcome = await run_view(bot.context(PAEDAGOG), "rating_day_modal", values, "2027-03-04")

    assert outcome.refused
    assert outcome.reply.text == f"Bedømmelsen skal være fra 1 til 4 — du skrev {given}. Intet er gemt."
    assert await ratings(db) == []


async def test_cpr_with_an_en_dash_is_refused_and_nothing_is_stored(
    bot: Runner, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Word turns "010190 - 1234" into an en dash; it is still a CPR number."""
    caplog.set_level(logging.DEBUG)

    assert (await bot(PAEDAGOG, "/rating AK12 1 3 010190\u20131234")).text == CPR_REFUSAL

    assert await ratings(db) == []
    assert await audit_entries(db) == []
    assert "010190" not in caplog.text


@pytest.mark.parametrize("control", ["\x00", "\x1f", "\x07"])
async def test_a_control_character_between_digits_and_a_cpr_number_does_not_hide_it(
    bot: Runner, db: Database, control: str
) -> None:
    """Control characters are taken out of what people type; taking them out joined "000" to "010100-0000", and the
    longer run of digits no longer looked like a CPR number, so it was stored (found by the fuzz tests)."""
    assert (await bot(PAEDAGOG, f"/rating AK12 1 3 000{control}010100-0000")).text == CPR_REFUSAL
    assert await ratings(db) == []


async def test_a_trailing_comma_in_the_consent_list_is_no_profession(bot: Runner, db: Database) -> None:
    """ "psykolog," was refused as «» not being a profession."""
    reply = await bot(PAEDAGOG, "/teambot forløb samtykke AK12 psykolog,")
    assert reply.text.startswith("🤝 Samtykke for AK12 er registreret")
    assert (await case_of(db)).consent_professions == ["psykolog"]


@pytest.mark.parametrize(
    ("day", "shown"), [("2020-01-06", "mandag 6. januar 2020"), ("2028-06-01", "torsdag 1. juni 2028")]
)
async def test_a_start_meeting_years_away_is_refused_as_a_typo(bot: Runner, db: Database, day: str, shown: str) -> None:
    """A start meeting cannot be changed once set: '2020' for '2027' planned 63 meetings, 62 of them "held"."""
    await bot(PAEDAGOG, "/teambot forløb opret AK13")
    reply = await bot(PAEDAGOG, f"/teambot forløb start AK13 {day}")
    assert reply.text == (
        f"Opstartsmødet kan ligge højst 6 uger tilbage og højst et år frem, ikke {shown}. Skriv den rigtige dato. "
        "Intet er gemt."
    )
    assert (await case_of(db, "AK13")).start_meeting is None


async def test_closing_a_case_after_todays_meeting_keeps_it_held(db: Database, clock: FakeClock) -> None:
    """The lead closes the case at 16:00 after the last status meeting at 14:00 the same day: that meeting was
    held; only meetings still to come are cancelled (it was counted as cancelled in the figures)."""
    await load_roster(db, clock)
    case = await case_of(db)
    assert case.id is not None
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 30, 16, 0))

    await Runner(db, clock)(LEAD, "/teambot forløb luk AK12")

    async with db.read() as session:
        [meeting] = (await session.exec(select(Meeting).where(Meeting.case_id == case.id))).all()
    assert (meeting.day, meeting.status) != (date(2027, 3, 30), "cancelled")


class _MidnightDuringTheRequest:
    """A clock that reads 23:59:59.999999 (Copenhagen) at its first reading and just after midnight afterwards."""

    def __init__(self, evening: datetime) -> None:
        self.readings = [evening, evening + timedelta(microseconds=2)]

    def now(self) -> datetime:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


async def test_the_day_is_checked_against_the_today_it_was_read_against(bot: Runner, db: Database) -> None:
    """`/rating` reads the day named against one today and checks the window against the same one (helper-118):
    the oldest day the window allows, named just before midnight, is stored even if the clock passes midnight
    before the check (it was refused as too old when the check read the clock again)."""
    evening = datetime(2027, 3, 4, 23, 59, 59, 999999, tzinfo=COPENHAGEN).astimezone(UTC)
    ctx = Context(db=db, clock=_MidnightDuringTheRequest(evening), user_id=PAEDAGOG)

    reply = await run_command(ctx, "/rating", "AK12 2027-02-25 1 3")

    assert reply.text == f"✅ Registreret: AK12, mål 1 «{GOAL_1}» — torsdag 25. februar 2027: *3 af 4*."
    [rating] = await ratings(db)
    assert (rating.day, rating.value) == (date(2027, 2, 25), 3)

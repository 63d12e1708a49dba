"""The Friday digest: each lead gets the week's status at 12:00 local time, drawn when it is sent."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from teambot.commands import Context, run_command
from teambot.domain.roster import parse_roster
from teambot.scheduler.digest import digest_refreshers, plan_digests
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.simulate import RecordingMessenger
from teambot.slack.messenger import SlackMessenger
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import postgres_url
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, SUBSTITUTE, load_small_roster, small_roster

# The line pointing to `/uge <institution>`, as Slack receives it: escaped, else Slack shows a link there.
SPLIT_HINT = "Flere institutioner end der er plads til: skriv `/uge &lt;institution&gt;` for én ad gangen."


async def _digests(db: Database) -> list[Notification]:
    async with db.read() as session:
        return list((await session.exec(select(Notification).where(Notification.kind == "digest.week"))).all())


async def test_on_friday_each_lead_gets_the_week_at_noon(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 5, 0, 5))  # Friday of week 9
    await load_small_roster(db, now=clock.now())
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 1
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 1  # planned again: still one row
    [row] = await _digests(db)
    assert (row.recipient, row.due_at) == (LEAD, datetime(2027, 3, 5, 11, 0, tzinfo=UTC))

    # A rating given in the morning shows in the digest: it is drawn when it goes out.
    clock.set(datetime(2027, 3, 5, 10, 0))
    await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG, zone=COPENHAGEN), "/rating", "AK12 1 3")
    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    [(recipient, reply, _)] = messenger.sent
    assert recipient == LEAD
    assert reply.text.startswith("Uge 9 (2027) · Børnehuset Solsikken — 1 af 2 registreringer i dag")
    assert "3  gns. 3,0" in reply.text
    assert reply.text.endswith(
        "Du får denne besked, fordi du er leder, og det er fredag: ugens status for dine institutioner."
    )


async def test_no_digest_on_other_days(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 4, 9, 0))  # Thursday
    await load_small_roster(db, now=clock.now())
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 0
    assert await _digests(db) == []


async def test_a_friday_holiday_moves_the_digest_to_the_last_working_day_before_it(
    db: Database, clock: FakeClock
) -> None:
    """Langfredag 2027 (26 March) and juledag 2026 (Friday 25 December) are no working days: the digest goes out on
    the week's last working day instead (Wednesday 24 March: Skærtorsdag is a holiday too), never on the holiday."""
    clock.set(datetime(2027, 3, 24, 0, 5))
    await load_small_roster(db, now=clock.now())
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 1
    [row] = await _digests(db)
    assert row.due_at == datetime(2027, 3, 24, 11, 0, tzinfo=UTC)

    clock.set(datetime(2027, 3, 26, 0, 5))  # Langfredag
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 0
    assert len(await _digests(db)) == 1

    clock.set(datetime(2027, 3, 24, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    [(_, reply, _)] = messenger.sent
    assert reply.text.startswith("Uge 12 (2027)")
    assert reply.text.endswith(
        "Du får denne besked, fordi du er leder, og onsdag er ugens sidste arbejdsdag: ugens status for dine "
        "institutioner."
    )


async def test_no_digest_on_christmas_day(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2026, 12, 25, 9, 0))
    await load_small_roster(db, now=clock.now())
    assert await plan_digests(db, now=clock.now(), zone=COPENHAGEN) == 0


def _digest_dispatcher(db: Database, clock: FakeClock) -> tuple[Dispatcher, RecordingMessenger]:
    messenger = RecordingMessenger()
    return Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)), messenger


async def test_an_absent_lead_s_digest_goes_to_his_substitute(db: Database, clock: FakeClock) -> None:
    """Karsten is away on Friday with Ali standing in (`/teambot fravær`): Ali gets Karsten's digest (Solsikken's
    week, as Karsten sees it), once, and the footer says on whose behalf; Karsten gets none."""
    clock.set(datetime(2027, 3, 4, 15, 0))  # Thursday
    await load_small_roster(db, now=clock.now())
    await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    clock.set(datetime(2027, 3, 5, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)

    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    [(recipient, reply, _)] = messenger.sent
    assert recipient == SUBSTITUTE
    assert reply.text.startswith("Uge 9 (2027) · Børnehuset Solsikken")
    assert reply.text.endswith(
        "Du får denne besked, fordi du er stedfortræder for Karsten Bro (leder), og det er fredag: ugens status for "
        "institutionerne."
    )


async def test_an_absence_registered_on_the_morning_reroutes_the_planned_digest(db: Database, clock: FakeClock) -> None:
    """Planned for Karsten at 00:05; at 09:00 he registers Friday away with Ali: the next pass gives it to Ali."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 9, 0))
    await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)

    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [SUBSTITUTE]
    assert {(r.recipient, r.status) for r in await _digests(db)} == {(LEAD, "cancelled"), (SUBSTITUTE, "sent")}


async def test_an_absence_registered_minutes_before_noon_reroutes_the_digest_at_once(
    db: Database, clock: FakeClock
) -> None:
    """Planned for Karsten at 00:05; at 11:55 he registers Friday away with Ali, and no planner pass runs before the
    dispatcher's 12:00 tick: the command itself re-plans the digest, so Ali gets it and Karsten none, as the reply
    says."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 11, 55))
    reply = await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    assert reply.text.endswith("Ali Hassan får din fredagsstatus og dine beskeder om konsulentbesøg i perioden.")

    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [SUBSTITUTE]
    assert {(r.recipient, r.status) for r in await _digests(db)} == {(LEAD, "cancelled"), (SUBSTITUTE, "sent")}


async def test_an_absence_without_a_substitute_minutes_before_noon_stops_the_digest_at_once(
    db: Database, clock: FakeClock
) -> None:
    """At 11:55 Karsten registers Friday away with nobody standing in: nobody gets his digest at 12:00, as the reply
    says, though no planner pass ran since 00:05."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 11, 55))
    reply = await run_command(Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3")
    assert reply.text.endswith("Ingen får din fredagsstatus eller dine beskeder om konsulentbesøg i perioden.")

    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert messenger.sent == []


async def test_an_absent_lead_without_a_substitute_gets_no_digest(db: Database, clock: FakeClock) -> None:
    """Karsten, Solsikken's only lead, is away on Friday with nobody standing in: no digest goes out that week (as
    nobody gets an absent meeting participant's messages, nor the café's count ask); the next Friday's does."""
    clock.set(datetime(2027, 3, 4, 15, 0))
    await load_small_roster(db, now=clock.now())
    await run_command(Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3")
    clock.set(datetime(2027, 3, 5, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)

    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert messenger.sent == []

    clock.set(datetime(2027, 3, 12, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 12, 12, 0))
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [LEAD]


async def test_the_substitute_s_early_digest_says_so_too(db: Database, clock: FakeClock) -> None:
    """Langfredag week: the digest is Wednesday's, and the substitute's footer names the day as the lead's does."""
    clock.set(datetime(2027, 3, 23, 15, 0))
    await load_small_roster(db, now=clock.now())
    lead = Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN)
    await run_command(lead, "/teambot", "fravær 24/3 24/3 Ali Hassan")
    clock.set(datetime(2027, 3, 24, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)

    clock.set(datetime(2027, 3, 24, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    [(recipient, reply, _)] = messenger.sent
    assert recipient == SUBSTITUTE
    assert reply.text.endswith(
        "Du får denne besked, fordi du er stedfortræder for Karsten Bro (leder), og onsdag er ugens sidste "
        "arbejdsdag: ugens status for institutionerne."
    )


async def test_an_absence_registered_after_the_digest_went_out_sends_no_second_one(
    db: Database, clock: FakeClock
) -> None:
    """Karsten got his digest at 12:00; at 13:00 he registers the day away with Ali. The passes run on until 18:00,
    but his digest of the week went out: Ali gets no copy."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()

    clock.set(datetime(2027, 3, 5, 13, 0))
    await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [LEAD]
    assert {(r.recipient, r.status) for r in await _digests(db)} == {(LEAD, "sent")}


async def test_an_absence_removed_after_the_substitute_got_the_digest_sends_the_lead_none(
    db: Database, clock: FakeClock
) -> None:
    """The roster says Karsten is away on Friday with Ali: Ali gets his digest at 12:00. At 13:00 the roster is
    imported again without the absence: Karsten gets none of his own that week, it went out."""
    away = small_roster()
    away["staff"][2]["absences"] = [{"from": "2027-03-05", "to": "2027-03-05", "substitute": SUBSTITUTE}]
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(away, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()

    clock.set(datetime(2027, 3, 5, 13, 0))
    await import_roster(db, parse_roster(small_roster(), source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [SUBSTITUTE]


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_planner_pass_after_the_digest_went_out_waits_for_no_dispatcher(db: Database, clock: FakeClock) -> None:
    """PostgreSQL: Karsten's digest went out at 12:00. While a dispatcher holds its row (recording an outcome, say),
    the 13:00 pass neither waits for it nor changes it: a steady pass locks nothing."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await load_small_roster(db, now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, _ = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    [sent] = await _digests(db)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_the_row() -> None:
        async with db.write() as session:
            await session.exec(select(Notification).where(Notification.id == sent.id).with_for_update())
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_row())
    await holding.wait()
    try:
        clock.set(datetime(2027, 3, 5, 13, 0))
        assert await asyncio.wait_for(plan_digests(db, now=clock.now(), zone=COPENHAGEN), timeout=5) == 1
    finally:
        release.set()
        await holder
    assert [(r.recipient, r.status) for r in await _digests(db)] == [(LEAD, "sent")]


LONE = "U0LEAD002"


async def _dispatch_at_noon(db: Database, clock: FakeClock, roster: dict[str, Any]) -> RecordingMessenger:
    """Plans the digests of Friday 5 March 2027 for `roster` and sends them at 12:00; the messenger that got them."""
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    return messenger


def _away_with(person: dict[str, Any], substitute: str) -> None:
    person["absences"] = [{"from": "2027-03-05", "to": "2027-03-05", "substitute": substitute}]


async def test_a_substitute_for_two_absent_leads_gets_each_one_s_digest(db: Database, clock: FakeClock) -> None:
    """Karsten (Solsikken) and Lone (Mariehønen) are both away on Friday with Ali: Ali gets two digests, each with
    its lead's institution and naming him or her."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["MAR"]})
    _away_with(roster["staff"][2], SUBSTITUTE)
    _away_with(roster["staff"][-1], SUBSTITUTE)
    messenger = await _dispatch_at_noon(db, clock, roster)
    digests = sorted(
        (recipient, reply.text.split("\n")[0].split(" — ")[0], reply.text.split("fordi du er ")[-1])
        for recipient, reply, _ in messenger.sent
    )
    assert digests == [
        (
            SUBSTITUTE,
            "Uge 9 (2027) · Børnehuset Solsikken",
            "stedfortræder for Karsten Bro (leder), og det er fredag: ugens status for institutionerne.",
        ),
        (
            SUBSTITUTE,
            "Uge 9 (2027) · Mariehønen",
            "stedfortræder for Lone Dahl (leder), og det er fredag: ugens status for institutionerne.",
        ),
    ]


async def test_a_co_lead_standing_in_gets_only_her_own_digest(db: Database, clock: FakeClock) -> None:
    """Lone leads Solsikken too and stands in for Karsten: her own digest already shows all of his institution."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    _away_with(roster["staff"][2], LONE)
    messenger = await _dispatch_at_noon(db, clock, roster)
    [(recipient, reply, _)] = messenger.sent
    assert recipient == LONE
    assert reply.text.endswith("fordi du er leder, og det er fredag: ugens status for dine institutioner.")


async def test_a_co_lead_standing_in_who_registers_her_own_absence_after_noon_gets_no_second_digest(
    db: Database, clock: FakeClock
) -> None:
    """Lone leads Solsikken too and stands in for Karsten: at 12:00 she gets her own digest, which shows his
    institution. At 13:00 she registers the day away herself: she has had his institution's week, so no copy of
    Karsten's follows at the next pass."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    _away_with(roster["staff"][2], LONE)
    messenger = await _dispatch_at_noon(db, clock, roster)
    assert [recipient for recipient, _, _ in messenger.sent] == [LONE]

    clock.set(datetime(2027, 3, 5, 13, 0))
    await run_command(Context(db=db, clock=clock, user_id=LONE, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3")
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    dispatcher, later = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert later.sent == []
    assert [(r.recipient, r.status) for r in await _digests(db)] == [(LONE, "sent")]


async def test_a_co_lead_registering_her_absence_minutes_before_noon_gets_the_digest_of_the_lead_who_named_her(
    db: Database, clock: FakeClock
) -> None:
    """Lone leads Solsikken too and stands in for Karsten on Friday: at 00:05 only her own digest is planned, which
    shows his institution. At 11:55 she registers the day away herself: her own digest goes to nobody, and Karsten's
    goes to her in his place at once (an absence of hers changes the digest of a lead who named her, not only her
    own), though no planner pass runs before 12:00."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    _away_with(roster["staff"][2], LONE)
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    assert [(r.recipient, r.status) for r in await _digests(db)] == [(LONE, "pending")]

    clock.set(datetime(2027, 3, 5, 11, 55))
    await run_command(Context(db=db, clock=clock, user_id=LONE, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3")
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    [(recipient, reply, _)] = messenger.sent
    assert recipient == LONE
    assert "fordi du er stedfortræder for Karsten Bro (leder)" in reply.text


async def test_a_lead_naming_a_co_lead_minutes_before_noon_sends_her_no_second_digest(
    db: Database, clock: FakeClock
) -> None:
    """Lone leads Solsikken too. At 11:55 Karsten registers the day away with her standing in: his digest stops at
    once, and at 12:00 she gets her own only, which shows his institution (the command's re-plan reads whether she is
    here, as the pass does)."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)

    clock.set(datetime(2027, 3, 5, 11, 55))
    await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Lone Dahl"
    )
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    [(recipient, reply, _)] = messenger.sent
    assert recipient == LONE
    assert reply.text.endswith("fordi du er leder, og det er fredag: ugens status for dine institutioner.")


async def test_a_lead_s_absence_re_plans_no_other_lead_s_digest(db: Database, clock: FakeClock) -> None:
    """Karsten (Solsikken) and Lone (Mariehønen) have nothing to do with each other's digests. At 11:55 Karsten
    registers the day away with Ali: his digest goes to Ali at once, and Lone's row is not re-planned by his command.
    It is set apart here by hand (due at 12:30, as no plan would have it), so that a re-plan would show: it stays as it
    is until the planner's pass brings it in line."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["MAR"]})
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    async with db.write() as session:
        lone_s = (await session.exec(select(Notification).where(Notification.recipient == LONE))).one()
        lone_s.due_at = datetime(2027, 3, 5, 11, 30, tzinfo=UTC)  # 12:30 in Copenhagen

    clock.set(datetime(2027, 3, 5, 11, 55))
    await run_command(
        Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3 Ali Hassan"
    )
    clock.set(datetime(2027, 3, 5, 12, 0))
    dispatcher, messenger = _digest_dispatcher(db, clock)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [SUBSTITUTE]

    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    await dispatcher.dispatch_due()
    assert [recipient for recipient, _, _ in messenger.sent] == [SUBSTITUTE, LONE]


async def test_a_substitute_sees_only_the_institutions_the_absent_lead_leads(db: Database, clock: FakeClock) -> None:
    """Karsten leads Solsikken and is also the psychologist on Mariehønen's BM34, whose consent covers psychologists:
    his own digest shows BM34, the one Ali (a pædagog) gets in his place shows Solsikken only."""
    roster = small_roster()
    roster["staff"][2]["roles"] = ["leder", "psykolog"]
    roster["case"].append(
        {**roster["case"][0], "code": "BM34", "institution": "MAR", "paedagog": OUTSIDER, "consultants": [LEAD]}
    )
    _away_with(roster["staff"][2], SUBSTITUTE)
    messenger = await _dispatch_at_noon(db, clock, roster)
    [(recipient, reply, _)] = messenger.sent
    assert recipient == SUBSTITUTE
    assert reply.text.startswith("Uge 9 (2027) · Børnehuset Solsikken")
    assert "Mariehønen" not in reply.text and "BM34" not in reply.text


# -- large institutions: the digest is a posted message, within Slack's text for one -----------------------------


def _children(roster: dict[str, Any], institution: str, count: int, goals: int, prefix: str) -> None:
    """`count` children more at `institution`, `goals` goals each, Mette's (and her colleague's at Solsikken)."""
    [case] = roster["case"][:1]
    roster["case"] += [
        {
            **case,
            "code": f"{prefix}{n:03d}",
            "institution": institution,
            "paedagog": SUBSTITUTE if institution == "SOL" and n % 2 else PAEDAGOG,
            "goals": [f"Mål nummer {k}" for k in range(1, goals + 1)],
        }
        for n in range(count)
    ]


async def _digest_through_slack(
    db: Database, clock: FakeClock, fake_slack: FakeSlack, roster: dict[str, Any]
) -> dict[str, Any]:
    """Friday 5 March 2027's digests for `roster`, imported a week before and nothing rated since, sent at 12:00
    through the Slack messenger; the lead's post."""
    clock.set(datetime(2027, 2, 25, 9, 0))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    clock.set(datetime(2027, 3, 5, 0, 5))
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = SlackMessenger(AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test"))
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    assert [problems for _, problems in fake_slack.refused] == []
    [post] = [c.params for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == LEAD]
    blocks = post["blocks"]
    return {**post, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}


async def test_the_digest_of_a_large_institution_reaches_its_lead_with_the_weeks_warnings(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """80 children with 3 goals each, none rated: the week's blocks held 18,000 characters of text, and Slack refuses
    a posted message past about 12,000 (`msg_blocks_too_long`), so the lead got no digest at all. The grid now gives
    way: the title, a line counting the goals left out, and the warnings (silent cases) reach him."""
    roster = small_roster()
    roster["case"][0]["goals"].append("Mål nummer 3")
    _children(roster, "SOL", 79, 3, "X")

    post = await _digest_through_slack(db, clock, fake_slack, roster)

    texts = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert texts[0].startswith("*Uge 9 (2027) · Børnehuset Solsikken")
    assert any(text.startswith("… og ") and "mål mere, som ikke er plads til her" in text for text in texts)
    assert "⚠️ Ingen registreringer i 5 arbejdsdage" in texts[-1]
    assert post["blocks"][-1]["type"] == "context"  # why he gets it
    assert post["text"].count("Mål nummer 3") == 80  # the notification's text names every goal


async def test_a_digest_of_many_institutions_leaves_those_without_room_to_uge(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """An area lead of 13 institutions of 8 children each: his week ran past the text a posted message may hold. The
    institutions that fit are drawn whole, the rest left to `/uge <institution>`, and the digest arrives."""
    roster = small_roster()
    for n in range(12):
        code = f"I{n:02d}"
        roster["institution"].append(
            {"code": code, "name": f"Børnehuset nr. {n}", "kind": "integreret", "district": "Nord"}
        )
        roster["staff"][0]["institutions"].append(code)
        roster["staff"][2]["institutions"].append(code)
        _children(roster, code, 8, 2, f"B{n:02d}")
    _children(roster, "SOL", 7, 2, "X")

    post = await _digest_through_slack(db, clock, fake_slack, roster)

    texts = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    titles = [text for text in texts if text.startswith("*Uge 9 (2027) · ")]
    assert 1 < len(titles) < 13
    assert texts[-1] == SPLIT_HINT
    assert post["text"].count("Uge 9 (2027) · ") == 13  # the notification's text has them all


async def test_a_digest_of_many_small_institutions_says_where_the_rest_are(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """16 institutions of one child each: the week's 50 blocks ended with the line pointing to `/uge <institution>`,
    and the digest cut them to 48 beside its why line, so that line went and nothing said institutions were left
    out. The week now keeps room for the why line."""
    roster = small_roster()
    for n in range(15):
        code = f"I{n:02d}"
        roster["institution"].append({"code": code, "name": f"Vuggestuen {n}", "kind": "vuggestue", "district": "Nord"})
        roster["staff"][0]["institutions"].append(code)
        roster["staff"][2]["institutions"].append(code)
        _children(roster, code, 1, 1, f"B{n:02d}")

    post = await _digest_through_slack(db, clock, fake_slack, roster)

    *_, last, why = post["blocks"]
    assert len(post["blocks"]) == 50
    assert last["text"]["text"] == SPLIT_HINT
    assert why["type"] == "context"

"""The daily nudge during a pædagog's absence: her registered substitute's one nudge also holds the absent
colleague's children she may rate, saying on whose behalf; a click records the rating as the substitute.

Small roster (helpers_ratings): Mette Jensen (PAEDAGOG) is AK12's pædagog at Børnehuset Solsikken (SOL); Ali Hassan
(SUBSTITUTE) is a pædagog at SOL; Sofie Lund (OUTSIDER) a pædagog at Mariehønen (MAR). Thursday 4 March 2027.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from test_nudges import CPH, HEADLINE, LABEL_1, LABEL_2, MORNING, NUDGE_TIME, THURSDAY, dispatcher, nudges_sent

from conftest import Runner
from helpers_ratings import (
    GOAL_1,
    GOAL_2,
    RecordingMessenger,
    Sent,
    audit_entries,
    buttons,
    goal_ids,
    load_roster,
    notifications,
    nudge_buttons,
    ratings,
    staff_id,
    substitute_has_a_child,
)
from teambot.commands.messenger import DeliveryError
from teambot.commands.registry import Reply
from teambot.scheduler.nudges import NUDGE
from teambot.scheduler.planner import plan_all
from teambot.store.db import Database
from teambot.testing.clock import FakeClock
from teambot.testing.roster import OUTSIDER, PAEDAGOG, SUBSTITUTE

ABSENT_THIS_WEEK = {"from": "2027-03-01", "to": "2027-03-05"}
ON_BEHALF = "👥 På vegne af *Mette Jensen*, som du er stedfortræder for:"
WHY_SUBSTITUTE = (
    "Du får denne besked, fordi du er stedfortræder for Mette Jensen (AK12), og ikke alle mål er registreret i dag."
)


def absent_with(substitute: str) -> list[dict[str, str]]:
    return [{**ABSENT_THIS_WEEK, "substitute": substitute}]


def paedagog_has_a_child_at_mar(data: dict[str, Any]) -> None:
    """Mette Jensen also works at Mariehønen (MAR), as pædagog of CX01 there, one goal."""
    data["staff"][0]["institutions"] = ["SOL", "MAR"]
    data["case"].append(
        {**data["case"][0], "code": "CX01", "institution": "MAR", "consultants": [], "goals": ["Leger med andre"]}
    )


async def send_at(db: Database, clock: FakeClock, when: datetime) -> list[Sent]:
    """Plan as the planner does and dispatch what is due at `when` (local); the nudges sent."""
    clock.set(when)
    await plan_all(db, now=clock.now(), zone=CPH)
    messenger = RecordingMessenger()
    await dispatcher(db, messenger, clock).dispatch_due()
    return nudges_sent(messenger)


async def test_the_substitute_is_nudged_for_the_absent_colleagues_child_on_her_behalf(
    db: Database, clock: FakeClock
) -> None:
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE))
    await plan_all(db, now=clock.now(), zone=CPH)

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "2 af 2 mål mangler. Tryk 1–4 for hvert mål.",
        ON_BEHALF,
        LABEL_1,
        LABEL_2,
        WHY_SUBSTITUTE,
    ]
    ids = await goal_ids(db)
    assert buttons(message.reply.blocks) == nudge_buttons(ids[1], THURSDAY) + nudge_buttons(ids[2], THURSDAY)
    # The absent pædagog gets none, and planning again later the same day adds nothing.
    assert [(r.recipient, r.status) for r in await notifications(db, NUDGE)] == [(SUBSTITUTE, "sent")]
    assert await send_at(db, clock, datetime(2027, 3, 4, 15, 0)) == []


async def test_a_click_on_the_colleagues_child_records_it_as_the_substitute(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE))
    await send_at(db, clock, NUDGE_TIME)
    ids = await goal_ids(db)
    clock.set(datetime(2027, 3, 4, 14, 5))

    reply = await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:3", f"{ids[1]}:2027-03-04:3")

    assert reply.replace_original
    assert reply.text.splitlines() == [
        HEADLINE,
        "1 af 2 mål mangler. Tryk 1–4 for hvert mål.",
        ON_BEHALF,
        f"✅ {LABEL_1}: *3 af 4* — registreret af Ali Hassan",
        LABEL_2,
        WHY_SUBSTITUTE,
    ]
    assert buttons(reply.blocks) == nudge_buttons(ids[2], THURSDAY)
    [rating] = await ratings(db)
    assert (rating.goal_id, rating.day, rating.value) == (ids[1], THURSDAY, 3)
    assert rating.rated_by == await staff_id(db, SUBSTITUTE)
    [entry] = await audit_entries(db, "rating.create")
    assert (entry.actor, entry.case_code) == (SUBSTITUTE, "AK12")


async def test_a_substitute_with_children_of_her_own_gets_one_nudge_holding_both(
    db: Database, clock: FakeClock
) -> None:
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE), adjust=substitute_has_a_child)
    await plan_all(db, now=clock.now(), zone=CPH)
    await plan_all(db, now=clock.now(), zone=CPH)

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "3 af 3 mål mangler. Tryk 1–4 for hvert mål.",
        "*BM04* · mål 1 «Deltager i samling»",
        ON_BEHALF,
        LABEL_1,
        LABEL_2,
        "Du får denne besked, fordi du er pædagog for BM04 og stedfortræder for Mette Jensen (AK12), "
        "og ikke alle mål er registreret i dag.",
    ]
    assert len(buttons(message.reply.blocks)) == 12
    assert [r.recipient for r in await notifications(db, NUDGE)] == [SUBSTITUTE]


async def test_an_absence_registered_after_planning_moves_the_child_into_the_substitutes_nudge(
    db: Database, clock: FakeClock
) -> None:
    """Both nudges are planned just after midnight; Mette calls in sick at 08:30 with Ali as her substitute. At 14:00
    Ali's nudge, redrawn as it is sent, holds AK12 too, and Mette's is not sent."""
    await load_roster(db, clock, datetime(2027, 3, 4, 0, 5), adjust=substitute_has_a_child)
    await plan_all(db, now=clock.now(), zone=CPH)
    assert sorted(r.recipient for r in await notifications(db, NUDGE)) == [PAEDAGOG, SUBSTITUTE]
    clock.set(datetime(2027, 3, 4, 8, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines()[2:6] == ["*BM04* · mål 1 «Deltager i samling»", ON_BEHALF, LABEL_1, LABEL_2]
    statuses = {r.recipient: r.status for r in await notifications(db, NUDGE)}
    assert statuses == {PAEDAGOG: "cancelled", SUBSTITUTE: "sent"}


async def test_an_absence_registered_after_the_nudge_time_reaches_a_substitute_with_no_children_once(
    db: Database, clock: FakeClock
) -> None:
    await load_roster(db, clock, MORNING)
    assert await send_at(db, clock, NUDGE_TIME) != []  # Mette's own, before she leaves
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    [message] = await send_at(db, clock, datetime(2027, 3, 4, 14, 40))

    assert message.recipient == SUBSTITUTE
    assert ON_BEHALF in message.reply.text.splitlines()
    assert await send_at(db, clock, datetime(2027, 3, 4, 14, 50)) == []
    assert await send_at(db, clock, datetime(2027, 3, 4, 15, 40)) == []


NAMESAKE = "U0PAED002"


def a_namesake_absent_too(data: dict[str, Any]) -> None:
    """A second Mette Jensen at SOL, pædagog of BM04 (one goal), away this week with Ali as her substitute too."""
    data["staff"].append(
        {
            "id": NAMESAKE,
            "name": "Mette Jensen",
            "roles": ["pædagog"],
            "institutions": ["SOL"],
            "absences": absent_with(SUBSTITUTE),
        }
    )
    data["case"].append(
        {**data["case"][0], "code": "BM04", "paedagog": NAMESAKE, "consultants": [], "goals": ["Deltager i samling"]}
    )


async def test_two_absent_colleagues_with_the_same_name_get_a_heading_each(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE), adjust=a_namesake_absent_too)

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "3 af 3 mål mangler. Tryk 1–4 for hvert mål.",
        ON_BEHALF,
        LABEL_1,
        LABEL_2,
        ON_BEHALF,
        "*BM04* · mål 1 «Deltager i samling»",
        "Du får denne besked, fordi du er stedfortræder for Mette Jensen (AK12) og Mette Jensen (BM04), "
        "og ikke alle mål er registreret i dag.",
    ]
    ids, namesakes = await goal_ids(db), await goal_ids(db, "BM04")
    assert buttons(message.reply.blocks) == (
        nudge_buttons(ids[1], THURSDAY) + nudge_buttons(ids[2], THURSDAY) + nudge_buttons(namesakes[1], THURSDAY)
    )
    clock.set(datetime(2027, 3, 4, 14, 5))
    reply = await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:2", f"{namesakes[1]}:2027-03-04:2")
    assert reply.text.splitlines()[5:7] == [
        ON_BEHALF,
        "✅ *BM04* · mål 1 «Deltager i samling»: *2 af 4* — registreret af Ali Hassan",
    ]
    [rating] = await ratings(db)
    assert (rating.goal_id, rating.value, rating.rated_by) == (namesakes[1], 2, await staff_id(db, SUBSTITUTE))


async def test_a_substitute_who_may_not_rate_a_child_gets_no_button_for_it(db: Database, clock: FakeClock) -> None:
    """Sofie works at MAR only: of Mette's children she may rate CX01 (MAR), not AK12 (SOL)."""
    await load_roster(db, clock, MORNING, absences=absent_with(OUTSIDER), adjust=paedagog_has_a_child_at_mar)

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == OUTSIDER
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "1 af 1 mål mangler. Tryk 1–4 for hvert mål.",
        ON_BEHALF,
        "*CX01* · mål 1 «Leger med andre»",
        "Du får denne besked, fordi du er stedfortræder for Mette Jensen (CX01), "
        "og ikke alle mål er registreret i dag.",
    ]
    assert buttons(message.reply.blocks) == nudge_buttons((await goal_ids(db, "CX01"))[1], THURSDAY)
    assert "AK12" not in str(message.reply.blocks)


async def test_not_for_a_child_whose_institution_is_closed_that_day(db: Database, clock: FakeClock) -> None:
    def ali_at_both_too(data: dict[str, Any]) -> None:
        paedagog_has_a_child_at_mar(data)
        data["staff"][3]["institutions"] = ["SOL", "MAR"]

    await load_roster(
        db, clock, MORNING, absences=absent_with(SUBSTITUTE), closing_days=["2027-03-04"], adjust=ali_at_both_too
    )

    [message] = await send_at(db, clock, NUDGE_TIME)

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines()[2:4] == [ON_BEHALF, "*CX01* · mål 1 «Leger med andre»"]
    assert f"«{GOAL_1}»" not in message.reply.text and f"«{GOAL_2}»" not in message.reply.text


async def test_the_substitutes_todo_list_holds_the_colleagues_child(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING, absences=absent_with(SUBSTITUTE))

    reply = await Runner(db, clock)(SUBSTITUTE, "/rating mangler")

    assert reply.text.splitlines()[2:5] == [ON_BEHALF, LABEL_1, LABEL_2]
    ids = await goal_ids(db)
    assert buttons(reply.blocks) == nudge_buttons(ids[1], THURSDAY) + nudge_buttons(ids[2], THURSDAY)


async def test_a_substitute_whose_nudge_went_out_before_the_absence_gets_no_second_one(
    db: Database, clock: FakeClock
) -> None:
    """At most one nudge per person per day: the colleague's child reaches Ali through `/rating mangler` then.
    (The "no second message" half held before substitutes were nudged too; the `/rating mangler` half is new.)"""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    assert sorted(m.recipient for m in await send_at(db, clock, NUDGE_TIME)) == [PAEDAGOG, SUBSTITUTE]
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    assert await send_at(db, clock, datetime(2027, 3, 4, 14, 40)) == []
    assert ON_BEHALF in (await Runner(db, clock)(SUBSTITUTE, "/rating mangler")).text.splitlines()


BM04_RATED = "✅ *BM04* · mål 1 «Deltager i samling»: *3 af 4* — registreret af Ali Hassan"


async def rate_own_child_before_the_nudge(db: Database, clock: FakeClock) -> None:
    """Ali's nudge is planned at 08:00 (the planner runs all day); she rates BM04, her only goal, at 10:00, so it
    has nothing left to ask at 14:00."""
    await plan_all(db, now=clock.now(), zone=CPH)
    assert [r.recipient for r in await notifications(db, NUDGE) if r.recipient == SUBSTITUTE] == [SUBSTITUTE]
    clock.set(datetime(2027, 3, 4, 10, 0))
    [goal] = (await goal_ids(db, "BM04")).values()
    await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:3", f"{goal}:2027-03-04:3")


async def test_a_substitute_whose_own_nudge_was_cancelled_is_still_nudged_for_a_colleague_who_leaves_later(
    db: Database, clock: FakeClock
) -> None:
    """Ali had rated everything, so her nudge was cancelled at 14:00; Mette leaves at 14:30 with Ali as her substitute.
    The next pass brings Ali's one nudge back, now holding AK12, and it is sent once."""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    await rate_own_child_before_the_nudge(db, clock)
    assert [m.recipient for m in await send_at(db, clock, NUDGE_TIME)] == [PAEDAGOG]
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    [message] = await send_at(db, clock, datetime(2027, 3, 4, 14, 40))

    assert message.recipient == SUBSTITUTE
    assert message.reply.text.splitlines()[1:6] == [
        "2 af 3 mål mangler. Tryk 1–4 for hvert mål.",
        BM04_RATED,
        ON_BEHALF,
        LABEL_1,
        LABEL_2,
    ]
    ids = await goal_ids(db)
    assert buttons(message.reply.blocks) == nudge_buttons(ids[1], THURSDAY) + nudge_buttons(ids[2], THURSDAY)
    assert await send_at(db, clock, datetime(2027, 3, 4, 14, 50)) == []
    assert await send_at(db, clock, datetime(2027, 3, 4, 15, 40)) == []
    assert sorted((r.recipient, r.status) for r in await notifications(db, NUDGE)) == [
        (PAEDAGOG, "sent"),
        (SUBSTITUTE, "sent"),
    ]


async def test_a_cancelled_nudge_stays_cancelled_while_there_is_nothing_to_ask(db: Database, clock: FakeClock) -> None:
    """Mette leaves at 14:30 with Ali as her substitute, but had rated AK12 herself: Ali is not nudged after all.
    (A guard: this held before; bringing a cancelled nudge back must not send an empty one.)"""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    await rate_own_child_before_the_nudge(db, clock)
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 1 3")
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 2 3")
    assert await send_at(db, clock, NUDGE_TIME) == []
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    assert await send_at(db, clock, datetime(2027, 3, 4, 14, 40)) == []
    assert {r.status for r in await notifications(db, NUDGE)} == {"cancelled"}


@dataclass
class UnsureMessenger(RecordingMessenger):
    """Posts Ali's first message and then fails as if Slack had answered 500; finds its posts by their key."""

    failed_once: bool = False

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        ts = await super().send(recipient, reply, metadata=metadata)
        if recipient == SUBSTITUTE and not self.failed_once:
            self.failed_once = True
            raise DeliveryError("internal_error")
        return ts

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        keys = [((s.metadata or {}).get("event_payload") or {}).get("key") for s in self.sent]
        return next((f"ts-{n}" for n, k in enumerate(keys, 1) if k == key), None)


async def test_a_nudge_slack_may_have_posted_is_looked_for_before_its_redraw_and_never_posted_twice(
    db: Database, clock: FakeClock
) -> None:
    """Ali's nudge reached Slack at 14:00 but the answer was a 500; she rated BM04 from it. The retry looks for the
    post in Slack before redrawing (a redraw with nothing left to ask would cancel a message she has): found, the row
    is sent. When Mette leaves, no second nudge is posted that day (AK12 reaches Ali through `/rating mangler`)."""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    messenger = UnsureMessenger()
    send = dispatcher(db, messenger, clock)
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()
    [goal] = (await goal_ids(db, "BM04")).values()
    clock.set(datetime(2027, 3, 4, 14, 2))
    await Runner(db, clock).press(SUBSTITUTE, "rating_nudge:3", f"{goal}:2027-03-04:3")
    clock.set(datetime(2027, 3, 4, 14, 5))
    assert (await send.dispatch_due()).sent == 1  # found: the 14:00 post is the day's nudge
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(PAEDAGOG, f"/teambot fravær 4/3 5/3 @{SUBSTITUTE}")

    clock.set(datetime(2027, 3, 4, 14, 40))
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()

    assert [s.recipient for s in nudges_sent(messenger)] == [PAEDAGOG, SUBSTITUTE]
    assert {r.recipient: r.status for r in await notifications(db, NUDGE)} == {PAEDAGOG: "sent", SUBSTITUTE: "sent"}


async def test_the_absent_pedagogue_still_sees_her_own_children_when_she_asks(db: Database, clock: FakeClock) -> None:
    """She gets no nudge, but `/rating mangler` and a button's redraw still list her children: she may rate them.
    (A guard: this held before; the nudge's rule must not empty her own list.)"""
    await load_roster(db, clock, MORNING, absences=[ABSENT_THIS_WEEK])
    run = Runner(db, clock)

    assert (await run(PAEDAGOG, "/rating mangler")).text.splitlines()[2:4] == [LABEL_1, LABEL_2]
    ids = await goal_ids(db)
    reply = await run.press(PAEDAGOG, "rating_nudge:3", f"{ids[1]}:2027-03-04:3")
    assert reply.text.splitlines()[2:4] == [f"✅ {LABEL_1}: *3 af 4* — registreret af Mette Jensen", LABEL_2]

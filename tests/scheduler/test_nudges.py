"""The daily rating nudge: planned into the outbox, redrawn when sent, answered with a button that records the
rating and redraws the message in place. Only on the institution's working days, never during an absence (her
substitute's nudge holds her children then: test_nudge_substitute.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

import pytest
from helpers_outbox import fail_draws

import teambot.scheduler.nudges
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
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.nudges import NUDGE, nudge_refreshers, plan_nudges
from teambot.scheduler.planner import plan_all
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, SUBSTITUTE

CPH = COPENHAGEN
THURSDAY = date(2027, 3, 4)
MORNING = datetime(2027, 3, 4, 8, 0)
NUDGE_TIME = datetime(2027, 3, 4, 14, 0)
HEADLINE = "📝 Husk dagens registreringer — torsdag 4. marts 2027"
WHY = "Du får denne besked, fordi du er pædagog for AK12 og ikke har registreret alle mål i dag."
LABEL_1 = f"*AK12* · mål 1 «{GOAL_1}»"
LABEL_2 = f"*AK12* · mål 2 «{GOAL_2}»"


def dispatcher(db: Database, messenger: RecordingMessenger, clock: FakeClock) -> Dispatcher:
    ticks = count(0.0, 60.0)  # a monotonic clock that never makes the dispatcher pace (sleep)

    async def no_sleep(seconds: float) -> None:
        raise AssertionError(f"the dispatcher should not need to pace here ({seconds} s)")

    return Dispatcher(
        db, messenger, clock, refreshers=nudge_refreshers(db, clock, CPH), sleep=no_sleep, monotonic=lambda: next(ticks)
    )


async def plan(db: Database, clock: FakeClock) -> None:
    await plan_nudges(db, now=clock.now(), zone=CPH)


def nudges_sent(messenger: RecordingMessenger) -> list[Sent]:
    return [
        s for s in messenger.sent if ((s.metadata or {}).get("event_payload") or {}).get("key", "").startswith("nudge:")
    ]


# -- when --------------------------------------------------------------------------------------------------


async def test_a_working_day_brings_one_nudge_at_14_local(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    messenger = RecordingMessenger()
    send = dispatcher(db, messenger, clock)

    await plan(db, clock)
    await plan(db, clock)
    await plan_all(db, now=clock.now(), zone=CPH)

    [row] = await notifications(db, NUDGE)
    assert (row.recipient, row.due_at, row.event_day, row.status) == (
        PAEDAGOG,
        datetime(2027, 3, 4, 13, 0, tzinfo=UTC),
        THURSDAY,
        "pending",
    )
    clock.set(datetime(2027, 3, 4, 13, 59))
    assert (await send.dispatch_due()).sent == 0

    clock.set(NUDGE_TIME)
    assert (await send.dispatch_due()).sent == 1
    [message] = messenger.sent
    assert message.recipient == PAEDAGOG
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "2 af 2 mål mangler. Tryk 1–4 for hvert mål.",
        LABEL_1,
        LABEL_2,
        WHY,
    ]
    ids = await goal_ids(db)
    assert buttons(message.reply.blocks) == nudge_buttons(ids[1], THURSDAY) + nudge_buttons(ids[2], THURSDAY)
    assert message.metadata == {"event_type": "teambot_notification", "event_payload": {"key": row.dedupe_key}}

    # Planning again later the same day (the planner runs every 10 minutes) sends nothing more.
    clock.set(datetime(2027, 3, 4, 15, 0))
    await plan_all(db, now=clock.now(), zone=CPH)
    assert (await send.dispatch_due()).sent == 0
    assert [r.status for r in await notifications(db, NUDGE)] == ["sent"]
    assert len(messenger.sent) == 1


async def test_the_nudge_stays_at_14_local_in_summer_time(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, datetime(2027, 5, 4, 7, 30))
    await plan(db, clock)
    [row] = await notifications(db, NUDGE)
    assert row.due_at == datetime(2027, 5, 4, 12, 0, tzinfo=UTC)
    assert row.due_at.astimezone(CPH).hour == 14


async def test_the_nudge_time_is_configurable(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING, municipality={"rating_nudge_time": "13:00"})
    await plan(db, clock)
    [row] = await notifications(db, NUDGE)
    assert row.due_at == datetime(2027, 3, 4, 12, 0, tzinfo=UTC)


async def test_a_nudge_planned_after_its_time_goes_out_at_once(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 16, 0))
    await plan(db, clock)
    [row] = await notifications(db, NUDGE)
    assert row.due_at == clock.now()


@pytest.mark.parametrize(
    ("when", "options"),
    [
        pytest.param(datetime(2027, 3, 6, 8, 0), {}, id="saturday"),
        pytest.param(datetime(2027, 3, 7, 8, 0), {}, id="sunday"),
        pytest.param(datetime(2027, 5, 6, 8, 0), {}, id="Kristi himmelfart"),
        pytest.param(datetime(2027, 3, 29, 8, 0), {}, id="2. påskedag"),
        pytest.param(MORNING, {"closing_days": ["2027-03-04"]}, id="institution closing day"),
        pytest.param(MORNING, {"closing_days": ["2027-03-01..2027-03-05"]}, id="institution closing week"),
        pytest.param(MORNING, {"municipality_closing": ["2027-03-04"]}, id="municipality closing day"),
        pytest.param(
            MORNING, {"absences": [{"from": "2027-03-04", "to": "2027-03-04"}]}, id="the pædagog is absent today"
        ),
        pytest.param(datetime(2027, 2, 10, 8, 0), {}, id="before the case started"),
    ],
)
async def test_no_nudge_on_days_off(db: Database, clock: FakeClock, when: datetime, options: dict[str, Any]) -> None:
    await load_roster(db, clock, when, **options)
    messenger = RecordingMessenger()

    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(when.replace(hour=14))
    await plan_all(db, now=clock.now(), zone=CPH)
    await dispatcher(db, messenger, clock).dispatch_due()

    assert await notifications(db, NUDGE) == []
    assert nudges_sent(messenger) == []


async def test_only_the_childs_pedagogue_is_nudged(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    await plan_all(db, now=clock.now(), zone=CPH)
    assert [r.recipient for r in await notifications(db, NUDGE)] == [PAEDAGOG]


# -- redrawn at send time --------------------------------------------------------------------------------


async def test_everything_rated_before_14_means_no_nudge(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    await plan(db, clock)
    run = Runner(db, clock)
    clock.set(datetime(2027, 3, 4, 10, 0))
    await run(PAEDAGOG, "/rating AK12 1 3")
    await run(LEAD, "/rating AK12 2 2")
    messenger = RecordingMessenger()

    clock.set(NUDGE_TIME)
    stats = await dispatcher(db, messenger, clock).dispatch_due()

    assert (stats.sent, stats.cancelled) == (0, 1)
    assert messenger.sent == []
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


GOAL_3 = "Leger med andre"
LABEL_3 = f"*AK12* · mål 3 «{GOAL_3}»"


async def rate_everything_and_pass_the_nudge_time(
    db: Database, clock: FakeClock, messenger: RecordingMessenger
) -> None:
    """Mette rates both of AK12's goals at 10:00, so her nudge has nothing to ask at 14:00 and is cancelled unsent."""
    await load_roster(db, clock, MORNING)
    await plan_all(db, now=clock.now(), zone=CPH)
    clock.set(datetime(2027, 3, 4, 10, 0))
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 1 3")
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 2 3")
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await dispatcher(db, messenger, clock).dispatch_due()
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


async def pass_at(db: Database, clock: FakeClock, messenger: RecordingMessenger, when: datetime) -> list[Sent]:
    """A planner pass and a dispatch at `when` (local), as the running bot makes every few minutes; the nudges sent."""
    before = len(nudges_sent(messenger))
    clock.set(when)
    await plan_all(db, now=clock.now(), zone=CPH)
    await dispatcher(db, messenger, clock).dispatch_due()
    return nudges_sent(messenger)[before:]


async def test_a_goal_added_after_a_cancelled_nudge_brings_the_days_one_nudge(db: Database, clock: FakeClock) -> None:
    """Mette's nudge was cancelled at 14:00 (all rated); at 14:30 her lead adds a third goal to AK12. The next pass
    brings her nudge back, sent at once with the new goal to rate, and only once that day."""
    messenger = RecordingMessenger()
    await rate_everything_and_pass_the_nudge_time(db, clock, messenger)
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(LEAD, f"/teambot forløb mål AK12 {GOAL_3}")

    [message] = await pass_at(db, clock, messenger, datetime(2027, 3, 4, 14, 40))

    assert message.recipient == PAEDAGOG
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "1 af 3 mål mangler. Tryk 1–4 for hvert mål.",
        f"✅ {LABEL_1}: *3 af 4* — registreret af Mette Jensen",
        f"✅ {LABEL_2}: *3 af 4* — registreret af Mette Jensen",
        LABEL_3,
        WHY,
    ]
    assert buttons(message.reply.blocks) == nudge_buttons((await goal_ids(db))[3], THURSDAY)
    assert await pass_at(db, clock, messenger, datetime(2027, 3, 4, 14, 50)) == []
    clock.set(datetime(2027, 3, 4, 15, 0))
    await Runner(db, clock)(LEAD, "/teambot forløb mål AK12 Rydder op efter leg")
    assert await pass_at(db, clock, messenger, datetime(2027, 3, 4, 15, 10)) == []
    assert [(r.recipient, r.status) for r in await notifications(db, NUDGE)] == [(PAEDAGOG, "sent")]


async def test_a_case_given_to_her_after_a_cancelled_nudge_brings_it_back(db: Database, clock: FakeClock) -> None:
    """At 15:00 the lead opens BM04 with Mette as its pædagog and one goal: her cancelled nudge comes back for it."""
    messenger = RecordingMessenger()
    await rate_everything_and_pass_the_nudge_time(db, clock, messenger)
    clock.set(datetime(2027, 3, 4, 15, 0))
    run = Runner(db, clock)
    await run(LEAD, f"/teambot forløb opret BM04 SOL @{PAEDAGOG}")
    await run(LEAD, "/teambot forløb mål BM04 Deltager i samling")

    [message] = await pass_at(db, clock, messenger, datetime(2027, 3, 4, 15, 10))

    assert message.recipient == PAEDAGOG
    assert message.reply.text.splitlines()[1:5] == [
        "1 af 3 mål mangler. Tryk 1–4 for hvert mål.",
        f"✅ {LABEL_1}: *3 af 4* — registreret af Mette Jensen",
        f"✅ {LABEL_2}: *3 af 4* — registreret af Mette Jensen",
        "*BM04* · mål 1 «Deltager i samling»",
    ]
    assert [(r.recipient, r.status) for r in await notifications(db, NUDGE)] == [(PAEDAGOG, "sent")]


async def test_a_goal_added_after_the_working_day_brings_no_nudge(db: Database, clock: FakeClock) -> None:
    """A goal added at 18:30 waits for tomorrow's nudge: the day's reminder comes within the working day."""
    messenger = RecordingMessenger()
    await rate_everything_and_pass_the_nudge_time(db, clock, messenger)
    clock.set(datetime(2027, 3, 4, 18, 30))
    await Runner(db, clock)(LEAD, f"/teambot forløb mål AK12 {GOAL_3}")

    assert await pass_at(db, clock, messenger, datetime(2027, 3, 4, 18, 40)) == []
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


@dataclass
class PostedButUnconfirmed(RecordingMessenger):
    """Posts Mette's nudge and answers as if Slack had failed (a 500); cannot say later whether it was posted."""

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        posted = await super().send(recipient, reply, metadata=metadata)
        if len(self.sent) == 1:
            raise DeliveryError("internal_error")
        return posted

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        raise DeliveryError("internal_error")


async def _all_rated_from_a_failed_nudge_then_a_new_goal(
    db: Database, clock: FakeClock, messenger: RecordingMessenger
) -> Dispatcher:
    """Mette's 14:00 nudge fails as `messenger` fails it; she rates both goals by 14:02, so the retry at 14:05 has
    nothing to ask and is cancelled; at 14:30 the lead adds a third goal. Returns the dispatcher."""
    await load_roster(db, clock, MORNING)
    send = dispatcher(db, messenger, clock)
    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()
    clock.set(datetime(2027, 3, 4, 14, 2))
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 1 3")
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 2 3")
    clock.set(datetime(2027, 3, 4, 14, 5))
    assert (await send.dispatch_due()).cancelled == 1
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]
    clock.set(datetime(2027, 3, 4, 14, 30))
    await Runner(db, clock)(LEAD, f"/teambot forløb mål AK12 {GOAL_3}")
    return send


async def test_a_nudge_she_may_have_had_is_not_brought_back_by_a_new_goal(db: Database, clock: FakeClock) -> None:
    """Mette's 14:00 nudge reached Slack, but Slack answered with an error and cannot tell later; she rated both
    goals from it, so the retry had nothing to ask and was cancelled. A goal added after that brings no second
    nudge that day: she may well have the first. (A guard for bringing cancelled nudges back.)"""
    messenger = PostedButUnconfirmed()
    send = await _all_rated_from_a_failed_nudge_then_a_new_goal(db, clock, messenger)

    clock.set(datetime(2027, 3, 4, 14, 40))
    await plan_all(db, now=clock.now(), zone=CPH)
    await send.dispatch_due()

    assert len(nudges_sent(messenger)) == 1  # the 14:00 post, and nothing after it
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


async def test_everything_rated_before_planning_plans_nothing(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")
    await run(PAEDAGOG, "/rating AK12 2 3")
    await plan(db, clock)
    assert await notifications(db, NUDGE) == []


async def test_goals_rated_before_14_are_shown_as_done_without_buttons(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    await plan(db, clock)
    clock.set(datetime(2027, 3, 4, 10, 0))
    await Runner(db, clock)(LEAD, "/rating AK12 1 3")
    messenger = RecordingMessenger()

    clock.set(NUDGE_TIME)
    await dispatcher(db, messenger, clock).dispatch_due()

    [message] = messenger.sent
    assert message.reply.text.splitlines() == [
        HEADLINE,
        "1 af 2 mål mangler. Tryk 1–4 for hvert mål.",
        f"✅ {LABEL_1}: *3 af 4* — registreret af Karsten Bro",
        LABEL_2,
        WHY,
    ]
    assert buttons(message.reply.blocks) == nudge_buttons((await goal_ids(db))[2], THURSDAY)


async def test_an_absence_registered_after_planning_stops_todays_nudge(db: Database, clock: FakeClock) -> None:
    """The planner runs just after midnight; a pædagog who calls in sick at 08:30 must not be nudged at 14:00."""
    await load_roster(db, clock, datetime(2027, 3, 4, 0, 5))
    await plan_all(db, now=clock.now(), zone=CPH)
    assert len(await notifications(db, NUDGE)) == 1
    clock.set(datetime(2027, 3, 4, 8, 30))
    registered = await Runner(db, clock)(PAEDAGOG, "/teambot fravær 4/3 5/3")
    assert registered.text.startswith("🗓️ Dit fravær torsdag 4. marts 2027 – fredag 5. marts 2027 er registreret.")
    messenger = RecordingMessenger()

    clock.set(NUDGE_TIME)
    await plan_all(db, now=clock.now(), zone=CPH)
    await dispatcher(db, messenger, clock).dispatch_due()

    assert nudges_sent(messenger) == []
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


async def test_a_nudge_left_over_from_a_day_the_bot_was_down_is_not_sent_later(db: Database, clock: FakeClock) -> None:
    """Down from Thursday morning to Monday: Thursday's "Husk dagens registreringer" went out on Monday, for a day
    that is over (a reminder for a moment passed today still goes)."""
    await load_roster(db, clock, datetime(2027, 3, 4, 0, 5))
    await plan_all(db, now=clock.now(), zone=CPH)
    messenger = RecordingMessenger()

    clock.set(datetime(2027, 3, 8, 8, 0))
    await dispatcher(db, messenger, clock).dispatch_due()

    assert nudges_sent(messenger) == []
    assert [r.status for r in await notifications(db, NUDGE)] == ["cancelled"]


async def test_a_nudge_whose_redraw_fails_for_a_moment_is_sent_at_a_later_pass(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The goals cannot be read for the first of the two 14:00 nudges (the database is locked): that nudge waits and
    goes at the next pass, and the other is not held back by it."""
    await load_roster(db, clock, MORNING, adjust=substitute_has_a_child)
    await plan(db, clock)
    messenger = RecordingMessenger()
    send = dispatcher(db, messenger, clock)
    fail_draws(monkeypatch, teambot.scheduler.nudges, "nudge_items", times=1)

    clock.set(NUDGE_TIME)
    stats = await send.dispatch_due()
    assert (stats.sent, stats.retried) == (1, 1)

    clock.set(datetime(2027, 3, 4, 14, 1))
    assert (await send.dispatch_due()).sent == 1
    assert sorted(s.recipient for s in nudges_sent(messenger)) == sorted([PAEDAGOG, SUBSTITUTE])
    assert [r.status for r in await notifications(db, NUDGE)] == ["sent", "sent"]


async def test_a_case_closed_after_planning_gets_no_nudge(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    await plan(db, clock)
    await Runner(db, clock)(PAEDAGOG, "/teambot forløb luk AK12")
    messenger = RecordingMessenger()

    clock.set(NUDGE_TIME)
    stats = await dispatcher(db, messenger, clock).dispatch_due()

    assert (stats.sent, stats.cancelled) == (0, 1)
    assert messenger.sent == []


# -- the buttons ------------------------------------------------------------------------------------------


@pytest.fixture
async def nudged(db: Database, clock: FakeClock) -> Sent:
    """The small roster with today's nudge sent at 14:00 on Thursday 4 March 2027; the clock at 14:05."""
    await load_roster(db, clock, MORNING)
    await plan(db, clock)
    clock.set(NUDGE_TIME)
    messenger = RecordingMessenger()
    await dispatcher(db, messenger, clock).dispatch_due()
    [message] = messenger.sent
    clock.set(datetime(2027, 3, 4, 14, 5))
    return message


async def test_pressing_a_button_records_the_rating_and_redraws_the_message(
    db: Database, clock: FakeClock, nudged: Sent
) -> None:
    ids = await goal_ids(db)
    run = Runner(db, clock)

    reply = await run.press(PAEDAGOG, "rating_nudge:3", f"{ids[1]}:2027-03-04:3")

    assert reply.replace_original
    assert reply.text.splitlines() == [
        HEADLINE,
        "1 af 2 mål mangler. Tryk 1–4 for hvert mål.",
        f"✅ {LABEL_1}: *3 af 4* — registreret af Mette Jensen",
        LABEL_2,
        WHY,
    ]
    assert buttons(reply.blocks) == nudge_buttons(ids[2], THURSDAY)
    [rating] = await ratings(db)
    assert (rating.goal_id, rating.day, rating.value, rating.note) == (ids[1], THURSDAY, 3, None)
    assert rating.rated_by == await staff_id(db, PAEDAGOG)
    assert rating.rated_at == datetime(2027, 3, 4, 13, 5, tzinfo=UTC)

    done = await run.press(PAEDAGOG, "rating_nudge:1", f"{ids[2]}:2027-03-04:1")

    assert done.replace_original
    assert done.text.splitlines()[1:4] == [
        "Alle dagens mål er registreret. Tak!",
        f"✅ {LABEL_1}: *3 af 4* — registreret af Mette Jensen",
        f"✅ {LABEL_2}: *1 af 4* — registreret af Mette Jensen",
    ]
    assert buttons(done.blocks) == []
    assert [r.value for r in await ratings(db)] == [3, 1]


async def test_a_button_pressed_on_yesterdays_nudge_records_yesterday(db: Database, clock: FakeClock) -> None:
    await load_roster(db, clock, MORNING)
    ids = await goal_ids(db)
    clock.set(datetime(2027, 3, 5, 9, 0))

    reply = await Runner(db, clock).press(PAEDAGOG, "rating_nudge:2", f"{ids[2]}:2027-03-04:2")

    assert reply.replace_original
    assert f"✅ {LABEL_2}: *2 af 4* — registreret af Mette Jensen" in reply.text.splitlines()
    assert [(r.day, r.value) for r in await ratings(db)] == [(THURSDAY, 2)]


async def test_pressing_another_value_corrects_the_rating(db: Database, clock: FakeClock, nudged: Sent) -> None:
    ids = await goal_ids(db)
    run = Runner(db, clock)
    await run.press(PAEDAGOG, "rating_nudge:3", f"{ids[1]}:2027-03-04:3")

    reply = await run.press(PAEDAGOG, "rating_nudge:2", f"{ids[1]}:2027-03-04:2")

    assert f"✅ {LABEL_1}: *2 af 4* — registreret af Mette Jensen" in reply.text.splitlines()
    assert [r.value for r in await ratings(db)] == [2]
    [correction] = await audit_entries(db, "rating.correct")
    assert (correction.detail["old_value"], correction.detail["new_value"]) == (3, 2)


@pytest.mark.parametrize("where", [pytest.param("", id="the nudge"), pytest.param(":hjem", id="the hjem message")])
async def test_pressing_the_value_a_colleague_already_gave_changes_nothing_and_says_so(
    db: Database, clock: FakeClock, nudged: Sent, where: str
) -> None:
    """Her nudge still has buttons for a goal the lead rated after it was sent: the same value pressed is no news."""
    ids = await goal_ids(db)
    run = Runner(db, clock)
    await run(LEAD, "/rating AK12 1 3")
    clock.set(datetime(2027, 3, 4, 14, 20))

    reply = await run.press(PAEDAGOG, "rating_nudge:3", f"{ids[1]}:2027-03-04:3{where}")

    assert reply.replace_original
    assert f"☑️ {LABEL_1}: *3 af 4* — var allerede registreret af Karsten Bro" in reply.text.splitlines()
    [rating] = await ratings(db)
    assert (rating.value, rating.rated_by) == (3, await staff_id(db, LEAD))
    assert rating.rated_at == datetime(2027, 3, 4, 13, 5, tzinfo=UTC)
    assert await audit_entries(db, "rating.correct") == []

    # Drawn again after another press, it is an ordinary rated line.
    later = await run.press(PAEDAGOG, "rating_nudge:1", f"{ids[2]}:2027-03-04:1{where}")

    assert f"✅ {LABEL_1}: *3 af 4* — registreret af Karsten Bro" in later.text.splitlines()


@pytest.mark.parametrize(
    ("user", "value", "expected"),
    [
        pytest.param(
            PAEDAGOG,
            "{goal}:2027-02-24:3",
            "onsdag 24. februar 2027 er mere end 7 dage siden; så langt tilbage kan der ikke registreres. "
            "Intet er gemt.",
            id="more than 7 days ago",
        ),
        pytest.param(
            PAEDAGOG,
            "{goal}:2027-03-05:3",
            "fredag 5. marts 2027 er ikke kommet endnu — du kan kun registrere for i dag og dagene før. Intet er gemt.",
            id="a day in the future",
        ),
        pytest.param(
            PAEDAGOG,
            "999999:2027-03-04:3",
            "Målet findes ikke længere eller er afsluttet. Skriv `/rating` igen. Intet er gemt.",
            id="a goal that does not exist",
        ),
        pytest.param(
            PAEDAGOG,
            "nonsense",
            "Målet findes ikke længere eller er afsluttet. Skriv `/rating` igen. Intet er gemt.",
            id="garbled value",
        ),
        pytest.param(
            OUTSIDER,
            "{goal}:2027-03-04:3",
            "Jeg kender ikke barnet «AK12», og du har ingen børn at registrere for. Intet er gemt.",
            id="someone from another institution",
        ),
    ],
)
async def test_a_press_that_cannot_be_recorded_is_refused_and_stores_nothing(
    db: Database, clock: FakeClock, nudged: Sent, user: str, value: str, expected: str
) -> None:
    ids = await goal_ids(db)

    reply = await Runner(db, clock).press(user, "rating_nudge:3", value.format(goal=ids[1]))

    assert reply.text == expected
    assert not reply.replace_original
    assert await ratings(db) == []


async def test_a_value_out_of_range_from_a_forged_button_is_never_stored(
    db: Database, clock: FakeClock, nudged: Sent
) -> None:
    ids = await goal_ids(db)
    for value in ("0", "5", "44", "-1"):
        reply = await Runner(db, clock).press(PAEDAGOG, f"rating_nudge:{value}", f"{ids[1]}:2027-03-04:{value}")
        assert reply.text.endswith("Intet er gemt."), value
        assert not reply.replace_original
    assert await ratings(db) == []


@dataclass
class FailsThenAnswersThenFails(RecordingMessenger):
    """The 14:00 post fails with a 500 before Slack has it; the first look answers (nothing there); later looks fail."""

    posts: int = 0
    looks: int = 0

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        self.posts += 1
        if self.posts == 1:
            raise DeliveryError("internal_error")
        return await super().send(recipient, reply, metadata=metadata)

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        self.looks += 1
        if self.looks == 1:
            return None
        raise DeliveryError("internal_error")


async def test_a_nudge_brought_back_that_slack_said_it_never_had_is_not_looked_for_or_maybe_sent(
    db: Database, clock: FakeClock
) -> None:
    """Slack answered the look after a 500: nothing posted, and the nudge was cancelled with nothing left to ask. A
    new goal brings it back; rated before it goes, it is cancelled again, sure: no second look, no `maybe_sent`, and
    it may come back again (helper-77's review)."""
    messenger = FailsThenAnswersThenFails()
    send = await _all_rated_from_a_failed_nudge_then_a_new_goal(db, clock, messenger)
    clock.set(datetime(2027, 3, 4, 14, 40))
    await plan_all(db, now=clock.now(), zone=CPH)
    await Runner(db, clock)(PAEDAGOG, "/rating AK12 3 3")
    clock.set(datetime(2027, 3, 4, 14, 41))
    assert (await send.dispatch_due()).cancelled == 1

    assert messenger.sent == [] and messenger.looks == 1
    [row] = await notifications(db, NUDGE)
    assert row.last_error != "nothing left to say; an earlier post unconfirmed"
    assert await audit_entries(db, "notice.maybe_sent") == []

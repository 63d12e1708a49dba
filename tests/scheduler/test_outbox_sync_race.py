"""A planner pass re-planning rows while a dispatcher in another process claims and posts them (PostgreSQL).

`outbox.sync_many` reads a thing's rows, then writes the plan back. A dispatcher that claims, posts and settles a row
in between must not have its work undone by writes decided from what was read before: a row it sent cancelled (and
posted again once the plan wants it back), the record of what it posted overwritten, or the due time a retry's look
searches from moved past the post it looks for. On SQLite the planner's write transaction (BEGIN IMMEDIATE) holds
every other writer, a dispatcher's claim included, until it commits, so nothing can happen in between there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from helpers_outbox import delivered, deliveries_per_key, dispatcher_for, messenger_for, notifications
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.testing.clock import FakeClock
from teambot.testing.database import postgres_url
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import LEAD, load_small_roster

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")

KIND = "cafe.count_missing"
KEY = f"cafe-count:1:2027-03:{LEAD}"
ASK = {"text": "Hvor mange børn kom i Småbørnscaféen i januar og februar?", "blocks": None}
NARROWED = {"text": "Hvor mange børn kom i Småbørnscaféen i februar?", "blocks": None}


async def queue_the_ask(db: Database, clock: FakeClock) -> outbox.Planned:
    """The lead's count ask for Børnehuset Solsikken, pending and due now."""
    await load_small_roster(db, now=clock.now())
    now = clock.now()
    plan = outbox.Planned(
        KEY, KIND, LEAD, "SOL", due_at=now, ref_type="institution", ref_id=1, event_day=now.date(), payload=ASK
    )
    async with db.write() as session:
        await outbox.insert_new(session, [plan], now)
    return plan


async def write_while(
    db: Database, write: Callable[[AsyncSession], Awaitable[Any]], meanwhile: Callable[[], Awaitable[Any]]
) -> None:
    """`write` in a transaction, with `meanwhile` (another process's work) run right after its first statement (its
    read of the rows), before it writes anything."""
    async with db.write() as session:
        read = session.exec
        pending = [meanwhile]

        async def exec_then_meanwhile(*args: Any, **kwargs: Any) -> Any:
            result = await read(*args, **kwargs)
            if pending:
                await pending.pop()()
            return result

        session.exec = exec_then_meanwhile  # type: ignore[method-assign]
        await write(session)
        assert not pending


async def sync_while(
    db: Database, plans: list[outbox.Planned], now: datetime, meanwhile: Callable[[], Awaitable[Any]]
) -> None:
    """`sync_many` the institution's asks to `plans`, with `meanwhile` run between its read and its writes."""

    async def sync(session: AsyncSession) -> None:
        await outbox.sync_many(session, ref_type="institution", kinds=(KIND,), planned={1: plans}, now=now)

    await write_while(db, sync, meanwhile)


async def test_a_row_posted_while_the_planner_drops_it_stays_sent_and_is_not_posted_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The lead registers the counts (the ask is no longer wanted) just as the dispatcher posts it; a later pass wants
    # it again (the counts taken back). She has it already: it is not posted a second time.
    plan = await queue_the_ask(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)

    await sync_while(db, [], clock.now(), meanwhile=dispatcher.dispatch_due)
    async with db.write() as session:
        await outbox.sync_many(session, ref_type="institution", kinds=(KIND,), planned={1: [plan]}, now=clock.now())
    clock.advance(minutes=1)
    await dispatcher.dispatch_due()

    assert deliveries_per_key(fake_slack) == {KEY: 1}
    assert [row.status for row in await notifications(db)] == [outbox.SENT]


async def test_a_row_posted_while_the_planner_redraws_it_keeps_what_was_posted(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # January is registered as the ask goes out: the pass narrows it to February, but the lead has the ask for both.
    # The row records what she got (what a recovery or an audit goes by), not a text never posted.
    plan = await queue_the_ask(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    narrowed = replace(plan, payload=NARROWED)

    await sync_while(db, [narrowed], clock.now(), meanwhile=dispatcher.dispatch_due)

    assert [post.text for post in delivered(fake_slack)] == [ASK["text"]]
    (row,) = await notifications(db)
    assert (row.status, row.payload) == (outbox.SENT, ASK)


async def test_a_post_slack_may_have_while_the_planner_moves_the_row_is_found_not_posted_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # Slack posts the ask but answers 500 just as the pass moves it an hour on. The next attempt looks for that post
    # from the row's due time first: moved, the look would start after the post, miss it, and post a second time.
    plan = await queue_the_ask(db, clock)
    fake_slack.clock = clock.now
    fake_slack.fail("chat.postMessage", status=500, posted=True)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)
    later = replace(plan, due_at=clock.now() + timedelta(hours=1))

    await sync_while(db, [later], clock.now(), meanwhile=dispatcher.dispatch_due)
    clock.advance(hours=1, minutes=1)
    await dispatcher.dispatch_due()

    assert fake_slack.calls_to("conversations.history")  # looked first
    assert deliveries_per_key(fake_slack) == {KEY: 1}
    assert [row.status for row in await notifications(db)] == [outbox.SENT]


async def test_a_row_the_planner_cancels_is_not_posted_meanwhile(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The lead registers the counts just as the ask falls due: the pass cancels it (`cancel_pending_many`, as for a
    # cancelled meeting's reminders). A dispatcher claiming meanwhile skips it: the lead does not get an ask the bot
    # holds cancelled (before, she got it, and the bot held it cancelled: never sent, nor in the audit log).
    await queue_the_ask(db, clock)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)

    async def cancel(session: AsyncSession) -> None:
        await outbox.cancel_pending_many(session, ref_type="institution", ref_ids=[1], kinds=(KIND,), now=clock.now())

    await write_while(db, cancel, meanwhile=dispatcher.dispatch_due)
    await dispatcher.dispatch_due()

    assert deliveries_per_key(fake_slack) == {}
    assert [row.status for row in await notifications(db)] == [outbox.CANCELLED]


async def test_a_passed_row_the_planner_cancels_is_not_posted_meanwhile(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    # The bot was down on the ask's day: the next pass cancels it as passed (`cancel_passed`, as for a visit or café
    # that is over), just as a dispatcher claims it. The lead does not get an ask the bot holds cancelled.
    plan = await queue_the_ask(db, clock)
    (row,) = await notifications(db)
    async with db.write() as session:
        stored = await session.get(Notification, row.id)
        assert stored is not None
        stored.event_day = plan.event_day - timedelta(days=1)
    dispatcher = dispatcher_for(db, messenger_for(fake_slack), clock)

    async def cancel(session: AsyncSession) -> None:
        await outbox.cancel_passed(
            session, ref_type="institution", kinds=(KIND,), before=plan.event_day, now=clock.now()
        )

    await write_while(db, cancel, meanwhile=dispatcher.dispatch_due)
    await dispatcher.dispatch_due()

    assert deliveries_per_key(fake_slack) == {}
    assert [row.status for row in await notifications(db)] == [outbox.CANCELLED]

"""`/teambot fravær` re-plans the day's digests at once: a concurrent command must not undo it (reviewer-106)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import select

from teambot.commands import Context, run_command
from teambot.commands import absence as absence_module
from teambot.domain.roster import parse_roster
from teambot.scheduler.digest import digest_refreshers, plan_digests
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store.db import Database
from teambot.store.models import Notification
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.database import postgres_url, until_waiting_for_locks
from teambot.testing.roster import LEAD, SUBSTITUTE, small_roster

LONE = "U0LEAD002"


async def _digests(db: Database) -> list[Notification]:
    async with db.read() as session:
        return list((await session.exec(select(Notification).where(Notification.kind == "digest.week"))).all())


async def _sent_at_noon(db: Database, clock: FakeClock) -> list[str]:
    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    return [recipient for recipient, _, _ in messenger.sent]


async def _karsten_then_lone(db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, args: str) -> str:
    """Karsten's `/teambot fravær {args}` holds the day's digest rows (past `_digests_follow`, not committed) while
    Lone registers today away; then his goes on. His reply."""
    real_ask = absence_module.ask_counts_again
    karsten_holds, release = asyncio.Event(), asyncio.Event()

    async def ask_counts_again(session: Any, mine: Any, **kwargs: Any) -> Any:
        if not karsten_holds.is_set():
            karsten_holds.set()  # Karsten's command: past `_digests_follow`, rows locked, not committed
            await release.wait()
        return await real_ask(session, mine, **kwargs)

    monkeypatch.setattr(absence_module, "ask_counts_again", ask_counts_again)
    karsten = asyncio.create_task(
        run_command(Context(db=db, clock=clock, user_id=LEAD, zone=COPENHAGEN), "/teambot", f"fravær {args}")
    )
    await karsten_holds.wait()
    lone = asyncio.create_task(
        run_command(Context(db=db, clock=clock, user_id=LONE, zone=COPENHAGEN), "/teambot", "fravær 5/3 5/3")
    )
    await until_waiting_for_locks(db)  # Lone's command waits on Karsten's row locks
    release.set()
    karsten_reply, _ = await asyncio.wait_for(asyncio.gather(karsten, lone), timeout=20)
    return karsten_reply.text


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_two_leads_registering_friday_absences_at_once_undo_the_first_reroute(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL, Friday 11:55. Karsten (Solsikken) registers today away with Ali; while his transaction holds the
    day's digest rows (it goes on to the café re-plans after `_digests_follow`), Lone (Mariehønen) registers today
    away. Her re-plan waits for his lock and must not give Karsten's digest back to him, though he was told Ali gets
    it: a sync of every lead's digest from a read made before the lock did (739e607). Her re-plan now touches only the
    digests her absence concerns; the test holds either way."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["MAR"]})
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 11, 55))

    karsten_reply = await _karsten_then_lone(db, clock, monkeypatch, "5/3 5/3 Ali Hassan")
    assert "Ali Hassan får din fredagsstatus" in karsten_reply

    assert await _sent_at_noon(db, clock) == [SUBSTITUTE]


@pytest.mark.skipif(postgres_url() is None, reason="needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
async def test_a_co_lead_s_absence_while_the_lead_names_her_reroutes_his_digest_to_her(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL, Friday 11:55. Lone leads Solsikken too. Karsten registers today away with Lone standing in: here,
    she covers his institution with her own digest, so his goes to nobody. While his transaction holds the day's
    digest rows, Lone registers today away herself. Her re-plan touches only the digests her absence can change,
    and must tell which once his lock is gone: Karsten's, who named her, is among them (she no longer covers it, so it
    goes to her). Told from a read made before, his digest would go to nobody."""
    roster = small_roster()
    roster["staff"].append({"id": LONE, "name": "Lone Dahl", "roles": ["leder"], "institutions": ["SOL", "MAR"]})
    clock.set(datetime(2027, 3, 5, 0, 5))
    await import_roster(db, parse_roster(roster, source="test"), now=clock.now())
    await plan_digests(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 5, 11, 55))

    await _karsten_then_lone(db, clock, monkeypatch, "5/3 5/3 Lone Dahl")

    clock.set(datetime(2027, 3, 5, 12, 0))
    messenger = RecordingMessenger()
    await Dispatcher(db, messenger, clock, refreshers=digest_refreshers(db, clock, COPENHAGEN)).dispatch_due()
    [(recipient, digest, _)] = messenger.sent
    assert recipient == LONE
    assert "fordi du er stedfortræder for Karsten Bro (leder)" in digest.text

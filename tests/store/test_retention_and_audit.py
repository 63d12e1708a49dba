"""Retention purges closed cases after the configured months (and says so in the audit log); the audit log of a
child exports as CSV for a parent's request for access."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select
from typer.testing import CliRunner

from conftest import Runner
from teambot.cli import app
from teambot.scheduler.nudges import plan_nudges
from teambot.scheduler.runtime import BotScheduler
from teambot.scheduler.simulate import RecordingMessenger
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Case, Goal, Notification, Rating
from teambot.store.retention import months_before
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG, load_small_roster


def test_months_before_keeps_the_day_where_it_can() -> None:
    assert months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert months_before(date(2027, 1, 15), 24) == date(2025, 1, 15)


async def _count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_a_closed_case_is_purged_after_the_retention_period(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 4, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    run = Runner(db, clock)
    assert (await run(PAEDAGOG, "/rating AK12 1 3")).text.startswith("✅")
    assert (await run(LEAD, "/teambot forløb luk AK12")).text.startswith("🔒")
    scheduler = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN, retention_months=24)

    clock.set(datetime(2029, 3, 3, 3, 30))  # a day short of 24 months: kept
    assert await scheduler.purge() == 0
    assert await _count(db, Rating) == 1
    clock.set(datetime(2029, 3, 5, 3, 30))
    assert await scheduler.purge() == 1
    assert (await _count(db, Case), await _count(db, Goal), await _count(db, Rating)) == (0, 0, 0)
    async with db.read() as session:
        purge = (await session.exec(select(AuditEntry).where(AuditEntry.action == "case.purge"))).one()
        kept = (
            await session.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.case_code == "AK12"))
        ).one()
    assert (purge.case_code, purge.detail["ratings"], purge.detail["goals"]) == ("AK12", 1, 2)
    assert kept > 3  # the log of who did what survives the purge


async def test_a_purge_leaves_no_note_or_goal_text_of_the_child_behind(db: Database, clock: FakeClock) -> None:
    """The note of a corrected rating is kept in the correction's audit entry, and the daily nudge that went out
    quoted the child's goals: both outlived the purge. The entries (who did what, when) stay; the texts go."""
    clock.set(datetime(2027, 3, 4, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    scheduler = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN, retention_months=24)
    await plan_nudges(db, now=clock.now(), zone=COPENHAGEN)
    clock.set(datetime(2027, 3, 4, 14, 1))
    assert (await scheduler.dispatcher.dispatch_due()).sent == 1  # the nudge, quoting both goals
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3 græd hele formiddagen efter far gik")
    await run(PAEDAGOG, "/rating AK12 1 2")
    await run(LEAD, "/teambot forløb luk AK12")

    clock.set(datetime(2029, 3, 5, 3, 30))
    assert await scheduler.purge() == 1

    async with db.read() as session:
        details = [json.dumps(e.detail, ensure_ascii=False) for e in (await session.exec(select(AuditEntry))).all()]
        payloads = [json.dumps(n.payload, ensure_ascii=False) for n in (await session.exec(select(Notification))).all()]
        actions = [
            e.action for e in (await session.exec(select(AuditEntry).where(AuditEntry.case_code == "AK12"))).all()
        ]
    assert not [d for d in details if "far gik" in d]
    assert not [p for p in payloads if "overtøj" in p.lower()]
    assert "rating.correct" in actions  # who corrected what, when, stays


async def test_the_audit_log_of_a_child_exports_as_csv(db: Database, clock: FakeClock, database_url: str) -> None:
    clock.set(datetime(2027, 3, 4, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    run = Runner(db, clock)
    await run(PAEDAGOG, "/rating AK12 1 3")
    await run(PAEDAGOG, "/rating AK12 1 2")
    await run(LEAD, "/rating AK12")
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["audit", "--case", "ak12"], env={"TEAMBOT_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    actions = [(r["actor_name"], r["action"]) for r in rows if r["actor"] != "import"]
    assert actions == [
        ("Mette Jensen", "rating.create"),
        ("Mette Jensen", "rating.correct"),
        ("Karsten Bro", "rating.read"),
    ]
    assert rows[-1]["time"].startswith("2027-03-04T15:00:00+01:00")
    async with db.read() as session:
        assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "audit.export"))).one()
    missing = await asyncio.to_thread(
        CliRunner().invoke, app, ["audit", "--case", "ZZ99"], env={"TEAMBOT_DATABASE_URL": database_url}
    )
    assert missing.exit_code == 1


async def test_a_failed_statement_never_carries_case_data_into_the_log(db: Database, clock: FakeClock) -> None:
    """Two `forløb mål` at once can race to the same goal number (PostgreSQL answers with a unique violation). The
    error, logged with its traceback, showed the statement's parameters: the goal's text, a rating's note."""
    await load_small_roster(db, now=clock.now())
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.id is not None
    try:
        async with db.write() as session:
            session.add(Goal(case_id=case.id, number=1, text="Barnet græder ved aflevering hos far"))
        raise AssertionError("the second goal 1 was stored")
    except IntegrityError as error:
        shown = str(error)
    assert "INSERT INTO goal" in shown
    assert "græder" not in shown and "far" not in shown


async def test_the_purge_finds_a_code_with_danish_letters_and_spares_others(db: Database, clock: FakeClock) -> None:
    """Payloads are stored as JSON with Æ, Ø and Å escaped: a nudge quoting «BØ3» survived its purge, a code «JM» took
    a message naming only «JMØ» with it, and a child code equal to an institution code (MAR) deleted that
    institution's sent visit messages, which the planner then sent again."""
    clock.set(datetime(2027, 3, 4, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
        case.code, case.status, case.closed_on = "BØ3", "closed", date(2027, 3, 4)
        for n, (subject, ref_type, text) in enumerate(
            [
                ("AK99", "staff", "Husk: AK99 mål 1; BØ3 mål 2"),  # quotes the purged child under another's code
                ("JMØ", "staff", "Husk: JMØ mål 1"),  # names only another child
                ("MAR", "visit", "Konsulentbesøg i Mariehønen (MAR); BØ3 nævnes ikke"),  # an institution's message
            ]
        ):
            session.add(
                Notification(
                    dedupe_key=f"k{n}",
                    kind="rating.nudge" if ref_type == "staff" else "visit.notice",
                    recipient="U0PAED001",
                    subject=subject,
                    due_at=clock.now(),
                    status="sent",
                    ref_type=ref_type,
                    payload={"text": text},
                    created_at=clock.now(),
                )
            )
    scheduler = BotScheduler(db, RecordingMessenger(), clock, COPENHAGEN, retention_months=24)

    clock.set(datetime(2029, 3, 5, 3, 30))
    assert await scheduler.purge() == 1

    async with db.read() as session:
        left = sorted(n.subject for n in (await session.exec(select(Notification))).all())
    assert left == ["JMØ", "MAR"]

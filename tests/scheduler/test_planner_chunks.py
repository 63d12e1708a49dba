"""A full pass plans cases in chunks: the result is what planning each case on its own gives, a pass with nothing
new writes nothing, and a change to one case in a chunk is still picked up."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from helpers_outbox import writes
from sqlalchemy import delete
from sqlmodel import col, select

from teambot.scheduler.planner import plan_all, plan_case
from teambot.store import queries
from teambot.store.db import Database
from teambot.store.models import Absence, Case, CaseConsultant, Meeting, Notification, Staff
from teambot.testing.clock import COPENHAGEN
from teambot.testing.generate import Size, generate

CPH = COPENHAGEN
START = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)  # Monday 01:05 local: every reminder still ahead
SIZE = Size("T", 6, 40)  # 6 institutions, 40 cases: several chunks of 7 and a short last one
CHUNK = 7


async def _municipality(db: Database) -> None:
    await generate(db, SIZE, start=START)


async def _outbox(db: Database) -> dict[tuple[str, int, str], tuple[Any, ...]]:
    """Meeting reminders keyed by (case code, meeting seq, key without the meeting id), so two plannings that
    gave meetings different ids compare equal (the buttons carry the meeting id too)."""
    async with db.read() as session:
        rows = (
            await session.exec(
                select(Notification, Meeting, Case)
                .join(Meeting, col(Meeting.id) == col(Notification.ref_id))
                .join(Case, col(Case.id) == col(Meeting.case_id))
                .where(Notification.ref_type == "meeting")
            )
        ).all()
    result: dict[tuple[str, int, str], tuple[Any, ...]] = {}
    for row, meeting, case in rows:
        key = row.dedupe_key.replace(f"meeting:{meeting.id}:", "meeting:")
        result[(case.code, meeting.seq, key)] = (
            row.kind,
            row.recipient,
            row.subject,
            row.status,
            row.due_at,
            row.event_day,
            row.institution_id,
            json.dumps(row.payload, sort_keys=True).replace(f'"value": "{meeting.id}"', '"value": "meeting"'),
        )
    return result


async def _meetings(db: Database) -> list[tuple[int, int, date, str, str]]:
    async with db.read() as session:
        rows = (await session.exec(select(Meeting).order_by(col(Meeting.case_id), col(Meeting.seq)))).all()
    return [(m.case_id, m.seq, m.day, m.start, m.status) for m in rows]


async def _case_ids(db: Database) -> list[int]:
    async with db.read() as session:
        return [i for i in (await session.exec(select(Case.id).order_by(col(Case.id)))).all() if i is not None]


async def _forget_planning(db: Database) -> None:
    async with db.write() as session:
        await session.exec(delete(Notification))
        await session.exec(delete(Meeting))


async def _assert_routed_like_one_case_at_a_time(db: Database) -> None:
    """Every pending reminder of a case's next meeting goes to exactly whom `queries.meeting_facts` (the per-case
    queries the commands use) routes it to."""
    today = NOW.astimezone(CPH).date()
    async with db.read() as session:
        cases = (await session.exec(select(Case).where(Case.status == "active"))).all()
        for case in cases:
            meeting = await queries.next_meeting(session, case, today)
            assert meeting is not None and meeting.id is not None
            facts = await queries.meeting_facts(session, case, meeting)
            pending = (
                await session.exec(
                    select(Notification.recipient).where(
                        Notification.ref_type == "meeting",
                        Notification.ref_id == meeting.id,
                        Notification.status == "pending",
                    )
                )
            ).all()
            wanted = {d.recipient.slack_id for d in facts.deliveries}
            assert set(pending) == wanted, case.code
            assert wanted and len(pending) % len(wanted) == 0, case.code  # each reminder to each of them


async def _vary(db: Database) -> dict[str, Any]:
    """Make the cases differ: a closed case, consent withdrawn, an absent pædagog with a substitute, an absent
    lead without one, an inactive consultant's case, a case with its own interval."""
    async with db.write() as session:
        cases = {c.code: c for c in (await session.exec(select(Case))).all()}
        cases["C00003"].status = "closed"
        cases["C00005"].consent_professions = []
        cases["C00011"].meeting_interval_weeks = 8
        absent = cases["C00008"]
        substitute = (await session.exec(select(Staff).where(Staff.name == "Medarbejder 2"))).one()
        session.add(
            Absence(
                staff_id=absent.paedagog_id, start=START, end=START + timedelta(days=60), substitute_id=substitute.id
            )
        )
        lead = (await session.exec(select(Staff).where(Staff.name == "Medarbejder 4"))).one()  # lead of I0002
        assert lead.id is not None
        session.add(Absence(staff_id=lead.id, start=START, end=START + timedelta(days=60)))
    return {"substitute": substitute.slack_id, "lead": lead.slack_id}


async def test_a_pass_in_chunks_plans_what_planning_each_case_alone_does(db: Database) -> None:
    await _municipality(db)
    await _vary(db)
    assert await plan_all(db, now=NOW, zone=CPH, chunk=CHUNK) == SIZE.cases
    chunked, chunked_meetings = await _outbox(db), await _meetings(db)
    assert len(chunked_meetings) == SIZE.cases - 1  # the closed case gets none
    await _assert_routed_like_one_case_at_a_time(db)

    await _forget_planning(db)
    for case_id in await _case_ids(db):
        await plan_case(db, case_id, now=NOW, zone=CPH)
    assert await _outbox(db) == chunked
    assert [m[:1] + m[2:] for m in await _meetings(db)] == [m[:1] + m[2:] for m in chunked_meetings]


async def test_a_second_pass_writes_nothing(db: Database) -> None:
    await _municipality(db)
    await _vary(db)
    with writes(db) as first:
        await plan_all(db, now=NOW, zone=CPH, chunk=CHUNK)
    assert first  # the meetings, the reminders and the nudges
    before, meetings = await _outbox(db), await _meetings(db)
    with writes(db) as statements:
        await plan_all(db, now=NOW + timedelta(minutes=10), zone=CPH, chunk=CHUNK)
    assert statements == []
    assert await _outbox(db) == before
    assert await _meetings(db) == meetings


async def test_a_change_to_one_case_in_a_chunk_is_picked_up(db: Database) -> None:
    await _municipality(db)
    people = await _vary(db)
    await plan_all(db, now=NOW, zone=CPH, chunk=CHUNK)
    before = await _outbox(db)
    async with db.write() as session:
        cases = {c.code: c for c in (await session.exec(select(Case))).all()}
        # Consent withdrawn: the psychologist of C00016 hears nothing more about the child.
        cases["C00016"].consent_professions = []
        # The pædagog of C00017 is away at the meeting, with a substitute.
        meetings = {m.case_id: m for m in (await session.exec(select(Meeting))).all()}
        away = meetings[cases["C00017"].id or 0]
        session.add(
            Absence(
                staff_id=cases["C00017"].paedagog_id,
                start=away.day - timedelta(days=1),
                end=away.day,
                substitute_id=cases["C00006"].paedagog_id,
            )
        )
        # C00018's meeting moves a week on; C00019's is cancelled.
        moved = meetings[cases["C00018"].id or 0]
        moved.day, moved.status = moved.day + timedelta(days=7), "moved"
        cancelled = meetings[cases["C00019"].id or 0]
        cancelled.status = "cancelled"
        psychologist = (
            await session.exec(
                select(Staff.slack_id)
                .join(CaseConsultant, col(CaseConsultant.staff_id) == col(Staff.id))
                .where(CaseConsultant.case_id == cases["C00016"].id)
            )
        ).one()
        paedagog = await session.get(Staff, cases["C00017"].paedagog_id)
        substitute = await session.get(Staff, cases["C00006"].paedagog_id)
        assert paedagog is not None and substitute is not None
    await plan_all(db, now=NOW + timedelta(minutes=10), zone=CPH, chunk=CHUNK)
    after = await _outbox(db)
    await _assert_routed_like_one_case_at_a_time(db)

    def pending(code: str, seq: int = 1) -> set[str]:
        return {v[1] for k, v in after.items() if k[:2] == (code, seq) and v[3] == "pending"}

    assert psychologist not in pending("C00016") and psychologist in {
        v[1] for k, v in before.items() if k[0] == "C00016"
    }
    assert paedagog.slack_id not in pending("C00017") and substitute.slack_id in pending("C00017")
    moved_day = moved.day.isoformat()
    assert all(moved_day in k[2] for k, v in after.items() if k[:2] == ("C00018", 1) and v[3] == "pending")
    assert pending("C00018") and pending("C00019") == set() and pending("C00019", 2)
    assert people["lead"] not in {v[1] for v in after.values() if v[3] == "pending"}
    # Nothing else changed.
    touched = {"C00016", "C00017", "C00018", "C00019"}
    assert {k: v for k, v in after.items() if k[0] not in touched} == {
        k: v for k, v in before.items() if k[0] not in touched
    }


async def test_two_passes_at_once_extend_every_series_once(db: Database) -> None:
    # PostgreSQL: the chunk's case rows are locked, so the second planner waits and then sees the first one's
    # meetings; SQLite serialises the write transactions.
    await _municipality(db)
    await asyncio.gather(plan_all(db, now=NOW, zone=CPH, chunk=CHUNK), plan_all(db, now=NOW, zone=CPH, chunk=CHUNK - 2))
    meetings = await _meetings(db)
    assert [(case_id, seq) for case_id, seq, *_ in meetings] == [(i, 1) for i in await _case_ids(db)]
    async with db.read() as session:
        keys = (await session.exec(select(Notification.dedupe_key))).all()
    assert len(keys) == len(set(keys)) > 0
    await _assert_routed_like_one_case_at_a_time(db)

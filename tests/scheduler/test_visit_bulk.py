"""Visits and cafés planned in bulk: a pass in chunks writes exactly the rows that syncing each visit and café on
its own writes (in the same order), and the rows each variation calls for (spelled out: syncing one visit is the
same bulk code with one item, so the comparison alone cannot catch a rule gone wrong in it); a pass with nothing
new writes nothing, and a café of an institution newer than the pass's calendars does not stop the pass.

The municipality is the generated one (two sundhedsplejersker for six institutions, one district consultant of
each café profession, café counts), planned on Monday 1 March 2027 and again two days later, then varied in every
way the rows depend on: themes, a confirmed visit, a visit moved after its parents' notice went out, an absent
nurse with a substitute and one without, an institution with a channel, a declined café invitation, a row already
sent and one cancelled, and a café whose rows are not there yet.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from helpers_outbox import writes
from sqlalchemy import delete, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.cafe_notices import sync_cafe_outbox
from teambot.commands.visit_notices import sync_visit_outbox
from teambot.domain.calendar import WorkCalendar
from teambot.domain.visits import CONFIRM_LEAD_DAYS
from teambot.scheduler.planner import plan_all
from teambot.scheduler.visits import MARGIN_DAYS, PAST_DAYS, plan_cafes, plan_visits
from teambot.store import queries
from teambot.store import visits as store
from teambot.store.db import Database
from teambot.store.models import (
    Absence,
    CafeInvite,
    CafeSession,
    Institution,
    Notification,
    Staff,
    StaffInstitution,
    Visit,
    VisitTheme,
)
from teambot.testing.clock import COPENHAGEN
from teambot.testing.generate import Size, generate, table

CPH = COPENHAGEN
START = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)
LATER = NOW + timedelta(days=2)  # Wednesday 3 March
SIZE = Size("T", 6, 12)
CHUNK = 2
ABOUT = ("visit", "cafe")


async def _outbox(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        rows = (await session.exec(select(Notification).order_by(col(Notification.id)))).all()
        return [row.model_dump() for row in rows]


def _about(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """The visit and café rows by key, everything but the id and when the row was made."""
    return {
        r["dedupe_key"]: (
            r["kind"],
            r["recipient"],
            r["subject"],
            r["ref_id"],
            r["event_day"],
            r["institution_id"],
            r["due_at"],
            r["status"],
            json.dumps(r["payload"], sort_keys=True),
        )
        for r in rows
        if r["ref_type"] in ABOUT
    }


def _new_keys(rows: list[dict[str, Any]], before: list[dict[str, Any]]) -> list[str]:
    """The keys of rows added since `before`, in the order they were inserted (the dispatcher's order on a tie)."""
    known = {r["dedupe_key"] for r in before}
    return [r["dedupe_key"] for r in rows if r["dedupe_key"] not in known]


async def _restore(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.write() as session:
        await session.exec(delete(Notification))
        await (await session.connection()).execute(insert(table(Notification)), rows)


@dataclass(frozen=True)
class _Varied:
    """What `_vary` changed, to check the planned rows against."""

    themed: int  # a visit with two themes, at an institution with a channel
    confirmed: int
    moved: int
    moved_to: date
    substituted: int  # nurse 2 away, nurse 1 standing in
    unattended: int | None  # nurse 1 away with nobody: her institution's leads are told
    unattended_leads: frozenset[str]
    nurse1: str
    nurse2: str
    cafe: int  # the fysioterapeut declined
    cafe_leads: frozenset[str]


async def _lead_ids(session: AsyncSession, institution_id: int) -> frozenset[str]:
    leads = await queries.leads_of(session, institution_id)
    return frozenset(s.slack_id for s in leads if s.slack_id)


async def _vary(db: Database) -> _Varied:
    """Change, without planning, everything the rows of visits and cafés depend on."""
    today = LATER.astimezone(CPH).date()
    async with db.write() as session:
        staff = {s.name: s for s in (await session.exec(select(Staff))).all()}
        nurse1, nurse2 = staff["Sundhedsplejerske 1"], staff["Sundhedsplejerske 2"]
        coming = (
            await session.exec(
                select(Visit)
                .where(col(Visit.day) >= today, col(Visit.day) <= today + timedelta(days=35))
                .order_by(col(Visit.day), col(Visit.id))
            )
        ).all()
        assert len({v.consultant_id for v in coming}) == 2 and len(coming) >= 5
        by_nurse = {n.id: [v for v in coming if v.consultant_id == n.id] for n in (nurse1, nurse2)}
        themed, confirmed, moved = by_nurse[nurse1.id][:3]
        session.add(VisitTheme(visit_id=themed.id or 0, text="Søvn", added_by=nurse1.id or 0, added_at=NOW))
        session.add(VisitTheme(visit_id=themed.id or 0, text="Mad og måltider", added_by=nurse1.id or 0, added_at=NOW))
        confirmed.status, confirmed.confirmed_by = "confirmed", nurse1.id
        # The parents were told the first day; the visit then moved a day on: they must hear of it at once.
        notice = (
            await session.exec(
                select(Notification).where(
                    Notification.ref_type == "visit",
                    Notification.ref_id == moved.id,
                    Notification.kind == "visit.notice",
                )
            )
        ).one()
        notice.status = "sent"
        moved.day, moved.status = moved.day + timedelta(days=1 if moved.day.weekday() < 4 else 3), "moved"
        # Nurse 2 is away at her first visit with nurse 1 standing in, nurse 1 at her fourth with nobody.
        away = by_nurse[nurse2.id][0]
        session.add(Absence(staff_id=nurse2.id or 0, start=away.day, end=away.day, substitute_id=nurse1.id))
        alone = by_nurse[nurse1.id][3] if len(by_nurse[nurse1.id]) > 3 else None
        if alone is not None:
            session.add(Absence(staff_id=nurse1.id or 0, start=alone.day, end=alone.day))
        institution = await session.get(Institution, themed.institution_id)
        assert institution is not None
        institution.channel = "C0CHANNEL1"
        # A café: the fysioterapeut declines (nobody else is left: the leads are told), one invitation went out
        # already, and one reminder was cancelled by hand.
        cafe = (await session.exec(select(CafeSession).order_by(col(CafeSession.day), col(CafeSession.id)))).first()
        assert cafe is not None
        invites = (await session.exec(select(CafeInvite).where(CafeInvite.session_id == cafe.id))).all()
        [physio] = [i for i in invites if i.role == "fysioterapeut"]
        physio.status = "declined"
        rows = (
            await session.exec(
                select(Notification).where(Notification.ref_type == "cafe").order_by(col(Notification.id))
            )
        ).all()
        [i for i in rows if i.kind == "cafe.invite"][0].status = "sent"
        [r for r in rows if r.kind == "cafe.reminder" and r.ref_id != cafe.id][0].status = "cancelled"
        # The last café's rows are not there yet (as if it were just proposed): invitations and reminders are new.
        last = max(r.ref_id or 0 for r in rows)
        await session.exec(delete(Notification).where(Notification.ref_type == "cafe", Notification.ref_id == last))
        # A lead joins an institution with a café (invited to nothing, but told when nobody can come).
        # (An explicit id: the generator's ids do not move PostgreSQL's sequence.)
        lead = Staff(
            id=max(s.id or 0 for s in staff.values()) + 1,
            slack_id="U0NEWLEAD",
            email=None,
            name="Ny leder",
            roles=["leder"],
            active=True,
        )
        session.add(lead)
        await session.flush()
        session.add(StaffInstitution(staff_id=lead.id or 0, institution_id=cafe.institution_id))
        await session.flush()
        assert themed.id and confirmed.id and moved.id and away.id and cafe.id and nurse1.slack_id and nurse2.slack_id
        return _Varied(
            themed=themed.id,
            confirmed=confirmed.id,
            moved=moved.id,
            moved_to=moved.day,
            substituted=away.id,
            unattended=alone.id if alone else None,
            unattended_leads=await _lead_ids(session, alone.institution_id) if alone else frozenset(),
            nurse1=nurse1.slack_id,
            nurse2=nurse2.slack_id,
            cafe=cafe.id,
            cafe_leads=await _lead_ids(session, cafe.institution_id),
        )


def _pending(rows: list[dict[str, Any]], ref_type: str, ref_id: int | None, kind: str) -> list[dict[str, Any]]:
    return [
        r for r in rows if (r["ref_type"], r["ref_id"], r["kind"], r["status"]) == (ref_type, ref_id, kind, "pending")
    ]


def _to(rows: list[dict[str, Any]], ref_type: str, ref_id: int | None, kind: str) -> set[str]:
    return {r["recipient"] for r in _pending(rows, ref_type, ref_id, kind)}


def _assert_rows_follow_the_variations(rows: list[dict[str, Any]], varied: _Varied) -> None:
    """The rows each variation calls for, spelled out, not only compared with another way of planning them."""
    # Nurse 2 is away: nurse 1 stands in and gets her messages (and she none).
    assert _to(rows, "visit", varied.substituted, "visit.reminder") == {varied.nurse1}
    assert _to(rows, "visit", varied.substituted, "visit.confirm") == {varied.nurse1}
    # Nurse 1 is away with nobody standing in: the institution's leads are told instead.
    if varied.unattended is not None:
        assert varied.unattended_leads
        assert _to(rows, "visit", varied.unattended, "visit.reminder") == varied.unattended_leads
    # A confirmed visit asks nobody to confirm it any more.
    assert _to(rows, "visit", varied.confirmed, "visit.confirm") == set()
    # The parents told the old day hear of the new one at once: the next reminder time (Wednesday 3 March
    # 08:00 in Copenhagen), not two weeks before the visit; the old day's notice is not sent again.
    notices = _pending(rows, "visit", varied.moved, "visit.notice")
    assert notices
    for notice in notices:
        assert f":{varied.moved_to.isoformat()}:notice:" in notice["dedupe_key"]
        assert notice["event_day"] == varied.moved_to
        assert notice["due_at"] == datetime(2027, 3, 3, 7, 0, tzinfo=UTC)
    # The themed visit's notice goes to its institution's channel, and the reminder lists the themes.
    assert _to(rows, "visit", varied.themed, "visit.notice") == {"C0CHANNEL1"}
    [reminder] = _pending(rows, "visit", varied.themed, "visit.reminder")
    assert "Søvn" in json.dumps(reminder["payload"], ensure_ascii=False)
    assert "Mad og måltider" in json.dumps(reminder["payload"], ensure_ascii=False)
    # Nobody is left to come as fysioterapeut: every lead of the café's institution is told, the new one too.
    unfilled = [
        r for r in _pending(rows, "cafe", varied.cafe, "cafe.unfilled") if ":unfilled:fysioterapeut:" in r["dedupe_key"]
    ]
    assert {r["recipient"] for r in unfilled} == varied.cafe_leads and "U0NEWLEAD" in varied.cafe_leads


async def _one_at_a_time(db: Database) -> None:
    """The visits and cafés the planner looks at, each synced on its own (what the commands call)."""
    now = LATER
    today = now.astimezone(CPH).date()
    async with db.write() as session:
        municipality = await queries.municipality(session)
        policy = store.visit_policy(municipality)
        table_ = await store.routing_table(session)
        calendars = await store.calendars(session)
        horizon = today + timedelta(days=policy.notice_days + CONFIRM_LEAD_DAYS + MARGIN_DAYS)
        since = today - timedelta(days=PAST_DAYS)
        visits = (
            await session.exec(
                select(Visit)
                .where(col(Visit.day) >= since, col(Visit.day) <= horizon)
                .order_by(col(Visit.day), col(Visit.id))
            )
        ).all()
        for visit in visits:
            await sync_visit_outbox(
                session,
                visit,
                table=table_,
                policy=policy,
                calendar=calendars[visit.institution_id],
                remind_at=municipality.reminder_time,
                now=now,
                zone=CPH,
            )
        cafes = (
            await session.exec(
                select(CafeSession)
                .where(col(CafeSession.day) >= since)
                .order_by(col(CafeSession.day), col(CafeSession.id))
            )
        ).all()
        for cafe in cafes:
            await sync_cafe_outbox(
                session,
                cafe,
                table=table_,
                calendar=calendars[cafe.institution_id],
                remind_at=municipality.reminder_time,
                now=now,
                zone=CPH,
            )


async def test_a_pass_in_chunks_writes_what_each_visit_and_cafe_alone_writes(db: Database) -> None:
    await generate(db, SIZE, start=START)
    await plan_all(db, now=NOW, zone=CPH)
    await plan_visits(db, now=LATER, zone=CPH)
    await plan_cafes(db, now=LATER, zone=CPH)
    varied = await _vary(db)
    before = await _outbox(db)
    kinds = {r["kind"] for r in before}
    assert {"visit.confirm", "visit.notice", "visit.reminder", "cafe.invite", "cafe.reminder"} <= kinds

    await _one_at_a_time(db)
    alone = await _outbox(db)
    assert _about(alone) != _about(before)  # the variations changed rows

    await _restore(db, before)
    assert await plan_visits(db, now=LATER, zone=CPH, chunk=CHUNK) == 0
    assert await plan_cafes(db, now=LATER, zone=CPH, chunk=CHUNK) == 0
    chunked = await _outbox(db)
    assert _about(chunked) == _about(alone)
    assert _new_keys(chunked, before) == _new_keys(alone, before)
    changed = {k for k, v in _about(chunked).items() if _about(before).get(k) != v}
    # Every variation shows: the parents' new notice, the substitute, the lead told of the missing fysioterapeut.
    assert any(":notice:" in k for k in changed) and any(":unfilled:fysioterapeut:" in k for k in changed)
    assert any(":reminder:" in k and k.startswith("visit:") for k in changed)
    _assert_rows_follow_the_variations(chunked, varied)


async def test_a_cafe_of_an_institution_newer_than_the_passs_calendars_is_synced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An institution created after the pass read the calendars (between two of its transactions): its café's
    rows are planned with the institution's own calendar, and the rest of the pass goes on."""
    await generate(db, SIZE, start=START)
    await plan_all(db, now=NOW, zone=CPH)
    planned = await _outbox(db)
    async with db.write() as session:
        first = (await session.exec(select(CafeSession).order_by(col(CafeSession.day), col(CafeSession.id)))).first()
        assert first is not None
        institution_id, cafe_id = first.institution_id, first.id
        await session.exec(delete(Notification).where(Notification.ref_type == "cafe"))
    read_calendars = store.calendars

    async def calendars_without_it(session: AsyncSession) -> dict[int, WorkCalendar]:
        found = await read_calendars(session)
        del found[institution_id]
        return found

    monkeypatch.setattr(store, "calendars", calendars_without_it)
    assert await plan_cafes(db, now=NOW, zone=CPH, chunk=CHUNK) == 0
    after = _about(await _outbox(db))
    assert any(k.startswith(f"cafe:{cafe_id}:") for k in after)
    assert after == _about(planned)


async def test_a_second_pass_over_visits_and_cafes_writes_nothing(db: Database) -> None:
    await generate(db, SIZE, start=START)
    await plan_all(db, now=NOW, zone=CPH)
    await _vary(db)
    with writes(db) as first:
        await plan_visits(db, now=LATER, zone=CPH, chunk=CHUNK)
        await plan_cafes(db, now=LATER, zone=CPH, chunk=CHUNK)
    assert first
    before = await _outbox(db)
    with writes(db) as statements:
        await plan_visits(db, now=LATER + timedelta(minutes=10), zone=CPH, chunk=CHUNK)
        await plan_cafes(db, now=LATER + timedelta(minutes=10), zone=CPH, chunk=CHUNK)
    assert statements == []
    assert await _outbox(db) == before


async def test_the_generated_municipality_has_visits_and_cafes(db: Database) -> None:
    await generate(db, SIZE, start=START)
    await plan_all(db, now=NOW, zone=CPH)
    async with db.read() as session:
        visits = (await session.exec(select(Visit))).all()
        cafes = (await session.exec(select(CafeSession))).all()
        invites = (await session.exec(select(CafeInvite))).all()
    assert sorted(Counter(v.institution_id for v in visits if v.year == 2027).values()) == [4] * SIZE.institutions
    assert cafes and {i.role for i in invites} == {
        "sundhedsplejerske",
        "småbørnskonsulent",
        "fysioterapeut",
        "tale-hørekonsulent",
        "leder",
    }

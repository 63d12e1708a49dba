"""Retention: closed cases and everything about them are deleted a configurable number of months after
closing. The audit log keeps its entries (it is the record of who saw what; a note quoted in one is blanked) and
gains one for the purge."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Text, cast
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store import audit, outbox
from teambot.store.models import AuditEntry, Case, CaseConsultant, CaseImport, Goal, Meeting, Notification, Rating


@dataclass(frozen=True)
class Purged:
    code: str
    goals: int
    ratings: int
    meetings: int


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise ValueError(day)


async def purge_closed_cases(session: AsyncSession, *, closed_before: date, now: datetime) -> list[Purged]:
    cases = (
        await session.exec(
            select(Case).where(Case.status == "closed", col(Case.closed_on) < closed_before).order_by(col(Case.code))
        )
    ).all()
    purged = []
    for case in cases:
        goal_ids = list((await session.exec(select(Goal.id).where(Goal.case_id == case.id))).all())
        meeting_ids = list((await session.exec(select(Meeting.id).where(Meeting.case_id == case.id))).all())
        ratings = len((await session.exec(select(Rating.id).where(col(Rating.goal_id).in_(goal_ids)))).all())
        await session.exec(delete(Rating).where(col(Rating.goal_id).in_(goal_ids)))
        await session.exec(
            delete(Notification).where(
                col(Notification.ref_type) == "meeting", col(Notification.ref_id).in_(meeting_ids)
            )
        )
        await session.exec(delete(Meeting).where(col(Meeting.case_id) == case.id))
        await session.exec(delete(Goal).where(col(Goal.case_id) == case.id))
        await session.exec(delete(CaseConsultant).where(col(CaseConsultant.case_id) == case.id))
        await session.exec(delete(CaseImport).where(col(CaseImport.case_id) == case.id))
        await _forget_texts(session, case.code)
        await session.delete(case)
        result = Purged(case.code, len(goal_ids), ratings, len(meeting_ids))
        audit.record(
            session,
            at=now,
            actor="retention",
            action="case.purge",
            case_code=case.code,
            closed_on=case.closed_on.isoformat() if case.closed_on else None,
            goals=result.goals,
            ratings=result.ratings,
            meetings=result.meetings,
        )
        purged.append(result)
    return purged


async def _forget_texts(session: AsyncSession, code: str) -> None:
    """What a child's case left in free text elsewhere: a corrected rating's note kept in its audit entry (the entry,
    who did what and when, stays), and messages that quoted the child's goals (the daily nudge lists all of a
    pædagog's children, so its subject may name another child). Messages still to be sent are not touched."""
    for entry in (await session.exec(select(AuditEntry).where(AuditEntry.case_code == code))).all():
        if entry.detail.get("old_note") is not None:
            entry.detail = {**entry.detail, "old_note": None}
    # Only messages about children: meeting messages and what goes to one person (the nudge, the digest). Visit and
    # café messages name institutions, whose codes may equal a child's; deleting those would send them again.
    # The payload is JSON text, where Æ, Ø and Å are escaped: found as stored, matched decoded.
    named = re.compile(rf"(?<![A-ZÆØÅ0-9]){re.escape(code)}(?![A-ZÆØÅ0-9])")
    text = cast(col(Notification.payload), Text)
    rows = await session.exec(
        select(Notification.id, text, Notification.subject).where(
            col(Notification.status).not_in((outbox.PENDING, outbox.SENDING)),
            col(Notification.ref_type).in_(("meeting", "staff")),
            (col(Notification.subject) == code)
            | text.contains(code, autoescape=True)
            | text.contains(json.dumps(code)[1:-1], autoescape=True),  # LIKE reads a backslash as its escape
        )
    )
    gone = [
        ident
        for ident, payload, subject in rows.all()
        if subject == code or named.search(json.dumps(json.loads(payload or "{}"), ensure_ascii=False))
    ]
    if gone:
        await session.exec(delete(Notification).where(col(Notification.id).in_(gone)))

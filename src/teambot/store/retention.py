"""Retention: closed cases and everything about them are deleted a configurable number of months after
closing. The audit log keeps its entries (it is the record of who saw what) and gains one for the purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store import audit
from teambot.store.models import Case, CaseConsultant, CaseImport, Goal, Meeting, Notification, Rating


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

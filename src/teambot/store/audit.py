"""The append-only audit log of case data access. Only this module writes it; nothing updates or deletes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    case_code: str | None = None,
    **detail: Any,
) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, case_code=case_code, detail=detail))


def record_reads(
    session: AsyncSession, codes: Iterable[str], *, at: datetime, actor: str, action: str, **detail: Any
) -> None:
    """One entry per child shown: a list of meetings or today's goals is a read of each child's data."""
    for code in dict.fromkeys(codes):
        record(session, at=at, actor=actor, action=action, case_code=code, **detail)


async def record_many(
    session: AsyncSession, codes: Iterable[str], *, at: datetime, actor: str, action: str, **detail: Any
) -> None:
    """`record_reads` in one INSERT: the ORM inserts added entries one statement each on SQLite, and a lead's
    week view reads every child of the institution."""
    rows = [
        {"at": at, "actor": actor, "action": action, "case_code": code, "detail": detail}
        for code in dict.fromkeys(codes)
    ]
    if rows:
        await (await session.connection()).execute(insert(AuditEntry), rows)

"""Slack requests already handled, shared by every process that uses the database (see models.SeenRequest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store.models import SeenRequest


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record `key`; False if some process recorded it before (the unique key decides, not a read)."""
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    if dialect is postgresql:
        # This record sits in front of every request's acknowledgement; it need not survive a server crash (a
        # signature is only good for five minutes), so its commit does not wait for the disk.
        await connection.execute(text("SET LOCAL synchronous_commit = off"))
    seen = SeenRequest.__table__  # type: ignore[attr-defined]
    statement = dialect.insert(seen).values(key=key, seen_at=now).on_conflict_do_nothing().returning(seen.c.key)
    # RETURNING rather than rowcount: the row comes back only if this insert made it, on both databases.
    return (await connection.execute(statement)).first() is not None


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.exec(delete(SeenRequest).where(col(SeenRequest.seen_at) < cutoff))
    return int(result.rowcount)

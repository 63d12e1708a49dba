"""Slack requests already handled, shared by every process that uses the database (see models.SeenRequest)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store.db import Database
from teambot.store.models import SeenRequest

_SEEN = cast(Table, SeenRequest.__table__)  # type: ignore[attr-defined]
_KEY = bindparam("key", type_=_SEEN.c.key.type)
KEY_LENGTH: int = _SEEN.c.key.type.length  # type: ignore[attr-defined]
_AT = bindparam("seen_at", type_=_SEEN.c.seen_at.type)
# RETURNING rather than rowcount: the row comes back only if this insert made it, on both databases.
_SQLITE = sqlite.insert(_SEEN).values(key=_KEY, seen_at=_AT).on_conflict_do_nothing().returning(_SEEN.c.key)
# This record sits in front of every request's acknowledgement; it need not survive a server crash (a signature is
# only good for five minutes), so its commit does not wait for the disk: set_config(…, true) is SET LOCAL, here
# inside the statement itself, so that it also holds for a statement committed on its own.
RECORD_POSTGRESQL = (
    postgresql.insert(_SEEN)
    .from_select(
        ["key", "seen_at"],
        select(_KEY, _AT).where(func.set_config("synchronous_commit", "off", True).is_not(None)),
    )
    .on_conflict_do_nothing()
    .returning(_SEEN.c.key)
)


class Replayed(Exception):
    """The request was handled before, by this process or another: it is refused and nothing of it runs."""


class Replay:
    """A signed slash command's replay check, put off by the guard (slack/guard.py) to the command itself on
    PostgreSQL: a command whose first statement records `key` itself (`/rating`'s read, store/ratings.py) saves the
    check its own round trip. The command layer (`run_command`) checks before anything else runs or answers
    unless the command decides it, and always before an answer leaves."""

    def __init__(self, db: Database, key: str, now: datetime) -> None:
        if db.is_sqlite:  # one process, whose guard remembers in memory; its writer's turn could not be taken here
            raise ValueError("a replay check is put off only on a shared PostgreSQL database")
        self.db = db
        self.key = key[:KEY_LENGTH]
        self.now = now
        self.first: bool | None = None  # None: not decided yet
        self.lost = False  # a statement that was to record `key` failed: it may have, or not

    @property
    def pending(self) -> bool:
        return self.first is None

    def settle(self, first: bool) -> None:
        """What a statement that recorded `key` found; raises Replayed for a replay."""
        self.first = first
        if not first:
            raise Replayed

    async def check(self) -> None:
        """Record `key` now unless that was done; raises Replayed for a replay."""
        if self.first is None:
            # After a lost statement the key found may be this request's own: what leaves then is the command's
            # apology, which tells a replay nothing. Refused, a first request would run no times instead of once.
            self.first = await first_time_alone(self.db, self.key, self.now) or self.lost
        if not self.first:
            raise Replayed


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record `key`; False if some process recorded it before (the unique key decides, not a read)."""
    return await _record(await session.connection(), key, now)


async def first_time_alone(db: Database, key: str, now: datetime) -> bool:
    """`first_time` as one statement committed on its own (PostgreSQL's autocommit): no session, no BEGIN and no
    COMMIT round trip in front of every acknowledgement. SQLite begins every transaction itself (store.db), so there
    it is an ordinary write."""
    if db.is_sqlite:
        async with db.write() as session:
            return await first_time(session, key, now)
    async with db.alone() as statements:
        return bool(await statements.rows(RECORD_POSTGRESQL, {"key": key, "seen_at": now}))


async def _record(connection: AsyncConnection, key: str, now: datetime) -> bool:
    statement = RECORD_POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE
    return (await connection.execute(statement, {"key": key, "seen_at": now})).first() is not None


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.exec(delete(SeenRequest).where(col(SeenRequest.seen_at) < cutoff))
    return int(result.rowcount)

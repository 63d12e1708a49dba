"""The append-only audit log of case data access. Only this module writes it; nothing deletes an entry, and only the
retention purge changes one (it blanks a note a correction kept, with the rest of the child's case data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store.direct import Statements, execute_many
from teambot.store.models import AuditEntry

# Built once: a statement made per call has its cache key computed again each time (about 20 µs of every /rating).
_INSERT = insert(AuditEntry)

BOT = "teambot"  # the actor of what the bot does on its own
NOTICE_SENT = "notice.sent"
# A message settled unsent (cancelled, or its meeting begun) after an attempt Slack answered with an error and could
# not later say whether it posted: the recipient may have it.
NOTICE_MAYBE_SENT = "notice.maybe_sent"


@dataclass(frozen=True)
class SentNotice:
    """A message the bot sent on its own initiative: to whom, of which kind, naming which children (codes)."""

    recipient: str
    kind: str
    case_codes: tuple[str, ...]
    maybe: bool = False  # an earlier attempt may have posted it; settled unsent (`NOTICE_MAYBE_SENT`)


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


async def append(statements: Statements, *, at: datetime, actor: str, action: str, **fields: Any) -> None:
    """`record`, inserted now in one statement (`statements`: a session's connection, or a direct transaction)
    rather than by the ORM's flush at commit."""
    case_code = fields.pop("case_code", None)
    row = {"at": at, "actor": actor, "action": action, "case_code": case_code, "detail": fields}
    await statements.execute(_INSERT, row)


async def record_reads(
    session: AsyncSession, codes: Iterable[str], *, at: datetime, actor: str, action: str, **detail: Any
) -> None:
    """One entry per child shown (a list of meetings, today's goals or a week is a read of each child's data), in
    one INSERT: the ORM would insert added entries one statement each on SQLite."""
    rows = [
        {"at": at, "actor": actor, "action": action, "case_code": code, "detail": detail}
        for code in dict.fromkeys(codes)
    ]
    if rows:
        await (await session.connection()).execute(_INSERT, rows)


async def record_notices(session: AsyncSession, sent: Iterable[tuple[datetime, SentNotice]]) -> None:
    """One entry per child each sent message names, in one INSERT (a dispatched batch writes hundreds). Who got
    it (or may have: `SentNotice.maybe`) and what kind of message: never its text."""
    rows = [
        {
            "at": at,
            "actor": BOT,
            "action": NOTICE_MAYBE_SENT if notice.maybe else NOTICE_SENT,
            "case_code": code,
            "detail": {"recipient": notice.recipient, "kind": notice.kind},
        }
        for at, notice in sent
        for code in dict.fromkeys(notice.case_codes)
    ]
    if rows:
        # Compiled once, run by the driver's executemany (`execute_many`): the dispatcher writes a hundred at a time.
        await execute_many(await session.connection(), _INSERT, rows)

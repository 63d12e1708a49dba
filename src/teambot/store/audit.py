"""The append-only audit log of case data access. Only `record` writes it; nothing updates or deletes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

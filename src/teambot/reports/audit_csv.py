"""One child's audit log as CSV: every read and write of the case, who and when (local time)."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store.models import AuditEntry, Staff

COLUMNS = ["time", "actor", "actor_name", "action", "details"]


async def audit_csv(session: AsyncSession, case_code: str, zone: ZoneInfo) -> str | None:
    entries = (
        await session.exec(
            select(AuditEntry).where(AuditEntry.case_code == case_code).order_by(col(AuditEntry.at), col(AuditEntry.id))
        )
    ).all()
    if not entries:
        return None
    names = {s.slack_id: s.name for s in (await session.exec(select(Staff))).all() if s.slack_id}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.at.astimezone(zone).isoformat(timespec="seconds"),
                entry.actor,
                names.get(entry.actor, ""),
                entry.action,
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()

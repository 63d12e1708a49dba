"""Staff listed by email in the roster get their Slack user ID from users.lookupByEmail once connected."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from teambot.store.db import Database
from teambot.store.models import Staff

log = logging.getLogger(__name__)


async def resolve_emails(client: AsyncWebClient, db: Database) -> int:
    """Fill in missing Slack IDs; return how many were resolved. Unknown emails are logged and left."""
    async with db.read() as session:
        pending = (
            await session.exec(select(Staff).where(col(Staff.slack_id).is_(None), col(Staff.email).is_not(None)))
        ).all()
    resolved = 0
    for staff in pending:
        assert staff.email is not None
        try:
            response = await client.users_lookupByEmail(email=staff.email)
        except SlackApiError as exc:
            log.warning("users.lookupByEmail failed for staff #%s: %s", staff.id, exc.response.get("error"))
            continue
        user_id = (response.get("user") or {}).get("id")
        if not user_id:
            continue
        async with db.write() as session:
            row = await session.get(Staff, staff.id)
            if row is not None and row.slack_id is None:
                row.slack_id = user_id
                resolved += 1
    return resolved

"""`/teambot kalender`: a secret calendar address for Outlook with your meetings; `stop` revokes it."""

from __future__ import annotations

from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.i18n import t
from teambot.store import audit
from teambot.store.calendar import new_feed, revoke_feeds

FEED_PATH = "/ics/{token}.ics"


@REGISTRY.command("/teambot", "kalender", key="kalender", aliases=("calendar",))
async def calendar(ctx: Context, args: str) -> Reply:
    """A new secret feed address each time (the old one stops working); `stop` only revokes."""
    staff = ctx.require_staff()
    word = args.strip().lower()
    if word not in ("", "ny", "stop"):
        raise UserError(t("calendar.usage"))
    async with ctx.db.write() as session:
        if word == "stop":
            revoked = await revoke_feeds(session, staff, ctx.clock.now())
            audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="calendar.revoke")
            return Reply(t("calendar.revoked") if revoked else t("calendar.none"))
        token = await new_feed(session, staff, ctx.clock.now())
        audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="calendar.create")
    base = ctx.public_url
    path = FEED_PATH.format(token=token)
    if base:
        return Reply(t("calendar.created", url=f"{base}{path}"))
    return Reply(t("calendar.created_no_url", path=path))

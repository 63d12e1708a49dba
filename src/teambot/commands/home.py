"""App Home: what each person needs on opening teambot — a lead the week, a pædagog today's ratings with
buttons and the next meetings, a consultant their meetings. `/teambot hjem` shows the same in any transport."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from teambot.commands.notices import MESSAGE_BLOCKS, rating_nudge
from teambot.commands.registry import REGISTRY, Block, Context, Reply
from teambot.commands.week import render_week, visible_weeks
from teambot.domain.meetings import parse_hhmm
from teambot.domain.roles import Role
from teambot.i18n import format_date, format_time, t
from teambot.store import audit, queries
from teambot.store.models import Staff
from teambot.store.ratings import nudge_items

log = logging.getLogger(__name__)

HOME_BLOCK_LIMIT = 100  # Slack's limit for a Home tab
# After a nudge button's value on `/teambot hjem`'s message (the Home tab is drawn again as it is, without it).
IN_HOME_MESSAGE = ":hjem"
MEETINGS_SHOWN = 10


def _text(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def home_blocks(
    ctx: Context,
    staff: Staff,
    limit: int = HOME_BLOCK_LIMIT,
    *,
    pressed: int | None = None,
    unchanged: bool = False,
    mark: str = "",
) -> list[Block]:
    """The Home tab's blocks, at most `limit`: Slack's 100 for the tab, 50 for `/teambot hjem`'s message. `pressed`:
    the goal just rated there, whose line the nudge keeps whatever it has no room for (`unchanged`: it had that
    value already); `mark`: the nudge buttons' (`rating_nudge`)."""
    today = ctx.today()
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": t("home.title", name=staff.name)[:150]}}
    ]
    if Role.LEDER in staff.roles:
        year, week = today.isocalendar()[:2]
        async with ctx.db.write() as session:
            weeks = await visible_weeks(ctx, session, staff, year, week, None)
            codes = (code for data in weeks for code in data.case_codes)
            await audit.record_reads(
                session, codes, at=ctx.clock.now(), actor=ctx.user_id, action="week.read", via="home"
            )
        for data in weeks:
            blocks += render_week(data, today)[1]
            blocks.append({"type": "divider"})
    if Role.PAEDAGOG in staff.roles:
        async with ctx.db.write() as session:
            items = await nudge_items(session, staff, today, asked=True)
            codes = (item.case_code for item in items)
            await audit.record_reads(
                session, codes, at=ctx.clock.now(), actor=ctx.user_id, action="rating.read", via="home"
            )
        if items:
            # The nudge in what is left beside a divider and the meetings' line; its why line (one block) is dropped.
            room = limit - len(blocks) - 2 + 1
            nudge = rating_nudge(today, items, max_blocks=room, pressed=pressed, unchanged=unchanged, mark=mark)
            blocks += [b for b in nudge.blocks or [] if b.get("type") != "context"]
        else:
            blocks.append(_text(t("rating.todo_none", date=format_date(today))))
        blocks.append({"type": "divider"})
    async with ctx.db.write() as session:
        # Coming meetings only: the tab has no room for a state, and a cancelled one read as still on.
        meetings = [r for r in await queries.meetings_for(session, staff, today) if r.meeting.status != "cancelled"]
        meetings = meetings[:MEETINGS_SHOWN]
        codes = (row.case.code for row in meetings)
        await audit.record_reads(
            session, codes, at=ctx.clock.now(), actor=ctx.user_id, action="meeting.read", via="home"
        )
    lines = [t("home.meetings")]
    for row in meetings:
        lines.append(
            t(
                "home.meeting_line",
                date=format_date(row.meeting.day),
                time=format_time(parse_hhmm(row.meeting.start)),
                code=row.case.code,
                institution=row.institution,
            )
        )
    if not meetings:
        lines.append(t("meeting.list_empty"))
    blocks.append(_text("\n".join(lines)))
    if len(blocks) > limit:
        blocks = blocks[: limit - 1] + [_text(t("home.more"))]
    return blocks


@REGISTRY.command("/teambot", "hjem", key="hjem", aliases=("home",))
async def home(ctx: Context, args: str) -> Reply:
    """The App Home's content, as a reply."""
    return await home_message(ctx, ctx.require_staff())


async def home_message(ctx: Context, staff: Staff, pressed: int | None = None, *, unchanged: bool = False) -> Reply:
    """`/teambot hjem`'s message. Its rating buttons say they are on it (`IN_HOME_MESSAGE`), so that a rating
    pressed there (`pressed`, the goal; `unchanged`: it had that value already), or its form saved, draws this
    message again rather than the nudge alone."""
    blocks = await home_blocks(ctx, staff, MESSAGE_BLOCKS, pressed=pressed, unchanged=unchanged, mark=IN_HOME_MESSAGE)
    text = "\n".join(b["text"]["text"] for b in blocks if b.get("type") in {"section", "header"})
    return Reply(text, blocks=blocks)


async def home_view(ctx: Context, drawn: Callable[[], Awaitable[list[Block]]] | None = None) -> list[Block]:
    """The Home tab for whoever opened it, or as a button pressed on it left it (`drawn`: the press's `Reply.home`);
    never raises (a stranger is told to ask their lead)."""
    try:
        if drawn is not None:
            return await drawn()
        async with ctx.db.read() as session:
            staff = await queries.staff_by_slack_id(session, ctx.user_id)
        if staff is None:
            return [_text(t("error.unknown_user"))]
        return await home_blocks(ctx, staff)
    except Exception:
        log.exception("home tab failed for user %s", ctx.user_id)
        return [_text(t("error.unexpected"))]

"""`/teambot rapport <barn> [fra] [til]`: the progress report for a status meeting, as a chart and a PDF."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import col, select

from teambot.commands.registry import REGISTRY, Attachment, Context, Reply, UserError
from teambot.domain.dates import Direction, parse_day
from teambot.i18n import format_date, t, t_count
from teambot.reports.progress import GoalSeries, ProgressData, chart_png, report_pdf
from teambot.store import audit
from teambot.store import ratings as store
from teambot.store.models import Goal, Meeting, Rating

MAX_DAYS = 400


@REGISTRY.command("/teambot", "rapport", key="rapport", aliases=("report",))
async def report(ctx: Context, args: str) -> Reply:
    """Chart and PDF of a child's ratings, by default since the last status meeting held."""
    staff = ctx.require_staff()
    words = args.split()
    if not words or len(words) > 3:
        raise UserError(t("report.usage"))
    today = ctx.today()
    dates: list[date] = []
    for word in words[1:]:
        day = parse_day(word, today, Direction.PAST)
        if day is None:
            raise UserError(t("meeting.bad_date", text=word))
        dates.append(day)
    if dates and dates[0] > today:  # no ratings yet; the end, today by default, read as "before the start"
        raise UserError(t("report.future", date=format_date(dates[0])))
    if len(dates) > 1:
        dates[1] = min(dates[1], today)  # "this month" reports up to today
    async with ctx.db.write() as session:
        view = await store.case_view(session, words[0])
        if view is None or not (await store.access_to(session, staff, view.case)).read:
            raise UserError(t("case.unknown_or_hidden", code=words[0].upper()))
        case = view.case
        meetings = (
            await session.exec(select(Meeting).where(Meeting.case_id == case.id).order_by(col(Meeting.day)))
        ).all()
        held = [m.day for m in meetings if m.status == "held" and m.day <= today]
        start = dates[0] if dates else (held[-1] if held else case.start_meeting or today)
        end = dates[1] if len(dates) > 1 else today
        if end < start:
            raise UserError(t("report.end_before_start"))
        if (end - start).days > MAX_DAYS:
            raise UserError(t("report.too_long", days=MAX_DAYS))
        goals = (await session.exec(select(Goal).where(Goal.case_id == case.id).order_by(col(Goal.number)))).all()
        rows = await session.exec(
            select(Rating)
            .where(col(Rating.goal_id).in_([g.id for g in goals]), col(Rating.day) >= start, col(Rating.day) <= end)
            .order_by(col(Rating.day))
        )
        by_goal: dict[int, list[Rating]] = defaultdict(list)
        for rating in rows.all():
            by_goal[rating.goal_id].append(rating)
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="report.create",
            case_code=case.code,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    series = [
        GoalSeries(
            g.number,
            g.text,
            [(r.day, r.value) for r in by_goal[g.id or 0]],
            [(r.day, r.note) for r in by_goal[g.id or 0] if r.note],
        )
        for g in goals
        if g.active or by_goal[g.id or 0]
    ]
    data = ProgressData(
        case_code=case.code,
        institution=view.institution.name,
        start=start,
        end=end,
        goals=series,
        meetings=[m.day for m in meetings if start <= m.day <= end and m.status != "cancelled"],
    )
    stem = f"forloebsrapport-{case.code}-{start.isoformat()}-{end.isoformat()}"
    count = sum(len(s.ratings) for s in series)
    return Reply(
        t_count("report.ready", count, code=case.code, start=format_date(start), end=format_date(end)),
        files=[
            Attachment(f"{stem}.png", chart_png(data), t("report.chart_title", code=case.code)),
            Attachment(f"{stem}.pdf", report_pdf(data), t("report.pdf_title", code=case.code)),
        ],
    )

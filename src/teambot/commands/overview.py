"""`/teambot overblik [kvartal]`: monitoring and cost per institution for leads, aggregated (no child data)."""

from __future__ import annotations

from teambot.commands.registry import REGISTRY, Context, Reply, UserError
from teambot.domain.monitoring import (
    DEFAULT_MINUTES,
    InstitutionFigures,
    parse_quarter,
    quarter_of,
    quarter_year_typed,
    quarter_years,
)
from teambot.domain.roles import Role
from teambot.i18n import format_date, format_decimal, t
from teambot.store import queries
from teambot.store.monitoring import institution_figures


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def figure_line(figure: InstitutionFigures) -> str:
    hours = figure.hours(DEFAULT_MINUTES)
    return t(
        "overview.line",
        label=f"*{figure.code}* {figure.name}" if figure.code else f"*{figure.name}*",
        cases=figure.active_cases,
        goals=figure.active_goals,
        completeness=_pct(figure.completeness),
        met=_pct(figure.met_share),
        on_time=figure.meetings_on_time,
        moved=figure.meetings_moved,
        cancelled=figure.meetings_cancelled,
        hours_ratings=format_decimal(hours["rating"]),
        hours_meetings=format_decimal(hours["statusmøde"]),
    )


def total(figures: list[InstitutionFigures]) -> InstitutionFigures:
    whole = InstitutionFigures("", t("overview.total"))
    for f in figures:
        whole.active_cases += f.active_cases
        whole.active_goals += f.active_goals
        whole.ratings += f.ratings
        whole.asked_ratings += f.asked_ratings
        whole.expected_ratings += f.expected_ratings
        whole.ratings_met += f.ratings_met
        whole.meetings_on_time += f.meetings_on_time
        whole.meetings_moved += f.meetings_moved
        whole.meetings_cancelled += f.meetings_cancelled
        whole.meeting_invitations += f.meeting_invitations
    return whole


@REGISTRY.command("/teambot", "overblik", key="overblik", aliases=("overview",))
async def overview(ctx: Context, args: str) -> Reply:
    """Per institution for a quarter: cases, goals, rating completeness, goals met, meetings, hours spent."""
    staff = ctx.require_staff()
    if Role.LEDER not in staff.roles:
        raise UserError(t("overview.leads_only"))
    today = ctx.today()
    text = args.strip()
    if (year := quarter_year_typed(text)) is not None:
        first, last = quarter_years(today)
        if not first <= year <= last:
            raise UserError(t("overview.quarter_out_of_reach", text=text, first=first, last=last))
    span = parse_quarter(text, today) if text else quarter_of(today)
    if span is None:
        raise UserError(t("overview.bad_quarter", text=text))
    start, end = span
    async with ctx.db.read() as session:
        mine = {i.id for i in await queries.institutions_of(session, staff) if i.id is not None}
        everyone = await institution_figures(session, start, end, today)
    own = [f for f in everyone if f.institution_id in mine]
    quarter = (start.month - 1) // 3 + 1
    lines = [t("overview.title", quarter=quarter, year=start.year, start=format_date(start), end=format_date(end))]
    lines += [figure_line(f) for f in own]
    lines.append(figure_line(total(everyone)))
    lines.append(t("overview.footer"))
    return Reply("\n".join(lines))

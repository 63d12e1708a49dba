"""The progress report for a status meeting: a chart (PNG) and a printable PDF for the parents' folder.

Only the child's code appears. Daily ratings per goal, weekly means, status meetings marked; the PDF adds a
weekly table and the notes on what the staff did to help.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import fmean
from typing import TYPE_CHECKING

from teambot.i18n import format_decimal, format_short_date, t

# matplotlib is imported where a report is drawn, not when the bot starts: it is a third of the bot's memory,
# and most processes never draw a report. Figures are drawn without pyplot, so no display backend is involved.
if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = ("#2e5e4e", "#c0622d", "#3a6ea5", "#8a5a9e", "#b08d1e", "#5a5a5a")


def _literal(text: str) -> str:
    """`text` for a matplotlib label, which reads what stands between two `$` as a formula: a goal text or an
    institution's name is shown as written, not typeset in italics."""
    return text.replace("$", r"\$")


@dataclass(frozen=True)
class GoalSeries:
    number: int
    text: str
    ratings: list[tuple[date, int]]  # by day
    notes: list[tuple[date, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ProgressData:
    case_code: str
    institution: str
    start: date
    end: date
    goals: list[GoalSeries]
    meetings: list[date]


def weekly_means(ratings: list[tuple[date, int]]) -> dict[tuple[int, int], float]:
    by_week: dict[tuple[int, int], list[int]] = defaultdict(list)
    for day, value in ratings:
        by_week[day.isocalendar()[:2]].append(value)
    return {week: fmean(values) for week, values in sorted(by_week.items())}


def _chart(figure: Figure, data: ProgressData) -> None:
    import matplotlib.dates as mdates

    axes = figure.add_subplot(1, 1, 1)
    for index, goal in enumerate(data.goals):
        colour = COLOURS[index % len(COLOURS)]
        if goal.ratings:
            days, values = zip(*goal.ratings, strict=True)
            axes.plot([mdates.date2num(d) for d in days], values, "o", color=colour, alpha=0.45, markersize=4)
        means = weekly_means(goal.ratings)
        if means:
            mondays = [mdates.date2num(date.fromisocalendar(y, w, 1)) for y, w in means]
            axes.step(
                [*mondays, mondays[-1] + 7],
                [*means.values(), list(means.values())[-1]],
                where="post",
                color=colour,
                linewidth=2,
                label=_literal(t("report.goal_legend", number=goal.number, text=goal.text[:40])),
            )
    for day in data.meetings:
        axes.axvline(mdates.date2num(day), color="#999999", linestyle="--", linewidth=1)
        axes.annotate(
            t("report.meeting_mark"),
            (mdates.date2num(day), 4.25),
            fontsize=7,
            color="#666666",
            ha="center",
            annotation_clip=False,
        )
    axes.set_ylim(0.5, 4.5)
    axes.set_yticks([1, 2, 3, 4])
    axes.set_ylabel(t("report.axis_rating"))
    axes.set_xlim(mdates.date2num(data.start - timedelta(days=1)), mdates.date2num(data.end + timedelta(days=1)))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(
        t("report.title", code=data.case_code, start=format_short_date(data.start), end=format_short_date(data.end)),
        fontsize=11,
    )
    if axes.get_legend_handles_labels()[0]:  # goals with no rating in the period draw no line to name
        axes.legend(loc="lower left", fontsize=7, frameon=False)


def chart_png(data: ProgressData) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.5), dpi=110)
    _chart(figure, data)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def report_pdf(data: ProgressData) -> bytes:
    """Page 1: the chart; then the weekly table and the notes, as many pages as they need."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        figure = Figure(figsize=(11.69, 8.27))  # A4 landscape
        _chart(figure, data)
        footer = t("report.footer", institution=data.institution)
        figure.text(0.01, 0.01, footer, fontsize=7, color="#666666", parse_math=False)
        pdf.savefig(figure)
        for page in _text_pages(data):
            figure = Figure(figsize=(8.27, 11.69))  # A4 portrait
            # The notes as typed: "5$ og 10$" is not a formula.
            figure.text(0.08, 0.95, page, va="top", family="monospace", fontsize=8.5, wrap=True, parse_math=False)
            pdf.savefig(figure)
    return buffer.getvalue()


def _text_pages(data: ProgressData, lines_per_page: int = 70) -> list[str]:
    lines = [t("report.table_title", code=data.case_code), ""]
    weeks = sorted({w for g in data.goals for w in weekly_means(g.ratings)})
    header = t("report.table_week").ljust(12) + "".join(
        t("report.table_goal", number=g.number).rjust(9) for g in data.goals
    )
    lines.append(header)
    means = {g.number: weekly_means(g.ratings) for g in data.goals}
    for year, week in weeks:
        cells = "".join(
            (format_decimal(means[g.number][(year, week)]) if (year, week) in means[g.number] else "–").rjust(9)
            for g in data.goals
        )
        lines.append(t("report.week_label", week=week, year=year).ljust(12) + cells)
    lines += ["", t("report.goals_title")]
    lines += [t("rating.goal_line", number=g.number, text=g.text) for g in data.goals]
    lines += ["", t("report.notes_title")]
    notes = sorted((day, g.number, note) for g in data.goals for day, note in g.notes)
    lines += [t("report.note_line", date=format_short_date(day), number=n, note=note) for day, n, note in notes] or [
        t("report.no_notes")
    ]
    return ["\n".join(lines[i : i + lines_per_page]) for i in range(0, len(lines), lines_per_page)]

"""The monitoring export: one CSV row per institution and quarter, aggregated, with time spent in hours."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from teambot.domain.monitoring import InstitutionFigures, quarter_of

COLUMNS = [
    "quarter",
    "from",
    "to",
    "institution",
    "institution_name",
    "active_cases",
    "active_goals",
    "ratings",
    "expected_ratings",
    "completeness_pct",
    "goals_met_pct",
    "meetings_on_time",
    "meetings_moved",
    "meetings_cancelled",
    "hours_ratings",
    "hours_status_meetings",
    "hours_total",
]


def quarters(start: date, end: date) -> list[tuple[date, date]]:
    """The quarters overlapping [start, end], clipped to it."""
    spans = []
    day = start
    while day <= end:
        first, last = quarter_of(day)
        spans.append((max(first, start), min(last, end)))
        day = last + timedelta(days=1)
    return spans


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def monitoring_csv(rows: list[tuple[date, date, InstitutionFigures]], minutes: dict[str, int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for first, last, figure in rows:
        hours = figure.hours(minutes)
        writer.writerow(
            [
                f"{first.year}-K{(first.month - 1) // 3 + 1}",
                first.isoformat(),
                last.isoformat(),
                figure.code,
                figure.name,
                figure.active_cases,
                figure.active_goals,
                figure.ratings,
                figure.expected_ratings,
                _pct(figure.completeness),
                _pct(figure.met_share),
                figure.meetings_on_time,
                figure.meetings_moved,
                figure.meetings_cancelled,
                f"{hours['rating']:.1f}",
                f"{hours['statusmøde']:.1f}",
                f"{sum(hours.values()):.1f}",
            ]
        )
    return out.getvalue()

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


FORMATS = ("csv", "excel")


def monitoring_csv(
    rows: list[tuple[date, date, InstitutionFigures]], minutes: dict[str, int], *, file_format: str = "csv"
) -> str:
    """`csv`: commas and decimal points, for scripts. `excel`: what Excel in Danish opens by a double click —
    semicolons (the Danish list separator), decimal commas, CRLF, and a UTF-8 byte order mark, without which
    "Mariehønen" is read as Windows-1252."""
    excel = file_format == "excel"
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow(COLUMNS)

    def one(value: float) -> str:
        text = f"{value:.1f}"
        return text.replace(".", ",") if excel else text

    def pct(value: float | None) -> str:
        return "" if value is None else one(value * 100)

    def words(text: str) -> str:
        # Excel runs a cell that starts like a formula: a roster's "=HYPERLINK(…)" must stay text.
        return "'" + text if excel and text[:1] in ("=", "+", "-", "@") else text

    for first, last, figure in rows:
        hours = figure.hours(minutes)
        writer.writerow(
            [
                f"{first.year}-K{(first.month - 1) // 3 + 1}",
                first.isoformat(),
                last.isoformat(),
                words(figure.code),
                words(figure.name),
                figure.active_cases,
                figure.active_goals,
                figure.ratings,
                figure.expected_ratings,
                pct(figure.completeness),
                pct(figure.met_share),
                figure.meetings_on_time,
                figure.meetings_moved,
                figure.meetings_cancelled,
                one(hours["rating"]),
                one(hours["statusmøde"]),
                one(sum(hours.values())),
            ]
        )
    return out.getvalue()

"""Message catalogs: every user-facing text, Danish first. `t(key, **values)` formats one message."""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from teambot.i18n import da, en

CATALOGS: dict[str, dict[str, str]] = {"da": da.MESSAGES, "en": en.MESSAGES}
_language = "da"


def set_language(language: str) -> None:
    global _language
    if language not in CATALOGS:
        raise ValueError(f"unknown language {language!r}")
    _language = language


def current_language() -> str:
    return _language


def t(key: str, /, **values: object) -> str:
    """The message `key` in the current language, falling back to Danish, formatted with `values`."""
    template = _template(key)
    return template.format(**values) if values else template


def _template(key: str) -> str:
    return CATALOGS[_language].get(key) or CATALOGS["da"][key]


def t_count(key: str, n: int, /, **values: object) -> str:
    """`t` for a message about `n` things, with `n`: its `key.one` form when n is 1 ("1 deltager", not "1
    deltagere"), where the catalog has one."""
    one = f"{key}.one"
    return t(one if n == 1 and one in CATALOGS["da"] else key, n=n, **values)


@functools.lru_cache(maxsize=16)
def _names(text: str) -> tuple[str, ...]:
    """A catalog's comma-separated names ("weekday", "month"), split once per text: keyed by the text itself, so a
    language or catalog changed later gets its own."""
    return tuple(text.split(","))


def weekday_name(day: date) -> str:
    return _names(t("weekday"))[day.weekday()]


def month_name(month: int) -> str:
    return _names(t("month"))[month - 1]


def format_date(day: date) -> str:
    """'torsdag 12. november 2026'."""
    weekday, month = _names(_template("weekday"))[day.weekday()], _names(_template("month"))[day.month - 1]
    return _template("fmt.date").format(weekday=weekday, day=day.day, month=month, year=day.year)


def format_period(start: date, end: date) -> str:
    """'fredag 4. december 2026 – tirsdag 8. december 2026'; a period of one day names it once."""
    if start == end:
        return format_date(start)
    return _template("fmt.period").format(start=format_date(start), end=format_date(end))


def format_short_date(day: date) -> str:
    """'to 12/11' for tables."""
    return f"{weekday_name(day)[:2]} {day.day}/{day.month}"


def format_time(moment: time | datetime, zone: ZoneInfo | None = None) -> str:
    """'kl. 14.00' (local wall-clock time)."""
    if isinstance(moment, datetime) and zone is not None:
        moment = moment.astimezone(zone)
    return t("fmt.time", hour=moment.hour, minute=f"{moment.minute:02d}")


def format_decimal(value: float, digits: int = 1) -> str:
    """'2,6' in Danish, '2.6' in English."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if _language == "da" else text

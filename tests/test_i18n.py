"""Message catalogs: Danish complete and default, English with the same keys and placeholders."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

import teambot
from teambot.commands import REGISTRY
from teambot.i18n import (
    CATALOGS,
    da,
    en,
    format_date,
    format_decimal,
    format_period,
    format_short_date,
    format_time,
    month_name,
    set_language,
    t,
    t_count,
    weekday_name,
)
from teambot.testing.clock import COPENHAGEN

SOURCE = Path(teambot.__file__).parent
# A literal first argument of t(...) or t_count(...): t("key" or t(\n "key"; not t(f"..."), not x.get("...").
T_CALL = re.compile(r"(?<![\w.])t(?:_count)?\(\s*\"([^\"{}]+)\"")
PROBLEM_KIND = re.compile(r"\"(roster\.[a-z_]+)\"")


def placeholders(template: str) -> set[str]:
    return {field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field}


def source_files() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if "i18n" not in p.parts and "testing" not in p.parts]


def test_both_catalogs_have_exactly_the_same_keys() -> None:
    assert sorted(set(da.MESSAGES) - set(en.MESSAGES)) == []
    assert sorted(set(en.MESSAGES) - set(da.MESSAGES)) == []


@pytest.mark.parametrize("key", sorted(da.MESSAGES))
def test_placeholders_match_between_languages(key: str) -> None:
    assert placeholders(en.MESSAGES[key]) == placeholders(da.MESSAGES[key])


def test_no_message_is_empty() -> None:
    assert [k for language in CATALOGS.values() for k, v in language.items() if not v.strip()] == []


def test_every_literal_key_used_in_the_source_is_in_the_danish_catalog() -> None:
    used = {
        (path.relative_to(SOURCE).as_posix(), key)
        for path in source_files()
        for key in T_CALL.findall(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 10, "the scan found almost nothing: the pattern is broken"
    assert sorted((path, key) for path, key in used if key not in da.MESSAGES) == []


def test_every_roster_problem_kind_is_in_the_catalog() -> None:
    roster = (SOURCE / "domain" / "roster.py").read_text(encoding="utf-8")
    kinds = set(PROBLEM_KIND.findall(roster))
    assert "roster.cpr" in kinds
    assert sorted(kinds - set(da.MESSAGES)) == []


def test_every_registered_command_has_usage_and_summary_in_both_languages() -> None:
    for command in REGISTRY.commands:
        for part in ("usage", "summary"):
            assert f"cmd.{command.key}.{part}" in da.MESSAGES
            assert f"cmd.{command.key}.{part}" in en.MESSAGES


def test_import_report_keys_exist() -> None:
    for what in ("created", "updated", "deactivated"):
        assert f"import.{what}" in da.MESSAGES


def test_danish_is_the_default() -> None:
    assert t("console.bye") == "Farvel."


def test_english_is_used_when_chosen() -> None:
    set_language("en")
    assert t("nothing_saved") == "Nothing was saved."
    set_language("da")
    assert t("nothing_saved") == "Intet er gemt."


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'sv'"):
        set_language("sv")


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 12), "torsdag 12. november 2026"),
        (date(2027, 1, 1), "fredag 1. januar 2027"),
        (date(2026, 5, 3), "søndag 3. maj 2026"),
        (date(2024, 2, 29), "torsdag 29. februar 2024"),
    ],
)
def test_danish_dates(day: date, text: str) -> None:
    assert format_date(day) == text


@pytest.mark.parametrize(
    ("day", "danish", "english"),
    [
        (date(2027, 1, 20), "onsdag 20. januar 2027", "Wednesday 20 January 2027"),
        (date(2027, 2, 21), "søndag 21. februar 2027", "Sunday 21 February 2027"),
        (date(2027, 3, 22), "mandag 22. marts 2027", "Monday 22 March 2027"),
        (date(2027, 4, 23), "fredag 23. april 2027", "Friday 23 April 2027"),
        (date(2027, 5, 24), "mandag 24. maj 2027", "Monday 24 May 2027"),
        (date(2027, 6, 25), "fredag 25. juni 2027", "Friday 25 June 2027"),
        (date(2027, 7, 26), "mandag 26. juli 2027", "Monday 26 July 2027"),
        (date(2027, 8, 27), "fredag 27. august 2027", "Friday 27 August 2027"),
        (date(2027, 9, 28), "tirsdag 28. september 2027", "Tuesday 28 September 2027"),
        (date(2027, 10, 29), "fredag 29. oktober 2027", "Friday 29 October 2027"),
        (date(2027, 11, 30), "tirsdag 30. november 2027", "Tuesday 30 November 2027"),
        (date(2027, 12, 31), "fredag 31. december 2027", "Friday 31 December 2027"),
        (date(2027, 3, 1), "mandag 1. marts 2027", "Monday 1 March 2027"),
        (date(2027, 3, 2), "tirsdag 2. marts 2027", "Tuesday 2 March 2027"),
        (date(2027, 3, 3), "onsdag 3. marts 2027", "Wednesday 3 March 2027"),
        (date(2027, 3, 4), "torsdag 4. marts 2027", "Thursday 4 March 2027"),
        (date(2027, 3, 5), "fredag 5. marts 2027", "Friday 5 March 2027"),
        (date(2027, 3, 6), "lørdag 6. marts 2027", "Saturday 6 March 2027"),
        (date(2027, 3, 7), "søndag 7. marts 2027", "Sunday 7 March 2027"),
    ],
)
def test_dates_in_both_languages_every_month_and_weekday(day: date, danish: str, english: str) -> None:
    assert format_date(day) == danish
    set_language("en")
    assert format_date(day) == english
    assert format_short_date(day) == f"{english[:2]} {day.day}/{day.month}"


def test_a_period_of_one_day_names_the_day_once() -> None:
    assert format_period(date(2026, 12, 4), date(2026, 12, 4)) == "fredag 4. december 2026"
    assert format_period(date(2026, 12, 4), date(2026, 12, 8)) == "fredag 4. december 2026 – tirsdag 8. december 2026"
    set_language("en")
    assert format_period(date(2026, 12, 4), date(2026, 12, 4)) == "Friday 4 December 2026"
    assert format_period(date(2026, 12, 4), date(2026, 12, 8)) == "Friday 4 December 2026 – Tuesday 8 December 2026"


def test_a_date_falls_back_to_danish_names_a_catalog_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    set_language("en")
    monkeypatch.delitem(CATALOGS["en"], "month")
    assert format_date(date(2027, 3, 4)) == "Thursday 4 marts 2027"
    assert month_name(3) == "marts"
    monkeypatch.setitem(CATALOGS["en"], "weekday", "Mo,Tu,We,Th,Fr,Sa,Su")
    assert format_date(date(2027, 3, 4)) == "Th 4 marts 2027"
    assert weekday_name(date(2027, 3, 4)) == "Th"


def test_danish_weekday_and_month_names() -> None:
    assert [weekday_name(date(2026, 11, 16 + i)) for i in range(7)] == [
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lørdag",
        "søndag",
    ]
    assert month_name(6) == "juni" and month_name(12) == "december"
    assert format_short_date(date(2026, 11, 12)) == "to 12/11"


def test_danish_times() -> None:
    assert format_time(time(14, 0)) == "kl. 14.00"
    assert format_time(time(8, 5)) == "kl. 08.05"


def test_times_are_local_wall_clock_across_dst() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # CEST, UTC+2
    winter = datetime(2026, 11, 12, 13, 0, tzinfo=UTC)  # CET, UTC+1
    assert format_time(summer, COPENHAGEN) == "kl. 14.00"
    assert format_time(winter, COPENHAGEN) == "kl. 14.00"


def test_danish_decimal_comma() -> None:
    assert format_decimal(2.6) == "2,6"
    assert format_decimal(2.5 + 0.14, 2) == "2,64"
    assert format_decimal(3) == "3,0"


def test_english_formats() -> None:
    set_language("en")
    assert format_date(date(2026, 11, 12)) == "Thursday 12 November 2026"
    assert format_time(time(14, 0)) == "at 14:00"
    assert format_decimal(2.6) == "2.6"


def test_a_count_of_one_reads_in_the_singular() -> None:
    assert t_count("meeting.moved", 1, code="AK12", date="d", time="t").endswith("1 deltager får besked.")
    assert t_count("meeting.moved", 2, code="AK12", date="d", time="t").endswith("2 deltagere får besked.")
    assert t_count("calendar.cafe_children", 1) == "For 1 barn omkring 1½ år og forældrene."
    assert t_count("calendar.cafe_children", 0) == "For 0 børn omkring 1½ år og deres forældre."

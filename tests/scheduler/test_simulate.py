"""`teambot simulate`: every notification the bot would send, in order, on a virtual clock and a copy of the data,
as a user runs it from the command line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import holidays
import pytest
from helpers_outbox import meetings, notifications, plan_small_roster
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from teambot import cli, runtime
from teambot.cli import app
from teambot.store.db import Database, sync_url
from teambot.store.models import Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.roster import LEAD, PAEDAGOG, PSYKOLOG

DST_STARTS = date(2027, 3, 28)
DANISH_HOLIDAYS = holidays.country_holidays("DK", years=[2026, 2027])
DEMO_CLOSED = {date(2026, 12, 28) + timedelta(days=n) for n in range(4)}  # the demo municipality's 28–31 December


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def simulate(database_url: str, *args: str, now: datetime | None = None) -> Outcome:
    """The command as a user runs it; `now` (local wall-clock time) for a clock that is not the real one."""
    env = {"TEAMBOT_DATABASE_URL": database_url, "TEAMBOT_TIMEZONE": "Europe/Copenhagen", "TEAMBOT_LANGUAGE": "da"}
    with pytest.MonkeyPatch.context() as patch:
        if now is not None:
            clock = FakeClock(now, COPENHAGEN)
            patch.setattr(cli, "_open_runtime", partial(runtime.open_runtime, clock=clock))
        result = CliRunner().invoke(app, ["simulate", *args], env=env)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def notification_count(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Notification.__table__)).scalar_one())
    finally:
        engine.dispose()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in DANISH_HOLIDAYS and (day.month, day.day) not in {(12, 24), (6, 5)}


@dataclass(frozen=True)
class DemoRun:
    outcome: Outcome
    database_url: str
    database: Path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """One run over four months of the demo municipality (it takes a while), shared by the tests below."""
    folder = tmp_path_factory.mktemp("simulate-demo")
    url = f"sqlite:///{folder / 'x.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # no developer's .env
        outcome = simulate(url, "--demo", "--from", "2026-11-23", "--to", "2027-03-31", "--json")
    yield DemoRun(outcome, url, folder / "x.db")


def test_demo_prints_one_json_object_per_notification_in_order(demo_run: DemoRun) -> None:
    assert demo_run.outcome.exit_code == 0, demo_run.outcome.stderr
    lines = demo_run.outcome.lines()
    assert len(lines) > 50
    dues = []
    for line in lines:
        assert {"due", "kind", "recipient", "subject", "event_date"} <= line.keys()
        due = datetime.fromisoformat(line["due"])
        assert due.utcoffset() == timedelta(hours=2 if due.date() >= DST_STARTS else 1), line["due"]
        assert date(2026, 11, 23) <= due.date() <= date(2027, 3, 31)
        assert line["recipient"].startswith("U") and line["subject"]
        dues.append(due)
    assert dues == sorted(dues)
    assert {d.utcoffset() for d in dues} == {timedelta(hours=1), timedelta(hours=2)}  # both sides of DST


def test_demo_reminders_go_out_at_eight_local_on_working_days_before_the_meeting(demo_run: DemoRun) -> None:
    reminders = [line for line in demo_run.outcome.lines() if line["kind"] == "meeting.reminder"]
    assert reminders
    for line in reminders:
        due = datetime.fromisoformat(line["due"])
        meeting = date.fromisoformat(line["event_date"])
        assert (due.hour, due.minute) == (8, 0), line
        assert is_working_day(due.date()) and due.date() not in DEMO_CLOSED, line
        assert is_working_day(meeting) and due.date() < meeting, line


def test_demo_reminders_cross_the_year_and_skip_the_closed_week_53(demo_run: DemoRun) -> None:
    reminders = [line for line in demo_run.outcome.lines() if line["kind"] == "meeting.reminder"]
    # A meeting early in January is announced before the Christmas closing: 28–31 December (ISO week 53 of 2026)
    # is closed and 1 January is a holiday, so nothing is sent that week.
    crossing = [r for r in reminders if r["due"] < "2027" and r["event_date"] >= "2027"]
    assert crossing
    assert all(datetime.fromisoformat(r["due"]).date().isocalendar()[:2] != (2026, 53) for r in reminders)
    assert {datetime.fromisoformat(r["due"]).date().isocalendar()[:2] for r in crossing} == {(2026, 52)}


def test_demo_simulation_neither_creates_nor_changes_the_real_database(demo_run: DemoRun) -> None:
    """It never reads it: a teambot.db appeared (migrated and empty) where none had been."""
    assert demo_run.outcome.exit_code == 0
    assert not demo_run.database.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2027-02-30", "--to", "2027-03-31"), "teambot: --from and --to must be dates like 2027-03-01"),
        (("--from", "1/3", "--to", "2027-03-31"), "teambot: --from and --to must be dates like 2027-03-01"),
        (("--from", "2027-03-31", "--to", "2027-03-01"), "teambot: --to is before --from"),
    ],
)
def test_bad_dates_exit_2_with_a_clear_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    outcome = simulate(f"sqlite:///{tmp_path / 'x.db'}", "--demo", *args)
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == message
    assert outcome.stdout == ""
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


# -- the small roster in the real database ------------------------------------------------------------------


def _at_eight(day: date, offset_hours: int) -> str:
    return f"{day.isoformat()}T08:00:00+0{offset_hours}:00"


def _reminders(outcome: Outcome) -> list[dict[str, Any]]:
    assert outcome.exit_code == 0, outcome.stderr
    return [line for line in outcome.lines() if line["kind"] == "meeting.reminder"]


def _by_moment(lines: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    moments: dict[tuple[str, str], set[str]] = {}
    for line in lines:
        moments.setdefault((line["due"], line["event_date"]), set()).add(line["recipient"])
    return moments


EVERYONE = {PAEDAGOG, PSYKOLOG, LEAD}


async def test_simulate_the_database_with_the_small_roster(db: Database, clock: FakeClock, database_url: str) -> None:
    # Start meeting 11 February 2027: status meetings on Tuesday 30 March (25 March is skærtorsdag) and six
    # weeks later on Tuesday 11 May, after the change to summer time.
    await plan_small_roster(db, clock)
    before = [(r.dedupe_key, r.status) for r in await notifications(db)]
    assert len(before) == 6

    span = ("--from", "2027-03-15", "--to", "2027-05-10", "--json")
    # Run on 15 March itself: what is due from then on, whatever today's date is.
    outcome = await asyncio.to_thread(simulate, database_url, *span, now=datetime(2027, 3, 15, 0, 0))
    # Reminders and nudges are about the child; the Friday digest about the lead's institution.
    assert {line["subject"] for line in outcome.lines() if line["kind"] != "digest.week"} == {"AK12"}
    assert {line["subject"] for line in outcome.lines() if line["kind"] == "digest.week"} == {"SOL"}
    reminders = _reminders(outcome)
    assert list(_by_moment(reminders).items()) == [
        ((_at_eight(date(2027, 3, 23), 1), "2027-03-30"), EVERYONE),
        ((_at_eight(date(2027, 3, 24), 1), "2027-03-30"), EVERYONE),
        ((_at_eight(date(2027, 5, 4), 2), "2027-05-11"), EVERYONE),
        ((_at_eight(date(2027, 5, 10), 2), "2027-05-11"), EVERYONE),
    ]
    assert len(reminders) == 12
    first = next(line for line in reminders if line["recipient"] == PAEDAGOG)
    assert first["text"].startswith("📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00 (Børnehuset Solsikken)")

    # The simulation worked on a copy: the real outbox and the series are as they were.
    assert [(r.dedupe_key, r.status) for r in await notifications(db)] == before
    assert [m.day for m in await meetings(db)] == [date(2027, 3, 30)]


async def test_week_53_in_both_formats_one_line_per_message(db: Database, clock: FakeClock, database_url: str) -> None:
    # Start meeting today, 19 November 2026: the first status meeting is Thursday 31 December, in ISO week 53.
    # Its 7-day reminder moves back over 24 December to the 23rd; the 1-day reminder is on 30 December.
    await plan_small_roster(db, clock, start_meeting=date(2026, 11, 19))
    span = ("--from", "2026-12-21", "--to", "2027-01-03")
    as_json = await asyncio.to_thread(simulate, database_url, *span, "--json", now=datetime(2026, 12, 21, 0, 0))
    reminders = _reminders(as_json)
    assert list(_by_moment(reminders).items()) == [
        ((_at_eight(date(2026, 12, 23), 1), "2026-12-31"), EVERYONE),
        ((_at_eight(date(2026, 12, 30), 1), "2026-12-31"), EVERYONE),
    ]
    assert datetime.fromisoformat(reminders[-1]["due"]).isocalendar()[:2] == (2026, 53)

    human = await asyncio.to_thread(simulate, database_url, *span, now=datetime(2026, 12, 21, 0, 0))
    assert human.exit_code == 0, human.stderr
    lines = human.stdout.splitlines()
    assert len(lines) == len(as_json.lines())
    lines = [line for line in lines if "meeting.reminder" in line]
    assert len(lines) == 6
    assert lines[0].startswith("2026-12-23 08:00  meeting.reminder")
    assert lines[0].endswith("📅 Statusmøde for AK12 torsdag 31. december 2026 kl. 14.00 (Børnehuset Solsikken)")
    assert lines[3].startswith("2026-12-30 08:00  meeting.reminder")
    assert {line.split()[3] for line in lines} == EVERYONE


async def test_a_later_from_shows_what_the_running_bot_sends_in_that_window(
    db: Database, clock: FakeClock, database_url: str
) -> None:
    """`--from` a day after a meeting whose reminders fall before it: the simulation started the bot at `--from`, so
    those reminders came out as missed, with a «teambot var nede» notice to the lead that a bot running through the
    weeks before would never send. The window must show what a run from today shows in it, nothing more."""
    clock.set(datetime.now(clock.zone).replace(tzinfo=None))  # the command simulates from the real now
    await plan_small_roster(db, clock, start_meeting=clock.local().date() - timedelta(weeks=4))  # meets in 2 weeks
    meeting = (await meetings(db))[0].day
    first, last = meeting + timedelta(days=1), meeting + timedelta(days=10)

    later = await asyncio.to_thread(simulate, database_url, "--from", first.isoformat(), "--to", last.isoformat())
    whole = await asyncio.to_thread(
        simulate, database_url, "--from", clock.local().date().isoformat(), "--to", last.isoformat()
    )

    assert later.exit_code == 0 and whole.exit_code == 0, later.stderr + whole.stderr
    assert "var nede" not in later.stdout
    assert f"running the bot from today ({clock.local().date()}) to {first} first, unshown" in later.stderr
    assert "running the bot" not in whole.stderr
    assert "rating.nudge" in later.stdout  # the window is not empty: the comparison says something
    assert later.stdout.splitlines() == [line for line in whole.stdout.splitlines() if line >= first.isoformat()]

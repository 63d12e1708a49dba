"""`/uge`: the lead's week on known data — grid, means, share met, trend, missing, meetings, flags, access,
ISO week 53, holidays and Slack's message limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from conftest import Runner
from helpers_ratings import load_roster
from teambot.scheduler.planner import plan_case
from teambot.slack.mrkdwn import escaped_blocks
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Case, Goal, Rating, Staff, StaffInstitution
from teambot.testing import block_kit
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.generate import table
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, SUBSTITUTE, load_small_roster

# The roster imported before the weeks the tests look at: the goals have been asked for since their start meeting
# (11 February), so every working day of the week counts. Imported later, the days before the import would not.
BEFORE_THE_WEEK = datetime(2027, 2, 26, 9, 0)


async def _rate(db: Database, values: dict[date, tuple[int | None, int | None]]) -> None:
    """Store ratings for AK12's goals 1 and 2 by day; None leaves the day unrated."""
    async with db.write() as session:
        goals = {g.number: g.id for g in (await session.exec(select(Goal))).all()}
        case = (await session.exec(select(Case))).one()
        for day, pair in values.items():
            for number, value in zip((1, 2), pair, strict=True):
                if value is not None:
                    session.add(
                        Rating(
                            goal_id=goals[number] or 0,
                            day=day,
                            value=value,
                            rated_by=case.paedagog_id,
                            rated_at=datetime(day.year, day.month, day.day, 13, tzinfo=UTC),
                        )
                    )


def _week(start: date, values: list[tuple[int | None, int | None]]) -> dict[date, tuple[int | None, int | None]]:
    return {start + timedelta(days=i): v for i, v in enumerate(values)}


@pytest.fixture
async def week10(db: Database, clock: FakeClock) -> Runner:
    """ISO week 10 of 2027 (Monday 8 March), seen on Wednesday 10 March at 15:00; week 9 before it."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    await _rate(db, _week(date(2027, 3, 1), [(2, 2), (3, 1), (2, 2), (3, 2), (2, 2)]))  # week 9
    await _rate(db, _week(date(2027, 3, 8), [(3, 2), (4, 1), (None, None)]))  # Wednesday not yet rated
    return Runner(db, clock)


async def test_the_lead_sees_the_grid_means_share_met_and_trend(week10: Runner) -> None:
    reply = await week10(LEAD, "/uge")
    lines = reply.text.splitlines()
    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken — 0 af 2 registreringer i dag"
    assert lines[1] == "ma 8/3   ti 9/3   on 10/3   to 11/3   fr 12/3"
    goal_1 = next(line for line in lines if "mål 1" in line)
    goal_2 = next(line for line in lines if "mål 2" in line)
    # 3, 4, not yet, and two days to come; mean 3,5 up from 2,4; both rated days met.
    assert goal_1.endswith("3 · 4 · – ·   ·    gns. 3,5 ▲  100 % nået")
    # 2, 1: mean 1,5 after 1,8 last week: two weeks at 2 or below.
    assert goal_2.endswith("2 · 1 · – ·   ·    gns. 1,5 ▼  0 % nået ⚠️ 2. uge under 2")
    assert "Mangler i dag: Mette Jensen (AK12 mål 1, AK12 mål 2)" in lines
    assert "Mangler denne uge (registreringer): Mette Jensen 2" in lines
    assert reply.blocks is not None and len(reply.blocks) <= 50


async def test_reading_the_week_is_audited_per_child(week10: Runner, db: Database) -> None:
    await week10(LEAD, "/uge 10")
    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "week.read"))).all()
    assert [(e.actor, e.case_code, e.detail["week"]) for e in entries] == [(LEAD, "AK12", "2027-W10")]


@pytest.mark.parametrize("words", ["48/3000", "10/2025", "uge 1/2029", "SOL 48/3000"])
async def test_a_week_years_away_is_refused_and_nothing_is_read(week10: Runner, db: Database, words: str) -> None:
    """`/uge 48/3000` showed "intet at vise" for the year 3000 (found by an exploratory QA pass). Last year's weeks
    to next year's are what a lead looks back or ahead to."""
    reply = await week10(LEAD, f"/uge {words}")

    typed = words.removeprefix("SOL ").replace("uge ", "uge")
    assert reply.text == (
        f"Jeg viser kun uger fra 2026 til 2028, ikke «{typed}». Skriv fx `/uge 47` eller `/uge 47/2028`."
    )
    async with db.read() as session:
        assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "week.read"))).all() == []


@pytest.mark.parametrize(("words", "title"), [("10/2026", "uge 10 (2026)"), ("uge 52/2028", "uge 52 (2028)")])
async def test_last_years_and_next_years_weeks_are_shown(week10: Runner, words: str, title: str) -> None:
    assert (await week10(LEAD, f"/uge {words}")).text.splitlines()[0].lower().startswith(title)


async def test_a_holiday_is_shown_closed_and_never_missing(db: Database, clock: FakeClock) -> None:
    # Week 13 of 2027: Skærtorsdag 25 and Langfredag 26 March.
    clock.set(datetime(2027, 3, 26, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    await _rate(db, _week(date(2027, 3, 22), [(3, 3), (3, 3), (3, 3)]))
    reply = await Runner(db, clock)(LEAD, "/uge")
    assert "3 · 3 · 3 · luk · luk  gns. 3,0" in reply.text
    assert "Mangler" not in reply.text


async def test_the_days_after_a_case_closed_are_neither_due_nor_missing(db: Database, clock: FakeClock) -> None:
    """AK12 closed on Tuesday with its goals left as they were: nobody is asked to rate it after that (no nudge, and
    `/rating` refuses), so Wednesday and Thursday are not missing; its row shows them closed, as after a goal ended."""
    clock.set(datetime(2027, 3, 9, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    await _rate(db, _week(date(2027, 3, 8), [(3, 2), (4, 1)]))
    run = Runner(db, clock)
    assert (await run(LEAD, "/teambot forløb luk AK12")).text.startswith("🔒 Forløbet AK12 er lukket")
    clock.set(datetime(2027, 3, 11, 15, 0))

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken"
    assert not any(line.startswith("Mangler") for line in lines)
    assert next(line for line in lines if "mål 1" in line).endswith("3 · 4 · luk · luk · luk  gns. 3,5 ■  100 % nået")


async def test_the_days_before_a_case_was_made_are_not_missing(db: Database, clock: FakeClock) -> None:
    """AK13 made on Wednesday, its goal added the same day: only Wednesday and Thursday are due for it.
    (A guard: this held before; the goal's start limits its row.)"""
    clock.set(BEFORE_THE_WEEK)
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 10, 9, 0))
    run = Runner(db, clock)
    await run(PAEDAGOG, "/teambot forløb opret AK13")
    await run(PAEDAGOG, "/teambot forløb mål AK13 Leger med de andre")
    clock.set(datetime(2027, 3, 11, 15, 0))

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert next(line for line in lines if "AK13" in line).endswith("luk · luk · – · – ·    gns. –   ■")
    # AK12's two goals Monday–Thursday, and AK13's one on Wednesday and Thursday.
    assert "Mangler denne uge (registreringer): Mette Jensen 10" in lines


async def test_week_53_across_the_new_year(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 1, 6, 12, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2026, 11, 2))
    await _rate(db, _week(date(2026, 12, 28), [(2, 3), (3, 3), (4, 3), (3, 3), (None, None)]))
    reply = await Runner(db, clock)(LEAD, "/uge 53/2026")
    lines = reply.text.splitlines()
    assert lines[0] == "Uge 53 (2026) · Børnehuset Solsikken"
    assert lines[1] == "ma 28/12   ti 29/12   on 30/12   to 31/12   fr 1/1"
    assert any(line.endswith("2 · 3 · 4 · 3 · luk  gns. 3,0 ■  75 % nået") for line in lines)  # 1 January closed
    assert (await Runner(db, clock)(LEAD, "/uge 53/2027")).text == "2027 har kun 52 uger. Skriv fx `/uge 52/2027`."


@pytest.mark.parametrize("words", ["53/2027", "uge 53/2027", "53", "SOL 53/2027"])
async def test_week_53_of_a_year_with_52_says_the_year_has_52(week10: Runner, db: Database, words: str) -> None:
    """2027 has 52 ISO weeks: `/uge 53/2027` answered that it did not understand the week, as if mistyped."""
    reply = await week10(LEAD, f"/uge {words}")
    assert reply.text == "2027 har kun 52 uger. Skriv fx `/uge 52/2027`."
    async with db.read() as session:
        assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "week.read"))).all() == []


async def test_a_pedagogue_who_is_not_a_lead_sees_only_their_own_children(week10: Runner) -> None:
    own = await week10(PAEDAGOG, "/uge")
    assert "AK12 · mål 1" in own.text
    # Another pædagog of the same institution has no children of their own: nothing to show.
    assert (await week10(SUBSTITUTE, "/uge")).text == "Der er intet at vise for dig i uge 10 (2027)."


async def test_nobody_sees_an_institution_they_do_not_belong_to(week10: Runner) -> None:
    reply = await week10(OUTSIDER, "/uge SOL")
    assert reply.text == (
        "Du hører ikke til institutionen «SOL», så du kan ikke se dens uge. Skriv `/uge` for dine egne."
    )
    assert "AK12" not in (await week10(OUTSIDER, "/uge")).text


async def test_a_consultant_sees_the_child_only_while_consent_covers_them(week10: Runner) -> None:
    assert "AK12 · mål 1" in (await week10(PSYKOLOG, "/uge")).text
    await week10(PAEDAGOG, "/teambot forløb samtykke AK12 ingen")
    assert "AK12" not in (await week10(PSYKOLOG, "/uge")).text


async def test_this_weeks_meeting_with_its_confirmations(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 29, 9, 0))  # the week of the first status meeting, Tuesday 30 March
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.read() as session:
        case = (await session.exec(select(Case))).one()
    assert case.id is not None
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)
    reply = await Runner(db, clock)(LEAD, "/uge")
    assert "Denne uge: statusmøde AK12 tirsdag kl. 14.00 (0 af 3 har bekræftet)" in reply.text


async def test_a_meeting_of_a_child_without_goals_this_week_is_an_audited_read(db: Database, clock: FakeClock) -> None:
    """AK12's goals both ended before the week of its status meeting: the week names the child in its meeting line
    only, and that is a read of the child all the same."""
    clock.set(datetime(2027, 3, 29, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        for goal in (await session.exec(select(Goal))).all():
            goal.active, goal.ended_on = False, date(2027, 3, 19)
    assert case.id is not None
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)

    reply = await Runner(db, clock)(LEAD, "/uge")

    assert "Denne uge: statusmøde AK12 tirsdag kl. 14.00 (0 af 3 har bekræftet)" in reply.text
    assert "mål 1" not in reply.text
    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "week.read"))).all()
    assert [(e.actor, e.case_code) for e in entries] == [(LEAD, "AK12")]


async def test_a_case_without_ratings_for_five_working_days_is_flagged(db: Database, clock: FakeClock) -> None:
    clock.set(BEFORE_THE_WEEK)
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 10, 15, 0))
    await _rate(db, _week(date(2027, 3, 1), [(3, 3), (3, 3), (None, None), (None, None), (None, None)]))
    reply = await Runner(db, clock)(LEAD, "/uge")
    assert "⚠️ Ingen registreringer i 5 arbejdsdage: AK12" in reply.text


async def test_an_overdue_status_meeting_is_flagged(db: Database, clock: FakeClock) -> None:
    clock.set(datetime(2027, 3, 29, 9, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    run = Runner(db, clock)
    async with db.read() as session:
        case = (await session.exec(select(Case))).one()
    assert case.id is not None
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)  # first meeting 30 March
    clock.set(datetime(2027, 4, 1, 9, 0))
    await plan_case(db, case.id, now=clock.now(), zone=COPENHAGEN)  # held; the next is 11 May
    await run(PAEDAGOG, "/teambot aflys AK12 barnet er syg")  # the series goes on 22 June: 12 weeks after
    clock.set(datetime(2027, 6, 2, 9, 0))  # more than 6 + 2 weeks since 30 March
    assert "⚠️ Statusmøde overskredet: AK12" in (await run(LEAD, "/uge")).text


@pytest.mark.parametrize(
    ("extra_cases", "goal_text"),
    [(400, "Et mål"), (3000, "Et mål"), (400, "Leg & <samspil>"), (3000, "Leg & <samspil>")],
)
async def test_a_large_institution_stays_within_slacks_limits(
    db: Database, clock: FakeClock, extra_cases: int, goal_text: str
) -> None:
    """Counted as Slack counts: `&`, `<` and `>` reach it as entities, so a grid of such goal texts fills a section
    sooner (before, its code blocks were cut short of their closing ``` once escaped)."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        conn = await session.connection()
        await conn.execute(
            insert(table(Case)),
            [
                {
                    "code": f"X{n:03d}",
                    "institution_id": case.institution_id,
                    "paedagog_id": case.paedagog_id,
                    "status": "active",
                    "start_meeting": date(2027, 2, 11),
                    "consent_professions": [],
                }
                for n in range(extra_cases)
            ],
        )
        ids = (await session.exec(select(Case.id).where(Case.code != "AK12"))).all()
        await conn.execute(
            insert(table(Goal)), [{"case_id": i, "number": 1, "text": goal_text, "active": True} for i in ids]
        )
    reply = await Runner(db, clock)(LEAD, "/uge")
    sent = escaped_blocks(reply.blocks)  # as the Slack transport sends them
    assert sent is not None and len(sent) <= 50
    sections = [b["text"]["text"] for b in sent if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    grids = [text for text in sections if text.startswith("```")]
    assert grids and all(text.endswith("```") and "…" not in text[-10:] for text in grids)
    shown = sum(text.count("· mål 1") for text in sections if text.startswith("```"))
    more = [text for text in sections if "mål mere, som ikke er plads til her" in text]
    if extra_cases == 400:
        assert shown == 401 and not more
    else:
        assert 401 < shown < 3001 and more == [
            f"… og {3001 - shown} mål mere, som ikke er plads til her. "
            "Skriv `/uge` med institutionens kode for at se én ad gangen."
        ]


async def _many_cases(session: AsyncSession, institution_id: int, paedagogs: list[int], count: int) -> None:
    """`count` active cases X000… at the institution, three goals each, their pædagoger taken from `paedagogs` in
    turn, as if long there (start meeting 11 February 2027)."""
    conn = await session.connection()
    await conn.execute(
        insert(table(Case)),
        [
            {
                "code": f"X{n:03d}",
                "institution_id": institution_id,
                "paedagog_id": paedagogs[n % len(paedagogs)],
                "status": "active",
                "start_meeting": date(2027, 2, 11),
                "consent_professions": [],
            }
            for n in range(count)
        ],
    )
    ids = (await session.exec(select(Case.id).where(col(Case.code).startswith("X")))).all()
    await conn.execute(
        insert(table(Goal)),
        [{"case_id": i, "number": k, "text": f"Mål {k}", "active": True} for i in ids for k in (1, 2, 3)],
    )


async def test_a_long_list_of_what_is_missing_today_leaves_room_for_the_weeks_warnings(
    db: Database, clock: FakeClock
) -> None:
    """An institution of 80 children with 3 goals each, two pædagoger, nothing rated yet today (the Friday digest
    goes out at 12:00, before the daily nudge): the line of goals missing today ran to 2,909 characters, and the
    week's last section was cut at 2,900 in the middle of it. The lead never saw the lines after it — who had
    ratings missing this week and the ⚠️ of the cases silent for 5 working days — in `/uge`, the digest or the
    Home tab, and nothing said anything was left out. Each line now shows, the long one cut short with "…"."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        ali = (await session.exec(select(Staff).where(Staff.slack_id == SUBSTITUTE))).one()
        await _many_cases(session, case.institution_id, [ali.id, case.paedagog_id], 79)
    reply = await Runner(db, clock)(LEAD, "/uge")
    assert reply.blocks is not None
    assert block_kit.refusal("response_url", {"blocks": reply.blocks}) == []  # where /uge is answered
    tail = reply.blocks[-1]["text"]["text"].splitlines()
    assert [line.partition(":")[0] for line in tail] == [
        "Mangler i dag",
        "Mangler denne uge (registreringer)",
        "⚠️ Ingen registreringer i 5 arbejdsdage",
    ]
    assert tail[0].startswith("Mangler i dag: Ali Hassan (X000 mål 1, X000 mål 2,") and tail[0].endswith("…")
    # AK12 was imported today: asked for today only, so not silent (the others were inserted as if long there).
    assert tail[1] == "Mangler denne uge (registreringer): Ali Hassan 360, Mette Jensen 353"
    assert tail[2] == "⚠️ Ingen registreringer i 5 arbejdsdage: " + ", ".join(f"X{n:03d}" for n in range(79))


async def test_the_weeks_warnings_are_fitted_as_slack_counts_them(db: Database, clock: FakeClock) -> None:
    """Names in the lines under the grid (what is missing today, this week) reach Slack with `&`, `<` and `>` as
    entities. The section of those lines was fitted to 2,900 characters as typed: with 20 pædagoger named like
    "Stue 7 & Co <vikar>", 80 children and nothing rated today, Slack received more than 3,000 and refused `/uge`."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11))
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        conn = await session.connection()
        await conn.execute(
            insert(table(Staff)),
            [{"slack_id": f"U0STUE{n:03d}", "name": f"Stue {n} & Co <vikar>", "roles": ["pædagog"]} for n in range(20)],
        )
        rooms = (await session.exec(select(Staff.id).where(col(Staff.slack_id).startswith("U0STUE")))).all()
        await conn.execute(
            insert(table(StaffInstitution)), [{"staff_id": i, "institution_id": case.institution_id} for i in rooms]
        )
        await _many_cases(session, case.institution_id, list(rooms), 80)

    reply = await Runner(db, clock)(LEAD, "/uge")

    sent = escaped_blocks(reply.blocks)  # as the Slack transport sends them
    assert sent is not None
    assert block_kit.refusal("response_url", {"blocks": sent}) == []
    assert all(len(b["text"]["text"]) <= 3000 for b in sent if b["type"] == "section")
    tail = sent[-1]["text"]["text"].splitlines()
    assert [line.partition(":")[0] for line in tail] == [
        "Mangler i dag",
        "Mangler denne uge (registreringer)",
        "⚠️ Ingen registreringer i 5 arbejdsdage",
    ]
    assert tail[0].startswith("Mangler i dag: Mette Jensen (AK12 mål 1, AK12 mål 2), Stue 0 &amp; Co &lt;vikar&gt; (")
    assert tail[0].endswith("…")  # the long line gives way, within its entities: the others show whole
    assert tail[1].startswith("Mangler denne uge (registreringer): Mette Jensen 2, Stue 0 &amp; Co &lt;vikar&gt; 36")
    assert tail[1].endswith(", Stue 9 &amp; Co &lt;vikar&gt; 36")
    assert tail[2] == "⚠️ Ingen registreringer i 5 arbejdsdage: " + ", ".join(f"X{n:03d}" for n in range(80))


async def test_days_the_pedagogue_was_away_without_a_substitute_are_not_counted_missing(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(
        db, now=clock.now(), start_meeting=date(2027, 2, 11), absences=[{"from": "2027-03-09", "to": "2027-03-12"}]
    )
    await _rate(db, _week(date(2027, 3, 8), [(3, 2)]))  # Monday rated; away from Tuesday, and nobody asked to rate
    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()
    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken"
    assert "Fraværende i dag: Mette Jensen" in lines
    assert not any(line.startswith("Mangler") for line in lines)
    assert any(line.endswith("3 · – · – ·   ·    gns. 3,0 ■  100 % nået") for line in lines)


def _away_monday_to_wednesday(
    substitute: str, *, substitute_away: str | None = None
) -> Callable[[dict[str, Any]], None]:
    """Mette is away Monday 8 – Wednesday 10 March with `substitute`, who is away herself on `substitute_away`."""

    def adjust(data: dict[str, Any]) -> None:
        for person in data["staff"]:
            if person["id"] == PAEDAGOG:
                person["absences"] = [{"from": "2027-03-08", "to": "2027-03-10", "substitute": substitute}]
            if person["id"] == substitute and substitute_away:
                person["absences"] = [{"from": substitute_away, "to": substitute_away}]

    return adjust


async def test_days_a_substitute_left_unrated_are_missing_this_week_under_the_absent_pedagogue(
    db: Database, clock: FakeClock
) -> None:
    """Ali's nudge held Mette's children Monday–Wednesday: what nobody rated then is missing like any other day,
    counted where the lead looks for Mette's children and saying who stood in."""
    await load_roster(
        db,
        clock,
        BEFORE_THE_WEEK,
        adjust=_away_monday_to_wednesday(SUBSTITUTE),
        start_meeting=date(2027, 2, 11),
    )
    clock.set(datetime(2027, 3, 10, 15, 0))
    run = Runner(db, clock)
    await run(SUBSTITUTE, "/rating AK12 1 3")  # Wednesday: one of two; Monday and Tuesday nobody rated
    clock.set(datetime(2027, 3, 11, 15, 0))
    await run(PAEDAGOG, "/rating AK12 1 4")  # Thursday, back: one of two

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken — 1 af 2 registreringer i dag"
    assert "Mangler i dag: Mette Jensen (AK12 mål 2)" in lines
    assert "Mangler denne uge (registreringer): Mette Jensen 6 (heraf 5 på dage med stedfortræder Ali Hassan)" in lines
    assert any(line.endswith("– · – · 3 · 4 ·    gns. 3,5 ■  100 % nået") for line in lines)


async def test_what_the_substitute_has_left_today_is_in_the_weeks_count_too(db: Database, clock: FakeClock) -> None:
    # Seen on Wednesday, her last day away: the day's line and the week's total tell the same.
    await load_roster(
        db,
        clock,
        BEFORE_THE_WEEK,
        adjust=_away_monday_to_wednesday(SUBSTITUTE),
        start_meeting=date(2027, 2, 11),
    )
    clock.set(datetime(2027, 3, 10, 15, 0))
    run = Runner(db, clock)
    await run(SUBSTITUTE, "/rating AK12 2 2")

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken — 1 af 2 registreringer i dag"
    assert "Fraværende i dag: Mette Jensen (stedfortræder Ali Hassan: 1 af 2 registreret)" in lines
    assert "Mangler denne uge (registreringer): Mette Jensen 5 (heraf 5 på dage med stedfortræder Ali Hassan)" in lines


async def test_a_day_the_substitute_was_away_herself_is_not_missing(db: Database, clock: FakeClock) -> None:
    """Ali away on Tuesday stood in for nobody that day (no nudge): only Monday and Wednesday count."""
    await load_roster(
        db,
        clock,
        BEFORE_THE_WEEK,
        adjust=_away_monday_to_wednesday(SUBSTITUTE, substitute_away="2027-03-09"),
        start_meeting=date(2027, 2, 11),
    )
    clock.set(datetime(2027, 3, 11, 15, 0))
    await _rate(db, {date(2027, 3, 11): (3, 3)})

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert "Mangler denne uge (registreringer): Mette Jensen 4 (heraf 4 på dage med stedfortræder Ali Hassan)" in lines


async def test_days_a_substitute_could_not_be_asked_about_are_not_missing(db: Database, clock: FakeClock) -> None:
    """Sofie (Mariehønen) may not rate AK12: her nudge never held it, so nobody was asked and nothing is missing.
    (A guard: this held before.)"""
    await load_roster(
        db,
        clock,
        datetime(2027, 3, 11, 15, 0),
        adjust=_away_monday_to_wednesday(OUTSIDER),
        start_meeting=date(2027, 2, 11),
    )
    await _rate(db, {date(2027, 3, 11): (3, 3)})

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert not any(line.startswith("Mangler") for line in lines)


async def away_on_wednesday(db: Database, clock: FakeClock, substitute: str | None) -> Runner:
    """Mette is away Tuesday–Friday of week 10 (with `substitute`, if any); seen Wednesday 10 March at 15:00."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    absence = {"from": "2027-03-09", "to": "2027-03-12"} | ({"substitute": substitute} if substitute else {})
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11), absences=[absence])
    return Runner(db, clock)


async def test_the_lead_sees_what_the_substitute_rated_for_an_absent_pedagogue_today(
    db: Database, clock: FakeClock
) -> None:
    run = await away_on_wednesday(db, clock, SUBSTITUTE)
    await run(SUBSTITUTE, "/rating AK12 1 3")

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken — 1 af 2 registreringer i dag"
    assert "Fraværende i dag: Mette Jensen (stedfortræder Ali Hassan: 1 af 2 registreret)" in lines
    assert not any(line.startswith("Mangler i dag") for line in lines)
    assert any(line.endswith("– · – · 3 ·   ·    gns. 3,0 ■  100 % nået") for line in lines)


async def test_an_absent_pedagogue_whose_substitute_may_not_rate_her_children_is_only_away(
    db: Database, clock: FakeClock
) -> None:
    """Sofie works at Mariehønen: she gets no nudge for AK12 (Solsikken), so nobody is counted as rating for Mette.
    (A guard: this held before; counting what a substitute rates must follow her nudge.)"""
    run = await away_on_wednesday(db, clock, OUTSIDER)

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken"
    assert "Fraværende i dag: Mette Jensen" in lines


@pytest.mark.parametrize("week", ["9", "11"])
async def test_todays_absence_and_missing_ratings_belong_to_the_week_of_today(
    db: Database, clock: FakeClock, week: str
) -> None:
    """Mette is away today, Wednesday of week 10: a look at week 9 or 11 says nothing of today."""
    run = await away_on_wednesday(db, clock, SUBSTITUTE)

    lines = (await run(LEAD, f"/uge {week}")).text.splitlines()

    assert lines[0] == f"Uge {week} (2027) · Børnehuset Solsikken"
    assert not any(line.startswith(("Fraværende i dag", "Mangler i dag")) for line in lines)


async def test_nobody_is_away_today_on_a_holiday(db: Database, clock: FakeClock) -> None:
    """Skærtorsdag: the institution is closed, nobody is asked to rate, so an absence is nothing to the week."""
    clock.set(datetime(2027, 3, 25, 12, 0))
    absence = {"from": "2027-03-22", "to": "2027-03-26", "substitute": SUBSTITUTE}
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 2, 11), absences=[absence])

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 12 (2027) · Børnehuset Solsikken"
    assert not any(line.startswith("Fraværende i dag") for line in lines)


@pytest.mark.parametrize("words", ["9", "uge 9", "Uge 9", "uge9", "uge 9 SOL", "SOL uge 9/2027"])
async def test_the_week_is_asked_for_as_users_write_it(week10: Runner, words: str) -> None:
    """The bot itself writes a week as "uge 9" (UX.md); as two words it was taken for an institution «UGE»."""
    reply = await week10(LEAD, f"/uge {words}")
    assert reply.text.startswith("Uge 9 (2027) · Børnehuset Solsikken")


async def test_one_goal_due_today_reads_in_the_singular(week10: Runner) -> None:
    await week10(LEAD, "/teambot forløb afslut AK12 2")

    lines = (await week10(LEAD, "/uge")).text.replace("*", "").splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken — 0 af 1 registrering i dag"


def _a_namesake(data: dict[str, Any]) -> None:
    """A second Mette Jensen at Solsikken, pædagog of BM04 (one goal)."""
    data["staff"].append({"id": "U0PAED002", "name": "Mette Jensen", "roles": ["pædagog"], "institutions": ["SOL"]})
    data["case"].append(
        {**data["case"][0], "code": "BM04", "paedagog": "U0PAED002", "consultants": [], "goals": ["Deltager i samling"]}
    )


async def test_two_pedagogues_with_the_same_name_are_counted_apart(db: Database, clock: FakeClock) -> None:
    # Common names repeat in a municipality: each one's missing goals stay hers, not summed under the name.
    await load_roster(db, clock, BEFORE_THE_WEEK, adjust=_a_namesake, start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 10, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert "Mangler i dag: Mette Jensen (AK12 mål 1, AK12 mål 2), Mette Jensen (BM04 mål 1)" in lines
    # The lead tells them apart by their children, as in the line above: marked only where two names are the same.
    assert "Mangler denne uge (registreringer): Mette Jensen (AK12) 6, Mette Jensen (BM04) 3" in lines


async def test_a_namesake_with_many_children_is_marked_by_her_first_three(db: Database, clock: FakeClock) -> None:
    def namesake_of_four(data: dict[str, Any]) -> None:
        _a_namesake(data)
        data["case"] += [{**data["case"][-1], "code": code} for code in ("BM05", "BM06", "BM07")]

    await load_roster(db, clock, BEFORE_THE_WEEK, adjust=namesake_of_four, start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 10, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert (
        "Mangler denne uge (registreringer): Mette Jensen (AK12) 6, Mette Jensen (BM04, BM05, BM06 m.fl.) 12" in lines
    )


async def test_two_pedagogues_with_the_same_name_away_today_are_told_apart_by_their_children(
    db: Database, clock: FakeClock
) -> None:
    def both_away_on_wednesday(data: dict[str, Any]) -> None:
        _a_namesake(data)
        for person in data["staff"]:
            if person["id"] == PAEDAGOG:
                person["absences"] = [{"from": "2027-03-10", "to": "2027-03-10", "substitute": SUBSTITUTE}]
            if person["id"] == "U0PAED002":
                person["absences"] = [{"from": "2027-03-10", "to": "2027-03-10"}]

    await load_roster(db, clock, BEFORE_THE_WEEK, adjust=both_away_on_wednesday, start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 10, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert (
        "Fraværende i dag: Mette Jensen (AK12; stedfortræder Ali Hassan: 0 af 2 registreret), Mette Jensen (BM04)"
        in lines
    )
    assert (
        "Mangler denne uge (registreringer): "
        "Mette Jensen (AK12) 6 (heraf 2 på dage med stedfortræder Ali Hassan), Mette Jensen (BM04) 2"
    ) in lines


async def _statements_of(run: Runner, line: str) -> int:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = run.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await run(LEAD, line)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


async def test_the_days_a_substitute_stood_in_cost_the_same_statements_for_any_number_of_children(
    db: Database, clock: FakeClock
) -> None:
    """`/uge` is benchmarked: who stood in on which day is worked out from one query, not one per child or day."""
    await load_roster(
        db,
        clock,
        BEFORE_THE_WEEK,
        adjust=_away_monday_to_wednesday(SUBSTITUTE),
        start_meeting=date(2027, 2, 11),
    )
    clock.set(datetime(2027, 3, 11, 15, 0))
    run = Runner(db, clock)
    one_child = await _statements_of(run, "/uge")
    async with db.write() as session:
        case = (await session.exec(select(Case))).one()
        for n in range(5):
            extra = Case(
                code=f"X{n:03d}",
                institution_id=case.institution_id,
                paedagog_id=case.paedagog_id,
                status="active",
                start_meeting=date(2027, 2, 11),
                consent_professions=[],
            )
            session.add(extra)
            await session.flush()
            session.add(Goal(case_id=extra.id or 0, number=1, text="Et mål", active=True))
    lines = (await run(LEAD, "/uge")).text.splitlines()
    missing = "Mangler denne uge (registreringer): Mette Jensen 28 (heraf 21 på dage med stedfortræder Ali Hassan)"
    assert missing in lines

    assert await _statements_of(run, "/uge") == one_child


def _lone_away_with_bm04(data: dict[str, Any]) -> None:
    """Lone Berg, pædagog of BM04 (one goal), and Mette both away Wednesday 10 – Friday 12 March."""
    data["staff"].append({"id": "U0PAED002", "name": "Lone Berg", "roles": ["pædagog"], "institutions": ["SOL"]})
    data["case"].append(
        {**data["case"][0], "code": "BM04", "paedagog": "U0PAED002", "consultants": [], "goals": ["Deltager i samling"]}
    )
    for person in data["staff"]:
        if person["id"] in (PAEDAGOG, "U0PAED002"):
            person["absences"] = [{"from": "2027-03-10", "to": "2027-03-12"}]


@pytest.mark.parametrize(
    "ended",
    [["/teambot forløb luk AK12"], ["/teambot forløb afslut AK12 1", "/teambot forløb afslut AK12 2"]],
    ids=["case closed", "goals ended"],
)
async def test_a_pedagogue_away_with_nothing_here_to_rate_is_not_listed_away(
    db: Database, clock: FakeClock, ended: list[str]
) -> None:
    """Mette's AK12 was closed (or its goals ended) on Tuesday: nobody is asked to rate anything of hers today, so her
    absence is nothing to the week; Lone's BM04 is still rated daily."""
    await load_roster(
        db, clock, datetime(2027, 3, 9, 9, 0), adjust=_lone_away_with_bm04, start_meeting=date(2027, 2, 11)
    )
    run = Runner(db, clock)
    for line in ended:
        await run(LEAD, line)
    clock.set(datetime(2027, 3, 10, 15, 0))

    lines = (await run(LEAD, "/uge")).text.splitlines()

    assert "Fraværende i dag: Lone Berg" in lines


def _without_start_meeting(data: dict[str, Any]) -> None:
    del data["case"][0]["start_meeting"]


async def test_the_days_before_a_case_was_imported_without_a_start_meeting_are_not_missing(
    db: Database, clock: FakeClock
) -> None:
    """AK12 came with the roster on Wednesday morning, before its start meeting was set: Mette's nudge asked for it
    from Wednesday, so Monday and Tuesday are not missing."""
    await load_roster(db, clock, datetime(2027, 3, 10, 9, 0), adjust=_without_start_meeting)
    clock.set(datetime(2027, 3, 11, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert next(line for line in lines if "mål 1" in line).endswith("luk · luk · – · – ·    gns. –   ■")
    assert "Mangler denne uge (registreringer): Mette Jensen 4" in lines


async def test_a_case_imported_without_a_start_meeting_is_silent_only_after_five_days_asked(
    db: Database, clock: FakeClock
) -> None:
    """AK12 came on Wednesday 10 March, unrated since: by Monday it was asked for on four working days, by Tuesday
    five."""
    await load_roster(db, clock, datetime(2027, 3, 10, 9, 0), adjust=_without_start_meeting)
    run = Runner(db, clock)
    clock.set(datetime(2027, 3, 15, 15, 0))
    assert "⚠️ Ingen registreringer i 5 arbejdsdage: AK12" not in (await run(LEAD, "/uge")).text
    clock.set(datetime(2027, 3, 16, 15, 0))
    assert "⚠️ Ingen registreringer i 5 arbejdsdage: AK12" in (await run(LEAD, "/uge")).text


async def test_a_goal_added_by_a_later_import_is_not_missing_before_it(db: Database, clock: FakeClock) -> None:
    """AK12's third goal came with Wednesday's roster: its Monday and Tuesday were never asked for."""
    await load_roster(db, clock, datetime(2027, 3, 1, 9, 0), start_meeting=date(2027, 2, 11))

    def third_goal(data: dict[str, Any]) -> None:
        data["case"][0]["goals"].append("Hænger selv jakken op")

    await load_roster(db, clock, datetime(2027, 3, 10, 9, 0), adjust=third_goal, start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 11, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert next(line for line in lines if "mål 3" in line).endswith("luk · luk · – · – ·    gns. –   ■")
    assert "Mangler denne uge (registreringer): Mette Jensen 10" in lines


async def test_two_substitutes_with_the_same_name_are_told_apart_by_their_days(db: Database, clock: FakeClock) -> None:
    """Mette was away Monday–Wednesday: one Ali Hassan stood in on Monday, another on Tuesday and Wednesday."""

    def two_alis(data: dict[str, Any]) -> None:
        data["staff"].append({"id": "U0SUBST02", "name": "Ali Hassan", "roles": ["pædagog"], "institutions": ["SOL"]})
        for person in data["staff"]:
            if person["id"] == PAEDAGOG:
                person["absences"] = [
                    {"from": "2027-03-08", "to": "2027-03-08", "substitute": SUBSTITUTE},
                    {"from": "2027-03-09", "to": "2027-03-10", "substitute": "U0SUBST02"},
                ]

    await load_roster(db, clock, BEFORE_THE_WEEK, adjust=two_alis, start_meeting=date(2027, 2, 11))
    clock.set(datetime(2027, 3, 11, 15, 0))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert (
        "Mangler denne uge (registreringer): Mette Jensen 8 "
        "(heraf 2 på dage med stedfortræder Ali Hassan (ma), 4 på dage med stedfortræder Ali Hassan (ti, on))"
    ) in lines


async def test_nothing_is_due_today_before_the_start_meeting(db: Database, clock: FakeClock) -> None:
    """AK12's start meeting is on Thursday: Mette's nudge does not ask for it on Wednesday, so neither does the week."""
    clock.set(datetime(2027, 3, 10, 15, 0))
    await load_small_roster(db, now=clock.now(), start_meeting=date(2027, 3, 11))

    lines = (await Runner(db, clock)(LEAD, "/uge")).text.splitlines()

    assert lines[0] == "Uge 10 (2027) · Børnehuset Solsikken"
    assert not any(line.startswith("Mangler") for line in lines)

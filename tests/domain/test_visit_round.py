"""The årshjul planner on a municipality the size of Herning's: 36 institutions in four districts, 14
sundhedsplejersker with 2–3 institutions each, and a second visiting discipline (each district's
tale-hørekonsulent visits its 9 institutions). Summer closures, autumn-holiday closures, the week between
Christmas and New Year and scattered closing days make the calendar realistic."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.visits import (
    PlacedVisit,
    Round,
    RoundPlan,
    may_move_to,
    notice_day,
    plan_visit_round,
    quarter_bounds,
    quarter_of,
    quarter_weekdays,
    theme_deadline,
    visit_reminder_day,
)

YEAR = 2027
NURSE, SPEECH = "sundhedsplejerske", "tale-hørekonsulent"


def herning_like() -> tuple[list[Round], dict[int, WorkCalendar]]:
    rng = random.Random(2027)
    calendars: dict[int, WorkCalendar] = {}
    for i in range(1, 37):
        closed = [
            DateRange(date(2027, 12, 27), date(2027, 12, 31)),  # between Christmas and New Year, everywhere
            DateRange(date(2027, 5, 7), date(2027, 5, 7)),  # the Friday after Kristi himmelfart
        ]
        if i % 3:
            closed.append(DateRange(date(2027, 7, 12), date(2027, 7, 30)))  # summer, weeks 28–30
        if i % 4 == 0:
            closed.append(DateRange(date(2027, 10, 18), date(2027, 10, 22)))  # autumn holiday, week 42
        for _ in range(4):
            day = date(2027, 1, 1) + timedelta(days=rng.randrange(365))
            closed.append(DateRange(day, day))  # a pedagogical day now and then
        calendars[i] = WorkCalendar.of(closed)
    rounds = []
    institution = 1
    for nurse, size in enumerate([3] * 8 + [2] * 6):  # 14 sundhedsplejersker cover the 36 institutions
        for _ in range(size):
            rounds.append(Round(institution, f"I{institution:02d}", NURSE, 100 + nurse, calendars[institution]))
            institution += 1
    for i in range(1, 37):
        rounds.append(Round(i, f"I{i:02d}", SPEECH, 200 + (i - 1) // 9, calendars[i]))  # one per district
    return rounds, calendars


@pytest.fixture(scope="module")
def plan() -> RoundPlan:
    rounds, _ = herning_like()
    return plan_visit_round(YEAR, rounds)


def test_every_institution_gets_exactly_four_visits_per_discipline_one_per_quarter(plan: RoundPlan) -> None:
    assert plan.unplaced == []
    by_round: dict[tuple[int, str], list[PlacedVisit]] = defaultdict(list)
    for visit in plan.placed:
        by_round[(visit.institution_id, visit.discipline)].append(visit)
    assert len(by_round) == 36 * 2
    for visits in by_round.values():
        assert sorted(v.quarter for v in visits) == [1, 2, 3, 4]
        assert all(quarter_of(v.day) == v.quarter and v.day.year == YEAR for v in visits)


def test_no_consultant_has_two_visits_on_one_day(plan: RoundPlan) -> None:
    per_day = Counter((v.consultant_id, v.day) for v in plan.placed)
    assert max(per_day.values()) == 1


def test_no_visit_on_a_weekend_holiday_or_closing_day(plan: RoundPlan) -> None:
    _, calendars = herning_like()
    bad = [(v.institution_id, v.day, calendars[v.institution_id].closing_reason(v.day)) for v in plan.placed]
    assert [b for b in bad if b[2] is not None] == []
    days = {v.day for v in plan.placed}
    assert not days & {date(2027, 3, 25), date(2027, 3, 26), date(2027, 5, 6), date(2027, 6, 5), date(2027, 12, 24)}


def test_each_consultant_s_visits_fall_in_different_weeks_evenly_spread(plan: RoundPlan) -> None:
    for quarter in range(1, 5):
        by_consultant: dict[int, list[date]] = defaultdict(list)
        for visit in plan.placed:
            if visit.quarter == quarter:
                by_consultant[visit.consultant_id].append(visit.day)
        for consultant, days in by_consultant.items():
            weeks = sorted(d.isocalendar().week for d in days)
            assert len(set(weeks)) == len(weeks), (consultant, quarter, weeks)
            gaps = [b - a for a, b in zip(weeks, weeks[1:], strict=False)]
            if gaps:  # evenly spaced: no gap more than 5 weeks longer than another, even around the summer
                assert max(gaps) - min(gaps) <= 5, (consultant, quarter, weeks)


def test_an_institution_s_visits_come_about_a_quarter_apart(plan: RoundPlan) -> None:
    by_round: dict[tuple[int, str], list[date]] = defaultdict(list)
    for visit in plan.placed:
        by_round[(visit.institution_id, visit.discipline)].append(visit.day)
    gaps = [(b - a).days for days in by_round.values() for a, b in zip(sorted(days), sorted(days)[1:], strict=False)]
    # Nearly always 8–18 weeks apart. An institution open through a summer closure that its consultant's other
    # institutions keep may take an early third-quarter slot, so a few come closer — never under four weeks.
    usual = [g for g in gaps if 8 * 7 <= g <= 18 * 7]
    assert len(usual) >= 0.95 * len(gaps), sorted(gaps)
    assert 4 * 7 <= min(gaps) and max(gaps) <= 21 * 7, sorted(gaps)


def test_the_municipality_s_visits_spread_over_the_weeks_of_each_quarter(plan: RoundPlan) -> None:
    for quarter in range(1, 5):
        in_quarter = [v for v in plan.placed if v.quarter == quarter]
        weeks = Counter(v.day.isocalendar()[:2] for v in in_quarter)
        full_weeks = {d.isocalendar()[:2] for d in quarter_weekdays(YEAR, quarter)}
        average = len(in_quarter) / len(full_weeks)
        # No week takes more than twice its share, and no more than three weeks of the quarter stay empty.
        assert max(weeks.values()) <= 2 * average, (quarter, sorted(weeks.items()))
        assert len(full_weeks - set(weeks)) <= 3, (quarter, sorted(weeks.items()))


def test_the_plan_is_deterministic(plan: RoundPlan) -> None:
    rounds, _ = herning_like()
    assert plan_visit_round(YEAR, rounds).placed == plan.placed
    assert set(plan_visit_round(YEAR, list(reversed(rounds))).placed) == set(plan.placed)  # order of input: no matter


def test_existing_visits_and_booked_days_are_respected() -> None:
    rounds, _ = herning_like()
    first = plan_visit_round(YEAR, rounds)
    keep = [v for v in first.placed if v.quarter in (1, 2)]
    booked: dict[int, set[date]] = defaultdict(set)
    for v in keep:
        booked[v.consultant_id].add(v.day)
    rest = plan_visit_round(
        YEAR, rounds, existing={(v.institution_id, v.discipline, v.quarter) for v in keep}, booked=booked
    )
    assert {v.quarter for v in rest.placed} == {3, 4}
    assert len(rest.placed) == len(first.placed) - len(keep)


def test_nothing_before_earliest_and_passed_quarters_are_not_missing() -> None:
    rounds, _ = herning_like()
    earliest = date(2027, 5, 20)
    plan = plan_visit_round(YEAR, rounds, earliest=earliest)
    assert min(v.day for v in plan.placed) >= earliest
    assert {v.quarter for v in plan.placed} == {2, 3, 4}
    assert plan.unplaced == []  # quarter 1 is over, not missing


def test_an_institution_closed_a_whole_quarter_is_reported_unplaced() -> None:
    closed = WorkCalendar.of([DateRange(*quarter_bounds(YEAR, 3))])
    open_all = WorkCalendar()
    rounds = [Round(1, "A", NURSE, 7, closed), Round(2, "B", NURSE, 7, open_all)]
    plan = plan_visit_round(YEAR, rounds)
    assert [(u.round.institution_code, u.quarter) for u in plan.unplaced] == [("A", 3)]
    assert sorted((v.institution_id, v.quarter) for v in plan.placed) == [(1, 1), (1, 2), (1, 4)] + [
        (2, q) for q in range(1, 5)
    ]


def test_two_visits_of_one_consultant_never_share_a_day_even_when_the_quarter_is_crowded() -> None:
    # 40 institutions for one consultant: more visits than weeks, so several share a week, never a day.
    open_all = WorkCalendar()
    rounds = [Round(i, f"X{i:02d}", NURSE, 1, open_all) for i in range(40)]
    plan = plan_visit_round(YEAR, rounds)
    assert plan.unplaced == []
    assert len({v.day for v in plan.placed}) == 40 * 4


def test_notice_reminder_and_theme_deadline_dates() -> None:
    calendar = WorkCalendar()
    visit = date(2027, 3, 30)  # Tuesday after Easter
    assert notice_day(visit, 14, calendar) == date(2027, 3, 16)
    # Two working days before Tuesday 30 March, over Easter Monday, Good Friday and Maundy Thursday: the 24th is
    # the first working day before, Tuesday 23 March the second. Themes are asked for by the day before that.
    assert visit_reminder_day(visit, 2, calendar) == date(2027, 3, 23)
    assert theme_deadline(date(2027, 3, 23), calendar) == date(2027, 3, 22)
    assert notice_day(date(2027, 3, 8), 14, calendar) == date(2027, 2, 22)  # a Monday stays a Monday
    assert notice_day(date(2027, 3, 7 + 14), 14, calendar) == date(2027, 3, 5)  # Sunday → the Friday before


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (date(2027, 2, 10), None),
        (date(2027, 1, 4), "past"),
        (date(2027, 4, 6), "quarter"),
        (date(2027, 2, 13), "closed"),  # a Saturday
        (date(2027, 2, 17), "closed"),  # the institution's closing day
    ],
)
def test_where_a_visit_may_move(day: date, problem: str | None) -> None:
    calendar = WorkCalendar.of([DateRange(date(2027, 2, 17), date(2027, 2, 17))])
    assert may_move_to(day, today=date(2027, 1, 5), year=YEAR, quarter=1, calendar=calendar) == problem

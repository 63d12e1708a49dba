"""The roster keys for visits and the småbørnscafé: settings on [municipality], counts on [[institution]]."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import select

from helpers_visits import visit_roster
from teambot.domain.cafe import CafePolicy
from teambot.domain.roster import RosterError, parse_roster
from teambot.domain.visits import VisitPolicy
from teambot.i18n import t
from teambot.store.db import Database
from teambot.store.models import CafeCount, Institution, Municipality
from teambot.store.roster_import import import_roster
from teambot.store.visits import routing_table
from teambot.testing.clock import FakeClock

SETTINGS = {
    "visiting_disciplines": ["sundhedsplejerske", "tale-hørekonsulent"],
    "visit_notice_days": 21,
    "visit_reminder_days": 3,
    "cafe_min_children": 4,
    "cafe_max_children": 10,
    "cafe_age_months": [16, 20],
    "cafe_time": "9.00",
}


def test_defaults_when_the_roster_says_nothing() -> None:
    roster = parse_roster(visit_roster(), source="test")
    assert roster.visits == VisitPolicy(("sundhedsplejerske",), 14, 2)
    assert roster.cafe == CafePolicy(3, 8, 15, 21, "09:30")


def test_settings_and_counts_are_read() -> None:
    roster = parse_roster(visit_roster(municipality=SETTINGS, cafe_children={"MAR": {"2027-03": 4, "2027-04": 0}}))
    assert roster.visits == VisitPolicy(("sundhedsplejerske", "tale-hørekonsulent"), 21, 3)
    assert roster.cafe == CafePolicy(4, 10, 16, 20, "09:00")
    [mar] = [i for i in roster.institutions if i.code == "MAR"]
    assert mar.cafe_children == ((date(2027, 3, 1), 4), (date(2027, 4, 1), 0))


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(RosterError) as caught:
        parse_roster(data, source="roster.toml")
    return [f"{p.entry} {p.key}: {t(p.kind, **p.values)}" for p in caught.value.problems]


def test_bad_settings_are_named_one_by_one() -> None:
    bad = {
        "visiting_disciplines": ["sundhedsplejerske", "leder"],
        "visit_notice_days": 0,
        "visit_reminder_days": "2",
        "cafe_min_children": 6,
        "cafe_max_children": 5,
        "cafe_age_months": [20, 15],
        "cafe_time": "halv ti",
    }
    assert problems(visit_roster(municipality=bad)) == [
        "[municipality] visiting_disciplines: «sundhedsplejerske, leder» kan ikke komme på konsulentbesøg; brug "
        "konsulentfaggrupper, fx sundhedsplejerske",
        "[municipality] visit_notice_days: «0» skal være et helt tal fra 1 til 60",
        "[municipality] visit_reminder_days: «2» skal være et helt tal fra 1 til 10",
        "[municipality] cafe_max_children: mindst 6 børn kan ikke være mere end højst 5",
        "[municipality] cafe_age_months: «[20, 15]» skal være to aldre i måneder omkring 18, fx [15, 21]",
        "[municipality] cafe_time: «halv ti» er ikke et klokkeslæt (TT:MM)",
    ]


def test_a_meeting_or_cafe_time_outside_the_working_day_is_named() -> None:
    """A café at 06:30 or status meetings at 19:00 would be invited to in the night's or evening's time; reminders at
    03:00 or the rating nudge at 22:00 would wake the staff."""
    late = {"cafe_time": "6.30", "meeting_time": "19:00", "reminder_time": "03:00", "rating_nudge_time": "22:00"}
    assert problems(visit_roster(municipality=late)) == [
        "[municipality] meeting_time: «19:00» ligger uden for arbejdsdagen; skriv et klokkeslæt fra 07:00 til 18:00",
        "[municipality] reminder_time: «03:00» ligger uden for arbejdsdagen; skriv et klokkeslæt fra 07:00 til 18:00",
        "[municipality] rating_nudge_time: «22:00» ligger uden for arbejdsdagen; skriv et klokkeslæt fra 07:00 til "
        "18:00",
        "[municipality] cafe_time: «6.30» ligger uden for arbejdsdagen; skriv et klokkeslæt fra 07:00 til 18:00",
    ]
    edges = {"cafe_time": "07:00", "meeting_time": "18:00", "reminder_time": "07:00", "rating_nudge_time": "18:00"}
    parsed = parse_roster(visit_roster(municipality=edges))
    assert (parsed.cafe.time, parsed.policy.meeting_time) == ("07:00", "18:00")
    assert (parsed.policy.reminder_time, parsed.policy.rating_nudge_time) == ("07:00", "18:00")


def test_bad_counts_are_named() -> None:
    data = visit_roster(cafe_children={"MAR": {"2027-13": 4, "marts": 2, "2027-05": 41, "2027-06": -1}})
    assert problems(data) == [
        "[[institution]] nr. 2 (MAR) cafe_children: «2027-13» er ikke en måned (ÅÅÅÅ-MM)",
        "[[institution]] nr. 2 (MAR) cafe_children: «marts» er ikke en måned (ÅÅÅÅ-MM)",
        "[[institution]] nr. 2 (MAR) cafe_children: «41» er ikke et antal børn fra 0 til 40",
        "[[institution]] nr. 2 (MAR) cafe_children: «-1» er ikke et antal børn fra 0 til 40",
    ]
    data = visit_roster()
    data["institution"][1]["cafe_children"] = [4]
    assert problems(data) == [
        '[[institution]] nr. 2 (MAR) cafe_children: skal være en tabel af måneder og antal, fx { "2027-03" = 4 }'
    ]


async def test_import_stores_settings_and_counts_and_keeps_counts_registered_in_slack(
    db: Database, clock: FakeClock
) -> None:
    now = FakeClock(datetime(2027, 1, 4, 9, 0)).now()
    first = parse_roster(visit_roster(municipality=SETTINGS, cafe_children={"MAR": {"2027-03": 4}}))
    report = await import_roster(db, first, now=now)
    async with db.write() as session:
        municipality = (await session.exec(select(Municipality))).one()
        assert (municipality.visiting_disciplines, municipality.visit_notice_days, municipality.cafe_time) == (
            ["sundhedsplejerske", "tale-hørekonsulent"],
            21,
            "09:00",
        )
        mar = (await session.exec(select(Institution).where(Institution.code == "MAR"))).one()
        # A count registered in Slack for another month stays when the file is imported again.
        session.add(
            CafeCount(
                institution_id=mar.id or 0, month=date(2027, 5, 1), children=2, updated_by="U0SOFIE01", updated_at=now
            )
        )
    assert report.mentions("institution", "MAR", "created")

    edited = parse_roster(visit_roster(municipality=SETTINGS, cafe_children={"MAR": {"2027-03": 5}}))
    again = await import_roster(db, edited, now=now)
    assert [(c.table, c.key, c.fields) for c in again.changes] == [("institution", "MAR", ("cafe_children",))]
    async with db.read() as session:
        stored = sorted((c.month, c.children) for c in (await session.exec(select(CafeCount))).all())
    assert stored == [(date(2027, 3, 1), 5), (date(2027, 5, 1), 2)]
    assert (await import_roster(db, edited, now=now)).changes == []


async def test_the_routing_table_of_some_institutions_routes_them_as_the_whole_table(
    db: Database, clock: FakeClock
) -> None:
    """A calendar feed reads the table of a few institutions only: for those it must route every discipline on
    every day as the whole table does (institution assignments over the district's, absences and substitutes)."""
    clock.set(datetime(2027, 1, 4, 9, 0))
    raw = visit_roster(hanne_absences=[{"from": "2027-02-15", "to": "2027-02-19", "substitute": "U0PIA0001"}])
    await import_roster(db, parse_roster(raw, source="test"), now=clock.now())
    async with db.read() as session:
        whole = await routing_table(session)
        codes = {i.id: i.code for i in (await session.exec(select(Institution))).all()}
        for some in ([1], [2, 3], [4], list(codes)):
            part = await routing_table(session, institutions=some)
            assert set(part.districts) == set(some)
            for institution_id in some:
                for role in ("sundhedsplejerske", "fysioterapeut", "småbørnskonsulent", "psykolog"):
                    for day in (date(2027, 2, 12), date(2027, 2, 15)):
                        assert part.route(institution_id, role, day) == whole.route(institution_id, role, day), (
                            codes[institution_id],
                            role,
                            day,
                        )
                assert part.leads.get(institution_id) == whole.leads.get(institution_id)

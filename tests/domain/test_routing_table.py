"""The routing table: who gets a message about one discipline at one institution on one day."""

from __future__ import annotations

from datetime import date

from teambot.domain.routing import Absence, Person
from teambot.domain.routing_table import AssignmentFact, Reason, Routed, RoutingTable, Scope

HANNE = Person(1, "U0HANNE01", "Hanne Vestergaard")
PIA = Person(2, "U0PIA0001", "Pia Skov")
MAJA = Person(3, "U0MAJA001", "Maja Strand")
MIKKEL = Person(4, "U0MIKKEL1", "Mikkel Holt")
ALI = Person(5, "U0ALI0001", "Ali Hassan")
KARSTEN = Person(6, "U0KARSTEN1", "Karsten Bro")
NO_SLACK = Person(7, "", "Bent Uden Slack")
SOL, MAR, EGE = 10, 11, 12
NORD, SYD = 1, 2
DAY = date(2027, 3, 9)


def table(absences: dict[int, list[Absence]] | None = None) -> RoutingTable:
    return RoutingTable.of(
        [
            AssignmentFact("sundhedsplejerske", HANNE, institution_id=SOL),
            AssignmentFact("sundhedsplejerske", PIA, district_id=NORD),
            AssignmentFact("fysioterapeut", MAJA, district_id=NORD),
            AssignmentFact("fysioterapeut", MIKKEL, institution_id=SOL),
            AssignmentFact("psykolog", NO_SLACK, institution_id=MAR),
        ],
        {SOL: NORD, MAR: NORD, EGE: SYD},
        {SOL: [KARSTEN], MAR: [KARSTEN]},
        absences,
    )


def test_the_institution_s_own_consultant_wins_over_the_district_s() -> None:
    routing = table()
    own = routing.fixed(SOL, "sundhedsplejerske")
    assert own is not None and (own.person, own.scope) == (HANNE, Scope.INSTITUTION)
    district = routing.fixed(MAR, "sundhedsplejerske")
    assert district is not None and (district.person, district.scope) == (PIA, Scope.DISTRICT)
    assert routing.fixed(EGE, "sundhedsplejerske") is None
    assert routing.route(SOL, "sundhedsplejerske", DAY) == [Routed(HANNE, "sundhedsplejerske", Reason.ASSIGNED, HANNE)]


def test_an_absent_consultant_is_replaced_by_the_substitute_while_absent() -> None:
    routing = table({HANNE.staff_id: [Absence(date(2027, 3, 1), date(2027, 3, 12), ALI)]})
    assert routing.route(SOL, "sundhedsplejerske", DAY) == [Routed(ALI, "sundhedsplejerske", Reason.SUBSTITUTE, HANNE)]
    assert routing.route(SOL, "sundhedsplejerske", date(2027, 3, 15))[0].recipient == HANNE


def test_absent_without_substitute_nobody_assigned_or_no_slack_user_falls_back_to_the_lead() -> None:
    routing = table({HANNE.staff_id: [Absence(date(2027, 3, 1), date(2027, 3, 12), None)]})
    assert routing.route(SOL, "sundhedsplejerske", DAY) == [
        Routed(KARSTEN, "sundhedsplejerske", Reason.LEAD_FALLBACK, HANNE)
    ]
    assert routing.route(MAR, "socialrådgiver", DAY) == [Routed(KARSTEN, "socialrådgiver", Reason.LEAD_FALLBACK)]
    assert routing.route(MAR, "psykolog", DAY)[0].reason is Reason.LEAD_FALLBACK
    assert routing.route(EGE, "socialrådgiver", DAY) == []  # no lead either: nobody to tell


def test_colleagues_are_everyone_with_the_role_in_the_district() -> None:
    routing = table()
    assert routing.colleagues(NORD, "fysioterapeut") == [MAJA, MIKKEL]
    assert routing.colleagues(SYD, "fysioterapeut") == []
    assert routing.colleagues(None, "fysioterapeut") == []


def test_the_institutions_a_consultant_covers() -> None:
    routing = table()
    assert routing.covered_by(HANNE.staff_id) == [SOL]
    assert routing.covered_by(PIA.staff_id) == [MAR]  # SOL has its own sundhedsplejerske
    assert routing.covered_by(MAJA.staff_id) == [MAR]

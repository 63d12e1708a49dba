"""Who is the right person for one discipline at one institution on one day.

The table holds the roster's assignments: an institution's own fixed consultant wins over the district's.
On a given day an absent consultant is replaced by their registered substitute; when there is nobody to send
to (no one assigned, no Slack user, or absent without a substitute) the message goes to the institution's leads on
Slack; an institution with none reaches nobody (`/teambot fravær` says so to the consultant who registers the absence).
The leads are routed as a meeting's participants are (`leads_on`): a lead away that day is replaced by his substitute,
and without one by nobody, so with every lead away and none standing in, the message reaches nobody either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from teambot.domain.roles import Role
from teambot.domain.routing import Absence, Delivery, Participant, Person, absence_on, route


class Scope(StrEnum):
    INSTITUTION = "institution"  # assigned to this institution by name
    DISTRICT = "district"  # covers the whole district the institution belongs to


class Reason(StrEnum):
    """Why a recipient gets a message about an institution: the one line at the bottom of every message."""

    ASSIGNED = "assigned"
    SUBSTITUTE = "substitute"
    LEAD_FALLBACK = "lead_fallback"


@dataclass(frozen=True)
class AssignmentFact:
    role: str
    person: Person
    institution_id: int | None = None
    district_id: int | None = None


@dataclass(frozen=True)
class Assignee:
    person: Person
    scope: Scope


@dataclass(frozen=True)
class Routed:
    """One recipient for (institution, discipline, day)."""

    recipient: Person
    role: str  # the discipline the message is about
    reason: Reason
    assigned: Person | None = None  # the fixed consultant: the absent one for SUBSTITUTE, None if nobody is assigned
    on_behalf_of: Person | None = None  # LEAD_FALLBACK: the absent lead the recipient stands in for, if any


def visitor(routed: Sequence[Routed]) -> Person | None:
    """Who comes on a visit routed to `routed`: the fixed consultant or their substitute; None when only the
    leads are told, or nobody (nobody can come)."""
    first = routed[0] if routed else None
    return first.recipient if first and first.reason is not Reason.LEAD_FALLBACK else None


@dataclass(frozen=True)
class RoutingTable:
    assignments: tuple[AssignmentFact, ...]
    districts: Mapping[int, int | None]  # institution id -> district id
    leads: Mapping[int, tuple[Person, ...]] = field(default_factory=dict)
    absences: Mapping[int, list[Absence]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        assignments: Iterable[AssignmentFact],
        districts: Mapping[int, int | None],
        leads: Mapping[int, Iterable[Person]] | None = None,
        absences: Mapping[int, list[Absence]] | None = None,
    ) -> RoutingTable:
        # Sorted by name so that, should two people share one assignment, the choice is stable.
        ordered = tuple(sorted(assignments, key=lambda a: (a.role, a.person.name, a.person.staff_id)))
        return cls(
            ordered,
            dict(districts),
            {k: tuple(v) for k, v in (leads or {}).items()},
            dict(absences or {}),
        )

    @cached_property
    def _first_assigned(self) -> dict[tuple[str, Scope, int], Person]:
        """The first assignment of each role to each institution and each district, in the table's order: `fixed`
        is asked for every visit, café and invitation, and scanning every assignment each time made a planner
        pass grow with the square of the municipality."""
        first: dict[tuple[str, Scope, int], Person] = {}
        for a in self.assignments:
            if a.institution_id is not None:
                first.setdefault((a.role, Scope.INSTITUTION, a.institution_id), a.person)
            if a.district_id is not None:
                first.setdefault((a.role, Scope.DISTRICT, a.district_id), a.person)
        return first

    def fixed(self, institution_id: int, role: str) -> Assignee | None:
        """The institution's own consultant for `role`, else its district's; None when nobody is assigned."""
        own = self._first_assigned.get((role, Scope.INSTITUTION, institution_id))
        if own is not None:
            return Assignee(own, Scope.INSTITUTION)
        district = self.districts.get(institution_id)
        shared = None if district is None else self._first_assigned.get((role, Scope.DISTRICT, district))
        return None if shared is None else Assignee(shared, Scope.DISTRICT)

    def absence(self, person: Person, day: date) -> Absence | None:
        return absence_on(self.absences, person.staff_id, day)

    def route(self, institution_id: int, role: str, day: date) -> list[Routed]:
        """The recipients for `role` at the institution on `day`: the fixed consultant, their substitute while
        absent, or else the institution's leads (`leads_on`)."""
        assignee = self.fixed(institution_id, role)
        if assignee is not None:
            person = assignee.person
            absence = self.absence(person, day)
            if absence is None and person.slack_id:
                return [Routed(person, role, Reason.ASSIGNED, person)]
            if absence is not None and absence.substitute is not None and absence.substitute.slack_id:
                return [Routed(absence.substitute, role, Reason.SUBSTITUTE, person)]
        return [
            Routed(to.recipient, role, Reason.LEAD_FALLBACK, assignee.person if assignee else None, to.on_behalf_of)
            for to in self.leads_on(institution_id, day)
        ]

    def leads_on(self, institution_id: int, day: date) -> list[Delivery]:
        """Who gets a message for the institution's leads on `day`: each lead on Slack, or while he is away the
        substitute registered with `/teambot fravær` (once, also when she leads herself), else nobody in his place
        (the café's count ask and a meeting's participants are routed by the same rule)."""
        leads = [Participant(lead, Role.LEDER.value) for lead in self.leads.get(institution_id, ()) if lead.slack_id]
        return route(leads, self.absences, day)

    def colleagues(self, district_id: int | None, role: str) -> list[Person]:
        """Everyone assigned `role` somewhere in the district (for the district or one of its institutions),
        by name: the pool a stand-in is drawn from."""
        if district_id is None:
            return []
        found: dict[int, Person] = {}
        for a in self.assignments:
            if a.role != role:
                continue
            in_district = a.district_id == district_id or (
                a.institution_id is not None and self.districts.get(a.institution_id) == district_id
            )
            if in_district:
                found.setdefault(a.person.staff_id, a.person)
        return sorted(found.values(), key=lambda p: (p.name, p.staff_id))

    def covered_by(self, *staff_ids: int) -> list[int]:
        """The institutions where one of `staff_ids` is the fixed consultant for some discipline."""
        people = set(staff_ids)
        roles = {a.role for a in self.assignments if a.person.staff_id in people}
        return sorted(
            institution_id
            for institution_id in self.districts
            if any(
                (assignee := self.fixed(institution_id, role)) is not None and assignee.person.staff_id in people
                for role in roles
            )
        )

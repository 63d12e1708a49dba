"""Who gets a message: participants, replaced by their substitute while absent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Person:
    staff_id: int
    slack_id: str
    name: str


@dataclass(frozen=True)
class Absence:
    start: date
    end: date
    substitute: Person | None

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Participant:
    person: Person
    role: str  # why this person takes part: "pædagog", "psykolog", "leder", ...


@dataclass(frozen=True)
class Delivery:
    """One recipient of a message, and whom they stand in for (if anyone)."""

    recipient: Person
    role: str
    on_behalf_of: Person | None = None


def route(participants: Iterable[Participant], absences: Mapping[int, list[Absence]], day: date) -> list[Delivery]:
    """One delivery per person: an absent participant's substitute instead; without a substitute, nobody.

    A person who takes part in their own right and also stands in for someone gets one message.
    """
    deliveries: dict[int, Delivery] = {}
    for participant in participants:
        person = participant.person
        absence = absence_on(absences, person.staff_id, day)
        if absence is None:
            deliveries[person.staff_id] = Delivery(person, participant.role)
        elif absence.substitute is not None:
            substitute = absence.substitute
            deliveries.setdefault(substitute.staff_id, Delivery(substitute, participant.role, on_behalf_of=person))
    return list(deliveries.values())


@dataclass(frozen=True)
class Away:
    """A participant absent on the day, and who is told in their place (None: nobody)."""

    participant: Participant
    substitute: Person | None


def away(participants: Iterable[Participant], absences: Mapping[int, list[Absence]], day: date) -> list[Away]:
    """The participants absent on `day`, as `route` sees them: whoever `route` sends in their place, or nobody."""
    result = []
    for participant in participants:
        absence = absence_on(absences, participant.person.staff_id, day)
        if absence is not None:
            result.append(Away(participant, absence.substitute))
    return result


def absence_on(absences: Mapping[int, list[Absence]], staff_id: int, day: date) -> Absence | None:
    """The absence that decides for the staff member on `day`: the first registered that covers it (meetings,
    visits, cafés and `/uge` alike; the nudge's SQL follows the same rule)."""
    return next((a for a in absences.get(staff_id, []) if a.covers(day)), None)

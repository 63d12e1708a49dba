"""Who gets a småbørnscafé's notice for an institution's leads: that nobody of a profession can come, or that the café
moved off a closing day.

Routed by the day the notice goes out, as the visit notices are (`RoutingTable.leads_on`): a lead away that day is
replaced by the substitute he registered, on his behalf; without one, nobody in his place while another lead is told.
Unlike a visit's notices, a café notice still reaches the leads when every one of them is away with nobody standing in:
it is about a café weeks ahead that only they can act on (post the new day on Aula, find someone to come), a message
waits in Slack for their return, and a move's notice is sent once, at the move, with no later pass to send it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from teambot.domain.roles import Role
from teambot.domain.routing import Participant, Person, route
from teambot.domain.routing_table import RoutingTable


@dataclass(frozen=True)
class LeadNotice:
    """One recipient of a café notice for the leads."""

    recipient: Person
    on_behalf_of: Person | None = None  # the absent lead she stands in for
    away: bool = False  # a lead told although away: nobody stands in for any lead that day


def cafe_leads_on(
    table: RoutingTable, institution_id: int, day: date, *, leaving_out: int | None = None
) -> list[LeadNotice]:
    """Who gets a café notice for the institution's leads that goes out on `day`: its leads on Slack but
    `leaving_out` (a staff id), routed by that day; when that leaves nobody, the leads themselves, away as they are.
    Empty only when the institution has no such lead."""
    leads = [
        Participant(lead, Role.LEDER.value)
        for lead in table.leads.get(institution_id, ())
        if lead.slack_id and lead.staff_id != leaving_out
    ]
    routed = route(leads, table.absences, day)
    if routed:
        return [LeadNotice(to.recipient, to.on_behalf_of) for to in routed]
    return [LeadNotice(p.person, away=True) for p in leads]

"""Who takes part in a case's status meetings: its pædagog, the consultants consent covers, the leads."""

from __future__ import annotations

from teambot.store.models import Case, Staff
from teambot.store.queries import participants_of


def test_a_consultant_with_two_professions_takes_part_as_the_one_consent_covers() -> None:
    """A psychologist who is also the district's social worker, on a case whose consent covers social workers only:
    she may read the case (case_access looks at every role), so she is invited as socialrådgiver; she was left out
    because her first role is not covered."""
    case = Case(id=1, code="AK12", institution_id=1, paedagog_id=1, consent_professions=["socialrådgiver"])
    both = Staff(id=2, slack_id="U0BOTH001", name="Bo Begge", roles=["psykolog", "socialrådgiver"])
    [participant] = participants_of(case, None, [both], [])
    assert (participant.person.slack_id, participant.role) == ("U0BOTH001", "socialrådgiver")


def test_a_consultant_consent_does_not_cover_is_not_invited() -> None:
    case = Case(id=1, code="AK12", institution_id=1, paedagog_id=1, consent_professions=["psykolog"])
    speech = Staff(id=3, slack_id="U0TALE001", name="Tine Tale", roles=["tale-hørekonsulent"])
    assert participants_of(case, None, [speech], []) == []

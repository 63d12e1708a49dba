"""The småbørnscafé's 'nobody can come' notice to an institution's leads: who gets it, planned again at every sync
(a lead's absence registered or removed before it goes out changes who). The «Kan ikke» answer names who from the
same plan (`Unfilled`).

Once the notice reached the leads (or may have: being posted, or Slack answered 500), nobody new is told about that
role of that café day, and a row that may have reached its recipient is kept as it is (`outbox.Planned.kept`). One
Slack refused for good reached nobody: it tells nobody it was told, and its recipient is not named as told again
(its key is spent). Refused for the message itself (`outbox.refused_to_anyone`: too long, say), nobody new is told,
who would be refused it the same way; refused for any other reason (his channel gone, his user deactivated, the bot's
token broken), whoever else the notice goes to now is told.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from teambot.commands.visit_notices import lead_why
from teambot.domain.cafe_leads import LeadNotice
from teambot.domain.roles import Role
from teambot.domain.routing import Delivery
from teambot.i18n import t
from teambot.store import outbox
from teambot.store.models import Notification


class Nobody(StrEnum):
    """Why the notice goes to nobody (new)."""

    TOLD_BEFORE = "told_before"  # the leads were told of this role already (or may have been)
    STARTED = "started"  # the café begins before the notice could go out
    YOU_LEAD = "you_lead"  # the only lead on Slack is the one who declined, as the role's only one asked
    NO_LEAD = "no_lead"  # the institution has no lead on Slack
    REFUSED = "refused"  # Slack refused the notice for good to each lead it goes to


@dataclass(frozen=True)
class Unfilled:
    """The 'nobody can come' notice of one role of a café, as planned now."""

    role: str
    told: tuple[LeadNotice, ...]  # who gets it: new rows and rows still waiting to go out
    nobody: Nobody | None = None  # when `told` is empty: why


def plan_unfilled(
    role: str,
    stem: str,
    notices: Sequence[LeadNotice],
    found: Sequence[Notification],
    *,
    soon: datetime | None,
    nobody: Nobody,
    draw: Callable[[LeadNotice, str, datetime], outbox.Planned],
) -> tuple[Unfilled, list[outbox.Planned]]:
    """The notice's rows for one role: to each of `notices` (routed now), keyed `{stem}:{recipient}`, going out
    `soon` (None: too late). `found`: the café's notice rows already in the outbox; `nobody`: why nobody is told when
    `notices` is empty. A waiting row keeps its due time; `draw(to, key, due)` makes a row."""
    mine = [row for row in found if row.dedupe_key.startswith(f"{stem}:")]
    if soon is None:
        return Unfilled(role, (), Nobody.STARTED), []
    reached = [
        row
        for row in mine
        if row.status == outbox.SENT or outbox.may_have_reached(row.status, row.attempts, row.last_error)
    ]
    planned = [outbox.Planned.kept(row) for row in reached if row.status != outbox.SENT]
    reached_keys = {row.dedupe_key for row in reached}
    waiting = {
        row.dedupe_key: row for row in mine if row.status == outbox.PENDING and row.dedupe_key not in reached_keys
    }
    refused = [row for row in mine if row.status == outbox.FAILED and outbox.refused(row.last_error)]
    refused_keys = {row.dedupe_key for row in refused}
    # Refused for the message itself (`outbox.CONTENT_REFUSALS`): anyone new would be refused it too.
    refused_to_anyone = any(outbox.refused_to_anyone(row.status, row.last_error) for row in refused)
    told: list[LeadNotice] = []
    for to in notices:
        key = f"{stem}:{to.recipient.slack_id}"
        if key in reached_keys or ((reached or refused_to_anyone) and key not in waiting):
            continue  # once the leads were told (or Slack refused the message), an absence since tells nobody new
        if key in refused_keys:
            continue  # Slack refused it to him for good: nothing more goes to him, and he is not named
        row = waiting.get(key)
        planned.append(draw(to, key, row.due_at if row is not None else soon))
        told.append(to)
    if told:
        return Unfilled(role, tuple(told)), planned
    if reached:
        return Unfilled(role, (), Nobody.TOLD_BEFORE), planned
    return Unfilled(role, (), Nobody.REFUSED if notices else nobody), planned


def lead_notice_why(to: LeadNotice, institution: str) -> str:
    """The why line of a café notice for the leads."""
    if to.away:
        return t("why.cafe.lead_away", institution=institution)
    return lead_why(Delivery(to.recipient, Role.LEDER.value, to.on_behalf_of), institution, "why.cafe.lead")

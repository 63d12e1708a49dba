"""Helpers for the rating tests: the small roster at a chosen moment, what was stored, and a recording messenger.

With the small roster (start meeting Thursday 11 February 2027) the case AK12 at Børnehuset Solsikken has two
goals; Mette Jensen (PAEDAGOG) is its pædagog, Peter Friis (PSYKOLOG) its consultant with consent for psykolog,
Karsten Bro (LEAD) the lead. Thursday 4 March 2027 is an ordinary working day after the start meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from teambot.commands import Reply
from teambot.domain.roster import parse_roster
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Case, Goal, Notification, Rating, Staff
from teambot.store.roster_import import import_roster
from teambot.testing.clock import FakeClock
from teambot.testing.roster import SUBSTITUTE, small_roster

NOW = datetime(2027, 3, 4, 15, 0)  # Thursday, local time
TODAY = date(2027, 3, 4)
THURSDAY = "torsdag 4. marts 2027"
GOAL_1 = "Tager selv overtøj af og på"
GOAL_2 = "Siger farvel uden at græde"
NOTHING_SAVED = "Intet er gemt."
CPR_REFUSAL = (
    "Det ligner et CPR-nummer. Af hensyn til barnet gemmer teambot aldrig CPR-numre "
    "— skriv beskeden uden. Intet er gemt."
)
UNKNOWN_USER = "Jeg kender dig ikke endnu. Bed din leder om at tilføje dig i teambots medarbejderliste. Intet er gemt."
STRANGER = "U0NOBODY1"  # a Slack user who is not on the roster
TALE = "U0TALE001"  # an extra consultant some tests add to the roster


async def load_roster(
    db: Database,
    clock: FakeClock,
    when: datetime = NOW,
    *,
    adjust: Callable[[dict[str, Any]], None] | None = None,
    **options: Any,
) -> None:
    """Set the clock to `when` (local time) and import the small roster, optionally adjusted first."""
    clock.set(when)
    data = small_roster(**options)
    if adjust is not None:
        adjust(data)
    await import_roster(db, parse_roster(data, source="test"), now=clock.now())


def with_speech_consultant(data: dict[str, Any]) -> None:
    """Adds Tove Holm, tale-hørekonsulent, who is not (yet) on any case."""
    data["staff"].append({"id": TALE, "name": "Tove Holm", "roles": ["tale-hørekonsulent"], "institutions": []})


def lead_of_both_institutions(data: dict[str, Any]) -> None:
    for person in data["staff"]:
        if "leder" in person["roles"]:
            person["institutions"] = ["SOL", "MAR"]


def substitute_has_a_child(data: dict[str, Any]) -> None:
    """Ali Hassan (SUBSTITUTE) is the pædagog of BM04 at SOL, one goal."""
    data["case"].append(
        {
            **data["case"][0],
            "code": "BM04",
            "paedagog": SUBSTITUTE,
            "consultants": [],
            "goals": ["Deltager i samling"],
        }
    )


async def ratings(db: Database) -> list[Rating]:
    async with db.read() as session:
        return list((await session.exec(select(Rating).order_by(col(Rating.day), col(Rating.goal_id)))).all())


async def audit_entries(db: Database, action: str | None = None) -> list[AuditEntry]:
    """The audit log written by users (the roster import's own entries are left out)."""
    async with db.read() as session:
        query = select(AuditEntry).where(AuditEntry.actor != "import").order_by(col(AuditEntry.id))
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list((await session.exec(query)).all())


async def goal_ids(db: Database, code: str = "AK12") -> dict[int, int]:
    """Goal number → goal id for the case `code` (active or not)."""
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == code))).one()
        goals = (await session.exec(select(Goal).where(Goal.case_id == case.id))).all()
        return {g.number: g.id for g in goals if g.id is not None}


async def case_of(db: Database, code: str = "AK12") -> Case:
    async with db.read() as session:
        return (await session.exec(select(Case).where(Case.code == code))).one()


async def staff_id(db: Database, slack_id: str) -> int:
    async with db.read() as session:
        staff = (await session.exec(select(Staff).where(Staff.slack_id == slack_id))).one()
        assert staff.id is not None
        return staff.id


async def notifications(db: Database, kind: str | None = None) -> list[Notification]:
    async with db.read() as session:
        query = select(Notification).order_by(col(Notification.due_at), col(Notification.id))
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list((await session.exec(query)).all())


def buttons(blocks: list[dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    """Every button in `blocks` as (label, action_id, value)."""
    found = []
    for block in blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button":
                found.append((element["text"]["text"], element["action_id"], element["value"]))
    return found


def nudge_buttons(goal_id: int, day: date) -> list[tuple[str, str, str]]:
    return [(str(n), f"rating_nudge:{n}", f"{goal_id}:{day.isoformat()}:{n}") for n in range(1, 5)]


@dataclass
class Sent:
    recipient: str
    reply: Reply
    metadata: dict[str, Any] | None


@dataclass
class RecordingMessenger:
    """A Messenger that only records: what the dispatcher would have posted, and to whom."""

    sent: list[Sent] = field(default_factory=list)

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        self.sent.append(Sent(recipient, reply, metadata))
        return f"ts-{len(self.sent)}"

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        return None

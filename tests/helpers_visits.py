"""A precise roster for consultant visits and the småbørnscafé, the Runner that re-plans like the running bot,
and small readers for the rows the tests look at.

District Nord: Solsikken (SOL, with a staff channel), Mariehønen (MAR) and Birkelunden (BIR); district Syd:
Egebakken (EGE). Hanne is sundhedsplejerske for SOL and MAR, Pia for BIR, Lise for EGE. Nord's fysioterapeut is
Maja for the district, but SOL and BIR have their own (Mikkel, Nanna), so three can stand in for each other;
Rasmus is Nord's only småbørnskonsulent and Tove its only tale-hørekonsulent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from conftest import Runner
from teambot.commands import Reply
from teambot.domain.roster import parse_roster
from teambot.scheduler.dispatcher import Dispatcher
from teambot.scheduler.simulate import RecordingMessenger
from teambot.scheduler.visits import plan_cafes, plan_visits
from teambot.store import outbox
from teambot.store.db import Database
from teambot.store.models import CafeInvite, CafeSession, Institution, Notification, Staff, Visit
from teambot.store.roster_import import import_roster
from teambot.testing.clock import COPENHAGEN, FakeClock

KARSTEN, BIRGITTE = "U0KARSTEN1", "U0BIRGIT01"  # leads: SOL+MAR+BIR, EGE
METTE, SOFIE, OUTSIDER = "U0METTE01", "U0SOFIE01", "U0JONAS01"  # pædagoger: SOL, MAR, EGE
HANNE, PIA, LISE = "U0HANNE01", "U0PIA0001", "U0LISE001"  # sundhedsplejersker
MAJA, MIKKEL, NANNA = "U0MAJA001", "U0MIKKEL1", "U0NANNA01"  # fysioterapeuter in Nord
RASMUS, TOVE = "U0RASMUS1", "U0TOVE001"  # småbørnskonsulent, tale-hørekonsulent (Nord)
ALI = "U0ALI0001"  # a pædagog in SOL, Hanne's substitute in some tests
SOL_CHANNEL = "C0SOLKANAL"
NOTHING_SAVED = "Intet er gemt."


def visit_roster(
    *,
    municipality: dict[str, Any] | None = None,
    hanne_absences: list[dict[str, str]] | None = None,
    cafe_children: dict[str, dict[str, int]] | None = None,
    closing: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    closing = closing or {}
    counts = cafe_children or {}

    def institution(code: str, name: str, kind: str, district: str, **extra: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"code": code, "name": name, "kind": kind, "district": district, **extra}
        if code in closing:
            entry["closing_days"] = closing[code]
        if code in counts:
            entry["cafe_children"] = counts[code]
        return entry

    hanne: dict[str, Any] = {"id": HANNE, "name": "Hanne Vestergaard", "roles": ["sundhedsplejerske"]}
    if hanne_absences:
        hanne["absences"] = hanne_absences
    return {
        "municipality": {"name": "Testkommune", **(municipality or {})},
        "institution": [
            institution("SOL", "Børnehuset Solsikken", "integreret", "Nord", channel=SOL_CHANNEL),
            institution("MAR", "Vuggestuen Mariehønen", "vuggestue", "Nord"),
            institution("BIR", "Birkelunden", "integreret", "Nord"),
            institution("EGE", "Børnehaven Egebakken", "børnehave", "Syd"),
        ],
        "staff": [
            {"id": KARSTEN, "name": "Karsten Bro", "roles": ["leder"], "institutions": ["SOL", "MAR", "BIR"]},
            {"id": BIRGITTE, "name": "Birgitte Holm", "roles": ["leder"], "institutions": ["EGE"]},
            {"id": METTE, "name": "Mette Jensen", "roles": ["pædagog"], "institutions": ["SOL"]},
            {"id": ALI, "name": "Ali Hassan", "roles": ["pædagog"], "institutions": ["SOL"]},
            {"id": SOFIE, "name": "Sofie Lund", "roles": ["pædagog"], "institutions": ["MAR"]},
            {"id": OUTSIDER, "name": "Jonas Berg", "roles": ["pædagog"], "institutions": ["EGE"]},
            hanne,
            {"id": PIA, "name": "Pia Skov", "roles": ["sundhedsplejerske"]},
            {"id": LISE, "name": "Lise Bach", "roles": ["sundhedsplejerske"]},
            {"id": MAJA, "name": "Maja Strand", "roles": ["fysioterapeut"]},
            {"id": MIKKEL, "name": "Mikkel Holt", "roles": ["fysioterapeut"]},
            {"id": NANNA, "name": "Nanna Friis", "roles": ["fysioterapeut"]},
            {"id": RASMUS, "name": "Rasmus Eg", "roles": ["småbørnskonsulent"]},
            {"id": TOVE, "name": "Tove Munk", "roles": ["tale-hørekonsulent"]},
        ],
        "assignment": [
            {"role": "sundhedsplejerske", "staff": HANNE, "institutions": ["SOL", "MAR"]},
            {"role": "sundhedsplejerske", "staff": PIA, "institutions": ["BIR"]},
            {"role": "sundhedsplejerske", "staff": LISE, "institutions": ["EGE"]},
            {"role": "fysioterapeut", "staff": MAJA, "district": "Nord"},
            {"role": "fysioterapeut", "staff": MIKKEL, "institutions": ["SOL"]},
            {"role": "fysioterapeut", "staff": NANNA, "institutions": ["BIR"]},
            {"role": "småbørnskonsulent", "staff": RASMUS, "district": "Nord"},
            {"role": "tale-hørekonsulent", "staff": TOVE, "district": "Nord"},
        ],
    }


async def load_visit_roster(db: Database, clock: FakeClock, **options: Any) -> None:
    await import_roster(db, parse_roster(visit_roster(**options), source="test"), now=clock.now())


class VisitRunner(Runner):
    """Runs commands as one user, plans visits and cafés the way the running bot does, and lets time pass."""

    def __init__(self, db: Database, clock: FakeClock) -> None:
        super().__init__(db, clock)
        self.messenger = RecordingMessenger()
        self.dispatcher = Dispatcher(db, self.messenger, clock, min_interval=0.0)

    async def plan(self) -> None:
        await plan_visits(self.db, now=self.clock.now(), zone=COPENHAGEN)
        await plan_cafes(self.db, now=self.clock.now(), zone=COPENHAGEN)

    async def until(self, moment: datetime) -> list[tuple[str, Reply]]:
        """Let time pass to `moment` (local): plan at the start and every midnight, deliver every row when due.
        Returns what was sent on the way, as (recipient, message)."""
        start = len(self.messenger.sent)
        target = FakeClock(moment).now()
        next_plan = self.clock.now()
        while True:
            now = self.clock.now()
            if now >= next_plan:
                await self.plan()
                midnight = datetime.combine(now.astimezone(COPENHAGEN).date() + timedelta(days=1), time(0, 0))
                next_plan = FakeClock(midnight).now()
            await self.dispatcher.dispatch_due()
            async with self.db.read() as session:
                upcoming = await outbox.next_due(session)
            following = min(next_plan, upcoming) if upcoming is not None and upcoming > now else next_plan
            if following > target:
                break
            self.clock.set(following)
        self.clock.set(target)
        await self.dispatcher.dispatch_due()
        return [(recipient, reply) for recipient, reply, _ in self.messenger.sent[start:]]

    async def skip_to(self, moment: datetime) -> None:
        """Jump to `moment` without delivering anything on the way (the tests do not look at those weeks)."""
        self.clock.set(moment)
        await self.plan()
        async with self.db.write() as session:
            for row in (await session.exec(select(Notification).where(Notification.status == "pending"))).all():
                if row.due_at < self.clock.now():
                    row.status = "cancelled"


async def visits(db: Database, code: str | None = None) -> list[Visit]:
    async with db.read() as session:
        query = select(Visit).order_by(col(Visit.day), col(Visit.id))
        if code is not None:
            query = query.join(Institution, col(Institution.id) == col(Visit.institution_id)).where(
                Institution.code == code
            )
        return list((await session.exec(query)).all())


async def rows(db: Database, kind: str | None = None, *, status: str | None = None) -> list[Notification]:
    async with db.read() as session:
        query = select(Notification).order_by(col(Notification.due_at), col(Notification.id))
        if kind is not None:
            query = query.where(Notification.kind == kind)
        if status is not None:
            query = query.where(Notification.status == status)
        return list((await session.exec(query)).all())


async def cafes(db: Database) -> list[CafeSession]:
    async with db.read() as session:
        return list((await session.exec(select(CafeSession).order_by(col(CafeSession.day)))).all())


async def invites(db: Database, cafe_id: int) -> list[tuple[str, str, str]]:
    """(Slack ID, role, status) of each invitation, in the order they were made."""
    async with db.read() as session:
        found = await session.exec(
            select(Staff.slack_id, CafeInvite.role, CafeInvite.status)
            .join(CafeInvite, col(CafeInvite.staff_id) == col(Staff.id))
            .where(CafeInvite.session_id == cafe_id)
            .order_by(col(CafeInvite.id))
        )
        return [(slack_id or "", role, status) for slack_id, role, status in found.all()]


def button_value(row: Notification | Reply, action_id: str) -> str:
    blocks = row.payload["blocks"] if isinstance(row, Notification) else row.blocks or []
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


def local(moment: datetime) -> datetime:
    return moment.astimezone(COPENHAGEN).replace(tzinfo=None)

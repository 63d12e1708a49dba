"""Apply a validated roster to the database: update in place, never duplicate, report what changed.

The roster is the source of truth for institutions, staff and assignments; cases and goals may also be
managed in Slack, so the import adds and updates them but never removes what the file leaves out. Absences, a
case's consent and its consultants change in both: the import changes them only where the file changed since it
last spoke.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, delete, exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import DANISH_TIME, DateRange
from teambot.domain.roster import CaseSpec, Problem, Roster, RosterError, StaffSpec, is_new_case_code
from teambot.store import audit
from teambot.store import visits as visit_store
from teambot.store.db import Database
from teambot.store.models import (
    Absence,
    Assignment,
    AuditEntry,
    CafeCount,
    Case,
    CaseConsultant,
    CaseImport,
    ClosingPeriod,
    District,
    Goal,
    Institution,
    Municipality,
    Staff,
    StaffImport,
    StaffInstitution,
)

AssignmentKey = tuple[str, int, int | None, int | None]  # role, staff, institution, district


@dataclass(frozen=True)
class Change:
    """One line of the import report."""

    what: str  # "created" | "updated" | "deactivated" | "kept" (changed in Slack since; the file's value unused)
    table: str
    key: str
    fields: tuple[str, ...] = ()


@dataclass
class ImportReport:
    changes: list[Change] = field(default_factory=list)

    def add(self, what: str, table: str, key: str, fields: tuple[str, ...] = ()) -> None:
        self.changes.append(Change(what, table, key, fields))

    def count(self, what: str, table: str) -> int:
        return sum(1 for c in self.changes if c.what == what and c.table == table)

    def mentions(self, table: str, key: str, what: str | None = None) -> bool:
        return any(c.table == table and c.key == key and (what is None or c.what == what) for c in self.changes)


def _update(row: object, values: dict[str, object]) -> tuple[str, ...]:
    """Set the values that differ; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return tuple(changed)


T = typing.TypeVar("T", str, int)  # professions, staff ids


def _merged(current: Sequence[T], before: Sequence[T], given: Sequence[T]) -> list[T]:
    """`current` with what the file changed since it last said `before` and now says `given`: what it dropped goes,
    what it added comes; what changed elsewhere (in Slack) stays."""
    return sorted((set(current) - (set(before) - set(given))) | (set(given) - set(before)))


AbsenceKey = tuple[date, date, int | None]  # start, end, substitute's staff id


def _absence_key(absence: Absence) -> AbsenceKey:
    return absence.start, absence.end, absence.substitute_id


def _absence_said(said: list[Any]) -> AbsenceKey:
    """One absence as `StaffImport` keeps it (JSON: ISO dates)."""
    start, end, substitute_id = said
    return date.fromisoformat(start), date.fromisoformat(end), substitute_id


def _absence_order(key: AbsenceKey) -> tuple[date, date, int]:
    return key[0], key[1], -1 if key[2] is None else key[2]


def _id(row: Municipality | District | Institution | Staff | Case) -> int:
    assert row.id is not None, "flush before reading the id"
    return row.id


async def import_roster(
    db: Database,
    roster: Roster,
    *,
    now: datetime,
    actor: str = "import",
    source: str = "roster",
    zone: ZoneInfo = DANISH_TIME,
) -> ImportReport:
    """Apply `roster` in one write transaction: all or nothing. Raises RosterError (`source` names the file) for
    what only the database can show wrong, with nothing stored. `zone`: the municipality's, whose date is today."""
    report = ImportReport()
    async with db.write() as session:
        importer = _Importer(session, report, now=now, today=now.astimezone(zone).date(), actor=actor)
        await importer.apply(roster)
        if problems := importer.problems + await _paedagogs_elsewhere(session):
            raise RosterError(source, problems)
        # As `/teambot fravær` does: the calendar feeds must not wait for the planner's next pass. Today is the local
        # date, as the planner reads it: just after midnight UTC still has yesterday, whose visits are past.
        await visit_store.record_coming_visitors(session, today=now.astimezone(zone).date(), now=now)
    return report


async def _paedagogs_elsewhere(session: AsyncSession) -> list[Problem]:
    """Active cases, from the file or made in Slack, whose pædagog is no longer staff (left out of the file) or does
    not work at the child's institution: nobody would rate the child or be nudged, or she could still change the case
    and be nudged with its goals. Only an import moves or removes staff."""
    works_there = exists().where(
        col(StaffInstitution.staff_id) == col(Case.paedagog_id),
        col(StaffInstitution.institution_id) == col(Case.institution_id),
    )
    rows = await session.exec(
        select(Case.code, Staff.name, Institution.code, Staff.active)
        .join(Staff, col(Staff.id) == col(Case.paedagog_id))
        .join(Institution, col(Institution.id) == col(Case.institution_id))
        .where(Case.status == "active", ~works_there | ~col(Staff.active))
        .order_by(col(Case.code))
    )
    return [
        Problem(f"[[case]] {code}", "paedagog", "roster.paedagog_elsewhere", {"name": name, "institution": institution})
        if active
        else Problem(f"[[case]] {code}", "paedagog", "roster.paedagog_gone", {"name": name})
        for code, name, institution, active in rows.all()
    ]


class _Importer:
    def __init__(self, session: AsyncSession, report: ImportReport, *, now: datetime, today: date, actor: str) -> None:
        self.session = session
        self.report = report
        self.now = now
        self.today = today  # the municipality's date of `now`
        self.actor = actor
        self.districts: dict[str, District] = {}
        self.institutions: dict[str, Institution] = {}
        self.staff: dict[str, Staff] = {}
        self.problems: list[Problem] = []  # what only the database shows wrong: the import is then refused whole

    async def apply(self, roster: Roster) -> None:
        municipality = await self.municipality(roster)
        await self.closing("municipality", roster.municipality, roster.closing_days, municipality, None)
        await self.institutions_and_districts(roster, municipality)
        await self.staff_members(roster)
        await self.assignments(roster)
        for spec in roster.cases:
            await self.case(spec)

    async def municipality(self, roster: Roster) -> Municipality:
        values: dict[str, object] = {
            "name": roster.municipality,
            "meeting_interval_weeks": roster.policy.interval_weeks,
            "meeting_time": roster.policy.meeting_time,
            "reminder_days": list(roster.policy.reminder_days),
            "reminder_time": roster.policy.reminder_time,
            "rating_nudge_time": roster.policy.rating_nudge_time,
            "visiting_disciplines": list(roster.visits.disciplines),
            "visit_notice_days": roster.visits.notice_days,
            "visit_reminder_days": roster.visits.reminder_working_days,
            "cafe_min_children": roster.cafe.min_children,
            "cafe_max_children": roster.cafe.max_children,
            "cafe_age_from": roster.cafe.age_from,
            "cafe_age_to": roster.cafe.age_to,
            "cafe_time": roster.cafe.time,
        }
        row = (await self.session.exec(select(Municipality))).first()
        if row is None:
            row = Municipality(name=roster.municipality)
            _update(row, values)
            self.session.add(row)
            self.report.add("created", "municipality", roster.municipality)
        elif changed := _update(row, values):
            self.report.add("updated", "municipality", roster.municipality, changed)
        await self.session.flush()
        return row

    async def institutions_and_districts(self, roster: Roster, municipality: Municipality) -> None:
        self.districts = {d.name: d for d in (await self.session.exec(select(District))).all()}
        for name in sorted({i.district for i in roster.institutions if i.district}):
            if name not in self.districts:
                self.districts[name] = District(name=name, municipality_id=_id(municipality))
                self.session.add(self.districts[name])
                self.report.add("created", "district", name)
        await self.session.flush()

        self.institutions = {i.code: i for i in (await self.session.exec(select(Institution))).all()}
        for spec in roster.institutions:
            values: dict[str, object] = {
                "name": spec.name,
                "kind": spec.kind.value,
                "district_id": _id(self.districts[spec.district]) if spec.district else None,
                "channel": spec.channel,
            }
            institution = self.institutions.get(spec.code)
            if institution is None:
                institution = Institution(code=spec.code, name=spec.name, kind=spec.kind.value)
                _update(institution, values)
                self.institutions[spec.code] = institution
                self.session.add(institution)
                self.report.add("created", "institution", spec.code)
            elif changed := _update(institution, values):
                self.report.add("updated", "institution", spec.code, changed)
        await self.session.flush()
        for spec in roster.institutions:
            await self.closing("institution", spec.code, spec.closing_days, None, self.institutions[spec.code])
            await self.cafe_children(spec.code, spec.cafe_children)

    async def cafe_children(self, code: str, counts: tuple[tuple[date, int], ...]) -> None:
        """Set the listed months' counts; months the file leaves out keep what was registered in Slack."""
        institution = self.institutions[code]
        current = {
            c.month: c
            for c in (await self.session.exec(select(CafeCount).where(CafeCount.institution_id == _id(institution))))
        }
        changed = False
        for month, children in counts:
            row = current.get(month)
            if row is None:
                self.session.add(
                    CafeCount(
                        institution_id=_id(institution),
                        month=month,
                        children=children,
                        updated_by=self.actor,
                        updated_at=self.now,
                    )
                )
                changed = True
            elif row.children != children:
                row.children, row.updated_by, row.updated_at = children, self.actor, self.now
                changed = True
        if changed and not self.report.mentions("institution", code, "created"):
            self.report.add("updated", "institution", code, ("cafe_children",))

    async def closing(
        self,
        table: str,
        key: str,
        wanted: tuple[DateRange, ...],
        municipality: Municipality | None,
        institution: Institution | None,
    ) -> None:
        owner = col(ClosingPeriod.institution_id)
        query = select(ClosingPeriod).where(owner == _id(institution) if institution else owner.is_(None))
        current = list((await self.session.exec(query)).all())
        if {(p.start, p.end) for p in current} == {(r.start, r.end) for r in wanted}:
            return
        for period in current:
            await self.session.delete(period)
        for wanted_period in wanted:
            self.session.add(
                ClosingPeriod(
                    municipality_id=_id(municipality) if municipality else None,
                    institution_id=_id(institution) if institution else None,
                    start=wanted_period.start,
                    end=wanted_period.end,
                )
            )
        if not self.report.mentions(table, key, "created"):
            self.report.add("updated", table, key, ("closing_days",))

    async def staff_members(self, roster: Roster) -> None:
        existing = list((await self.session.exec(select(Staff))).all())
        by_key: dict[str, Staff] = {}
        for person in existing:
            if person.slack_id:
                by_key[person.slack_id] = person
            if person.email:
                by_key[person.email.lower()] = person
        for spec in roster.staff:
            found = by_key.get(spec.slack_id or "") or by_key.get((spec.email or "").lower())
            values: dict[str, object] = {"name": spec.name, "roles": [r.value for r in spec.roles], "active": True}
            if spec.slack_id:
                values["slack_id"] = spec.slack_id
            if spec.email:
                values["email"] = spec.email.lower()
            if found is None:
                found = Staff(name=spec.name)
                _update(found, values)
                self.session.add(found)
                self.report.add("created", "staff", spec.key)
            elif changed := _update(found, values):
                self.report.add("updated", "staff", spec.key, changed)
            self.staff[spec.key] = found
        listed = {id(person) for person in self.staff.values()}
        for person in existing:
            if id(person) not in listed and person.active:
                person.active = False
                self.report.add("deactivated", "staff", person.slack_id or person.email or person.name)
        await self.session.flush()
        for spec in roster.staff:
            await self.memberships(spec)
            await self.absences(spec)

    async def memberships(self, spec: StaffSpec) -> None:
        person = self.staff[spec.key]
        wanted = {_id(self.institutions[code]) for code in spec.institutions}
        query = select(StaffInstitution.institution_id).where(StaffInstitution.staff_id == _id(person))
        if wanted == set((await self.session.exec(query)).all()):
            return
        await self.session.exec(delete(StaffInstitution).where(col(StaffInstitution.staff_id) == _id(person)))
        for institution_id in sorted(wanted):
            self.session.add(StaffInstitution(staff_id=_id(person), institution_id=institution_id))
        if not self.report.mentions("staff", spec.key):
            self.report.add("updated", "staff", spec.key, ("institutions",))

    async def absences(self, spec: StaffSpec) -> None:
        """Absences also change in Slack (`/teambot fravær`, `fravær slet`): the import changes only what the file
        changed since it last spoke, what it dropped goes and what it added comes, so one registered or taken back
        in Slack stays so (re-importing an unchanged file wiped them all). Its first word on someone (new to the
        file, or from before teambot remembered it) adds its absences without removing any. Rows left as they were
        keep their ids: the first absence registered for a day decides who stands in."""
        staff_id = _id(self.staff[spec.key])
        given = {(a.start, a.end, _id(self.staff[a.substitute]) if a.substitute else None) for a in spec.absences}
        current = (
            await self.session.exec(select(Absence).where(Absence.staff_id == staff_id).order_by(col(Absence.id)))
        ).all()
        last = await self.session.get(StaffImport, staff_id)
        before = {_absence_said(said) for said in last.absences} if last else set()
        dropped, have = before - given, {_absence_key(a) for a in current}
        changed = False
        for absence in current:
            if _absence_key(absence) in dropped:
                await self.session.delete(absence)
                changed = True
        for start, end, substitute_id in sorted(given - before - have, key=_absence_order):
            self.session.add(Absence(staff_id=staff_id, start=start, end=end, substitute_id=substitute_id))
            changed = True
        if changed and not self.report.mentions("staff", spec.key, "created"):
            self.report.add("updated", "staff", spec.key, ("absences",))
        # Said of absences not over only: one registered in Slack last spring is no news at every import.
        kept = (have - dropped) | (given - before)
        if {a for a in kept if a[1] >= self.today} != {a for a in given if a[1] >= self.today}:
            self.report.add("kept", "staff", spec.key, ("absences",))
        said = [[start.isoformat(), end.isoformat(), sub] for start, end, sub in sorted(given, key=_absence_order)]
        if last is None:
            self.session.add(StaffImport(staff_id=staff_id, absences=said))
        elif last.absences != said:
            last.absences = said
            self.session.add(last)

    async def assignments(self, roster: Roster) -> None:
        wanted: set[AssignmentKey] = set()
        for spec in roster.assignments:
            staff_id = _id(self.staff[spec.staff])
            if spec.district:
                wanted.add((spec.role.value, staff_id, None, _id(self.districts[spec.district])))
            for code in spec.institutions:
                wanted.add((spec.role.value, staff_id, _id(self.institutions[code]), None))
        current: dict[AssignmentKey, Assignment] = {
            (a.role, a.staff_id, a.institution_id, a.district_id): a
            for a in (await self.session.exec(select(Assignment))).all()
        }
        for key, assignment in current.items():
            if key not in wanted:
                await self.session.delete(assignment)
                self.report.add("deactivated", "assignment", self.assignment_label(key))
        for key in sorted(wanted - current.keys(), key=str):
            role, staff_id, institution_id, district_id = key
            self.session.add(
                Assignment(role=role, staff_id=staff_id, institution_id=institution_id, district_id=district_id)
            )
            self.report.add("created", "assignment", self.assignment_label(key))

    def assignment_label(self, key: AssignmentKey) -> str:
        role, staff_id, institution_id, district_id = key
        where = next((c for c, i in self.institutions.items() if i.id == institution_id), None) or next(
            (n for n, d in self.districts.items() if d.id == district_id), "?"
        )
        who = next((k for k, s in self.staff.items() if s.id == staff_id), f"#{staff_id}")
        return f"{role} {where} ({who})"

    async def case(self, spec: CaseSpec) -> None:
        values: dict[str, object] = {
            "institution_id": _id(self.institutions[spec.institution]),
            "paedagog_id": _id(self.staff[spec.paedagog]),
            "meeting_interval_weeks": spec.meeting_interval_weeks,
        }
        if spec.start_meeting is not None:  # left out, it is not said: one set with `/teambot forløb start` stays
            values["start_meeting"] = spec.start_meeting
        consent: dict[str, object] = {
            "consent_date": spec.consent_date,
            "consent_professions": sorted(p.value for p in spec.consent_professions),  # as Slack stores it
        }
        consultants = sorted({_id(self.staff[key]) for key in spec.consultants})
        case = (await self.session.exec(select(Case).where(Case.code == spec.code))).first()
        created = case is None
        if case is None and not is_new_case_code(spec.code):
            # A code of letters only may be the child's name. One stored before a digit was required still imports.
            self.problems.append(
                Problem(f"[[case]] {spec.code}", "code", "roster.case_code_without_digit", {"value": spec.code})
            )
            return
        if case is None:
            case = Case(code=spec.code, institution_id=0, paedagog_id=0, status="active")
            _update(case, values | consent)
            self.session.add(case)
            await self.session.flush()
            self.report.add("created", "case", spec.code)
            audit.record(self.session, at=self.now, actor=self.actor, action="case.create", case_code=spec.code)
            changed: tuple[str, ...] = ()
        else:
            changed = _update(case, values)
        case_id = _id(case)

        changed += await self.consent_and_consultants(case, spec, created=created, consent=consent, wanted=consultants)

        goals = (await self.session.exec(select(Goal).where(Goal.case_id == case_id))).all()
        known = {g.text for g in goals}
        number = max((g.number for g in goals), default=0)
        # A goal new in the file is first asked for on the day of the import (as `/teambot forløb mål` sets it):
        # nobody was asked before, so those days are not missing in `/uge` (`first_asked_day`), also when the file
        # creating the case gives an earlier start meeting. A start meeting to come is not stored in the goal:
        # `first_asked_day` takes the case's as it is then, moved or not.
        started_on = self.today
        for text in spec.goals:
            if text not in known:
                number += 1
                # The goals of the import that creates the case were agreed at its start meeting: they follow it
                # when it is recorded later (`first_rating_day`). A goal a later file adds begins on its own day.
                self.session.add(
                    Goal(case_id=case_id, number=number, text=text, started_on=started_on, from_start_meeting=created)
                )
                known.add(text)
                changed += (f"goal {number}",)
        if changed and not created:
            self.report.add("updated", "case", spec.code, changed)
            audit.record(
                self.session,
                at=self.now,
                actor=self.actor,
                action="case.update",
                case_code=spec.code,
                fields=list(changed),
            )

    async def consent_and_consultants(
        self, case: Case, spec: CaseSpec, *, created: bool, consent: dict[str, object], wanted: list[int]
    ) -> tuple[str, ...]:
        """Consent and consultants also change in Slack (`/teambot forløb samtykke`, `konsulent`). Where the file
        spoke before, it changes them only if it says something else than then: an unchanged file must not bring
        back a consent withdrawn in Slack. Its first word on a case that exists (made in Slack; from before teambot
        remembered the file) may narrow the consent, never widen it, and adds consultants without removing any.
        Returns the fields changed; reports the ones kept."""
        case_id = _id(case)
        last = await self.session.get(CaseImport, case_id)
        given = typing.cast(list[str], consent["consent_professions"])  # sorted
        stored_professions = sorted(case.consent_professions)
        stored = {"consent_date": case.consent_date, "consent_professions": stored_professions}
        query = select(CaseConsultant.staff_id).where(CaseConsultant.case_id == case_id)
        current = sorted((await self.session.exec(query)).all())
        changed: tuple[str, ...] = ()
        kept: tuple[str, ...] = ()
        if created:
            target = wanted
        elif last is not None:
            said = {"consent_date": last.consent_date, "consent_professions": sorted(last.consent_professions)}
            if said == consent:
                if stored != consent:
                    kept += ("consent",)
            elif last.consent_date != consent["consent_date"]:
                changed += _update(case, consent)  # a consent of a new date: the parents decided anew
            else:
                # The same consent edited in the file: only what the file added or removed, so a profession
                # withdrawn in Slack does not come back because the file dropped another. The file kept its date,
                # so a date recorded in Slack since (a renewal) stays; the file's applies only where Slack has none.
                merged = _merged(stored_professions, last.consent_professions, given)
                day = (case.consent_date or consent["consent_date"]) if merged else None
                changed += _update(case, {"consent_date": day, "consent_professions": merged})
                if merged != given:
                    kept += ("consent",)
                elif merged and day != consent["consent_date"]:
                    kept += ("consent_date",)  # the professions are the file's; only Slack's date stays
            # What the file added or removed since it last spoke; consultants added in Slack (the only way Slack
            # changes them) stay.
            target = _merged(current, last.consultants, wanted)
        else:
            # A consent Slack recorded (given or withdrawn) may be narrowed by the file, never widened; a case
            # whose consent Slack never touched takes the file's.
            if not await self.consent_set_in_slack(case) or (given and set(given) <= set(stored_professions)):
                changed += _update(case, consent)
            elif stored != consent:
                kept += ("consent",)
            target = sorted(set(current) | set(wanted))
        if target != current:
            await self.session.exec(delete(CaseConsultant).where(col(CaseConsultant.case_id) == case_id))
            for staff_id in target:
                self.session.add(CaseConsultant(case_id=case_id, staff_id=staff_id))
            if not created:
                changed += ("consultants",)
        if set(target) - set(wanted):
            kept += ("consultants",)
        if last is None:
            last = CaseImport(case_id=case_id, consent_date=None, consent_professions=[], consultants=[])
            self.session.add(last)
        _update(last, consent | {"consultants": wanted})
        if kept:
            self.report.add("kept", "case", spec.code, kept)
        return changed

    async def consent_set_in_slack(self, case: Case) -> bool:
        """Whether anyone recorded or withdrew this case's consent with `/teambot forløb samtykke` (audited)."""
        query = select(AuditEntry.id).where(AuditEntry.case_code == case.code, AuditEntry.action == "case.consent")
        return (await self.session.exec(query.limit(1))).first() is not None

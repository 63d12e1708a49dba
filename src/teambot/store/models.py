"""Tables. Children appear only as pseudonymous case codes; no names, birth dates or CPR numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from teambot.store.types import UTCDateTime


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    meeting_interval_weeks: int = 6
    meeting_time: str = Field(default="14:00", max_length=5)  # local "HH:MM"
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1], sa_column=Column(JSON, nullable=False))
    reminder_time: str = Field(default="08:00", max_length=5)
    rating_nudge_time: str = Field(default="14:00", max_length=5)
    # Consultant visit rounds and the småbørnscafé (issue 5).
    visiting_disciplines: list[str] = Field(
        default_factory=lambda: ["sundhedsplejerske"], sa_column=Column(JSON, nullable=False)
    )
    visit_notice_days: int = 14
    visit_reminder_days: int = 2  # working days before the visit
    cafe_min_children: int = 3
    cafe_max_children: int = 8
    cafe_age_from: int = 15  # months
    cafe_age_to: int = 21
    cafe_time: str = Field(default="09:30", max_length=5)


class District(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True)


class Institution(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    channel: str | None = Field(default=None, max_length=30)


class ClosingPeriod(SQLModel, table=True):
    """Closing days of the whole municipality (institution_id empty) or of one institution."""

    __tablename__ = "closing_period"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    start: date
    end: date


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_id: str | None = Field(default=None, max_length=30, unique=True)
    email: str | None = Field(default=None, max_length=200, unique=True)
    name: str = Field(max_length=200)
    roles: list[str] = _json_list()
    active: bool = True


class StaffInstitution(SQLModel, table=True):
    __tablename__ = "staff_institution"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", primary_key=True, index=True)


class Absence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    start: date
    end: date
    substitute_id: int | None = Field(default=None, foreign_key="staff.id")


class Assignment(SQLModel, table=True):
    """The fixed consultant of one discipline for an institution, or for a whole district."""

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=40)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)


class Case(SQLModel, table=True):
    """A child's forløb, known only by its pseudonymous code."""

    __tablename__ = "child_case"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    paedagog_id: int = Field(foreign_key="staff.id", index=True)
    start_meeting: date | None = None
    status: str = Field(default="active", max_length=10)  # active | closed
    closed_on: date | None = None
    consent_date: date | None = None
    consent_professions: list[str] = _json_list()
    meeting_interval_weeks: int | None = None


class CaseImport(SQLModel, table=True):
    """What the roster file said about a case at its last import: consent and consultants may also change in Slack,
    so an import changes them only where the file changed since (a withdrawal in Slack stays withdrawn). Only the
    import reads it; a table of its own keeps it out of every read of the case."""

    __tablename__ = "case_import"

    case_id: int = Field(foreign_key="child_case.id", primary_key=True)
    consent_date: date | None = None
    consent_professions: list[str] = _json_list()
    consultants: list[int] = _json_list()  # staff ids, sorted


class StaffImport(SQLModel, table=True):
    """What the roster file said about a person's absences at its last import: absences also change in Slack
    (`/teambot fravær`, `fravær slet`), so an import changes them only where the file changed since (re-importing an
    unchanged file must not wipe an absence registered in Slack, nor bring back one taken back there)."""

    __tablename__ = "staff_import"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    absences: list[list[Any]] = _json_list()  # [start, end, substitute's staff id or null]: ISO dates, sorted


class CaseConsultant(SQLModel, table=True):
    __tablename__ = "case_consultant"

    case_id: int = Field(foreign_key="child_case.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, index=True)


class Goal(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="child_case.id", index=True)
    number: int
    text: str = Field(max_length=300)
    active: bool = True
    started_on: date | None = None
    # Agreed at the case's start meeting (the goals of the import that created the case): rated from the start meeting
    # whenever it is recorded, `started_on` (the import day) only until then; asked for from `started_on` all the same
    # (`domain.ratings.first_rating_day`, `first_asked_day`).
    from_start_meeting: bool = False
    ended_on: date | None = None


class Rating(SQLModel, table=True):
    """One goal's rating (1–4) on one day; a correction replaces the value, the audit log keeps the old."""

    # The unique index also serves lookups by goal: no index of goal_id alone (one page less per stored rating).
    __table_args__ = (UniqueConstraint("goal_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id")
    day: date = Field(index=True)
    value: int
    note: str | None = Field(default=None, max_length=500)
    rated_by: int = Field(foreign_key="staff.id")
    rated_at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Append-only record of every read and write of case data."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=60)
    action: str = Field(max_length=40)
    case_code: str | None = Field(default=None, max_length=20, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Meeting(SQLModel, table=True):
    """One status meeting in a case's series. `day` is the current date; `planned_day` the first one planned."""

    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="child_case.id", index=True)
    seq: int  # 1 = the first status meeting after the start meeting
    planned_day: date
    day: date = Field(index=True)
    start: str = Field(max_length=5)  # local wall-clock "HH:MM"
    status: str = Field(default="planned", max_length=12)  # planned | moved | cancelled | held
    cancel_reason: str | None = Field(default=None, max_length=300)
    confirmed_by: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # How often its day, time or status (cancelled) changed, and when last: a calendar's SEQUENCE and LAST-MODIFIED.
    revision: int = 0
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """The outbox: everything the bot sends on its own, planned ahead, delivered once."""

    # The dispatcher's claim (`outbox.claim_due`: pending, due, in `due_at, id` order, a batch at a time) reads the
    # due rows in order and stops at the batch, instead of sorting every pending row (a year of reminders ahead).
    # Its leading column serves the lookups by status alone (`abandoned`, retention) that had an index of their own.
    __table_args__ = (Index("ix_notification_status_due_at_id", "status", "due_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=30, index=True)  # Slack user or channel ID
    subject: str = Field(max_length=20)  # case or institution code
    ref_type: str | None = Field(default=None, max_length=20)
    ref_id: int | None = Field(default=None, index=True)
    event_day: date | None = None
    institution_id: int | None = Field(default=None, foreign_key="institution.id")
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default="pending", max_length=12)
    # pending | sending | sent | cancelled | missed | failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=40)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=40)
    last_error: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class Visit(SQLModel, table=True):
    """One consultant visit in the årshjul: one per institution, visiting discipline and quarter."""

    __table_args__ = (UniqueConstraint("institution_id", "discipline", "year", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    discipline: str = Field(max_length=40)
    year: int
    quarter: int
    consultant_id: int = Field(foreign_key="staff.id", index=True)  # the fixed consultant it was planned for
    planned_day: date
    day: date = Field(index=True)
    status: str = Field(default="planned", max_length=12)  # planned | confirmed | moved
    confirmed_by: int | None = Field(default=None, foreign_key="staff.id")
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last moved or confirmed
    revision: int = 0  # how often its day changed: with `reroutes`, a calendar's SEQUENCE (store/calendar.py)
    # Whom the planner last found it routed to (fixed consultant or substitute; None: only the leads are told), how
    # often that changed, and when last: a calendar's SEQUENCE and LAST-MODIFIED also grow when it changes hands.
    visitor_id: int | None = Field(default=None, foreign_key="staff.id")
    reroutes: int = 0
    rerouted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VisitVisitor(SQLModel, table=True):
    """Everyone a visit has been routed to: whose calendar it has been in, and keeps, cancelled, once it is not
    theirs any more."""

    __tablename__ = "visit_visitor"

    visit_id: int = Field(foreign_key="visit.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, index=True)


class VisitTheme(SQLModel, table=True):
    """A theme staff collected from parents for one visit."""

    __tablename__ = "visit_theme"

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    text: str = Field(max_length=200)
    added_by: int = Field(foreign_key="staff.id")
    added_at: datetime = Field(sa_type=UTCDateTime)


class CafeCount(SQLModel, table=True):
    """How many children of an institution reach 18 months in one month: a count, never child data."""

    __tablename__ = "cafe_count"
    __table_args__ = (UniqueConstraint("institution_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    month: date  # the first day of the month
    children: int
    updated_by: str = Field(max_length=60)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CafeSession(SQLModel, table=True):
    """One småbørnscafé proposed for an institution, for the cohorts `first_month`..`last_month`."""

    __tablename__ = "cafe_session"
    __table_args__ = (UniqueConstraint("institution_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    day: date = Field(index=True)
    start: str = Field(max_length=5)  # local wall-clock "HH:MM"
    first_month: date
    last_month: date
    children: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    revision: int = 0  # changes a calendar shows (store/revisions.py), and when last: SEQUENCE and LAST-MODIFIED
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CafeInvite(SQLModel, table=True):
    """One professional invited to a café, and their answer."""

    __tablename__ = "cafe_invite"
    __table_args__ = (UniqueConstraint("session_id", "staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="cafe_session.id", index=True)
    role: str = Field(max_length=40)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    status: str = Field(default="invited", max_length=12)  # invited | accepted | declined
    stands_in_for: int | None = Field(default=None, foreign_key="staff.id")  # whose decline this invite replaces
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The café day this invitation last asked about; empty on invitations made before buttons named the café and
    # day, the only ones a button with the id alone may answer (migration 0009).
    asked_for: date | None = Field(default=None)


class CafeRelease(SQLModel, table=True):
    """Someone a café's move released: invited to its old day and not to its new one, her invitation gone. While she
    has none, the café stays in her calendar, cancelled, as a declined one does: left out, her calendar program
    would keep the old day."""

    __tablename__ = "cafe_release"

    session_id: int = Field(foreign_key="cafe_session.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, index=True)
    role: str = Field(max_length=40)  # as she was invited: her calendar event keeps its title


class CalendarFeed(SQLModel, table=True):
    """A secret calendar URL for one person. Only a hash of the token is kept; a new one revokes the old."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SeenRequest(SQLModel, table=True):
    """A Slack request signature or Events API event_id already handled, shared by every HTTP worker of one
    database, so a replay or a retry reaching another process is still recognised. Kept for an hour."""

    __tablename__ = "seen_request"

    key: str = Field(primary_key=True, max_length=100)
    seen_at: datetime = Field(sa_type=UTCDateTime, index=True)

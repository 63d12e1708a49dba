"""The roster file: parsed and validated into plain data before anything touches the database.

Every problem is collected with the file, the table entry and the key it concerns, so one run of
`teambot import` shows them all, and nothing is imported unless the whole file is valid.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from teambot.domain.cafe import MAX_COUNT, CafePolicy
from teambot.domain.calendar import DateRange, parse_date_range
from teambot.domain.meetings import WORKDAY_END, WORKDAY_START, format_hhmm, parse_hhmm, within_working_day
from teambot.domain.privacy import contains_cpr
from teambot.domain.roles import CONSULTANT_ROLES, InstitutionKind, Role
from teambot.domain.visits import VisitPolicy

# A child's code as stored: at least one letter, as an all-digit code could be a birth date. A new code needs a digit
# too (`is_new_case_code`): one of letters only could be the child's name. Codes stored before that rule still work.
CASE_CODE = re.compile(r"^(?=.*[A-ZÆØÅ])[A-ZÆØÅ0-9]{2,12}$")
_DIGIT = re.compile(r"[0-9]")


def is_new_case_code(code: str) -> bool:
    """Whether `code` (upper case) may be given to a new case: a `CASE_CODE` with a digit, never a name."""
    return bool(CASE_CODE.match(code) and _DIGIT.search(code))


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file. `kind` is a catalog key; `values` fill it."""

    entry: str  # e.g. "[[case]] nr. 2 (AK12)"
    key: str
    kind: str
    values: dict[str, str] = field(default_factory=dict)


class RosterError(Exception):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)")
        self.source = source
        self.problems = problems


@dataclass(frozen=True)
class InstitutionSpec:
    code: str
    name: str
    kind: InstitutionKind
    district: str | None
    channel: str | None
    closing_days: tuple[DateRange, ...]
    cafe_children: tuple[tuple[date, int], ...] = ()  # (month, children reaching 18 months in it)


@dataclass(frozen=True)
class AbsenceSpec:
    start: date
    end: date
    substitute: str | None


@dataclass(frozen=True)
class StaffSpec:
    key: str  # the Slack ID, or the email when no ID is known yet
    slack_id: str | None
    email: str | None
    name: str
    roles: tuple[Role, ...]
    institutions: tuple[str, ...]
    absences: tuple[AbsenceSpec, ...] = ()


@dataclass(frozen=True)
class AssignmentSpec:
    role: Role
    staff: str
    institutions: tuple[str, ...]
    district: str | None


@dataclass(frozen=True)
class CaseSpec:
    code: str
    institution: str
    paedagog: str
    consultants: tuple[str, ...]
    start_meeting: date | None
    consent_date: date | None
    consent_professions: tuple[Role, ...]
    goals: tuple[str, ...]
    meeting_interval_weeks: int | None


@dataclass(frozen=True)
class MeetingPolicy:
    """The municipality's status-meeting rhythm and reminder times."""

    interval_weeks: int = 6
    meeting_time: str = "14:00"
    reminder_days: tuple[int, ...] = (7, 1)
    reminder_time: str = "08:00"
    rating_nudge_time: str = "14:00"


@dataclass(frozen=True)
class Roster:
    municipality: str
    closing_days: tuple[DateRange, ...]
    institutions: tuple[InstitutionSpec, ...]
    staff: tuple[StaffSpec, ...]
    assignments: tuple[AssignmentSpec, ...]
    cases: tuple[CaseSpec, ...]
    policy: MeetingPolicy = MeetingPolicy()
    visits: VisitPolicy = VisitPolicy()
    cafe: CafePolicy = CafePolicy()


def load_roster_file(path: Path) -> Roster:
    """Read and validate a roster TOML file. Raises RosterError listing every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RosterError(str(path), [Problem("fil", "-", "roster.toml_syntax", {"error": str(exc)})]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(str(path), [Problem("fil", "-", "roster.unreadable", {"error": str(exc)})]) from None
    return parse_roster(data, source=str(path))


KNOWN_KEYS: dict[str, frozenset[str]] = {
    "municipality": frozenset(
        {
            "name",
            "closing_days",
            "meeting_interval_weeks",
            "meeting_time",
            "reminder_days",
            "reminder_time",
            "rating_nudge_time",
            "visiting_disciplines",
            "visit_notice_days",
            "visit_reminder_days",
            "cafe_min_children",
            "cafe_max_children",
            "cafe_age_months",
            "cafe_time",
        }
    ),
    "institution": frozenset({"code", "name", "kind", "district", "channel", "closing_days", "cafe_children"}),
    "staff": frozenset({"id", "email", "name", "roles", "institutions", "absences"}),
    "assignment": frozenset({"role", "staff", "institutions", "district"}),
    "case": frozenset(
        {
            "code",
            "institution",
            "paedagog",
            "consultants",
            "start_meeting",
            "consent",
            "goals",
            "meeting_interval_weeks",
        }
    ),
}


class _Reader:
    """Typed access to one table entry, recording a Problem instead of raising."""

    def __init__(self, problems: list[Problem], entry: str, data: Any, table: str | None = None) -> None:
        self.problems = problems
        self.entry = entry
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.problem("-", "roster.not_a_table")
        # A misspelt key would otherwise be ignored without a word.
        for key in sorted(set(self.data) - KNOWN_KEYS.get(table or "", frozenset(self.data))):
            self.problem(key, "roster.unknown_key")

    def problem(self, key: str, kind: str, **values: object) -> None:
        self.problems.append(Problem(self.entry, key, kind, {k: str(v) for k, v in values.items()}))

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, "roster.missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "roster.not_text")
            return None
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, "roster.not_text_list")
            return ()
        return tuple(v.strip() for v in value)

    def day(self, key: str, value: Any) -> date | None:
        if value is None:
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(key, "roster.bad_date", value=value)
            return None

    def ranges(self, key: str) -> tuple[DateRange, ...]:
        result = []
        for text in self.texts(key):
            try:
                result.append(parse_date_range(text))
            except ValueError:
                self.problem(key, "roster.bad_range", value=text)
        return tuple(result)

    def role(self, key: str, text: str) -> Role | None:
        try:
            return Role(text.lower())
        except ValueError:
            self.problem(key, "roster.unknown_role", value=text)
            return None


def _find_cpr(value: Any) -> bool:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return contains_cpr(str(value))
    if isinstance(value, dict):
        # Keys too: a key is echoed as well, e.g. as the month of `cafe_children`.
        return any(_find_cpr(k) or _find_cpr(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_find_cpr(v) for v in value)
    return False


def _entries(data: dict[str, Any], table: str, problems: list[Problem]) -> list[Any]:
    value = data.get(table, [])
    if not isinstance(value, list):
        problems.append(Problem(f"[[{table}]]", "-", "roster.not_array"))
        return []
    return value


def parse_roster(data: dict[str, Any], *, source: str = "roster") -> Roster:
    """Validate roster data (as read from TOML). Raises RosterError listing every problem."""
    problems: list[Problem] = []

    # CPR-shaped text anywhere refuses the whole file; the offending value is never echoed.
    for table, value in data.items():
        if contains_cpr(table):
            problems.append(Problem("[?]", "-", "roster.cpr"))
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items, start=1):
            if isinstance(item, dict):
                for key, inner in item.items():
                    if contains_cpr(key):
                        problems.append(Problem(f"[[{table}]] nr. {index}", "?", "roster.cpr"))
                    elif _find_cpr(inner):
                        problems.append(Problem(f"[[{table}]] nr. {index}", key, "roster.cpr"))
            elif _find_cpr(item):
                problems.append(Problem(f"[{table}]", "-", "roster.cpr"))
    if problems:
        raise RosterError(source, problems)

    known_tables = {"municipality", "institution", "staff", "assignment", "case"}
    for table in data:
        if table not in known_tables:
            problems.append(Problem(f"[{table}]", "-", "roster.unknown_table"))

    muni = _Reader(problems, "[municipality]", data.get("municipality", {}), "municipality")
    municipality = muni.text("name") or ""
    municipality_closing = muni.ranges("closing_days")
    policy = _policy(muni)
    visits = _visit_policy(muni)
    cafe = _cafe_policy(muni)

    institutions: list[InstitutionSpec] = []
    seen_institutions: set[str] = set()
    districts: set[str] = set()
    for index, raw in enumerate(_entries(data, "institution", problems), start=1):
        r = _Reader(problems, f"[[institution]] nr. {index}", raw, "institution")
        code = (r.text("code") or "").upper()
        if code:
            r.entry = f"[[institution]] nr. {index} ({code})"
            if code in seen_institutions:
                r.problem("code", "roster.duplicate", value=code)
            seen_institutions.add(code)
        name = r.text("name") or ""
        kind_text = r.text("kind") or ""
        kind = None
        try:
            kind = InstitutionKind(kind_text.lower())
        except ValueError:
            if kind_text:
                r.problem("kind", "roster.unknown_kind", value=kind_text)
        district = r.text("district", required=False)
        if district:
            districts.add(district)  # known even if this entry has other mistakes: one problem, one report
        channel = r.text("channel", required=False)
        closing = r.ranges("closing_days")
        cafe_children = _cafe_children(r)
        if code and name and kind:
            institutions.append(InstitutionSpec(code, name, kind, district, channel, closing, cafe_children))

    staff: list[StaffSpec] = []
    seen_staff: set[str] = set()
    for index, raw in enumerate(_entries(data, "staff", problems), start=1):
        r = _Reader(problems, f"[[staff]] nr. {index}", raw, "staff")
        slack_id = r.text("id", required=False)
        email = r.text("email", required=False)
        if slack_id and not SLACK_USER_ID.match(slack_id):
            r.problem("id", "roster.bad_slack_id", value=slack_id)
            slack_id = None
        if email and "@" not in email:
            r.problem("email", "roster.bad_email", value=email)
            email = None
        key = slack_id or (email.lower() if email else None)
        if not key:
            if "id" not in r.data and "email" not in r.data:
                r.problem("id", "roster.missing_id_or_email")
            continue
        r.entry = f"[[staff]] nr. {index} ({key})"
        if key in seen_staff:
            r.problem("id" if slack_id else "email", "roster.duplicate", value=key)
        seen_staff.add(key)
        name = r.text("name") or ""
        role_texts = r.texts("roles")
        roles = tuple(role for text in role_texts if (role := r.role("roles", text)))
        if not role_texts:
            r.problem("roles", "roster.missing")
        member_of = tuple(code.upper() for code in r.texts("institutions"))
        for code in member_of:
            if code not in seen_institutions:
                r.problem("institutions", "roster.unknown_institution", value=code)
        absences = []
        raw_absences = r.data.get("absences", [])
        for absence in raw_absences if isinstance(raw_absences, list) else []:
            a = _Reader(problems, r.entry, absence)
            start = a.day("absences", absence.get("from")) if isinstance(absence, dict) else None
            end = a.day("absences", absence.get("to")) if isinstance(absence, dict) else None
            substitute = a.text("substitute", required=False)
            if start and end and end >= start:
                absences.append(AbsenceSpec(start, end, substitute))
            else:
                a.problem("absences", "roster.bad_range", value=absence)
        if name and roles:
            staff.append(StaffSpec(key, slack_id, email, name, roles, member_of, tuple(absences)))
    emails = {s.email.lower(): s.key for s in staff if s.email}

    def staff_key(r: _Reader, key: str, text: str | None) -> str | None:
        if text is None:
            return None
        resolved = text if text in seen_staff else emails.get(text.lower())
        if resolved is None:
            r.problem(key, "roster.unknown_staff", value=text)
        return resolved

    for s in staff:
        for absence in s.absences:
            if absence.substitute:
                staff_key(_Reader(problems, f"[[staff]] ({s.key})", {}), "absences", absence.substitute)

    assignments: list[AssignmentSpec] = []
    for index, raw in enumerate(_entries(data, "assignment", problems), start=1):
        r = _Reader(problems, f"[[assignment]] nr. {index}", raw, "assignment")
        role_text = r.text("role")
        role = r.role("role", role_text) if role_text else None
        who = staff_key(r, "staff", r.text("staff"))
        covered = tuple(code.upper() for code in r.texts("institutions"))
        district = r.text("district", required=False)
        if bool(covered) == bool(district):
            r.problem("institutions", "roster.institutions_or_district")
        for code in covered:
            if code not in seen_institutions:
                r.problem("institutions", "roster.unknown_institution", value=code)
        if district and district not in districts:
            r.problem("district", "roster.unknown_district", value=district)
        if role and who:
            assignments.append(AssignmentSpec(role, who, covered, district))

    cases: list[CaseSpec] = []
    seen_cases: set[str] = set()
    for index, raw in enumerate(_entries(data, "case", problems), start=1):
        r = _Reader(problems, f"[[case]] nr. {index}", raw, "case")
        code = (r.text("code") or "").upper()
        if code:
            r.entry = f"[[case]] nr. {index} ({code})"
            if not CASE_CODE.match(code):
                r.problem("code", "roster.bad_case_code", value=code)
            if code in seen_cases:
                r.problem("code", "roster.duplicate", value=code)
            seen_cases.add(code)
        institution = (r.text("institution") or "").upper()
        if institution and institution not in seen_institutions:
            r.problem("institution", "roster.unknown_institution", value=institution)
        paedagog = staff_key(r, "paedagog", r.text("paedagog"))
        consultants = tuple(k for text in r.texts("consultants") if (k := staff_key(r, "consultants", text)))
        start_meeting = r.day("start_meeting", r.data.get("start_meeting"))
        consent = r.data.get("consent")
        consent_date = None
        consent_professions: tuple[Role, ...] = ()
        if consent is not None:
            c = _Reader(problems, r.entry, consent)
            consent_date = c.day("consent", c.data.get("date"))
            if consent_date is None and "date" not in c.data:
                c.problem("consent", "roster.missing_consent_date")
            consent_professions = tuple(p for text in c.texts("professions") if (p := c.role("consent", text)))
        goals = r.texts("goals")
        for goal in goals:
            if not goal or len(goal) > 300:
                r.problem("goals", "roster.bad_goal")
        interval = r.data.get("meeting_interval_weeks")
        if interval is not None and (not isinstance(interval, int) or not 1 <= interval <= 52):
            r.problem("meeting_interval_weeks", "roster.bad_interval", value=interval)
            interval = None
        if code and institution and paedagog:
            cases.append(
                CaseSpec(
                    code,
                    institution,
                    paedagog,
                    consultants,
                    start_meeting,
                    consent_date,
                    consent_professions,
                    goals,
                    interval,
                )
            )

    if problems:
        raise RosterError(source, problems)
    return Roster(
        municipality,
        municipality_closing,
        tuple(institutions),
        tuple(staff),
        tuple(assignments),
        tuple(cases),
        policy,
        visits,
        cafe,
    )


def _hhmm(r: _Reader, key: str, default: str) -> str:
    """The time of day at `key`, within the working day: a meeting's or a café's start, or when reminders and the
    rating nudge go out (not in the night)."""
    value = r.data.get(key, default)
    try:
        at = parse_hhmm(str(value))
    except ValueError:
        r.problem(key, "roster.bad_time", value=value)
        return default
    if not within_working_day(at):
        earliest, latest = format_hhmm(WORKDAY_START), format_hhmm(WORKDAY_END)
        r.problem(key, "roster.time_outside_day", value=value, earliest=earliest, latest=latest)
        return default
    return format_hhmm(at)


def _policy(r: _Reader) -> MeetingPolicy:
    default = MeetingPolicy()
    interval = r.data.get("meeting_interval_weeks", default.interval_weeks)
    if not isinstance(interval, int) or not 1 <= interval <= 52:
        r.problem("meeting_interval_weeks", "roster.bad_interval", value=interval)
        interval = default.interval_weeks
    days = r.data.get("reminder_days", list(default.reminder_days))
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 60 for d in days):
        r.problem("reminder_days", "roster.bad_reminder_days", value=days)
        days = list(default.reminder_days)
    return MeetingPolicy(
        interval_weeks=interval,
        meeting_time=_hhmm(r, "meeting_time", default.meeting_time),
        reminder_days=tuple(days),
        reminder_time=_hhmm(r, "reminder_time", default.reminder_time),
        rating_nudge_time=_hhmm(r, "rating_nudge_time", default.rating_nudge_time),
    )


def _small_int(r: _Reader, key: str, default: int, low: int, high: int) -> int:
    value = r.data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        r.problem(key, "roster.bad_number", value=value, low=low, high=high)
        return default
    return value


def _visit_policy(r: _Reader) -> VisitPolicy:
    default = VisitPolicy()
    disciplines = default.disciplines
    if "visiting_disciplines" in r.data:
        texts = r.texts("visiting_disciplines")
        roles = tuple(role.value for text in texts if (role := r.role("visiting_disciplines", text)))
        if any(role not in CONSULTANT_ROLES for role in roles):
            r.problem("visiting_disciplines", "roster.not_visiting", value=", ".join(roles))
        elif len(roles) == len(texts):
            disciplines = tuple(dict.fromkeys(roles))
    return VisitPolicy(
        disciplines=disciplines,
        notice_days=_small_int(r, "visit_notice_days", default.notice_days, 1, 60),
        reminder_working_days=_small_int(r, "visit_reminder_days", default.reminder_working_days, 1, 10),
    )


def _cafe_policy(r: _Reader) -> CafePolicy:
    default = CafePolicy()
    low = _small_int(r, "cafe_min_children", default.min_children, 1, 30)
    high = _small_int(r, "cafe_max_children", default.max_children, 1, 30)
    if high < low:
        r.problem("cafe_max_children", "roster.bad_cafe_size", low=low, high=high)
        low, high = default.min_children, default.max_children
    ages = r.data.get("cafe_age_months", [default.age_from, default.age_to])
    if (
        not isinstance(ages, list)
        or len(ages) != 2
        or not all(isinstance(a, int) and not isinstance(a, bool) for a in ages)
        or not 6 <= ages[0] <= 18 <= ages[1] <= 36
    ):
        r.problem("cafe_age_months", "roster.bad_age_window", value=ages)
        ages = [default.age_from, default.age_to]
    return CafePolicy(
        min_children=low,
        max_children=high,
        age_from=ages[0],
        age_to=ages[1],
        time=_hhmm(r, "cafe_time", default.time),
    )


def _cafe_children(r: _Reader) -> tuple[tuple[date, int], ...]:
    """`cafe_children = { "2027-03" = 4, ... }`: how many children reach 18 months in each month."""
    value = r.data.get("cafe_children", {})
    if not isinstance(value, dict):
        r.problem("cafe_children", "roster.bad_cafe_children", value=value)
        return ()
    result = []
    for month_text, children in value.items():
        try:
            month = date.fromisoformat(f"{month_text}-01")
        except ValueError:
            r.problem("cafe_children", "roster.bad_month", value=month_text)
            continue
        if not isinstance(children, int) or isinstance(children, bool) or not 0 <= children <= MAX_COUNT:
            r.problem("cafe_children", "roster.bad_count", value=children, max=MAX_COUNT)
            continue
        result.append((month, children))
    return tuple(sorted(result))

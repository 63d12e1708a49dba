"""Direct transactions (store/direct.py): Core statements run by the driver itself, on SQLite and PostgreSQL, with
the values the ORM would store and read."""

from __future__ import annotations

import io
import logging
import sqlite3
import subprocess
import sys
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import bindparam, exists, func, insert, inspect, select, text, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlmodel import col

from teambot.runtime import Redact
from teambot.store import direct as direct_module
from teambot.store.db import Database
from teambot.store.models import AuditEntry, Case, Goal, Institution, Notification, Rating, Staff


async def test_a_direct_transaction_stores_what_the_orm_reads_back(db: Database) -> None:
    """Dates, UTC instants, JSON and booleans go in through the types' own conversions: the ORM reads them back
    as it would read its own rows."""
    at = datetime(2027, 3, 4, 13, 5, 6, 789, tzinfo=UTC)
    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": "Mette", "roles": ["paedagog", "leder"], "active": False})
        await statements.execute(
            insert(AuditEntry),
            {"at": at, "actor": "U1", "action": "rating.create", "case_code": "AK12", "detail": {"æ": "ø", "n": 1}},
        )
    async with db.read() as session:
        staff = (await session.exec(select(Staff).where(col(Staff.name) == "Mette"))).scalars().one()
        entry = (await session.exec(select(AuditEntry))).scalars().one()
    assert (staff.roles, staff.active) == (["paedagog", "leder"], False)
    assert (entry.at, entry.detail) == (at, {"æ": "ø", "n": 1})


async def test_a_direct_read_gives_the_orm_s_types(db: Database) -> None:
    at = datetime(2027, 3, 4, 13, 5, tzinfo=UTC)
    async with db.write() as session:
        session.add(Staff(name="Mette", roles=["paedagog"], slack_id="U1"))
    statement = select(Staff.roles, Staff.active, Staff.name).where(col(Staff.slack_id) == "U1")
    async with db.direct() as statements:
        rows = await statements.rows(statement, {})
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U1", "action": "a", "case_code": None, "detail": {}}
        )
        instants = await statements.rows(select(AuditEntry.at, AuditEntry.detail), {})
    assert rows == [[["paedagog"], True, "Mette"]]
    assert instants == [[at, {}]]


async def test_a_failed_direct_transaction_stores_nothing_and_the_next_one_works(db: Database) -> None:
    with pytest.raises(RuntimeError, match="refused"):
        async with db.direct() as statements:
            await statements.execute(insert(Staff), {"name": "refused", "roles": [], "active": True})
            raise RuntimeError("refused")
    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": "stored", "roles": [], "active": True})
        await statements.execute(update(Staff).where(col(Staff.name) == "stored").values(active=False), {})
    async with db.read() as session:
        stored = (await session.exec(select(Staff.name, Staff.active))).all()
    assert [tuple(row) for row in stored] == [("stored", False)]


async def test_writes_to_several_tables_are_stored_together_or_not_at_all(db: Database) -> None:
    """A rating and its audit entry: on PostgreSQL they go as one statement (store/direct.py, Batched).
    One that breaks a unique key stores neither; quotes, percent signs and placeholder-like text are values."""
    at = datetime(2027, 3, 4, 13, 5, tzinfo=UTC)
    name = "O'Brien %(w0_name)s $1 \\ 100 %"
    entry = {"at": at, "actor": "U1", "action": "a", "case_code": None, "detail": {"note": name}}
    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": name, "roles": [], "active": True, "slack_id": "U1"})
        await statements.execute(insert(AuditEntry), entry)
    with pytest.raises((asyncpg.IntegrityConstraintViolationError, sqlite3.IntegrityError)):  # the driver's own
        async with db.direct() as statements:
            await statements.execute(insert(AuditEntry), entry)
            await statements.execute(insert(Staff), {"name": "twice", "roles": [], "active": True, "slack_id": "U1"})
    async with db.read() as session:
        assert list((await session.exec(select(Staff.name))).scalars()) == [name]
        assert list((await session.exec(select(AuditEntry.detail))).scalars()) == [{"note": name}]


async def test_a_write_that_reads_what_an_earlier_one_wrote_sees_it(db: Database) -> None:
    """On PostgreSQL the statements of one WITH do not see each other's rows, and a write with a WITH of its own
    cannot be nested in one: such writes are sent one after the other (found by review: the UPDATE below changed
    nothing, and the second one was a syntax error)."""
    at = datetime(2027, 3, 4, 13, 5, tzinfo=UTC)
    async with db.direct() as statements:
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U0", "action": "a", "case_code": None, "detail": {}}
        )
    seen = exists().where(col(Staff.name) == "new")
    chosen = select(Staff.id).where(col(Staff.name) == "new").cte("chosen")
    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": "new", "roles": [], "active": True})
        await statements.execute(update(AuditEntry).where(seen).values(actor="SEEN"), {})
    async with db.direct() as statements:
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U1", "action": "b", "case_code": None, "detail": {}}
        )
        await statements.execute(update(Staff).where(col(Staff.id).in_(select(chosen.c.id))).values(active=False), {})
    async with db.read() as session:
        actors = set((await session.exec(select(AuditEntry.actor))).scalars())
        active = (await session.exec(select(Staff.active))).scalars().one()
    assert actors == {"SEEN", "U1"}
    assert active is False
    # An UPDATE … FROM another table names no SELECT, nor does a condition in SQL text (helper-37).
    async with db.direct() as statements:
        await statements.execute(insert(Staff), {"name": "U2", "roles": [], "active": True})
        await statements.execute(insert(Staff), {"name": "U3", "roles": [], "active": True})
    async with db.direct() as statements:
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U2", "action": "c", "case_code": None, "detail": {}}
        )
        await statements.execute(update(Staff).where(col(Staff.name) == col(AuditEntry.actor)).values(active=False), {})
    async with db.direct() as statements:
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U3", "action": "d", "case_code": None, "detail": {}}
        )
        in_audit = text("name in (select actor from audit_entry where action = 'd')")
        await statements.execute(update(Staff).where(in_audit).values(active=False), {})
    async with db.read() as session:
        still_active = set((await session.exec(select(Staff.name).where(col(Staff.active)))).scalars())
    assert still_active == set()
    # Nor does a subquery in the rows of a multi-row INSERT, which the statement's tree leaves out (helper-38).
    newest = select(func.max(AuditEntry.actor)).where(col(AuditEntry.action) == "e").scalar_subquery()
    async with db.direct() as statements:
        await statements.execute(
            insert(AuditEntry), {"at": at, "actor": "U4", "action": "e", "case_code": None, "detail": {}}
        )
        rows = [{"name": newest, "roles": [], "active": True}, {"name": "U5", "roles": [], "active": True}]
        await statements.execute(insert(Staff).values(rows), {})
    async with db.read() as session:
        names = set((await session.exec(select(Staff.name))).scalars())
    assert {"U4", "U5"} <= names


async def test_a_read_after_a_write_sees_it_and_a_failure_after_that_keeps_neither(db: Database) -> None:
    with pytest.raises(RuntimeError, match="refused"):
        async with db.direct() as statements:
            await statements.execute(insert(Staff), {"name": "first", "roles": [], "active": True})
            assert await statements.rows(select(Staff.name), {}) == [["first"]]
            await statements.execute(update(Staff).values(active=False), {})
            raise RuntimeError("refused")
    async with db.read() as session:
        assert (await session.exec(select(Staff))).all() == []


async def test_what_only_sqlalchemy_s_execution_does_is_refused_not_run_wrong(db: Database) -> None:
    """A column's Python-side default is computed by SQLAlchemy's execution (the driver would store NULL), and an
    IN list is expanded there (the driver would get its placeholder): a direct statement needing either is refused
    before it runs."""
    async with db.direct() as statements:
        with pytest.raises(ValueError, match="every column a value: active"):
            await statements.execute(insert(Staff), {"name": "no active given", "roles": []})
        with pytest.raises(ValueError, match="IN list"):
            await statements.rows(select(Staff.name).where(col(Staff.name).in_(["a", "b"])), {})
    async with db.read() as session:
        assert (await session.exec(select(Staff))).all() == []


async def test_statements_made_per_call_are_not_kept(db: Database) -> None:
    """Each statement is compiled once and kept while it is a constant; statements made for each call would
    otherwise pile up without end."""
    for n in range(direct_module._COMPILED_AT_MOST + 10):
        async with db.direct() as statements:
            await statements.execute(insert(Staff), {"name": f"staff {n}", "roles": [], "active": True})
    assert len(direct_module._COMPILED) <= direct_module._COMPILED_AT_MOST


def test_a_row_can_be_made_before_the_orm_has_run_a_query() -> None:
    """The served bot's first /rating may come before any ORM query has configured the mappers (at start-up with
    nothing to plan): the row's model must still read its columns. It failed with an AttributeError of
    SQLAlchemy's until `loaded` configured the mappers itself."""
    script = (
        "from teambot.store.direct import loaded\n"
        "from teambot.store.models import Staff\n"
        "staff = loaded(Staff, {'id': 1, 'name': 'Mette', 'roles': ['paedagog'], 'active': True})\n"
        "print(staff.roles, staff.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['paedagog'] Mette"


async def test_a_failed_statement_s_log_carries_no_note(db: Database) -> None:
    """The driver's own error (PostgreSQL's DETAIL repeats a row that breaks NOT NULL, note and all) reaches the
    log only redacted."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    log = logging.getLogger("test_direct.failed")
    log.addHandler(handler)
    note = {"old_note": "svær morgen hos far"}  # not on the failing line: a traceback shows that line's source
    row = {"at": datetime.now(UTC), "actor": None, "action": "rating.correct", "case_code": "AK12", "detail": note}
    try:
        async with db.direct() as statements:
            await statements.execute(insert(AuditEntry), row)
    except Exception:
        log.exception("command failed")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "actor" in written  # the failure itself is logged
    assert "svær" not in written and "far" not in written


def test_writes_sent_together_are_numbered_on_and_made_once() -> None:
    """Each statement's placeholders (asyncpg's `$n`) are numbered on from those of the statements before it, its
    values follow theirs, and the text is made once per tuple of statements (helper-112's cache): each call's
    values are its own, and a value that looks like a placeholder stays a value."""
    rating = "INSERT INTO rating (goal_id, day, note) VALUES ($1::INTEGER, $2::DATE, $3::VARCHAR)"
    entry = "INSERT INTO audit_entry (actor, detail, kind) VALUES ($1::VARCHAR, $2::JSON, $1::VARCHAR)"
    wide = "INSERT INTO goal VALUES (" + ", ".join(f"${n}" for n in range(1, 12)) + ")"
    sql, values = direct_module._together([(rating, (1, "d", "$1")), (entry, ("U1", "{}"))])
    assert sql == (
        "WITH w0 AS (INSERT INTO rating (goal_id, day, note) VALUES ($1::INTEGER, $2::DATE, $3::VARCHAR)) "
        "INSERT INTO audit_entry (actor, detail, kind) VALUES ($4::VARCHAR, $5::JSON, $4::VARCHAR)"
    )
    assert values == [1, "d", "$1", "U1", "{}"]
    again, other = direct_module._together([(rating, (2, "e", None)), (entry, ("U2", "[]"))])
    assert again is sql and other == [2, "e", None, "U2", "[]"]
    sql, values = direct_module._together([(entry, ("U3", "{}")), (wide, tuple(range(11))), (rating, (3, "f", "n"))])
    assert sql == (
        "WITH w0 AS (INSERT INTO audit_entry (actor, detail, kind) VALUES ($1::VARCHAR, $2::JSON, $1::VARCHAR)), "
        "w1 AS (INSERT INTO goal VALUES (" + ", ".join(f"${n}" for n in range(3, 14)) + ")) "
        "INSERT INTO rating (goal_id, day, note) VALUES ($14::INTEGER, $15::DATE, $16::VARCHAR)"
    )
    assert values == ["U3", "{}", *range(11), 3, "f", "n"]
    named = 'INSERT INTO "odd$1" ("a$2", b$3) VALUES ($1::VARCHAR, $2::VARCHAR)'
    sql, _ = direct_module._together([(rating, (1, "d", "n")), (named, ("x", "y"))])
    assert sql.endswith('INSERT INTO "odd$1" ("a$2", b$3) VALUES ($4::VARCHAR, $5::VARCHAR)')


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO staff (name) VALUES ('$1' || $1::VARCHAR)",
        "INSERT INTO staff (name) VALUES (E'it\\'s $1' || $1::VARCHAR)",
        "INSERT INTO staff (name) VALUES ($$ $1 $$ || $1::VARCHAR)",
        "INSERT INTO staff (name) VALUES ($1::VARCHAR) -- $2",
        "INSERT INTO staff (name) VALUES (/* $2 */ $1::VARCHAR)",
    ],
)
def test_a_write_whose_sql_holds_a_dollar_that_is_no_placeholder_is_not_sent_together(sql: str) -> None:
    """`_together_sql` numbers every `$n` it finds on: such a write goes alone, in a transaction (review of stop
    34: in text, a comment or a dollar-quoted string, `$1` would have been renumbered, or `$1` after `E'…\\'`
    not)."""
    assert direct_module._plain(insert(Staff), "INSERT INTO staff (name) VALUES ($1::VARCHAR)")
    assert not direct_module._plain(insert(Staff), sql)


def test_rows_made_one_after_the_other_are_models_of_their_own() -> None:
    """`loaded` keeps each model's constructor of empty instances after the first row (helper-112): every row is
    still an instance with its own state, as the ORM would load it, and its fields set are the values given."""
    first = direct_module.loaded(Staff, {"id": 1, "name": "Mette", "roles": ["paedagog"], "active": True})
    second = direct_module.loaded(Staff, {"id": 2, "name": "Lone"})
    set_committed_value(first, "name", "Mette H.")
    assert (first.name, second.name, second.id) == ("Mette H.", "Lone", 2)
    assert inspect(first) is not inspect(second)
    assert inspect(second).key is None and inspect(second).session is None
    assert (first.model_fields_set, second.model_fields_set) == ({"id", "name", "roles", "active"}, {"id", "name"})


def _slots(instance: object) -> dict[str, object]:
    names = {name for klass in type(instance).__mro__ for name in getattr(klass, "__slots__", ()) if name != "__dict__"}
    return {name: getattr(instance, name, "(unset)") for name in names}


@pytest.mark.parametrize("model", [Staff, Case, Institution, Goal, Rating, Notification, AuditEntry])
def test_a_row_s_model_is_what_the_orm_s_new_instance_makes(model: type) -> None:
    """`loaded` makes the instance itself (helper-118), as SQLModel's `__new__` and the ORM's `new_instance` do:
    the same pydantic slots, the same `__dict__` but for the state, a state of the ORM's own for that instance. A
    change of either library's way shows here."""
    values = {"id": 7}
    made = direct_module.loaded(model, values)
    manager = manager_of_class(model)
    expected = manager.new_instance()
    expected.__dict__.update(values)
    object.__setattr__(expected, "__pydantic_fields_set__", set(values))
    assert type(made) is model
    assert _slots(made) == _slots(expected)
    assert made.__dict__.keys() == expected.__dict__.keys()
    assert {k: v for k, v in made.__dict__.items() if k != "_sa_instance_state"} == values
    state = inspect(made)
    assert type(state) is type(inspect(expected))
    assert state.obj() is made and state.manager is manager and state.key is None and state.session is None
    assert made.id == 7 and made.model_fields_set == {"id"}


@pytest.mark.parametrize(
    ("waiting", "together"),
    [
        ([], True),
        ([("rating", False)], True),  # one write goes alone, whatever it reads
        ([("rating", True), ("audit_entry", True)], True),
        ([("rating", True), ("audit_entry", True), ("rating", True)], False),  # a table twice
        ([("rating", True), ("audit_entry", False)], False),  # a write that reads another table
        ([("rating", False), ("rating", False)], False),
    ],
)
def test_which_waiting_writes_go_as_one_statement(waiting: list[tuple[str, bool]], together: bool) -> None:
    """`Batched._one_statement`'s rule (written as a loop by helper-112): plain writes to different tables."""
    batched = direct_module.Batched(connection=None, transactions=AsyncExitStack())
    batched.waiting = [("INSERT …", {}, table, plain) for table, plain in waiting]
    assert batched._one_statement() is together


async def test_execute_many_stores_what_the_orm_reads_back_and_updates_only_the_rows_it_names(db: Database) -> None:
    """`execute_many` (the dispatcher's flush): many rows, each converted by the columns' types as SQLAlchemy's own
    execution converts them; an UPDATE's conditions still hold for every row."""
    at = datetime(2027, 3, 4, 13, 5, 6, 789, tzinfo=UTC)
    rows = [
        {"at": at, "actor": "teambot", "action": "notice.sent", "case_code": f"AK{n}", "detail": {"æ": "ø", "n": n}}
        for n in range(3)
    ]
    async with db.write() as session:
        await direct_module.execute_many(await session.connection(), insert(AuditEntry), rows)
        await direct_module.execute_many(await session.connection(), insert(AuditEntry), [])  # nothing: no statement
    renamed = (
        update(AuditEntry)
        .where(col(AuditEntry.case_code) == bindparam("code"), col(AuditEntry.actor) == "teambot")
        .values(action=bindparam("new_action"), at=bindparam("new_at", type_=AuditEntry.__table__.c.at.type))
    )
    later = datetime(2027, 3, 5, 8, 0, tzinfo=UTC)
    async with db.write() as session:
        await direct_module.execute_many(
            await session.connection(),
            renamed,
            [{"code": "AK0", "new_action": "a", "new_at": later}, {"code": "AK9", "new_action": "b", "new_at": later}],
        )
    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.case_code)))).scalars().all()
    assert [(e.case_code, e.action, e.at, e.detail) for e in entries] == [
        ("AK0", "a", later, {"æ": "ø", "n": 0}),
        ("AK1", "notice.sent", at, {"æ": "ø", "n": 1}),
        ("AK2", "notice.sent", at, {"æ": "ø", "n": 2}),
    ]

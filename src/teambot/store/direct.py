"""Statements run on the database driver's own connection, for the one transaction that must cost least: `/rating`.

SQLAlchemy's async engine and session spend about 1 ms of CPU on a `/rating` (its read, two INSERTs, BEGIN and
COMMIT) whose statements take about 0.2 ms in SQLite (bench/README.md, "What changed in the morning of 2026-12-02").
Here the statements are still SQLAlchemy Core, compiled once per dialect with the types' own conversions (dates,
UTC instants, JSON), but executed by the driver itself: aiosqlite's connection (its calls on the event loop's
thread, store/sqlite_loop.py) or asyncpg's (store/direct_pool.py). `Database.direct()` opens such a transaction.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import ClassManager, manager_of_class
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnClause, TextClause
from sqlalchemy.sql.expression import CTE, Alias, FunctionElement, Insert, Select, Update

Model = TypeVar("Model")


class Statements(Protocol):
    """What runs a Core statement in a transaction: a session's `AsyncConnection`, or `Direct`."""

    async def execute(self, statement: Any, parameters: Any = None, /) -> Any: ...


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # the parameters' order for a positional driver (SQLite); None: by name
    defaults: dict[str, Any]  # the values written into the statement itself (`name == "x"`)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # the parameters to convert, with their converter
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the result columns to convert, with their converter
    writes: str | None  # the table a write changes; None for a read, _LOCKING_READ for one that locks rows
    plain: bool  # a write that reads no table but its own (`_plain`)

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> _Compiled:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        assert isinstance(compiled, SQLCompiler)
        # What only SQLAlchemy's execution does, refused rather than run wrong: an IN list is expanded there, and a
        # column's Python-side default (`active = True`) is computed there.
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("a direct statement cannot take an IN list")
        defaulted = [column.key for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if defaulted:
            raise ValueError(f"a direct statement must give every column a value: {', '.join(defaulted)}")
        binds = []
        for name, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                binds.append((name, convert))
        results = []
        if isinstance(statement, Select | Insert):  # an INSERT's columns are those it returns
            columns = statement.selected_columns if isinstance(statement, Select) else statement.exported_columns
            for at, column in enumerate(columns):
                convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
                if convert is not None:
                    results.append((at, convert))
        names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
        defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        writes: str | None = None
        if isinstance(statement, Insert | Update):
            writes = statement.table.description  # the table's name
        elif isinstance(statement, Select) and statement._for_update_arg is not None:
            writes = _LOCKING_READ
        plain = isinstance(statement, Insert | Update) and _plain(statement, compiled.string)
        return cls(compiled.string, names, defaults, tuple(binds), tuple(results), writes, plain)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = {**self.defaults, **values}
        for name, convert in self.binds:
            if name in converted:
                converted[name] = convert(converted[name])
        if self.names is None:
            return converted
        return tuple(converted[name] for name in self.names)

    def row(self, raw: Sequence[Any]) -> list[Any]:
        values = list(raw)
        for at, convert in self.results:
            values[at] = convert(values[at])
        return values


def _plain(statement: Insert | Update, sql: str) -> bool:
    """Whether a write reads no table but its own, so that it may share one statement with writes to other tables
    (`Batched`). Both the statement and its SQL are looked at: an `UPDATE … FROM` another table names no
    SELECT (helper-37), and what the compiler adds (a column's SQL default) or the rows of a multi-row INSERT are
    not in the statement's tree (helper-38). No subquery, WITH, SQL text, function, alias or other table's column;
    no quoted text, comment or `$` but a placeholder's, so that `_together_sql` numbers every `$n` on rightly."""
    if "SELECT" in sql.upper() or sql.lstrip().upper().startswith("WITH"):
        return False
    if "'" in sql or "--" in sql or "/*" in sql or _NOT_A_PLACEHOLDER.search(sql):
        return False
    if isinstance(statement, Insert) and statement._multi_values:
        return False
    own = statement.table
    for element in visitors.iterate(statement):
        if isinstance(element, TextClause | Select | CTE | FunctionElement | Alias):
            return False
        if isinstance(element, ColumnClause) and (
            element.is_literal or element.table is None or _fullname(element.table) != _fullname(own)
        ):
            return False
    return True


def _fullname(table: Any) -> str:
    return str(getattr(table, "fullname", table.description))  # with its schema, if it has one


class Driver(Protocol):
    """What `Direct` needs of a driver connection; `_Aiosqlite` and `_Asyncpg` below adapt theirs. `writes`: the table
    the statement changes, None for a read (a read that locks rows: _LOCKING_READ); `plain`: see `_plain`."""

    async def run(
        self, sql: str, parameters: Any, *, fetch: bool, writes: str | None, plain: bool = False
    ) -> list[Sequence[Any]]: ...


class _Aiosqlite:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def run(
        self, sql: str, parameters: Any, *, fetch: bool, writes: str | None, plain: bool = False
    ) -> list[Sequence[Any]]:
        return await self.connection.run(sql, parameters, fetch=fetch)  # type: ignore[no-any-return]


class _Asyncpg:
    """Each statement sent as it comes, outside a transaction block: each commits on its own (`Database.alone`)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def run(
        self, sql: str, parameters: Any, *, fetch: bool, writes: str | None, plain: bool = False
    ) -> list[Sequence[Any]]:
        if fetch:
            return await self.connection.fetch(sql, *parameters)  # type: ignore[no-any-return]
        await self.connection.execute(sql, *parameters)
        return []


_LOCKING_READ = "(a read that locks rows)"
# A placeholder of SQLAlchemy's asyncpg dialect (`$1`, then a cast: `$1::VARCHAR`): not within a name (`"odd$1"`,
# `col$1`). What else may hold `$1` (text, a comment, a dollar-quoted string) is never in a plain write (`_plain`).
_PLACEHOLDER = re.compile(r"(?<![\w$])\$(\d+)")
_NOT_A_PLACEHOLDER = re.compile(r"\$(?!\d)|(?<=[\w$])\$\d")


class Batched(_Asyncpg):
    """A transaction in as few round trips as its reads allow, on a connection outside a transaction block
    (`Database.direct`).

    Every round trip costs the bot a send, the event loop's wait and a receive: more than PostgreSQL spends on a
    rating's statements. So:
    - a read before any write runs on its own: under READ COMMITTED (PostgreSQL's default, which teambot keeps)
      each statement sees what was committed when it began, in a transaction or not, and a plain read holds no
      lock. A read that must hold one says FOR UPDATE, which begins the transaction;
    - writes wait for `commit`. Plain ones (reading no table but their own: `_plain`) to different tables go
      as one statement (data-modifying WITH), which commits on its own, all or nothing: a rating and its audit
      entry in one round trip where BEGIN, two INSERTs and COMMIT took four. Their values stay parameters, so
      PostgreSQL's log never shows them;
    - anything else, and a read after a write, gets a transaction (BEGIN first): one statement of a WITH does not
      see what another wrote, and a write with a WITH of its own cannot be nested.

    The transaction is asyncpg's, entered into `transactions` (`Database.direct` ends it): a failure or a
    cancellation rolls it back there, and asyncpg's release finds nothing open (it would roll back too, but logs
    that as an error each time).
    """

    def __init__(self, connection: Any, transactions: AsyncExitStack) -> None:
        super().__init__(connection)
        self.transactions = transactions
        self.waiting: list[tuple[str, Any, str, bool]] = []
        self.begun = False

    async def run(
        self, sql: str, parameters: Any, *, fetch: bool, writes: str | None, plain: bool = False
    ) -> list[Sequence[Any]]:
        if writes is not None and not fetch:
            self.waiting.append((sql, parameters, writes, plain))
            return []
        if writes is not None or self.waiting:  # rows from a write, or a read that must see the writes before it
            await self._begin()
            await self._send_waiting()
        return await super().run(sql, parameters, fetch=fetch, writes=writes)

    async def commit(self) -> None:
        one_statement = self._one_statement()
        if not one_statement:
            await self._begin()
        await self._send_waiting(one_statement)
        if self.begun:
            await self.transactions.aclose()  # COMMIT
            self.begun = False

    def _one_statement(self) -> bool:
        """Whether the waiting writes can go as one statement: at most one, or plain ones to different tables."""
        if len(self.waiting) <= 1:
            return True
        tables = set()
        for _, _, table, plain in self.waiting:
            if not plain or table in tables:
                return False
            tables.add(table)
        return True

    async def _begin(self) -> None:
        if not self.begun:
            await self.transactions.enter_async_context(self.connection.transaction())  # BEGIN
            self.begun = True

    async def _send_waiting(self, one_statement: bool | None = None) -> None:
        if one_statement is None:
            one_statement = self._one_statement()
        waiting, self.waiting = self.waiting, []
        if len(waiting) > 1 and one_statement:
            sql, parameters = _together([(sql, parameters) for sql, parameters, *_ in waiting])
            await super().run(sql, parameters, fetch=False, writes=None)
            return
        for sql, parameters, *_ in waiting:  # one after the other, in the transaction `commit` or `run` began
            await super().run(sql, parameters, fetch=False, writes=None)


def _together(statements: Sequence[tuple[str, Sequence[Any]]]) -> tuple[str, list[Any]]:
    """Writes to different tables as one statement, each statement's placeholders numbered on from the one's
    before. The same writes give the same text, so asyncpg's statement cache prepares it once, as it does a single
    statement that repeats; the text is made once per tuple of statements (`_together_sql`)."""
    sql = _together_sql(tuple(sql for sql, _ in statements))
    return sql, [value for _, values in statements for value in values]


@functools.lru_cache(maxsize=64)
def _together_sql(statements: tuple[str, ...]) -> str:
    """`_together`'s text: a regular expression over every statement cost about 4 % of a `/rating` on PostgreSQL
    (bench/README.md, "What changed on 2026-12-04 (helper-112)"). Statements are module constants compiled once
    (`_COMPILED`), so a few dozen entries hold every combination a process sends."""
    parts = []
    before = 0  # the placeholders of the statements before
    for sql in statements:
        numbers = [int(number) for number in _PLACEHOLDER.findall(sql)]
        parts.append(_PLACEHOLDER.sub(functools.partial(_numbered_on, before), sql))
        before += max(numbers, default=0)
    *first, last = parts
    return "WITH " + ", ".join(f"w{at} AS ({sql})" for at, sql in enumerate(first)) + " " + last


def _numbered_on(before: int, found: re.Match[str]) -> str:
    return f"${int(found.group(1)) + before}"


def driver_of(driver_connection: Any, dialect: Dialect) -> Driver:
    """SQLite's driver connection (a session's or the one `direct` keeps); PostgreSQL's is asyncpg's (`alone`)."""
    return _Aiosqlite(driver_connection) if dialect.name == "sqlite" else _Asyncpg(driver_connection)


@functools.cache
def asyncpg_dialect() -> Dialect:
    """The dialect `Direct`'s statements are compiled with on PostgreSQL: SQLAlchemy's for asyncpg, whose
    conversions fit asyncpg's codecs (store/direct_pool.py registers its JSON codecs on each connection)."""
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    return PGDialect_asyncpg()  # type: ignore[no-untyped-call]


# Compiled once per statement, dialect and columns given (the statements are module constants; each entry keeps its
# statement, so an id is never reused while its entry is here).
_COMPILED_AT_MOST = 256
_COMPILED: dict[tuple[int, str, str, tuple[str, ...] | None], tuple[ClauseElement, _Compiled]] = {}


def _compiled(statement: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> _Compiled:
    key = (id(statement), dialect.name, dialect.driver, tuple(keys) if keys is not None else None)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= _COMPILED_AT_MOST:  # statements made per call fill it: start again (not grow)
            _COMPILED.clear()
        found = _COMPILED[key] = (statement, _Compiled.of(statement, dialect, keys))
    return found[1]


async def execute_many(
    connection: AsyncConnection, statement: Insert | Update, rows: Sequence[Mapping[str, Any]], /
) -> None:
    """One INSERT or UPDATE (a module constant, as for `Direct`) for many rows in a session's transaction, compiled once
    and handed to the driver's executemany with each row's values converted by the columns' types. Through
    `connection.execute` SQLAlchemy converts every row's parameters in its execution context, and on SQLite renders
    a multi-row INSERT for each call ("insertmanyvalues"): most of the dispatcher's flush of 100 outcomes and their
    audit entries (bench/README.md, "What changed on 2026-12-04 (helper-111)"). The rows must all name the same
    parameters; an INSERT's must name every column but the key, as for `Direct.execute`."""
    if not rows:
        return
    compiled = _compiled(statement, connection.dialect, sorted(rows[0]) if isinstance(statement, Insert) else None)
    await connection.exec_driver_sql(compiled.sql, [compiled.parameters(row) for row in rows])


class Direct:
    """One transaction's statements, run by the driver (see the module's doc). `Database.direct()` begins and ends
    the transaction; this only runs statements in it."""

    def __init__(self, driver: Driver, dialect: Dialect) -> None:
        self.driver = driver
        self.dialect = dialect
        self.statements = 0  # run or waiting so far

    def _compiled(self, statement: ClauseElement, keys: Sequence[str] | None) -> _Compiled:
        return _compiled(statement, self.dialect, keys)

    async def rows(self, statement: Select[Any] | Insert, parameters: Mapping[str, Any]) -> list[list[Any]]:
        """A SELECT's rows, or those an INSERT whose values name its parameters returns (RETURNING)."""
        compiled = self._compiled(statement, None)
        self.statements += 1
        raw = await self.driver.run(compiled.sql, compiled.parameters(parameters), fetch=True, writes=compiled.writes)
        return [compiled.row(row) for row in raw]

    async def execute(self, statement: Insert | Update, parameters: Mapping[str, Any] | None = None, /) -> None:
        """An INSERT of one row with a value for every column but the key (defaults are SQLAlchemy's execution's,
        not the driver's), or an UPDATE whose `values()` name its parameters. On PostgreSQL it is sent with the
        transaction's COMMIT, or before its next read (`Batched`): its error comes from there."""
        values = parameters or {}
        compiled = self._compiled(statement, sorted(values) if isinstance(statement, Insert) else None)
        self.statements += 1
        await self.driver.run(
            compiled.sql, compiled.parameters(values), fetch=False, writes=compiled.writes, plain=compiled.plain
        )


def loaded(model: type[Model], values: Mapping[str, Any]) -> Model:
    """A table model holding a row's values, made as the ORM makes a loaded row: without validating them again (the
    database's values are the model's) and without a session (like a row read in a session that has closed).
    About 3 µs, where the model's constructor takes 30."""
    made = _MAKE.get(model)
    if made is None:
        manager = manager_of_class(model)
        if not manager.mapper.configured:  # the ORM configures its mappers at its first query; this may come first
            configure_mappers()
        # Kept once configured: a model's class manager lives as long as its class (`/rating` makes five to seven
        # models a request, and finding the manager and asking whether it is configured was a third of the work).
        # Asked here, the state's class also announces the class's first instance to the ORM, as `new_instance` does.
        made = _MAKE[model] = (manager, manager._state_constructor)
    manager, state = made
    # What `manager.new_instance()` does, without its three Python calls per row (SQLModel's `__new__`, its
    # `__setattr__` for the state, the setter between; half of the work): pydantic's three slots as SQLModel's
    # `__new__` sets them (but the fields set: the values given), the ORM's state in `__dict__`, where SQLModel's
    # `__setattr__` puts it. tests/store/test_direct.py compares the two.
    instance: Any = object.__new__(model)
    _set(instance, "__pydantic_fields_set__", set(values))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    fields = instance.__dict__
    fields.update(values)
    fields[_STATE] = state(instance, manager)
    return instance  # type: ignore[no-any-return]


_MAKE: dict[type[Any], tuple[Any, Callable[[Any, Any], Any]]] = {}
_STATE = ClassManager.STATE_ATTR
_set = object.__setattr__

"""`/rating`'s read (store.ratings.rating_facts) asks whether the asker works at the child's institution and consults
on the case by a probe a goal, not by reading the whole of either table: PostgreSQL answered an EXISTS there with a
hashed subplan, which reads and hashes every row of `staff_institution` and `case_consultant` for each rating (a
third of PostgreSQL's CPU for a `/rating` on size S)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest

from teambot.store import ratings as rating_store
from teambot.store.db import Database
from teambot.store.direct import Direct, Driver
from teambot.store.requests import Replay
from teambot.testing.database import plan_nodes
from teambot.testing.generate import Size, generate

RULE_TABLES = ("staff_institution", "case_consultant")
DAY = date(2027, 3, 4)
# The served benchmark's roster (bench.slash_load): on tables this size PostgreSQL took hashing them whole for cheaper.
SIZE = Size("R", 100, 600)
PAEDAGOG, CODE = "U0000002", "C00001"  # case 1's pædagog (testing.generate)


class _Recording:
    """The driver, recording the SQL and parameters it is sent."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.sent: list[tuple[str, Any]] = []

    async def run(
        self, sql: str, parameters: Any, *, fetch: bool, writes: str | None, plain: bool = False
    ) -> list[Sequence[Any]]:
        self.sent.append((sql, parameters))
        return await self.driver.run(sql, parameters, fetch=fetch, writes=writes, plain=plain)


async def _read_as_sent(db: Database, replay: Replay | None) -> tuple[str, Any]:
    async with db.direct() as direct:
        recording = _Recording(direct.driver)
        facts = await rating_store.rating_facts(Direct(recording, direct.dialect), PAEDAGOG, CODE, DAY, replay)
    assert facts is not None and facts.view is not None and len(facts.view.goals) == 2  # one row a goal
    assert facts.access.write  # the pædagog works at the child's institution
    [sent] = recording.sent
    return sent


@pytest.mark.parametrize("recording", [False, True], ids=["read", "read recording the replay key"])
async def test_the_access_rules_are_probed_not_read_whole(db: Database, recording: bool) -> None:
    await generate(db, SIZE, start=DAY)
    if db.is_sqlite:
        if recording:
            pytest.skip("SQLite serves one process: its replay guard records nothing in /rating's read")
        sql, parameters = await _read_as_sent(db, None)
        async with db.engine.connect() as connection:
            result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(parameters))
            plan = [str(row[-1]) for row in result]
        for table in RULE_TABLES:
            assert any(step.startswith(f"SEARCH {table} ") for step in plan), plan
            assert not any(step.startswith(f"SCAN {table}") for step in plan), plan
        return

    replay = Replay(db, "sig:v0=plan", datetime(2027, 3, 4, 9, 0, tzinfo=UTC)) if recording else None
    sql, parameters = await _read_as_sent(db, replay)
    async with db.direct() as direct:
        connection = direct.driver.connection  # type: ignore[attr-defined]
        literals = [await connection.fetchval("SELECT quote_nullable($1::text)", _text(v)) for v in parameters]
        # All in one transaction, rolled back: the statistics a served database has (bench.database runs ANALYZE),
        # kept from the tests after this one (a table's statistics outlive TRUNCATE). Planned generic, as
        # asyncpg's statement cache has a served bot run it after a few: a prepared statement explained under
        # force_generic_plan (an EXPLAIN with bound values would fold them in: a custom plan).
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute("ANALYZE")
            await connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            await connection.execute("PREPARE rating_read AS " + sql)
            explained = await connection.fetchval(
                f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE rating_read({', '.join(literals)})"
            )
            await connection.execute("DEALLOCATE rating_read")  # a session's, not undone by the rollback
        finally:
            await transaction.rollback()
    nodes = list(plan_nodes(explained[0]["Plan"]))
    assert PAEDAGOG not in json.dumps(nodes)  # generic: the asker's slack id a parameter, not the value folded in
    reading_rules = [node for node in nodes if node.get("Relation Name") in RULE_TABLES]
    assert sorted(node["Relation Name"] for node in reading_rules) == sorted(RULE_TABLES), nodes
    for node in reading_rules:  # by an index, for the row at hand
        assert node["Node Type"] in {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, node
    outputs = " ".join(" ".join(node.get("Output", ())) for node in nodes)
    assert "hashed SubPlan" not in outputs, outputs


def _text(value: Any) -> str | None:
    return None if value is None else value.isoformat() if isinstance(value, date | datetime) else str(value)

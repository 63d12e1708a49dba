"""The dispatcher's claim reads the due pending rows through the (status, due_at, id) index, in order, and stops at
the batch: it does not sort every pending row (a year of reminders planned ahead) for each batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from teambot.store import outbox
from teambot.store.db import Database
from teambot.testing.database import plan_nodes

INDEX = "ix_notification_status_due_at_id"


def _planned(key: str, due_at: datetime) -> outbox.Planned:
    return outbox.Planned(dedupe_key=key, kind="meeting.reminder", recipient="U1", subject="C1", due_at=due_at)


async def test_the_claim_walks_the_claim_index_in_order_without_sorting(db: Database) -> None:
    now = datetime(2027, 3, 23, 8, 0, tzinfo=UTC)
    due = [_planned(f"due{i}", now - timedelta(minutes=i)) for i in range(3)]
    ahead = [_planned(f"ahead{i}", now + timedelta(days=i + 1)) for i in range(20)]
    async with db.write() as session:
        await outbox.insert_new(session, due + ahead, now)

    selects: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM notification" in statement:
            selects.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.write() as session:
            claimed = await outbox.claim_due(session, now=now, worker="w1", limit=2, is_postgres=not db.is_sqlite)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert [row.dedupe_key for row in claimed] == ["due2", "due1"]  # the earliest due first, the batch's size

    [(statement, parameters)] = selects  # the claim's own statement, as the driver got it
    async with db.engine.connect() as connection:
        if db.is_sqlite:
            result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = [row[-1] for row in result]
            assert any(f"USING INDEX {INDEX} (status=? AND due_at<?)" in step for step in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan
        else:
            # A table this small is read whole; without that choice PostgreSQL picks among the index paths as it
            # does for a table of many rows (before this index: the one on status, then a sort of all it found).
            # Statistics of this test's own rows, in this transaction only (rolled back): a table's statistics
            # outlive TRUNCATE, so an earlier test's or autovacuum's would otherwise decide the plan.
            await connection.exec_driver_sql("ANALYZE notification")
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            result = await connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            nodes = list(plan_nodes(result.scalar_one()[0]["Plan"]))
            assert INDEX in [node.get("Index Name") for node in nodes], nodes
            assert not any("Sort" in node["Node Type"] for node in nodes), nodes  # neither Sort nor Incremental Sort

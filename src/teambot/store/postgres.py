"""PostgreSQL connections: how many the pool keeps, and how a pooled one is known to be alive without a round trip.

Measured under `/rating` load (bench/README.md, "What changed in the afternoon of 2026-12-02"): SQLAlchemy's
default pool keeps 5 connections and opens up to 10 more that it closes again on return, so 16 requests at once
opened and closed a connection (a new server process, a password exchange) for every twentieth transaction; and
its pre-ping cost a round trip in front of every transaction, two of the eight a rating made.
"""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

# Connections the pool keeps once it has opened them, and the most it opens: more requests at once wait their turn
# for one instead of each opening and closing its own. Under PostgreSQL's default of 100 connections this leaves
# room for several `teambot run --http` workers and dispatchers.
POOL_SIZE = 20


def install_liveness_check(sync_engine: Any) -> None:
    """Every checkout looks at the connection's socket instead of pinging the server. An idle connection is sent
    nothing, so anything to read means the server ended it (a restart or a terminated backend sends its FATAL
    error, or closes the socket): the pool then discards it and opens another, as after a failed ping. What this
    cannot see is a link that died without a word (a host gone); the first statement fails there, as a ping would
    have after the same long wait."""

    @event.listens_for(sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not alive(dbapi_connection.driver_connection):
            raise DisconnectionError("the server closed this connection")


def alive(driver: Any) -> bool:
    """Whether psycopg's connection `driver`, idle in the pool, can still be used."""
    if driver.closed or driver.broken:
        return False
    try:
        readable, _, _ = select.select([driver.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable

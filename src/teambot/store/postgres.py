"""PostgreSQL connections: how many the pool keeps, and how a pooled one is known to be alive without a round trip
in front of every transaction.

Measured under `/rating` load (bench/README.md, "What changed in the afternoon of 2026-12-02"): SQLAlchemy's
default pool keeps 5 connections and opens up to 10 more that it closes again on return, so 16 requests at once
opened and closed a connection (a new server process, a password exchange) for every twentieth transaction; and
its pre-ping cost a round trip in front of every transaction, two of the eight a rating made.

`Database.direct()` and `alone()` (`/rating`, the replay guard's record) take asyncpg's connections from a pool of
their own instead (store/direct_pool.py), which keeps the same bounds by asyncpg's means.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

log = logging.getLogger(__name__)

# Connections the pool keeps once it has opened them, and the most it opens: more requests at once wait their turn
# for one instead of each opening and closing its own. With `direct()`'s 8 (store/direct_pool.py) and the replay
# guard's 2 + 2, a `teambot run --http` process holds at most 28 of PostgreSQL's default 100 (97 for ordinary
# roles): room for three such processes.
POOL_SIZE = 16
# A connection idle longer than this is pinged before use, as SQLAlchemy's pre-ping does for every checkout: a
# firewall, NAT or fail-over may have forgotten it without a word, and only a round trip finds that out. Under
# load connections come back within milliseconds and go out unpinged: the pool hands out the one that came back
# last (`use_lifo`), so a few busy connections stay warm and the rest, idle, are pinged when next needed.
PING_AFTER_IDLE_S = 1.0
_RETURNED_AT = "teambot_returned_at"  # the pool record's info: when the connection last came back
# A link that drops packets without a word (no reset) is given up within seconds, not after TCP's own quarter of an
# hour: a ping or statement waits at most UNANSWERED_MS for the server to acknowledge what was sent, and an idle
# pooled connection is probed after 30 s, so the poll below finds it dead (helper-37: a ping with neither hung for
# minutes, and every other request waited on the pool behind it).
UNANSWERED_MS = 10_000


def connect_args(lock_wait_ms: int, given: Mapping[str, Any]) -> dict[str, Any]:
    """libpq's settings for every connection: the lock timeout (see store/db.py) and the bounds above, unless the
    database URL's query (`given`) sets them itself; its `options` are kept beside the lock timeout."""
    ours: dict[str, Any] = {
        "connect_timeout": UNANSWERED_MS // 1000,
        "tcp_user_timeout": UNANSWERED_MS,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    args = {key: value for key, value in ours.items() if key not in given}
    args["options"] = " ".join(filter(None, [str(given.get("options", "")), f"-c lock_timeout={lock_wait_ms}"]))
    return args


def install_liveness_check(sync_engine: Any) -> None:
    """Every checkout looks at the connection's socket: an idle connection is sent nothing, so anything to read
    means the server ended it (a restart or a terminated backend sends its FATAL error, or closes the socket). A
    connection idle for more than PING_AFTER_IDLE_S is also pinged. Either failure makes the pool discard it and
    open another, as after SQLAlchemy's failed pre-ping."""

    @event.listens_for(sync_engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not alive(dbapi_connection.driver_connection):
            raise DisconnectionError("the server closed this connection")
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at > PING_AFTER_IDLE_S:
            try:
                sync_engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise DisconnectionError("the connection did not answer a ping") from error


def alive(driver: Any) -> bool:
    """Whether psycopg's connection `driver`, idle in the pool, shows no sign of having been ended. poll, not
    select: select cannot watch a descriptor numbered 1024 or more, which a busy process has."""
    if driver.closed or driver.broken:
        return False
    try:
        poller = select.poll()
        poller.register(driver.fileno(), select.POLLIN)
        return not poller.poll(0)  # a hang-up or an error is reported too
    except (OSError, ValueError):
        return False


# libpq's PQTRANS_IDLE (psycopg.pq.TransactionStatus.IDLE): no transaction open. The number, not psycopg's enum, so
# that a process on SQLite does not import psycopg and libpq with this module.
_PQTRANS_IDLE = 0


def in_transaction(driver: Any) -> bool:
    """Whether psycopg's connection `driver` has a transaction open, or cannot tell (closed or broken: its status
    is "unknown", so a rollback is tried, fails, and the connection is discarded)."""
    return driver.pgconn.transaction_status != _PQTRANS_IDLE  # type: ignore[no-any-return]


def install_rollback_on_return(sync_engine: Any) -> None:
    """The pool's rollback of a returned connection (its `reset_on_return`, which the engine turns off:
    `Database`), made only when a transaction is open: psycopg's rollback of an idle connection sends nothing, but
    the call through SQLAlchemy's greenlet and psycopg's lock cost about 1 % of a `/rating`, whose connections come
    back idle (bench/README.md, "What changed on 2026-12-04 (helper-112)"). As the pool's own: not when the pool may
    not use the connection (a connection collected as garbage), nor when its `Connection` rolled back already."""

    @event.listens_for(sync_engine, "reset")
    def _reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
        if not state.asyncio_safe or state.transaction_was_reset:
            return
        if in_transaction(dbapi_connection.driver_connection):
            dbapi_connection.rollback()  # an error invalidates the connection, as the pool's own rollback's does

"""PostgreSQL's connections for `Database.direct()` and `alone()` (`/rating` and the replay guard's record): asyncpg's,
in a pool of their own beside SQLAlchemy's (psycopg's, for everything else).

asyncpg's protocol runs on the event loop's own transport, which keeps its socket registered; psycopg adds and
removes the loop's reader around every wait and goes through its Python statement path. On asyncpg a `/rating` on
PostgreSQL costs the bot 15 % fewer instructions and a fifth less process time (bench/README.md, "What changed on
2026-12-04 (stop 34)").

The pool keeps what store/postgres.py gives psycopg's connections, by asyncpg's means:
- a connection the server ended (a restart, a terminated backend) is noticed by the transport itself and replaced
  by the pool's acquire; one idle for more than PING_AFTER_IDLE_S is pinged first, so a link forgotten on the way
  (a NAT, a firewall, a fail-over) costs no user's statement;
- a statement waits at most the lock timeout plus UNANSWERED_MS (asyncpg's `command_timeout`: libpq's
  `tcp_user_timeout` has no counterpart), and a connection idle for IDLE_CLOSE_S is closed, before a middlebox
  forgets it;
- the lock timeout and the URL's `options` and connect timeout, as psycopg's connections get them (from the URL
  or libpq's environment variables; what asyncpg cannot honour is refused when the bot starts);
- a transaction left idle by a lost link is ended by the server (`idle_in_transaction_session_timeout`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import URL

from teambot.store import postgres

log = logging.getLogger(__name__)

# Connections a process keeps for direct transactions: each holds one for two round trips, so a few serve many
# requests at once, and the rest wait their turn in the pool's queue (asyncpg hands out the one returned last).
POOL_SIZE = 8
# Idle longer than this, a connection is closed: a firewall's or NAT's idle timeout is minutes, never seconds.
IDLE_CLOSE_S = 30.0
# The database URL's parameters (libpq's) asyncpg reads itself, and `application_name`, a PostgreSQL setting it
# passes on. asyncpg sends any other parameter to the server as a setting, which the server refuses (and every
# /rating with it): every other parameter is either left out (`_LEFT_OUT`, `_LEFT_OUT_IF`: ours are set by
# asyncpg's means, the rest change nothing asyncpg does) or refused by name when the bot starts.
_READ_BY_ASYNCPG = frozenset(
    {
        "host",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "service",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslpassword",
        "sslnegotiation",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "target_session_attrs",
        "krbsrvname",
        "gsslib",
        "application_name",
    }
)
_LEFT_OUT = frozenset(
    {
        "connect_timeout",
        "options",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "fallback_application_name",
        "sslsni",  # asyncpg sends the host name (SNI) anyway
        "sslcompression",  # obsolete: no TLS library compresses any more
    }
)
# Left out only with the values that ask for nothing asyncpg lacks: dropped silently, `channel_binding=require`
# would connect without it.
_LEFT_OUT_IF = {
    "channel_binding": frozenset({"prefer", "disable"}),
    "gssencmode": frozenset({"prefer", "disable"}),
    "sslcertmode": frozenset({"allow", "disable"}),
    "load_balance_hosts": frozenset({"disable"}),
    "client_encoding": frozenset({"UTF8", "utf8", "UTF-8", "utf-8"}),  # asyncpg speaks UTF-8 only
}
# libpq's environment variables asyncpg does not read, and the parameter each stands for (a URL's own wins).
_ENVIRONMENT = {
    "PGOPTIONS": "options",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGAPPNAME": "application_name",
    "PGCLIENTENCODING": "client_encoding",
    "PGCHANNELBINDING": "channel_binding",
    "PGGSSENCMODE": "gssencmode",
    "PGSSLCERTMODE": "sslcertmode",
    "PGREQUIREAUTH": "require_auth",
    "PGREQUIREPEER": "requirepeer",
    "PGSSLCRLDIR": "sslcrldir",
    "PGMINPROTOCOLVERSION": "min_protocol_version",
    "PGMAXPROTOCOLVERSION": "max_protocol_version",
    "PGLOADBALANCEHOSTS": "load_balance_hosts",
}


def connect_options(url: URL, lock_wait_ms: int, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """asyncpg's connect arguments for the database `url` names: its host, credentials and SSL as they are; the
    parameters only libpq reads (from the URL, or libpq's environment variables) as asyncpg's; the lock timeout as
    for every connection (store/db.py). Raises ValueError for a parameter asyncpg cannot honour as libpq would."""
    environ = os.environ if environ is None else environ
    query = {parameter: environ[name] for name, parameter in _ENVIRONMENT.items() if environ.get(name)}
    query.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    for key, value in query.items():
        known = key in _READ_BY_ASYNCPG or key in _LEFT_OUT or value in _LEFT_OUT_IF.get(key, ())
        if not known or (key == "sslrootcert" and value == "system"):
            raise ValueError(f"{key}={value} (the database URL's or libpq's environment's) is not supported by asyncpg")
    if environ.get("PGSSLROOTCERT") == "system" and "sslrootcert" not in query:
        raise ValueError("PGSSLROOTCERT=system (libpq's environment's) is not supported by asyncpg")
    settings = _settings(query.get("options", ""))
    settings["lock_timeout"] = str(lock_wait_ms)
    # A transaction whose link went silent is ended on the server too, releasing its row locks: one closed on the
    # bot's side (`DirectPools.connection`) may never have said so. Direct transactions never idle for long.
    settings["idle_in_transaction_session_timeout"] = str(2 * (lock_wait_ms + postgres.UNANSWERED_MS))
    kept = {key: value for key, value in query.items() if key in _READ_BY_ASYNCPG}
    dsn = url.set(drivername="postgresql", query=kept).render_as_string(hide_password=False)
    timeout: float | None = float(query.get("connect_timeout", postgres.UNANSWERED_MS / 1000))
    if timeout is not None and timeout <= 0:
        timeout = None  # libpq's 0: wait as long as it takes
    return {"dsn": dsn, "timeout": timeout, "server_settings": settings}


def _settings(options: str) -> dict[str, str]:
    """libpq's `options` (`-c name=value`, `-cname=value` or `--name=value`, a backslash escaping a space), as
    the server reads them at start-up."""
    words = iter(re.split(r"(?<!\\) +", options.strip()) if options.strip() else [])
    settings = {}
    for word in words:
        if word == "-c":
            pair = next(words, "")
        elif word.startswith(("-c", "--")):
            pair = word[2:]
        else:
            pair = ""
        name, equals, value = pair.partition("=")
        if not name or not equals:
            raise ValueError(f"the database URL's options are not -c name=value: {options!r}")
        settings[name.replace("-", "_")] = value.replace("\\ ", " ")
    return settings


async def _with_json(connection: Any) -> None:
    """What SQLAlchemy's asyncpg dialect registers on its connections, whose conversions `Direct` compiles with
    (store/direct.py): JSON goes as the text the column's type made of it, and comes back parsed."""
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=lambda raw: json.loads(raw.decode()), schema="pg_catalog", format="binary"
    )
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),  # jsonb's binary form: a version byte, then the text
        decoder=lambda raw: json.loads(raw[1:].decode()),
        schema="pg_catalog",
        format="binary",
    )


async def _keep(_connection: Any) -> None:
    """Nothing to reset on return beyond the rollback of an open transaction, which asyncpg's pool does itself:
    direct transactions change no session state, and asyncpg's default reset (`RESET ALL`, `UNLISTEN *`, …) would
    cost every `/rating` a third round trip."""


class DirectPools:
    """One asyncpg pool per event loop (a pool is bound to the loop it was made on), opened at its first use."""

    def __init__(self, url: URL, lock_wait_ms: int, size: int = POOL_SIZE) -> None:
        self._options = connect_options(url, lock_wait_ms)
        self._size = size
        self._command_timeout = (lock_wait_ms + postgres.UNANSWERED_MS) / 1000
        self._pools: dict[asyncio.AbstractEventLoop, asyncio.Future[Any]] = {}
        self._returned_at: dict[int, float] = {}  # a backend's process id: when its connection last came back

    async def _pool(self) -> Any:
        loop = asyncio.get_running_loop()
        opening = self._pools.get(loop)
        if opening is None or (opening.done() and (opening.cancelled() or opening.exception() is not None)):
            import asyncpg  # here: a process on SQLite never loads it

            self._forget_ended_loops()
            pool = asyncpg.create_pool(
                **self._options,
                min_size=0,  # opens no connection: what a process on PostgreSQL that never rates holds
                max_size=self._size,
                max_inactive_connection_lifetime=IDLE_CLOSE_S,
                command_timeout=self._command_timeout,
                init=_with_json,
                reset=_keep,
            )
            opening = self._pools[loop] = asyncio.ensure_future(pool)  # those asking meanwhile wait for the same
        return await asyncio.shield(opening)

    def _forget_ended_loops(self) -> None:
        """Pools of event loops that have ended (a CLI command's, a test's) can no longer be closed through their
        loop: dropped, their sockets are closed as garbage."""
        for loop in [loop for loop in self._pools if loop.is_closed()]:
            del self._pools[loop]

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A live connection, outside any transaction; back to the pool when done, rolled back if a transaction is
        still open (asyncpg's release: shielded from cancellation; a connection it cannot roll back is closed)."""
        pool = await self._pool()
        connection = await pool.acquire()
        try:
            pid = connection.get_server_pid()
            # A connection idle for a while is pinged: one that does not answer is closed and another taken. A new
            # connection is not pinged, and the pool hands the one just closed out again, connected anew.
            returned_at = self._returned_at.get(pid)
            if returned_at is not None and time.monotonic() - returned_at > postgres.PING_AFTER_IDLE_S:
                if not await _answers(connection):
                    await _closed(pool, connection)
                    connection = None
                    connection = await pool.acquire()
                    pid = connection.get_server_pid()
            yield connection
        except TimeoutError:
            # A statement that got no answer within `command_timeout`: asyncpg asks the server to cancel it, and
            # its release would wait for that as long again. The link or the server is gone: closed at once.
            if connection is not None:
                await _closed(pool, connection)
                connection = None
            raise
        finally:
            if connection is not None:
                now = time.monotonic()
                if len(self._returned_at) > 4 * self._size:
                    # Connections idle this long have been closed by the pool (IDLE_CLOSE_S): their process ids go.
                    self._returned_at = {p: t for p, t in self._returned_at.items() if now - t < 2 * IDLE_CLOSE_S}
                self._returned_at[pid] = now
                await pool.release(connection)  # nothing if a lost link closed it already

    async def close(self) -> None:
        """Close this event loop's pool (`Database.dispose`): its connections end once returned."""
        self._forget_ended_loops()
        opening = self._pools.pop(asyncio.get_running_loop(), None)
        if opening is None:
            return
        try:
            pool = await opening
        except Exception:
            return  # never opened
        try:
            await asyncio.wait_for(pool.close(), postgres.UNANSWERED_MS / 1000)
        except TimeoutError:
            pool.terminate()


async def _closed(pool: Any, connection: Any) -> None:
    """Close a pooled connection without waiting for it, unless a lost link closed it already (asyncpg then gave
    it back to the pool itself: its proxy refuses every call)."""
    from asyncpg import InterfaceError

    try:
        connection.terminate()
    except InterfaceError:
        pass
    await pool.release(connection)


async def _answers(connection: Any) -> bool:
    try:
        await connection.execute("SELECT 1", timeout=postgres.UNANSWERED_MS / 1000)
        return True
    except Exception as error:
        log.info("a pooled connection did not answer a ping (%s); another is taken", type(error).__name__)
        return False

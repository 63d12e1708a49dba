"""The pool of `Database.direct()` and `alone()` on PostgreSQL (store/direct_pool.py, asyncpg): its connections are
kept and reused as they were left, a failed or cancelled transaction leaves nothing behind, a link that went silent
costs a bounded wait, and the database URL's settings reach it as they reach psycopg's. What both pools must do
alike (a restart, a link forgotten on the way) is tested in test_postgres_pool.py."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import warnings
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, insert, make_url, select, text
from sqlalchemy.engine import URL

from teambot.store import db as db_module
from teambot.store import direct_pool, postgres
from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.testing.database import Relay, postgres_url, prepare, until_waiting_for_locks

_BACKEND = select(func.pg_backend_pid())
_NAMES = select(Staff.name)


def test_the_url_s_libpq_parameters_become_asyncpg_s_and_its_options_settings() -> None:
    """libpq's `options` become PostgreSQL settings (every form libpq reads), its connect timeout asyncpg's, and
    what only libpq knows is not sent (the server would refuse an unknown setting); the rest of the URL stays."""
    url = URL.create(
        "postgresql+psycopg",
        username="u",
        password="p w",
        host="h",
        port=5433,
        database="db",
        query={
            "sslmode": "require",
            "connect_timeout": "30",
            "keepalives_idle": "5",
            "tcp_user_timeout": "1000",
            "application_name": "teambot",
            "options": r"-c search_path=public -cwork_mem=4MB --statement-timeout=5s -c x.y=a\ b",
        },
    )
    options = direct_pool.connect_options(url, 10_000, environ={})
    assert options["timeout"] == 30.0
    assert options["server_settings"] == {
        "search_path": "public",
        "work_mem": "4MB",
        "statement_timeout": "5s",
        "x.y": "a b",
        "lock_timeout": "10000",
        "idle_in_transaction_session_timeout": str(2 * (10_000 + postgres.UNANSWERED_MS)),
    }
    assert make_url(options["dsn"]) == URL.create(
        "postgresql",
        username="u",
        password="p w",
        host="h",
        port=5433,
        database="db",
        query={"sslmode": "require", "application_name": "teambot"},
    )
    assert direct_pool.connect_options(URL.create("postgresql+psycopg", host="h"), 500, environ={})["timeout"] == (
        postgres.UNANSWERED_MS / 1000
    )
    with pytest.raises(ValueError, match="options"):
        direct_pool.connect_options(url.update_query_dict({"options": "-x"}), 10_000, environ={})


def test_libpq_s_environment_asyncpg_does_not_read_is_read_for_it_and_the_url_wins() -> None:
    """libpq reads PGOPTIONS, PGCONNECT_TIMEOUT, PGAPPNAME and more from the environment, asyncpg does not: they
    reach /rating's connections as they reach psycopg's, a URL's own parameter first; one asking for what asyncpg
    cannot do is refused (review of stop 34)."""
    environ = {"PGOPTIONS": "-c search_path=teambot", "PGCONNECT_TIMEOUT": "7", "PGAPPNAME": "bot"}
    options = direct_pool.connect_options(URL.create("postgresql+psycopg", host="h"), 500, environ=environ)
    assert (options["timeout"], options["server_settings"]["search_path"]) == (7.0, "teambot")
    assert make_url(options["dsn"]).query == {"application_name": "bot"}
    url = URL.create("postgresql+psycopg", host="h", query={"connect_timeout": "3", "application_name": "url"})
    options = direct_pool.connect_options(url, 500, environ=environ)
    assert (options["timeout"], make_url(options["dsn"]).query) == (3.0, {"application_name": "url"})
    for name, value in [("PGCHANNELBINDING", "require"), ("PGREQUIREAUTH", "password"), ("PGSSLROOTCERT", "system")]:
        with pytest.raises(ValueError, match="not supported"):
            direct_pool.connect_options(URL.create("postgresql+psycopg", host="h"), 500, environ={name: value})


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ({"channel_binding": "prefer", "gssencmode": "disable", "sslsni": "1", "sslcompression": "0"}, {}),
        ({"client_encoding": "UTF8", "keepalives": "1"}, {}),
        (
            {"sslcertmode": "allow", "load_balance_hosts": "disable", "target_session_attrs": "read-write"},
            {"target_session_attrs": "read-write"},
        ),
        (
            {"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"},
            {"sslmode": "verify-full", "sslrootcert": "/etc/ca.pem"},
        ),
    ],
)
def test_libpq_parameters_that_ask_for_nothing_asyncpg_lacks_are_left_out_or_kept(
    given: dict[str, str], kept: dict[str, str]
) -> None:
    """What asyncpg does anyway, or needs not, is not sent as a PostgreSQL setting (the server would refuse it and
    every /rating with it: review of stop 34); what asyncpg reads itself stays in the URL."""
    options = direct_pool.connect_options(URL.create("postgresql+psycopg", host="h", query=given), 500, environ={})
    assert make_url(options["dsn"]).query == kept
    assert options["server_settings"]["lock_timeout"] == "500"
    assert options["server_settings"].keys() == {"lock_timeout", "idle_in_transaction_session_timeout"}


def test_a_url_naming_postgresql_s_unix_socket_reaches_asyncpg_with_its_folder() -> None:
    """`postgresql://user:password@/teambot?host=/var/run/postgresql`: a bot on the database's host connects through
    the socket (bench/README.md: 0.76–1.12× the bare ack against 0.65–1.08× over loopback TCP, p99 1.30–1.67×
    against 1.56–1.93×), both pools alike."""
    url = make_url("postgresql+psycopg://teambot:pw@/teambot?host=/var/run/postgresql")
    dsn = make_url(direct_pool.connect_options(url, 500, environ={})["dsn"])
    assert (dsn.host, dsn.query, dsn.database) == (None, {"host": "/var/run/postgresql"}, "teambot")


@pytest.mark.parametrize(
    "given",
    [
        {"channel_binding": "require"},
        {"gssencmode": "require"},
        {"sslcertmode": "require"},
        {"require_auth": "scram-sha-256"},
        {"hostaddr": "10.0.0.5"},
        {"sslrootcert": "system", "sslmode": "verify-full"},
        {"requirepeer": "postgres"},
        {"sslcrldir": "/etc/crl"},
        {"load_balance_hosts": "random"},
        {"client_encoding": "LATIN1"},
        {"scram_client_key": "c2VjcmV0"},
    ],
)
def test_a_url_asking_for_what_asyncpg_cannot_do_is_refused_when_the_bot_starts(given: dict[str, str]) -> None:
    """Left out silently, `channel_binding=require` would connect without it: the database is refused at once, by
    name, not every /rating later."""
    url = URL.create("postgresql+psycopg", host="h", query=given)
    with pytest.raises(ValueError, match=next(iter(given))):
        direct_pool.connect_options(url, 500, environ={})
    with pytest.raises(ValueError, match="not supported"):
        Database(url)


def test_a_connect_timeout_of_zero_waits_as_long_as_it_takes_as_libpq_s_does() -> None:
    url = URL.create("postgresql+psycopg", host="h", query={"connect_timeout": "0"})
    assert direct_pool.connect_options(url, 500, environ={})["timeout"] is None


def _sized_db(size: int) -> Database:
    url = postgres_url()
    assert url is not None
    prepare(url)
    return Database(url, pool_size=size)


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    if postgres_url() is None:
        pytest.skip("needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
    db = _sized_db(direct_pool.POOL_SIZE)
    yield db
    await db.dispose()


@pytest.fixture
async def one() -> AsyncIterator[Database]:
    """A database whose direct pool holds one connection: each transaction gets the one used before."""
    if postgres_url() is None:
        pytest.skip("needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
    db = _sized_db(1)
    yield db
    await db.dispose()


async def _backend(db: Database) -> int:
    async with db.direct() as statements:
        ((pid,),) = await statements.rows(_BACKEND, {})
    return int(pid)


async def _state(db: Database, pid: int) -> str | None:
    """What PostgreSQL says the backend `pid` is doing (None: it has ended)."""
    async with db.read() as session:
        found = await (await session.connection()).execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
        return found.scalar_one_or_none()


async def _ended(db: Database, pid: int) -> bool:
    """Whether the backend `pid` exits within 2 s: once it has read its connection's goodbye, or found it closed."""
    for _ in range(200):
        if await _state(db, pid) is None:
            return True
        await asyncio.sleep(0.01)
    return False


async def _names(db: Database) -> list[str]:
    async with db.read() as session:
        return sorted((await session.exec(_NAMES)).scalars())


async def test_many_transactions_at_once_share_the_pool_s_connections_and_keep_them(pg: Database) -> None:
    """More direct transactions at once than the pool holds wait their turn for one of its connections; the
    next burst gets the same ones, opened once."""
    used: list[int] = []

    async def one(n: int) -> None:
        async with pg.direct() as statements:
            ((pid, _),) = await statements.rows(select(func.pg_backend_pid(), func.pg_sleep(0.02)), {})
            used.append(int(pid))
            await statements.execute(insert(Staff), {"name": f"s{n}", "roles": [], "active": True})

    await asyncio.gather(*(one(n) for n in range(3 * direct_pool.POOL_SIZE)))
    first = set(used)
    assert len(first) == direct_pool.POOL_SIZE
    used.clear()
    await asyncio.gather(*(one(n) for n in range(3 * direct_pool.POOL_SIZE, 6 * direct_pool.POOL_SIZE)))
    assert set(used) == first
    assert len(await _names(pg)) == 6 * direct_pool.POOL_SIZE


async def test_a_committed_transaction_s_connection_comes_back_as_it_was_left(one: Database) -> None:
    """No reset on return (asyncpg's default would cost each `/rating` a third round trip: `RESET ALL` and more):
    the next transaction on that connection finds a session setting the last one left, and no transaction open."""
    async with one.direct() as statements:
        await statements.rows(select(func.set_config("application_name", "left by the last", False)), {})
        ((pid,),) = await statements.rows(_BACKEND, {})
    assert await _state(one, pid) == "idle"  # not "idle in transaction"
    async with one.direct() as statements:
        ((pid_again, name),) = await statements.rows(
            select(func.pg_backend_pid(), func.current_setting("application_name")), {}
        )
    assert (pid_again, name) == (pid, "left by the last")


async def test_a_failed_transaction_is_rolled_back_before_its_connection_goes_back(
    one: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A transaction that began (a read after a write) and then failed stores nothing; it is rolled back as
    asyncpg's transaction, not by asyncpg's release (which logs an error each time), and its connection serves
    the next transaction."""
    pid = await _backend(one)
    with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="refused"):
        async with one.direct() as statements:
            await statements.execute(insert(Staff), {"name": "half", "roles": [], "active": True})
            assert await statements.rows(_NAMES, {}) == [["half"]]  # sent, in the transaction it began
            raise RuntimeError("refused")
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert await _names(one) == []
    assert await _backend(one) == pid


async def test_a_transaction_cancelled_mid_statement_stores_nothing_and_the_next_one_runs(
    one: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while its statement waits for a row lock (a request given up): what it wrote is rolled back, the
    lock it waited for is no longer asked for, nothing is logged, and the next direct transaction runs."""
    async with one.write() as session:
        session.add(Staff(name="locked", roles=[], active=True))
    blocker = Database(one.url)
    try:
        async with blocker.write() as session:
            await session.exec(select(Staff).where(Staff.name == "locked").with_for_update())

            async def waits() -> None:
                async with one.direct() as statements:
                    await statements.execute(insert(Staff), {"name": "cancelled", "roles": [], "active": True})
                    await statements.rows(select(Staff.id).where(Staff.name == "locked").with_for_update(), {})

            task = asyncio.ensure_future(waits())
            await until_waiting_for_locks(one, or_done=task)
            task.cancel()
            with caplog.at_level(logging.WARNING), pytest.raises(asyncio.CancelledError):
                await task
        async with one.direct() as statements:
            await statements.execute(insert(Staff), {"name": "next", "roles": [], "active": True})
    finally:
        await blocker.dispose()
    assert await _names(one) == ["locked", "next"]
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_link_gone_silent_while_idle_is_replaced_before_the_user_s_statement(
    one: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection idle for a while is pinged; one whose link drops everything without a word does not answer
    within UNANSWERED_MS, is closed, and the transaction runs on a new connection."""
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_S", 0.05)
    monkeypatch.setattr(postgres, "UNANSWERED_MS", 300)
    relay = Relay(make_url(str(one.url)).port or 5432)
    through = Database(relay.url(one.url.render_as_string(False)), pool_size=1)
    try:
        before = await _backend(through)
        relay.silence()
        await asyncio.sleep(0.1)
        async with through.direct() as statements:
            await statements.execute(insert(Staff), {"name": "after", "roles": [], "active": True})
            ((after,),) = await statements.rows(_BACKEND, {})
    finally:
        await through.dispose()
        relay.close()
    assert after != before
    assert await _names(one) == ["after"]


@pytest.mark.parametrize("in_transaction", [False, True])
async def test_a_statement_on_a_link_gone_silent_fails_within_its_bound(
    one: Database, monkeypatch: pytest.MonkeyPatch, in_transaction: bool
) -> None:
    """In use (no ping: it was not idle), a statement on a link that went silent fails once the lock wait and
    UNANSWERED_MS have passed, instead of TCP's quarter of an hour; not twice that (asyncpg's release waits as long
    again for the server to cancel the statement, and so would a ROLLBACK: review of stop 34). Nothing is stored,
    and the next transaction gets a new connection."""
    monkeypatch.setattr(db_module, "LOCK_WAIT_MS", 500)
    monkeypatch.setattr(postgres, "UNANSWERED_MS", 500)
    bound = 1.0  # seconds: the two above
    relay = Relay(make_url(str(one.url)).port or 5432)
    through = Database(relay.url(one.url.render_as_string(False)), pool_size=1)
    try:
        before = await _backend(through)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with through.direct() as statements:
                if in_transaction:  # a read after a write: sent in a transaction begun for it
                    await statements.execute(insert(Staff), {"name": "lost", "roles": [], "active": True})
                    await statements.rows(_NAMES, {})
                relay.silence()
                started = time.monotonic()
                await statements.rows(_BACKEND, {})
        waited = time.monotonic() - started
        assert await _backend(through) != before
    finally:
        await through.dispose()
        relay.close()
    assert bound <= waited < 1.9 * bound  # asyncpg's release, or a ROLLBACK, would add as much again
    assert await _names(one) == []


async def test_the_url_s_settings_and_the_lock_timeout_reach_direct_connections() -> None:
    url = postgres_url()
    if url is None:
        pytest.skip("needs TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
    prepare(url)
    given = make_url(url).update_query_dict(
        {"connect_timeout": "30", "options": "-c search_path=public", "keepalives_idle": "5", "sslsni": "1"}
    )
    db = Database(given.render_as_string(False))
    names = ("search_path", "lock_timeout", "idle_in_transaction_session_timeout")
    try:
        async with db.direct() as statements:
            (found,) = await statements.rows(select(*(func.current_setting(name) for name in names)), {})
    finally:
        await db.dispose()
    assert tuple(found) == ("public", "10s", "40s")


async def test_dispose_ends_the_pool_s_connections_and_a_later_use_opens_it_again(pg: Database) -> None:
    pid = await _backend(pg)
    await pg.dispose()
    assert await _ended(pg, pid)
    assert await _backend(pg) != pid


async def test_a_pool_left_by_an_event_loop_that_ended_is_dropped_and_its_connections_end(pg: Database) -> None:
    """A CLI command's or a test's loop ends without `dispose`: its pool cannot be closed through it any more. The
    next pool opened drops it, and its connections end with it instead of staying open on the server."""

    def on_a_loop_of_its_own() -> int:
        return asyncio.run(_backend(pg))

    pid = await asyncio.to_thread(on_a_loop_of_its_own)
    assert await _state(pg, pid) == "idle"  # kept by the pool of a loop that has ended
    assert await _backend(pg) != pid  # this loop's own pool, opened now
    with warnings.catch_warnings():  # asyncpg and asyncio say so of each ("unclosed connection", "transport")
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()  # the dropped pool's sockets are closed as garbage: no loop is left to close them through
    assert await _ended(pg, pid)

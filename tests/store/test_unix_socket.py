"""PostgreSQL through its Unix socket, as the README recommends for a bot on the database's host
(`postgresql://user:password@/teambot?host=/var/run/postgresql`): the real `teambot` migrates, loads the demo and
stores a `/rating` through it, on each of its ways to the database (Alembic's psycopg, SQLAlchemy's psycopg pool,
asyncpg's direct pool).

Needs TEAMBOT_TEST_SOCKET_DATABASE_URL beside TEAMBOT_TEST_DATABASE_URL: the same database through the socket, as
a role that may connect only through it. `.ci/run` makes that role and the `pg_hba.conf` lines for it: a `local`
line with `scram-sha-256`, as the README says, and a `host … reject`, so a URL read as TCP fails instead of passing
by loopback. The socket's folder is also where libpq and asyncpg look without a host: the same URL naming a folder
without a socket must fail, or the URL's `host` was not read."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from helpers_foundation import clean_env, run_teambot
from helpers_ratings import goal_ids, ratings
from teambot.domain.calendar import WorkCalendar
from teambot.i18n import format_date
from teambot.store.db import Database, sync_url
from teambot.testing.database import postgres_url, prepare

SOCKET_DATABASE_ENV = "TEAMBOT_TEST_SOCKET_DATABASE_URL"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def socket_url() -> str:
    url = os.environ.get(SOCKET_DATABASE_ENV)
    tcp_url = postgres_url()
    if not url or tcp_url is None:
        pytest.skip(f"needs {SOCKET_DATABASE_ENV} and TEAMBOT_TEST_DATABASE_URL (PostgreSQL)")
    parsed = make_url(url)
    assert parsed.host is None and str(parsed.query["host"]).startswith("/"), f"{SOCKET_DATABASE_ENV}: not a socket"
    tcp = make_url(tcp_url)
    assert parsed.database == tcp.database, "the socket URL names another database than the suite's"
    over_tcp = parsed.set(host=tcp.host, port=tcp.port, query={})
    with pytest.raises(OperationalError, match="rejects connection"):  # else a TCP fall-back would pass unseen
        create_engine(sync_url(over_tcp.render_as_string(hide_password=False))).connect()
    prepare(tcp_url)  # migrated and emptied, as the suite's own role
    return url


def _elsewhere(url: str) -> str:
    """The same URL naming a socket folder that holds no socket."""
    return make_url(url).update_query_dict({"host": "/nonexistent"}).render_as_string(hide_password=False)


async def test_the_bot_rates_through_the_unix_socket(socket_url: str, tmp_path: Path) -> None:
    # The last working day up to today in Copenhagen: `/rating` accepts it on any day the suite runs (the demo has
    # no closing days).
    day = WorkCalendar().previous_working_day(datetime.now(COPENHAGEN).date())
    script = f"/rating AK12 {day.isoformat()} 1 3 rim med fagter\n"

    result = run_teambot("shell", "--demo", cwd=tmp_path, env=clean_env(TEAMBOT_DATABASE_URL=socket_url), stdin=script)

    assert result.returncode == 0, result.stderr
    # Stored, or changed: the demo has rated some days already.
    assert f"AK12, mål 1 — {format_date(day)}" in result.stdout, result.stdout
    tcp_url = postgres_url()
    assert tcp_url is not None
    db = Database(tcp_url)
    try:
        goal = (await goal_ids(db, "AK12"))[1]
        assert [(r.value, r.note) for r in await ratings(db) if (r.goal_id, r.day) == (goal, day)] == [
            (3, "rim med fagter")
        ]
    finally:
        await db.dispose()

    elsewhere = run_teambot("db", "upgrade", cwd=tmp_path, env=clean_env(TEAMBOT_DATABASE_URL=_elsewhere(socket_url)))
    assert elsewhere.returncode == 2, elsewhere.stdout + elsewhere.stderr
    assert "/nonexistent" in elsewhere.stderr


async def test_both_pools_connect_through_the_socket(socket_url: str) -> None:
    db = Database(socket_url)
    who = select(func.inet_client_addr(), func.current_user())
    try:
        async with db.direct() as statements:  # asyncpg: /rating's transaction, the replay guard's record
            (direct,) = await statements.rows(who, {})
        async with db.read() as session:  # psycopg: everything else
            (pooled,) = (await (await session.connection()).execute(who)).all()
    finally:
        await db.dispose()
    role = make_url(socket_url).username
    assert tuple(direct) == (None, role)  # no client address: not TCP
    assert tuple(pooled) == (None, role)

    elsewhere = Database(_elsewhere(socket_url))
    try:
        with pytest.raises(OSError):  # asyncpg: the socket file is not there
            async with elsewhere.direct() as statements:
                await statements.rows(who, {})
        with pytest.raises(OperationalError, match="/nonexistent"):
            async with elsewhere.read() as session:
                await (await session.connection()).execute(who)
    finally:
        await elsewhere.dispose()

"""Databases for the HTTP scenarios: fresh SQLite files in the run's folder, or the one PostgreSQL bench database
(`--database postgresql://…`) emptied and migrated again. A generated municipality is made once per run and reused
by every scenario that only reads it (L holds ten million ratings)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from teambot.store.db import Database
from teambot.store.migrate import upgrade
from teambot.testing.generate import Size, generate


@dataclass
class BenchDatabase:
    work: Path
    url: str | None = None  # PostgreSQL; None: SQLite files under `work`
    generated_seconds: dict[str, float] = field(default_factory=dict)
    _current: str | None = None  # which data set the PostgreSQL database holds now

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.url else "SQLite"

    def fresh(self, name: str) -> str:
        """An empty, migrated database."""
        if self.url is None:
            url = f"sqlite:///{self.work / f'{name}.db'}"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.work / f'{name}.db'}{suffix}").unlink(missing_ok=True)
        else:
            url = self.url
            # Only the bench database named on the command line is ever emptied.
            plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(plain, autocommit=True) as connection:
                connection.execute("DROP SCHEMA public CASCADE")
                connection.execute("CREATE SCHEMA public")
        upgrade(url)
        self._current = name
        return url

    async def generated(self, size: Size, *, start: date, rating_days: int) -> str:
        """A migrated database holding the generated municipality, made once per run."""
        name = f"{size.name}-{start.isoformat()}-{rating_days}"
        if self.url is None and (self.work / f"{name}.db").exists():
            return f"sqlite:///{self.work / f'{name}.db'}"
        if self.url is not None and self._current == name:
            return self.url
        url = self.fresh(name)
        db = Database(url)
        started = time.perf_counter()
        await generate(db, size, start=start, rating_days=rating_days)
        await db.dispose()
        if self.url is not None:
            _analyzed(self.url)
        self.generated_seconds[name] = time.perf_counter() - started
        return url


def _analyzed(url: str) -> None:
    """VACUUM and ANALYZE, as autovacuum would soon after, once every writer has gone and counted its writes.

    A backend reports its writes when idle or when it ends, which can be after a VACUUM or ANALYZE that ran
    meanwhile: autovacuum then took every generated row for a change and analyzed every table again within the
    minute, during some server's measured round (and a relation's new statistics have every pooled connection plan
    its statements again). Generated inserts also start autovacuum's VACUUM (PostgreSQL 13's insert threshold),
    which ANALYZE alone leaves due."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    others = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    changed = "SELECT relname FROM pg_stat_user_tables WHERE n_mod_since_analyze > 0 OR n_ins_since_vacuum > 0"
    with psycopg.connect(plain, autocommit=True) as connection:
        for _ in range(100):
            (count,) = connection.execute(others).fetchone() or (0,)
            if not count:
                break
            time.sleep(0.1)
        for _ in range(50):
            connection.execute("VACUUM (ANALYZE)")
            if not connection.execute(changed).fetchall():
                return
            time.sleep(0.1)
        raise RuntimeError(f"tables still changing after VACUUM (ANALYZE): {connection.execute(changed).fetchall()}")

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
    """ANALYZE, repeated until every table's writes were counted before it. A backend reports its writes when it
    is idle or ends, which can be after an ANALYZE that ran meanwhile: autovacuum then saw every generated row as
    a change and analyzed every table again within the minute, during some server's measured round (and a
    relation's new statistics make every pooled connection plan its statements again)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        for _ in range(50):
            connection.execute("ANALYZE")
            changed = "SELECT relname FROM pg_stat_user_tables WHERE n_mod_since_analyze > 0"
            if not connection.execute(changed).fetchall():
                return
            time.sleep(0.1)
        raise RuntimeError(f"tables still changing after ANALYZE: {connection.execute(changed).fetchall()}")

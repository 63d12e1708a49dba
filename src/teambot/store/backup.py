"""A consistent copy of the SQLite database while the bot runs (`teambot db backup`).

Copying `teambot.db` with `cp` while the bot writes can catch a half-written page, and misses whatever is still in
the `-wal` file. SQLite's online backup copies a snapshot of the whole database, committed transactions only, while
the bot goes on reading and writing (WAL readers never block writers).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from teambot.store.models import Case, Rating


class BackupError(Exception):
    """The backup cannot be made; the message says why and what to do instead."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    cases: int
    ratings: int


def backup_sqlite(database_url: str, target: Path) -> Backup:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "PostgreSQL is backed up with its own tools, e.g. `pg_dump --format=custom --file=teambot.dump "
            "<database>`; teambot copies SQLite files only"
        )
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory database has nothing to back up")
    source_path = Path(url.database)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}: check TEAMBOT_DATABASE_URL")
    if target.exists():
        raise BackupError(f"{target} exists already; name a new file, so no earlier backup is overwritten")
    if target.resolve() == source_path.resolve():
        raise BackupError("the backup must be another file than the database")
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(source_path, timeout=10)  # reads only; the busy timeout covers a checkpoint
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one snapshot, whatever commits meanwhile
            problems = copy.execute("PRAGMA integrity_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"the copy failed SQLite's integrity check: {problems[0][0]}")
            cases = copy.execute(f"SELECT count(*) FROM {Case.__tablename__}").fetchone()[0]
            ratings = copy.execute(f"SELECT count(*) FROM {Rating.__tablename__}").fetchone()[0]
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    partial.rename(target)  # only a complete, checked copy gets the name asked for
    return Backup(target, target.stat().st_size, cases, ratings)

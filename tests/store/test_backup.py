"""`teambot db backup FILE`: a consistent copy of the SQLite database, also while the bot writes. These run on
SQLite whatever TEAMBOT_TEST_DATABASE_URL says, except the PostgreSQL refusal."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from pathlib import Path

from typer.testing import CliRunner, Result

from teambot.cli import app
from teambot.testing.database import prepare, sqlite_url


def backup(url: str, target: Path) -> Result:
    return CliRunner().invoke(app, ["db", "backup", str(target)], env={"TEAMBOT_DATABASE_URL": url})


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_backup_taken_while_the_bot_writes_has_every_commit_even_those_only_in_the_wal(tmp_path: Path) -> None:
    """`cp teambot.db` misses what is still in the `-wal` file (here: every row, since nothing was checkpointed)
    and can catch a half-written page; the backup is one consistent snapshot."""
    url = sqlite_url(tmp_path)
    prepare(url)
    database = Path(url.removeprefix("sqlite:///"))
    writer = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # committed rows stay in the WAL
    writer.execute("CREATE TABLE bench_filler (n INTEGER NOT NULL)")
    for n in range(500):
        writer.execute("INSERT INTO bench_filler VALUES (?)", (n,))
    stop = threading.Event()

    def keep_writing() -> None:  # the bot, rating on while the backup runs
        n = 500
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO bench_filler VALUES (?)", (n,))
            writer.execute("COMMIT")
            n += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        copied_naively = tmp_path / "cp.db"
        # `cp` in a process of its own: closing a descriptor of the file here would drop the POSIX locks the writer's
        # connection holds on it (sqlite.org/howtocorrupt.html, 2.2).
        subprocess.run(["cp", str(database), str(copied_naively)], check=True)
        result = backup(url, tmp_path / "backup.db")
    finally:
        stop.set()
        thread.join(10)
        writer.close()

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Backup written: {tmp_path / 'backup.db'} (")
    assert "SQLite's integrity check: ok" in result.output
    assert _count(tmp_path / "backup.db", "bench_filler") >= 500
    with sqlite3.connect(tmp_path / "backup.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        numbers = [n for (n,) in copy.execute("SELECT n FROM bench_filler ORDER BY n")]
    assert numbers == list(range(len(numbers)))  # a snapshot: a prefix of the commits, no gaps
    with sqlite3.connect(copied_naively) as naive:
        assert naive.execute("SELECT count(*) FROM sqlite_master WHERE name = 'bench_filler'").fetchone()[0] == 0
    assert not (tmp_path / "backup.db.partial").exists()


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    prepare(url)
    earlier = tmp_path / "backup.db"
    earlier.write_bytes(b"yesterday's backup")

    result = backup(url, earlier)

    assert result.exit_code == 2
    assert "exists already; name a new file" in result.output
    assert earlier.read_bytes() == b"yesterday's backup"


def test_a_missing_database_is_named(tmp_path: Path) -> None:
    result = backup(f"sqlite:///{tmp_path / 'nowhere.db'}", tmp_path / "backup.db")
    assert result.exit_code == 2
    assert f"no database at {tmp_path / 'nowhere.db'}" in result.output
    assert not (tmp_path / "backup.db").exists()


def test_postgresql_is_pointed_to_pg_dump(tmp_path: Path) -> None:
    result = backup("postgresql://teambot:secret@db.kommune.example/teambot", tmp_path / "backup.db")
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.output
    assert "secret" not in result.output
    assert not (tmp_path / "backup.db").exists()

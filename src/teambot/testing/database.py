"""Databases for tests: a fresh SQLite file, or PostgreSQL (TEAMBOT_TEST_DATABASE_URL) emptied per test."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import teambot.store.models  # noqa: F401  (registers the tables)
from teambot.store.db import Database, sync_url
from teambot.store.migrate import upgrade

TEST_DATABASE_ENV = "TEAMBOT_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(TEST_DATABASE_ENV) or None


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'teambot-test.db'}"


_migrated: set[str] = set()
_template: Path | None = None


def _sqlite_template() -> Path:
    """One migrated SQLite file per process, copied for each test: migrating every time costs ~0.25 s."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="teambot-template-"))
        upgrade(sqlite_url(folder))
        _template = folder / "teambot-test.db"
    return _template


def prepare(url: str) -> None:
    """Give `url` a migrated, empty database: a copy of the template for SQLite; on PostgreSQL, migrate once
    per process and empty every table."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        shutil.copyfile(_sqlite_template(), parsed.database)
        return
    if url not in _migrated:
        upgrade(url)
        _migrated.add(url)
    if parsed.get_backend_name() == "postgresql":
        truncate(url)


def truncate(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def test_database_url(folder: Path) -> str:
    """The URL a test should use: PostgreSQL when configured, else a fresh SQLite file under `folder`."""
    return postgres_url() or sqlite_url(folder)


def open_test_database(folder: Path) -> Database:
    url = test_database_url(folder)
    prepare(url)
    return Database(url)

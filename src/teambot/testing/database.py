"""Databases for tests: a fresh SQLite file, or PostgreSQL (TEAMBOT_TEST_DATABASE_URL) emptied per test."""

from __future__ import annotations

import os
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


def prepare(url: str) -> None:
    """Migrate once per URL and process; on PostgreSQL empty every table, so each test starts clean."""
    if url not in _migrated:
        upgrade(url)
        _migrated.add(url)
    if make_url(url).get_backend_name() == "postgresql":
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

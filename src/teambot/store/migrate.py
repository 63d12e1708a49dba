"""Alembic, driven from code: `teambot db upgrade` and `teambot run` call `upgrade()`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from teambot.store.db import sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str | URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # `%` must be escaped for configparser; passwords may contain it.
    url = sync_url(database_url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | URL, revision: str = "head") -> None:
    """Create or upgrade the schema. Creates the SQLite file's folder if needed."""
    sync = sync_url(database_url)
    if sync.get_backend_name() == "sqlite" and sync.database not in (None, "", ":memory:"):
        Path(sync.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | URL, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)

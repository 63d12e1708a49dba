"""Start-up shared by every transport: settings applied, database upgraded and opened."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from teambot.config import Settings
from teambot.domain.clock import Clock, SystemClock
from teambot.i18n import set_language
from teambot.store.db import Database
from teambot.store.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic and httpx-style chatter is not what an operator needs at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def open_runtime(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    set_language(settings.language)
    if migrate:
        upgrade(settings.database_url)
    return Runtime(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock())

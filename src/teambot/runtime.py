"""Start-up shared by every transport: settings applied, database upgraded and opened."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from teambot.config import Settings
from teambot.domain.clock import Clock, SystemClock
from teambot.domain.privacy import contains_cpr, redact_cpr
from teambot.i18n import set_language
from teambot.store.db import Database
from teambot.store.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock


class RedactCPR(logging.Filter):
    """Defence in depth: whatever a library logs, CPR-shaped text never reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_cpr(message):
            record.msg, record.args = redact_cpr(message), ()
        return True


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactCPR())
    # Alembic and scheduler chatter is not what an operator needs at INFO; Bolt logs a rejected request's
    # whole body at INFO, which may hold case data.
    for name in ("alembic", "apscheduler", "slack_bolt"):
        logging.getLogger(name).setLevel(logging.WARNING)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which setting to check."""


def open_runtime(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    set_language(settings.language)
    if migrate:
        try:
            upgrade(settings.database_url)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise DatabaseUnavailable(f"TEAMBOT_DATABASE_URL: cannot open the database: {reason}") from None
    return Runtime(settings=settings, db=Database(settings.database_url), clock=clock or SystemClock())

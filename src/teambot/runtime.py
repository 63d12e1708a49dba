"""Start-up shared by every transport: settings applied, database upgraded and opened."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from teambot.config import Settings
from teambot.domain.clock import Clock, SystemClock
from teambot.domain.privacy import redact_for_logs
from teambot.i18n import set_language
from teambot.store.db import Database
from teambot.store.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock


class Redact(logging.Filter):
    """Defence in depth: whatever a library logs, CPR-shaped text and calendar tokens never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Text arguments are redacted in place first: formatters such as uvicorn's access log read the arguments.
        if isinstance(record.args, tuple):
            record.args = tuple(redact_for_logs(a) if isinstance(a, str) else a for a in record.args)
        message = record.getMessage()
        redacted = redact_for_logs(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        # A traceback repeats the error's text (a statement's parameters, a path): formatted and redacted here,
        # the handler's formatter uses this text instead of formatting the exception again.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_for_logs(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_for_logs(record.stack_info)
        return True


def redact_handlers(*loggers: logging.Logger) -> None:
    """Every handler of `loggers` redacts (once). uvicorn's loggers have handlers of their own, not the root's."""
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, Redact) for f in handler.filters):
                handler.addFilter(Redact())


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_handlers(logging.getLogger())
    # Alembic and scheduler chatter is not what an operator needs at INFO. Bolt's loggers take the level of the base
    # logger slack/app.py gives the app ("slack_bolt", WARNING there too): at INFO Bolt logs a refused request's body.
    for name in ("alembic", "apscheduler", "slack_bolt"):
        logging.getLogger(name).setLevel(logging.WARNING)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which setting to check."""


def open_runtime(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    set_language(settings.language)
    try:
        db = Database(settings.database_url)  # refuses a URL it cannot serve, before anything is migrated
    except ValueError as exc:
        raise DatabaseUnavailable(f"TEAMBOT_DATABASE_URL: {exc}") from None
    if migrate:
        try:
            upgrade(settings.database_url)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise DatabaseUnavailable(f"TEAMBOT_DATABASE_URL: cannot open the database: {reason}") from None
    return Runtime(settings=settings, db=db, clock=clock or SystemClock())


def settle_heap() -> None:
    """Exclude what a server holds once it has started (modules, Bolt's app, SQLAlchemy's mappers: about 160,000
    objects) from Python's cyclic garbage collector. A full collection walked them all with the event loop stopped:
    80–105 ms, now and then in the middle of a load; 5–17 ms after this (bench/README.md, "What changed in the
    afternoon of 2026-12-02"). Collected first, so no garbage is kept for good. A long-running server calls it at
    the end of its start-up and again after its first planner pass, which loads for good what the server then holds
    (about 20,000 objects more, the holidays of the calendar's countries among them); a test's app never. The port is
    open by then: what requests in flight hold at that moment is kept out too, and what of it later becomes a
    reference cycle is never collected (a few requests' worth, once)."""
    gc.collect()
    gc.freeze()

"""Serve Slack: Socket Mode over a websocket, or HTTP under uvicorn."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from teambot.config import ConfigError
from teambot.reports.feeds import calendar_for_token
from teambot.runtime import Runtime, redact_handlers, settle_heap
from teambot.scheduler.runtime import BotScheduler
from teambot.slack.app import build_app
from teambot.slack.directory import resolve_emails
from teambot.slack.http import TeambotASGI
from teambot.slack.http_head import BoundedHttpTools
from teambot.slack.messenger import SlackMessenger
from teambot.slack.services import Services
from teambot.slack.web import close_connections, keep_connections, web_client
from teambot.store.db import Database

log = logging.getLogger(__name__)

# At shutdown, answers and button work already acknowledged get this long to finish before the database closes.
DRAIN_SECONDS = 10.0


def _scheduler(runtime: Runtime, client: AsyncWebClient) -> BotScheduler:
    return BotScheduler(
        runtime.db,
        SlackMessenger(client),
        runtime.clock,
        runtime.settings.zone,
        retention_months=runtime.settings.retention_months,
    )


def make_asgi(runtime: Runtime, *, with_scheduler: bool = True, settle: bool = False) -> TeambotASGI:
    """teambot's ASGI app; `settle`: a long-running server's, whose start-up ends with `settle_heap`."""
    client = web_client(runtime.settings)
    scheduler = _scheduler(runtime, client)
    services = Services(
        db=runtime.db,
        clock=runtime.clock,
        zone=runtime.settings.zone,
        replan=scheduler.replan,
        public_url=runtime.settings.public_url,
    )
    # Workers sharing PostgreSQL record seen requests there, on connections of their own: an acknowledgement must
    # never queue behind the commands' work for a pooled connection. `/rating` records its own in its first read.
    guard_db = None if runtime.db.is_sqlite else Database(runtime.db.url, pool_size=2)
    app = build_app(runtime.settings, services, client=client, guard_db=guard_db)

    async def startup() -> None:
        keep_connections(client)
        if runtime.settings.slack_bot_token:
            await resolve_emails(client, runtime.db)
        if with_scheduler:
            # The port opens now; the first planner pass runs behind it (seconds to minutes on a large roster). What
            # that pass loads for good (the holidays of the calendar's countries among it) is settled after it.
            await scheduler.start_in_background(then=settle_heap if settle else None)
        if settle:
            settle_heap()

    async def shutdown() -> None:
        await _stop(runtime, services, scheduler, client)
        if guard_db is not None:
            await guard_db.dispose()

    async def calendar(token: str) -> bytes | None:
        return await calendar_for_token(runtime.db, runtime.clock, runtime.settings.zone, token)

    def health() -> tuple[bool, dict[str, str]]:
        if not with_scheduler:
            return True, {}
        # "starting" while the first planner pass runs behind the open port: answering, not yet reminding.
        # "stopped": shutting down, or the schedule failed to start: no reminder goes out from this process.
        return scheduler.state != "stopped", {"scheduler": scheduler.state}

    return TeambotASGI(app, on_startup=startup, on_shutdown=shutdown, calendar=calendar, health=health)


def http_config(app: TeambotASGI, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for teambot's HTTP endpoint (`make bench` serves its anchors the same way).

    httptools parses HTTP in C: h11, uvicorn's pure-Python parser, cost about 0.2 ms of CPU per /rating, a fifth of
    the whole (bench/README.md, "What changed in the late morning of 2026-12-02"); slack/http_head.py keeps h11's
    bound on a request's head.

    No access log: its line per request cost about 40 µs of CPU, 4–5 % of a /rating. TeambotASGI logs the requests
    it refuses or fails, without their query."""
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="on", log_level="info", access_log=False, http=BoundedHttpTools
    )
    # After Config, which gives uvicorn's loggers handlers of their own (the access log's too, should it come back:
    # it has every path and query).
    redact_handlers(logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access"))
    return config


async def serve_http(runtime: Runtime, *, host: str, port: int) -> None:
    await uvicorn.Server(http_config(make_asgi(runtime, settle=True), host=host, port=port)).serve()


async def serve_socket_mode(runtime: Runtime, *, settle: bool = False) -> None:
    client = web_client(runtime.settings)
    scheduler = _scheduler(runtime, client)
    services = Services(
        db=runtime.db,
        clock=runtime.clock,
        zone=runtime.settings.zone,
        replan=scheduler.replan,
        public_url=runtime.settings.public_url,
    )
    app = build_app(runtime.settings, services, socket_mode=True, client=client)
    app_token = runtime.settings.slack_app_token
    if not app_token:
        raise ConfigError("SLACK_APP_TOKEN: required for Socket Mode")
    # Its own logger, not the app's (`slack_bolt`, WARNING: slack/app.py): the connection's INFO lines (a new session,
    # Slack closing one, a rate limit) are how an operator sees the bot reconnect. Payloads are logged only at DEBUG.
    handler = AsyncSocketModeHandler(app, app_token, logger=logging.getLogger("slack_sdk.socket_mode"))
    # uvicorn turns SIGTERM (docker stop, systemd) into a graceful stop in HTTP mode; here that is ours to do, or the
    # process dies at once and work already acknowledged is lost. Ctrl-C cancels this task, which ends the same way.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)

    async def start() -> None:
        await _check_app_token(client, app_token)
        await resolve_emails(client, runtime.db)
        await scheduler.start_in_background(then=settle_heap if settle else None)
        await handler.connect_async()
        if settle:  # `teambot run`'s, not a test's (see make_asgi)
            settle_heap()

    try:
        keep_connections(client)
        await _started_until(stopping, start())
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await handler.close_async()  # no new events while the rest finishes
        await _stop(runtime, services, scheduler, client)


async def _started_until(stopping: asyncio.Event, start: Awaitable[None]) -> None:
    """Start, then wait for the stop. Starting may take long when Slack does not answer (a 30-s timeout per call)
    or fails (slack_sdk tries to connect every 10 s for as long as it does): a stop meanwhile ends the start."""
    starting = asyncio.ensure_future(start)
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()
            await stopped
    finally:
        for task in (starting, stopped):
            task.cancel()
        await asyncio.gather(starting, stopped, return_exceptions=True)


# What apps.connections.open answers to an app token that will never work: a wrong setting, not an outage.
_REFUSED_TOKEN = {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "token_expired"}


async def _check_app_token(client: AsyncWebClient, app_token: str) -> None:
    """Stop with a setting error if Slack refuses the app token: slack_sdk would retry it every 10 s forever."""
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        # A body that is not Slack's JSON (a proxy's error page) leaves no parsed response to read a code from.
        code = error.response.get("error") if isinstance(error.response, AsyncSlackResponse) else None
        if code in _REFUSED_TOKEN:
            raise ConfigError(
                f"SLACK_APP_TOKEN: Slack refused it ({code}); use the app-level token (xapp-…) with the "
                "connections:write scope from the app's Basic Information page"
            ) from None
        log.warning("Slack did not open a Socket Mode connection (%s); trying again", code)
    except Exception as error:  # anything else is Slack's or the network's trouble: connecting tries again
        log.warning("Slack could not be reached (%s); trying again", type(error).__name__)


async def _stop(runtime: Runtime, services: Services, scheduler: BotScheduler, client: AsyncWebClient) -> None:
    """Stop in this order: work already acknowledged (it may re-plan a case and deliver), then the scheduler and
    the deliveries it started, then the connections to Slack and the database."""
    await services.background.drain(timeout=DRAIN_SECONDS)
    await scheduler.stop(timeout=DRAIN_SECONDS)
    await close_connections(client)
    await runtime.db.dispose()

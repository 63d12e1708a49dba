"""Build the Bolt AsyncApp: the Web API client (pointed at SLACK_API_URL) and every listener."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, UserError
from teambot.config import Settings
from teambot.slack.guard import RequestGuard
from teambot.slack.listeners import register_listeners
from teambot.slack.listeners.commands import StampArrival
from teambot.slack.services import Services
from teambot.slack.web import web_client
from teambot.store.db import Database

log = logging.getLogger(__name__)


class _TokenBesideClient(logging.Filter):
    """Drops Bolt's warning that the token goes unused beside our client. Bolt reads SLACK_BOT_TOKEN itself and
    warns whenever a client is given too, though ours is built from that same setting: a WARNING at every start
    that asks the operator to fix nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


# The base of every logger Bolt makes for the app: Bolt gives each of them this one's level (without a base, the
# root's INFO, whatever "slack_bolt" is set to), and at INFO it logs a refused request's whole body, which may be a
# note about a child. Its warnings and errors still come through.
_BOLT_LOG = logging.getLogger("slack_bolt")
_BOLT_LOG.setLevel(logging.WARNING)
_BOLT_LOG.addFilter(_TokenBesideClient())  # Bolt's __init__ warns on it


class _App(AsyncApp):
    """Bolt's AsyncApp with one Web API client per workspace, made at its first request, instead of one made for
    every request: 3 % of a `/rating` (bench/README.md, "What changed in the night of 2026-12-04"). Bolt makes a new
    one per request (since 1.15) so that a listener may change the token of its own; teambot never does. The same
    client otherwise: the app client's settings and session, and the workspace's id as Bolt gives it. The rest
    of the context is Bolt's own (a test compares the keys with Bolt's, so a Bolt that sets more shows)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._clients: dict[str | None, AsyncWebClient] = {}

    def _init_context(self, req: AsyncBoltRequest) -> None:
        req.context["logger"] = get_bolt_app_logger(app_name=self.name, base_logger=self._base_logger)
        req.context["token"] = self._token
        req.context["client"] = self._client_for(req.context.team_id)
        req.context["listener_runner"] = self.listener_runner

    def _client_for(self, team_id: str | None) -> AsyncWebClient:
        app = self._async_client
        client = self._clients.get(team_id)
        if client is None or client.session is not app.session:  # the session is given at start-up
            client = self._clients[team_id] = AsyncWebClient(
                token=self._token,
                base_url=app.base_url,
                timeout=app.timeout,
                ssl=app.ssl,
                proxy=app.proxy,
                session=app.session,
                trust_env_in_session=app.trust_env_in_session,
                headers=app.headers,
                team_id=team_id,
                logger=app.logger,
                retry_handlers=app.retry_handlers.copy() if app.retry_handlers is not None else None,
            )
        return client


def build_app(
    settings: Settings,
    services: Services,
    *,
    socket_mode: bool = False,
    client: AsyncWebClient | None = None,
    guard_db: Database | None = None,
) -> AsyncApp:
    """The Bolt app; `guard_db` (PostgreSQL) shares the memory of seen requests with other HTTP workers."""
    client = client or web_client(settings)
    app = _App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # Socket Mode requests come over an authenticated websocket, not signed HTTP.
        request_verification_enabled=not socket_mode,
        # The acknowledgement leaves as soon as the listener returns. With False, Bolt runs the listener as a task
        # and looks for the ack every 10 ms, so every answer waited for the next look. Work that need not be in
        # the ack runs in `services.background`; nothing that can raise may follow ack() in a listener, or Bolt
        # answers the request with HTTP 500 instead of the ack.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=_BOLT_LOG,
    )

    @app.error
    async def on_error(error: Exception) -> None:
        # Listener bugs land here after ack(); the user already got the command's own apology if any.
        if not isinstance(error, UserError):
            log.error("unhandled Slack listener error: %s", type(error).__name__, exc_info=error)

    app.middleware(StampArrival())
    app.middleware(RequestGuard(guard_db, services.clock, defers=REGISTRY.decides_replay))
    register_listeners(app, services)
    return app

"""Serve Slack: Socket Mode over a websocket, or HTTP under uvicorn."""

from __future__ import annotations

import logging

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from teambot.runtime import Runtime
from teambot.slack.app import build_app
from teambot.slack.directory import resolve_emails
from teambot.slack.http import TeambotASGI
from teambot.slack.services import Services

log = logging.getLogger(__name__)


def make_asgi(runtime: Runtime) -> TeambotASGI:
    services = Services(db=runtime.db, clock=runtime.clock)
    app = build_app(runtime.settings, services)

    async def startup() -> None:
        if runtime.settings.slack_bot_token:
            await resolve_emails(app.client, runtime.db)

    async def shutdown() -> None:
        await runtime.db.dispose()

    return TeambotASGI(app, on_startup=startup, on_shutdown=shutdown)


async def serve_http(runtime: Runtime, *, host: str, port: int) -> None:
    config = uvicorn.Config(make_asgi(runtime), host=host, port=port, lifespan="on", log_level="info")
    await uvicorn.Server(config).serve()


async def serve_socket_mode(runtime: Runtime) -> None:
    services = Services(db=runtime.db, clock=runtime.clock)
    app = build_app(runtime.settings, services, socket_mode=True)
    await resolve_emails(app.client, runtime.db)
    handler = AsyncSocketModeHandler(app, runtime.settings.slack_app_token)
    try:
        await handler.start_async()
    finally:
        await runtime.db.dispose()

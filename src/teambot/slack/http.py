"""HTTP mode: `POST /slack/events` through Bolt's ASGI adapter, `GET /healthz`, lifespan hooks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]
# What /healthz reports: whether the bot does all it should (else 503, so a supervisor or load balancer acts), and
# the details shown either way.
Health = Callable[[], tuple[bool, dict[str, str]]]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
CALENDAR_PATH = re.compile(r"^/ics/([A-Za-z0-9_-]{20,64})\.ics$")


class TeambotASGI:
    def __init__(
        self,
        app: AsyncApp,
        *,
        on_startup: Hook | None = None,
        on_shutdown: Hook | None = None,
        calendar: Callable[[str], Awaitable[bytes | None]] | None = None,
        health: Health | None = None,
    ) -> None:
        self.health = health
        self.bolt = AsyncSlackRequestHandler(app, path=EVENTS_PATH)
        self.calendar = calendar
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path == "/healthz" and method in {"GET", "HEAD"}:
            healthy, details = self.health() if self.health else (True, {})
            await _json(send, 200 if healthy else 503, {"status": "ok" if healthy else "unavailable"} | details)
        elif path == EVENTS_PATH:
            await self._events(scope, receive, send)
        elif self.calendar is not None and method in {"GET", "HEAD"} and (match := CALENDAR_PATH.match(path)):
            body = await self.calendar(match.group(1))
            if body is None:
                await _json(send, 404, {"error": "not found"})  # unknown or revoked: nothing to learn here
            else:
                await _send(send, 200, body, b"text/calendar; charset=utf-8")
        else:
            await _json(send, 404, {"error": "not found"})

    async def _events(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.bolt(scope, receive, sending)
        except ValueError:
            # Bolt parses a form's `payload` field as JSON before it checks the signature: anyone could make it
            # fail (a 500 and a traceback in the log each time). Nothing was run; the sender learns only this.
            if started:
                raise
            log.info("refused a Slack request whose body is not what Slack sends")
            await _json(send, 400, {"error": "invalid request body"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.on_startup:
                    await self.on_startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.on_shutdown:
                    await self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send(send, status, json.dumps(body).encode(), b"application/json")


async def _send(send: Send, status: int, payload: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})

"""HTTP mode: `POST /slack/events` through Bolt's ASGI adapter, `GET /healthz`, lifespan hooks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from teambot.domain.privacy import redact_for_logs

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]
# What /healthz reports: whether the bot does all it should (else 503, so a supervisor or load balancer acts), and
# the details shown either way.
Health = Callable[[], tuple[bool, dict[str, str]]]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Far above anything Slack sends (its largest, a modal's submission, is some hundred KB): a bound on what one request
# can make the bot hold in memory.
MAX_EVENT_BODY = 4 * 1024 * 1024
MAX_LOGGED_PATH = 200
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
        answered = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                if message["status"] >= 400:
                    _log_refused_or_failed(message["status"], method, path)
            await send(message)

        try:
            await self._route(scope, path, method, receive, sending)
        except Exception:
            if not answered:  # uvicorn answers 500 and logs the traceback, which names no request
                _log_refused_or_failed(500, method, path)
            raise

    async def _route(self, scope: Scope, path: str, method: str, receive: Receive, send: Send) -> None:
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
        """Bolt's handler, with what Bolt leaves open: a body it would read into memory however large (before it
        checks the signature), and bodies it cannot parse (a 500 and a traceback in the log for anyone)."""
        if (_content_length(scope) or 0) > MAX_EVENT_BODY:
            await _json(send, 413, {"error": "request body too large"})
            return
        started = False
        received = 0

        async def sending(message: dict[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        async def receiving() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            received += len(message.get("body", b""))
            if received > MAX_EVENT_BODY:  # a chunked body, or one longer than its Content-Length said
                raise _TooLarge
            return message

        try:
            await self.bolt(scope, receiving, sending)
        except _Gone:
            return  # the sender left before its body was in: nothing ran, nobody to answer
        except _TooLarge:
            if started:
                raise
            await _json(send, 413, {"error": "request body too large"})
        except (ValueError, AttributeError, TypeError) as error:
            # Bolt parses a form's `payload` field as JSON, and reads fields of what it finds, before it checks the
            # signature: anyone could make it fail. Nothing was run (Bolt answers a listener's failure itself).
            if started:
                raise
            # Logged as the 400 it is answered with (`_log_refused_or_failed`); what it was, for a closer look.
            log.debug("a Slack request whose body is not what Slack sends (%s)", type(error).__name__)
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


def _log_refused_or_failed(status: int, method: str, path: str) -> None:
    """One line per request answered with an error, in place of uvicorn's line per request (off: a line per Slack
    request cost 4–5 % of a /rating's CPU, bench/README.md). The query is left out, as it may hold anything; a
    calendar token and CPR-shaped text are redacted here, before the path is cut short. Characters that do not print
    go first: a decoded %0A would start a forged line of its own, and one between a CPR number's digits would hide it
    from the redaction."""
    if not path.isprintable():
        path = "".join(character for character in path if character.isprintable())
    log.info("HTTP %d %s %s", status, method, redact_for_logs(path)[:MAX_LOGGED_PATH])


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send(send, status, json.dumps(body).encode(), b"application/json")


async def _send(send: Send, status: int, payload: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class _Gone(Exception):
    """The client went away before its request's body was in."""


class _TooLarge(Exception):
    """A request body over MAX_EVENT_BODY."""


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

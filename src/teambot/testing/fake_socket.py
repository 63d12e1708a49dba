"""Slack's Socket Mode, faked: a websocket server on an ephemeral loopback port, in a thread of its own.

The fake Web API's `apps.connections.open` hands out `ws://127.0.0.1:<port>/link/?ticket=...`; each ticket opens one
connection, as Slack's do. On connecting, the app is greeted with `hello`. A test pushes envelopes (slash commands,
interactive payloads, events) onto the newest open connection and reads the app's acknowledgements
(`{"envelope_id": ..., "payload": {...}}`) back, with how long each took. Pings are answered with pongs; `refresh()`
sends the `disconnect` Slack sends before it recycles a connection, and `drop()` closes one from Slack's side.
What Slack would not accept (an ack for an unknown envelope, a second ack, a payload where none is accepted,
anything that is not JSON) is kept in `problems`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from teambot.testing.signing import slash_command_body

APP_ID = "A0TEAMBOT"
# Envelope types whose acknowledgement may carry an answer (Slack shows it, or keeps a modal open with it).
RESPONSE_PAYLOAD_TYPES = ("view_submission", "block_suggestion")


@dataclass
class Envelope:
    type: str  # "slash_commands", "interactive", "events_api"
    payload: dict[str, Any]
    accepts_response_payload: bool
    envelope_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    connection: int = 0  # the number of the connection it went out on
    sent_at: float = 0.0  # time.monotonic()

    def to_dict(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            message.update(retry_attempt=0, retry_reason="")
        return message


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    connection: int
    seconds: float  # from the envelope leaving to its acknowledgement arriving


@dataclass
class Connection:
    number: int  # 1 for the first connection the server accepted
    ticket: str
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None
    closed_by: str | None = None  # "app" or "slack"
    pings: int = 0  # pings from the app (slack_sdk's keep-alive), each answered with a pong

    @property
    def open(self) -> bool:
        return self.closed_at is None


class FakeSocketMode:
    def __init__(self, on_ack: Callable[[Envelope, Ack], None] | None = None) -> None:
        self.on_ack = on_ack
        self.connections: list[Connection] = []
        self.envelopes: dict[str, Envelope] = {}
        self.acks: list[Ack] = []
        self.problems: list[str] = []
        self.issued_tickets = 0  # addresses handed out by apps.connections.open
        self.refused_tickets = 0  # connections refused for an unknown or used ticket
        self._tickets: set[str] = set()
        self._sockets: dict[int, web.WebSocketResponse] = {}
        self._changed = threading.Condition()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-slack-socket", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSocketMode:
        self._thread.start()
        self._call(self._serve())
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            try:
                self._call(self._shutdown())  # may time out on a client that no longer answers
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()
        self._sock.close()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def issue_url(self) -> str:
        """A new single-use address (what `apps.connections.open` answers)."""
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
            self.issued_tickets += 1
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"

    def reset(self) -> None:
        """Forget envelopes, acks and problems; connections stay as they are."""
        with self._changed:
            self.envelopes.clear()
            self.acks.clear()
            self.problems.clear()

    # -- what a test sends -----------------------------------------------------------------------
    def send(self, envelope: Envelope, connection: int | None = None) -> Envelope:
        """Push `envelope` onto connection number `connection`, or the newest open one."""
        with self._changed:
            target = connection or self._newest_open()
            ws = self._sockets.get(target)
            if ws is None:
                raise AssertionError(f"no open Socket Mode connection {connection or ''}".strip())
            envelope.connection = target
            envelope.sent_at = time.monotonic()
            self.envelopes[envelope.envelope_id] = envelope
        self._call(ws.send_str(json.dumps(envelope.to_dict())))
        return envelope

    def slash_command(self, command: str, text: str, *, user_id: str, response_url: str) -> Envelope:
        payload = dict(parse_qsl(slash_command_body(command, text, user_id=user_id, response_url=response_url)))
        payload["is_enterprise_install"] = "false"
        return self.send(Envelope("slash_commands", payload, accepts_response_payload=True))

    def interactive(self, payload: dict[str, Any]) -> Envelope:
        """A button click (`block_actions`), a modal submission (`view_submission`) and the like."""
        accepts = payload.get("type") in RESPONSE_PAYLOAD_TYPES
        return self.send(Envelope("interactive", payload, accepts_response_payload=accepts))

    def event(self, event: dict[str, Any]) -> Envelope:
        """An Events API event (`app_home_opened`, ...), wrapped in its `event_callback` as Slack delivers it."""
        payload = {
            "token": "legacy-unused",
            "team_id": "T0TEAM001",
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEAM001", "user_id": "U0TEAMBOT", "is_bot": True}],
        }
        return self.send(Envelope("events_api", payload, accepts_response_payload=False))

    def refresh(self, reason: str = "refresh_requested") -> int:
        """Ask the app to reconnect, as Slack does before recycling a connection; returns the connection's number.
        Slack leaves the old connection open for a while; a well-behaved app opens a new one and closes the old."""
        with self._changed:
            number = self._newest_open()
            ws = self._sockets[number]
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        self._call(ws.send_str(json.dumps(message)))
        return number

    def drop(self, connection: int | None = None, code: int = 1001) -> int:
        """Close a connection from Slack's side (a restart of Slack's edge); returns its number."""
        with self._changed:
            number = connection or self._newest_open()
            ws = self._sockets[number]
            self._connection(number).closed_by = "slack"
        self._call(ws.close(code=code))
        return number

    # -- what a test reads -----------------------------------------------------------------------
    def open_connections(self) -> list[Connection]:
        with self._changed:
            return [c for c in self.connections if c.open]

    def connection(self, number: int) -> Connection:
        with self._changed:
            return self._connection(number)

    def ack_for(self, envelope: Envelope | str) -> Ack | None:
        envelope_id = envelope if isinstance(envelope, str) else envelope.envelope_id
        with self._changed:
            return next((a for a in self.acks if a.envelope_id == envelope_id), None)

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        """Wait until `check()` is truthy (re-checked on every change the server sees) and return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := check()):
                left = deadline - time.monotonic()
                if left <= 0:
                    state = f"connections {self.connections}, problems {self.problems}"
                    raise AssertionError(f"Socket Mode: {what} not within {timeout:.0f} s; {state}")
                self._changed.wait(min(left, 0.1))
            return result

    def wait_connected(self, timeout: float = 30.0, after: int = 0) -> Connection:
        """The newest open connection whose number is above `after` (0: any)."""

        def newest() -> Connection | None:
            fresh = [c for c in self.connections if c.open and c.number > after]
            return fresh[-1] if fresh else None

        connection: Connection = self.wait_for("a connection", newest, timeout)
        return connection

    def wait_closed(self, number: int, timeout: float = 30.0) -> Connection:
        connection: Connection = self.wait_for(
            f"closing connection {number}", lambda: (c := self._connection(number)) and not c.open and c, timeout
        )
        return connection

    # -- the server --------------------------------------------------------------------------------
    def _call(self, coroutine: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _newest_open(self) -> int:
        return max(self._sockets, default=0)

    def _connection(self, number: int) -> Connection:
        return next(c for c in self.connections if c.number == number)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    async def _shutdown(self) -> None:
        with self._changed:
            sockets = list(self._sockets.items())
            for number, _ in sockets:
                self._connection(number).closed_by = "slack"
        for _, ws in sockets:
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._changed:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
            if not valid:
                self.refused_tickets += 1
                self._changed.notify_all()
        if not valid:
            return web.Response(status=401, text="invalid or used ticket")
        ws = web.WebSocketResponse(autoping=False)  # pings are counted, then answered below
        await ws.prepare(request)
        with self._changed:
            number = len(self.connections) + 1
            connection = Connection(number, ticket, opened_at=time.monotonic())
            self.connections.append(connection)
            self._sockets[number] = ws
            hello = {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        try:
            await ws.send_str(json.dumps(hello))
            with self._changed:
                self._changed.notify_all()  # connected and greeted
            async for message in ws:
                if message.type == WSMsgType.PING:
                    with self._changed:
                        connection.pings += 1
                    await ws.pong(message.data)
                elif message.type == WSMsgType.TEXT:
                    self._received(connection, message.data)
                elif message.type != WSMsgType.PONG:
                    self._problem(f"connection {number}: unexpected {message.type.name} frame")
        finally:
            with self._changed:
                self._sockets.pop(number, None)
                connection.closed_at = time.monotonic()
                connection.close_code = ws.close_code
                connection.closed_by = connection.closed_by or "app"
                self._changed.notify_all()
        return ws

    def _received(self, connection: Connection, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            self._problem(f"connection {connection.number}: not JSON: {data[:80]!r}")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._changed:
            envelope = self.envelopes.get(str(envelope_id))
        if envelope is None:
            self._problem(f"connection {connection.number}: not an ack of a known envelope: {data[:80]!r}")
            return
        payload = message.get("payload")
        if self.ack_for(envelope) is not None:
            self._problem(f"envelope {envelope.envelope_id} acknowledged twice")
        if payload and not envelope.accepts_response_payload:
            self._problem(f"envelope {envelope.envelope_id} ({envelope.type}) acknowledged with a payload it ignores")
        ack = Ack(envelope.envelope_id, payload, connection.number, time.monotonic() - envelope.sent_at)
        if self.on_ack is not None:  # first, so what it records is there once a test sees the ack
            self.on_ack(envelope, ack)
        with self._changed:
            self.acks.append(ack)
            self._changed.notify_all()

    def _problem(self, text: str) -> None:
        with self._changed:
            self.problems.append(text)
            self._changed.notify_all()

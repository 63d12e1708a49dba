"""A fake Slack Web API: a real HTTP server on an ephemeral loopback port that records every call.

Point `SLACK_API_URL` (or `AsyncWebClient(base_url=...)`) at `FakeSlack.api_url`. Response URLs for slash
commands and buttons are served too (`FakeSlack.response_url(...)`). Failures can be injected per method,
and a seeded chaos rate answers a share of calls with 429 or 500. Socket Mode: `apps.connections.open` (with an
app-level token) hands out the address of `FakeSlack.socket_mode`, a websocket server started on first use.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from teambot.testing import block_kit
from teambot.testing.fake_socket import Ack, Envelope, FakeSocketMode

BOT_USER_ID = "U0TEAMBOT"


@dataclass
class Call:
    # "chat.postMessage"; "response_url" for posts to a response URL; "ack" for an answer a slash command's
    # acknowledgement carried (Slack shows it as it would a post to the command's response URL)
    method: str
    params: dict[str, Any]
    path: str
    at: float = field(default_factory=time.monotonic)
    peer: int = 0  # the client's port: calls over one kept-open connection share it


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    posted: bool = False  # the call took effect (a message was posted) before the error was answered


class _Server(ThreadingHTTPServer):
    # A client without a session opens a connection per call; with 8 or more in flight, socketserver's listen
    # backlog of 5 makes the kernel drop SYNs, and each dropped call stalls 1 s before its retry.
    request_queue_size = 128
    daemon_threads = True


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users_by_email: dict[str, str] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self.chaos_rate = 0.0
        self._chaos = random.Random(0)
        self._lock = threading.Lock()
        self._ts = 0
        # The time Slack stamps a post with, when a test gives its clock: then `conversations.history` answers, as
        # Slack does, only the messages posted after `oldest` and before `latest` (at them too with `inclusive`).
        # Without one, every post has the same fixed time.
        self.clock: Callable[[], datetime] | None = None
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> posted messages
        self.refused: list[tuple[Call, list[str]]] = []  # calls refused for their blocks, and why (block_kit)
        self._socket: FakeSocketMode | None = None
        self._socket_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._socket is not None:
            self._socket.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    @property
    def socket_mode(self) -> FakeSocketMode:
        """Slack's Socket Mode side: push envelopes, read acknowledgements (started on first use)."""
        with self._socket_lock:
            if self._socket is None:
                self._socket = FakeSocketMode(on_ack=self._socket_acknowledged).start()
            return self._socket

    # -- inspection and fault injection ----------------------------------------------------------
    def reset(self) -> FakeSlack:
        """Forget recorded calls, posted messages, faults and chaos (to share one server between tests)."""
        with self._lock:
            self.calls.clear()
            self.messages.clear()
            self.refused.clear()
            self.faults.clear()
            self.chaos_rate = 0.0
            self.clock = None
        if self._socket is not None:
            self._socket.reset()
        return self

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def acknowledged(self, request_body: str | bytes, response_body: str | bytes) -> None:
        """Record the answer that an app's acknowledgement of a slash command carried, under the command's response
        URL: Slack receives the acknowledgement and shows its answer, so a test reads it with `answers()`."""
        form = dict(parse_qsl(request_body.decode() if isinstance(request_body, bytes) else request_body))
        if "command" not in form or not response_body:
            return
        self._record_ack(json.loads(response_body), form.get("response_url", ""))

    def _socket_acknowledged(self, envelope: Envelope, ack: Ack) -> None:
        """The same for an acknowledgement over Socket Mode: a slash command's answer is recorded under its
        response URL."""
        if envelope.type == "slash_commands" and ack.payload:
            self._record_ack(ack.payload, str(envelope.payload.get("response_url", "")))

    def _record_ack(self, answer: Any, response_url: str) -> None:
        if isinstance(answer, dict) and answer.get("text"):
            call = Call("ack", answer, urlparse(response_url).path)
            problems = block_kit.refusal("ack", answer)
            with self._lock:
                if problems:  # Slack shows the user an error instead
                    self.refused.append((call, problems))
                else:
                    self.calls.append(call)

    def answers(self, name: str = "r1") -> list[Call]:
        """Every answer to the request whose response URL is `name`, in the acknowledgement or posted later (not
        one refused for its blocks: the user never saw it)."""
        with self._lock:
            refused = {id(call) for call, _ in self.refused}
            return [
                c
                for c in self.calls
                if c.method in ("ack", "response_url") and c.path == f"/response/{name}" and id(c) not in refused
            ]

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "",
        retry_after: int | None = None,
        times: int = 1,
        posted: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (HTTP `status`, Slack `error`); with `posted`,
        the call takes effect first, as when Slack posts a message and then fails to say so."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
        with self._lock:
            queue = self.faults.setdefault(method, deque())
            queue.extend(Fault(status, body, headers, posted) for _ in range(times))

    def say(self, channel: str, text: str, *, user: str) -> str:
        """A message `user` (not the bot) writes in `channel` (a DM's channel here is the user's id); its ts."""
        with self._lock:
            return self._add_message(channel, {"type": "message", "user": user, "text": text})

    def set_chaos(self, rate: float, seed: int = 0) -> None:
        """Answer a share `rate` of API calls with 429 (Retry-After 1) or 500, deterministically seeded."""
        self.chaos_rate = rate
        self._chaos = random.Random(seed)

    def stats(self) -> dict[str, Any]:
        """Calls per method and how many notification keys were posted more than once (for another process)."""
        with self._lock:
            per_method: dict[str, int] = {}
            for call in self.calls:
                per_method[call.method] = per_method.get(call.method, 0) + 1
            keys: dict[str, int] = {}
            for messages in self.messages.values():
                for message in messages:
                    key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key")
                    if key:
                        keys[key] = keys.get(key, 0) + 1
            return {
                "calls": per_method,
                "posted": sum(len(m) for m in self.messages.values()),
                "duplicate_keys": sum(1 for n in keys.values() if n > 1),
            }

    # -- the server --------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # As Slack: connections stay open for the next call unless the client closes them. On a kept
            # connection, headers and body written apart met the client's delayed ACK under Nagle: 40 ms a call.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            wbufsize = -1  # one write per response, flushed by the server after each request

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                params: dict[str, Any] = dict(parse_qsl(url.query))
                if raw and not url.path.startswith("/upload/"):  # an upload is the file itself
                    if "json" in (self.headers.get("Content-Type") or ""):
                        params.update(json.loads(raw))
                    else:
                        params.update(dict(parse_qsl(raw.decode())))
                if url.path == "/_stats":
                    payload = json.dumps(fake.stats()).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if url.path.startswith("/response/"):
                    method = "response_url"
                elif url.path.startswith("/upload/"):
                    method = "file_upload"
                    params = {"file_id": url.path.removeprefix("/upload/"), "size": len(raw), "head": raw[:8].hex()}
                else:
                    method = url.path.removeprefix("/api/")
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                status, body, headers = fake._answer(method, params, url.path, self.client_address[1], token)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _answer(
        self, method: str, params: dict[str, Any], path: str, peer: int = 0, token: str = ""
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            queue = self.faults.get(method)
            if queue:
                fault = queue.popleft()
                self.calls.append(Call(method, params, path, peer=peer))
                if fault.posted:
                    self._ok(method, params, token)
                return fault.status, fault.body, fault.headers
            if method != "response_url" and self.chaos_rate and self._chaos.random() < self.chaos_rate:
                self.calls.append(Call(method, params, path, peer=peer))
                if self._chaos.random() < 0.5:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                return 500, {"ok": False, "error": "internal_error"}, {}
            call = Call(method, params, path, peer=peer)
            self.calls.append(call)
            problems = block_kit.refusal(method, params)
            if problems:  # as Slack: nothing posted or shown
                self.refused.append((call, problems))
                return 200, {"ok": False, "error": block_kit.error(problems), "errors": problems}, {}
            return 200, self._ok(method, params, token), {}

    def _ok(self, method: str, params: dict[str, Any], token: str = "") -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": "B0TEAMBOT",
                "team_id": "T0TEAM001",
                "user": "teambot",
                "team": "Demo",
            }
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": "B0TEAMBOT", "text": params.get("text", "")}
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if metadata:
                message["metadata"] = metadata
            ts = self._add_message(channel, message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            # As Slack: only a message the bot posted, and still there, can be changed.
            channel, ts = str(params.get("channel")), str(params.get("ts"))
            found = [m for m in self.messages.get(channel, []) if m["ts"] == ts]
            if not found:
                return {"ok": False, "error": "message_not_found"}
            if found[0].get("user") != BOT_USER_ID:
                return {"ok": False, "error": "cant_update_message"}
            found[0]["text"] = params.get("text", "")
            return {"ok": True, "channel": channel, "ts": ts, "text": found[0]["text"]}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {"ok": True, "channel": {"id": users}}
        if method == "conversations.history":
            return self._history(params)
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            if email in self.users_by_email:
                return {"ok": True, "user": {"id": self.users_by_email[email], "profile": {"email": email}}}
            return {"ok": False, "error": "users_not_found"}
        if method == "files.getUploadURLExternal":
            self._ts += 1
            file_id = f"F{self._ts:08d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "views.open" or method == "views.publish" or method == "views.update":
            return {"ok": True, "view": {"id": "V0VIEW001"}}
        if method == "apps.connections.open":
            # As Slack: only an app-level token (xapp-, scope connections:write) may open a connection.
            if not token:
                return {"ok": False, "error": "not_authed"}
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_mode.issue_url()}
        return {"ok": True}

    def _add_message(self, channel: str, message: dict[str, Any]) -> str:
        """Stamp `message` with its ts, as Slack does, and keep it in `channel`'s history."""
        self._ts += 1
        message["ts"] = f"{int(self.clock().timestamp()) if self.clock else 1700000000}.{self._ts:06d}"
        self.messages.setdefault(channel, []).append(message)
        return str(message["ts"])

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """As Slack: newest first, at most `limit` messages a page (100 unless asked, 999 at most); while `has_more`,
        the next (older) page is behind `response_metadata.next_cursor`, an opaque cursor naming the next message."""
        messages = sorted(self.messages.get(str(params.get("channel")), []), key=_ts_order, reverse=True)
        if self.clock is not None and params.get("oldest"):
            oldest = float(params["oldest"])
            inclusive = str(params.get("inclusive", "")).lower() in {"1", "true"}
            messages = [m for m in messages if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
        if self.clock is not None and params.get("latest"):
            latest = float(params["latest"])
            inclusive = str(params.get("inclusive", "")).lower() in {"1", "true"}
            messages = [m for m in messages if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        if params.get("cursor"):
            try:
                next_ts = base64.b64decode(str(params["cursor"])).decode().removeprefix("next_ts:")
                messages = [m for m in messages if _ts_order(m) <= _ts_order({"ts": next_ts})]
            except ValueError:
                return {"ok": False, "error": "invalid_cursor"}
        limit = min(max(int(params.get("limit") or 100), 1), 999)
        page, rest = messages[:limit], messages[limit:]
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": bool(rest)}
        if rest:
            answer["response_metadata"] = {
                "next_cursor": base64.b64encode(f"next_ts:{rest[0]['ts']}".encode()).decode()
            }
        return answer


def _ts_order(message: dict[str, Any]) -> tuple[int, int]:
    """A message's ts as Slack orders them: seconds, then the number after the point."""
    seconds, _, sequence = str(message["ts"]).partition(".")
    return int(seconds), int(sequence or 0)


def main() -> None:
    """`python -m teambot.testing.fake_slack`: serve until killed, printing the API URL on the first line."""
    server = FakeSlack().start()
    print(server.api_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

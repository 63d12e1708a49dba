"""Request guard: a signed request replayed within its five-minute window is refused, and an Events API
delivery Slack retries (same event_id) is acknowledged but not processed twice.

Bolt checks the signature and its age first; this runs after. Each process remembers what it saw for the
window. On PostgreSQL, where several HTTP workers may share one database, what was seen is also recorded in the
`seen_request` table, so a replay or a retry that reaches another worker is recognised too; SQLite serves one
process, whose memory is enough. For a slash command that records the key in its own first statement (`/rating`),
that record is put off to the command (`Replay`): one round trip less on the command of every day.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from teambot.domain.clock import Clock, SystemClock
from teambot.store import requests
from teambot.store.db import Database

log = logging.getLogger(__name__)

WINDOW_SECONDS = 300.0  # Slack signatures are valid for five minutes
REPLAY = "teambot_replay"  # context key: the put-off check (store.requests.Replay) of a slash command


class _Recent:
    """Keys seen in the last WINDOW_SECONDS, oldest first."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self.seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = self.monotonic()
        while self.seen and next(iter(self.seen.values())) < now - WINDOW_SECONDS:
            self.seen.popitem(last=False)
        if key in self.seen:
            return False
        self.seen[key] = now
        return True


class RequestGuard(AsyncMiddleware):
    """A Bolt middleware class, not a function: Bolt calls a function middleware through its argument injection,
    about 50 µs of every request."""

    def __init__(
        self,
        db: Database | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        defers: Callable[[str, str], bool] = lambda slash, text: False,
    ) -> None:
        """`defers(slash, text)`: whether that slash command decides its replay check itself (`Replay`)."""
        self.signatures = _Recent(monotonic)
        self.events = _Recent(monotonic)
        self.shared = db if db is not None and not db.is_sqlite else None
        self.clock = clock or SystemClock()
        self.defers = defers

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        signature = _header(req, "x-slack-signature")
        if signature:
            if not self.signatures.first_time(signature):
                return refused()
            key = f"sig:{signature}"
            if self.shared is not None and self._deferred(req):
                # The command refuses a replay itself, before it runs or answers (listeners/commands.py).
                req.context[REPLAY] = requests.Replay(self.shared, key, self.clock.now())
            elif not await self._first_time(key):
                return refused()
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not (self.events.first_time(str(event_id)) and await self._first_time(f"event:{event_id}")):
            # Slack retries an event it thinks we missed; we had it, so acknowledge and do nothing.
            return BoltResponse(status=200, body="")
        return await next()

    def _deferred(self, req: AsyncBoltRequest) -> bool:
        body = req.body if isinstance(req.body, dict) else {}
        slash, text = body.get("command"), body.get("text", "")
        return isinstance(slash, str) and isinstance(text, str) and self.defers(slash, text)

    async def _first_time(self, key: str) -> bool:
        if self.shared is None:
            return True
        return await requests.first_time_alone(self.shared, key[: requests.KEY_LENGTH], self.clock.now())


def refused() -> BoltResponse:
    warn_replayed()
    return BoltResponse(status=401, body={"error": "replayed request"})


def warn_replayed() -> None:
    log.warning("refused a replayed Slack request")


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values: Any = req.headers.get(name)
    if isinstance(values, list | tuple):
        return str(values[0]) if values else None
    return str(values) if values else None

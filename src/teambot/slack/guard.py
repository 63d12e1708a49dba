"""Request guard: a signed request replayed within its five-minute window is refused, and an Events API
delivery Slack retries (same event_id) is acknowledged but not processed twice.

Bolt checks the signature and its age first; this runs after. Memory is per process and bounded by the
window: with several HTTP workers, put replay protection at the proxy as well (see SECURITY.md).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

WINDOW_SECONDS = 300.0  # Slack signatures are valid for five minutes


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


class RequestGuard:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.signatures = _Recent(monotonic)
        self.events = _Recent(monotonic)

    async def __call__(
        self, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        signature = _header(req, "x-slack-signature")
        if signature and not self.signatures.first_time(signature):
            log.warning("refused a replayed Slack request")
            return BoltResponse(status=401, body={"error": "replayed request"})
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not self.events.first_time(str(event_id)):
            # Slack retries an event it thinks we missed; we had it, so acknowledge and do nothing.
            return BoltResponse(status=200, body="")
        return await next()


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values: Any = req.headers.get(name)
    if isinstance(values, list | tuple):
        return str(values[0]) if values else None
    return str(values) if values else None

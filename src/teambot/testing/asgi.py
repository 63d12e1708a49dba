"""An ASGI app's lifespan driven as uvicorn drives it, for code that serves the app without uvicorn (tests, the
in-process benchmark)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

ASGI = Callable[..., Awaitable[None]]
WAIT_S = 10.0  # a start-up or shutdown that does not complete by then is a failure, not a hang


class Lifespan:
    """`async with Lifespan(app):` runs the app's start-up before the block and its shutdown after it, and fails
    unless each completes."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Future[None] | None = None

    async def __aenter__(self) -> Lifespan:
        self.task = asyncio.ensure_future(self.app({"type": "lifespan"}, self.inbox.get, self.outbox.put))
        await self._send("lifespan.startup")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._send("lifespan.shutdown")
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=WAIT_S)

    async def _send(self, message: str) -> None:
        await self.inbox.put({"type": message})
        reply = await asyncio.wait_for(self.outbox.get(), timeout=WAIT_S)
        if reply["type"] != f"{message}.complete":
            raise RuntimeError(f"{message}: the app answered {reply}")

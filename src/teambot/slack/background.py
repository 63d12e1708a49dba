"""Work a listener starts after its acknowledgement: Bolt sends the acknowledgement when the listener returns
(`process_before_response=True`), so anything that need not be in it runs here, tracked until done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from teambot.commands import UserError

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        # asyncio keeps only weak references to tasks: without this set a running answer could be collected.
        self._tasks: set[asyncio.Task[object]] = set()

    def spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        # The same rule as the app's error handler: a bug is logged by its type, never with the request's text.
        if error is not None and not isinstance(error, UserError):
            log.error("unhandled Slack listener error: %s", type(error).__name__, exc_info=error)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> None:
        """At shutdown: let answers already under way reach Slack before the database closes; what is still
        running after `timeout` is cancelled, so nothing touches a closed database."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
        if late:
            log.warning("stopping: %d answer(s) still running after %.0f s were cancelled", len(late), timeout)
            for task in late:
                task.cancel()
            await asyncio.wait(late)

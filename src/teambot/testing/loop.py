"""Waiting in tests for the work an event loop still has under way, instead of for a time a slow machine outlasts."""

from __future__ import annotations

import asyncio

PATIENCE_S = 20.0


async def settled() -> None:
    """Until nothing but the caller runs on the loop: the work started in the background (a listener's answer, a
    batch claimed ahead) is done, and whatever it did, once or twice, has shown. Fails the test after PATIENCE_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_S
    me = asyncio.current_task()
    while running := [task for task in asyncio.all_tasks() if task is not me]:
        if loop.time() > deadline:
            raise AssertionError(f"still running after {PATIENCE_S:.0f} s: {running}")
        await asyncio.sleep(0.01)

"""The Messenger: how the bot sends a message on its own initiative. Slack and the console implement it."""

from __future__ import annotations

from typing import Any, Protocol

from teambot.commands.registry import Reply


class DeliveryError(Exception):
    """A message could not be delivered. `permanent` errors (user gone, channel archived) are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Messenger(Protocol):
    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        """Deliver `reply` to a user (DM) or channel ID; return the platform's message id."""
        ...

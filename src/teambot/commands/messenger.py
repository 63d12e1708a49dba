"""The Messenger: how the bot sends a message on its own initiative. Slack and the console implement it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from teambot.commands.registry import Reply

# Slack message metadata marking the bot's own notifications, so a re-send after a crash can be avoided.
METADATA_EVENT = "teambot_notification"


def notification_metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def carries_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    return bool(
        metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == key
    )


class DeliveryError(Exception):
    """A message could not be delivered. `permanent` errors (user gone, channel archived) are not retried; `refused`:
    Slack answered that it posted nothing (every permanent error is one)."""

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None, refused: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.refused = refused or permanent


class Messenger(Protocol):
    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        """Deliver `reply` to a user (DM) or channel ID; return the platform's message id."""
        ...

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        """The id of the bot's own message to `recipient` between `since` and `until` whose metadata carries `key`."""
        ...

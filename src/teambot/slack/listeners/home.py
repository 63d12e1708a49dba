"""App Home: published when the user opens the tab, and again after a button pressed on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands.home import home_view
from teambot.commands.registry import Block
from teambot.slack.mrkdwn import escaped_view
from teambot.slack.services import Services


async def publish_home(
    client: AsyncWebClient, services: Services, user_id: str, drawn: Callable[[], Awaitable[list[Block]]] | None = None
) -> None:
    """The tab, as it stands or as `drawn` (an action's `Reply.home`)."""
    blocks = await home_view(services.context(user_id), drawn)
    await client.views_publish(user_id=user_id, view=escaped_view({"type": "home", "blocks": blocks}))


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view" and (body.get("view") or {}).get("type") == "home"


def register(app: AsyncApp, services: Services) -> None:
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            # Events are acknowledged when the listener returns; the tab is drawn after that.
            services.background.spawn(publish_home(client, services, event["user"]))

    app.event("app_home_opened")(on_home_opened)

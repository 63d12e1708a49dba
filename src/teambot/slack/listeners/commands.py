"""Slash commands: acknowledge at once, run the command, answer through the response URL."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_command
from teambot.slack.services import Services


def register(app: AsyncApp, services: Services) -> None:
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        reply = await run_command(services.context(command["user_id"]), command["command"], command.get("text", ""))
        if reply.modal is not None and command.get("trigger_id"):
            await client.views_open(trigger_id=command["trigger_id"], view=reply.modal)
            return
        await respond(
            text=reply.text,
            blocks=reply.blocks,
            response_type="ephemeral" if reply.ephemeral else "in_channel",
        )

    for slash in REGISTRY.slashes:
        app.command(slash)(on_command)

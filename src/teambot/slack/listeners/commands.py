"""Slash commands: acknowledge at once, run the command, answer through the response URL."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_command
from teambot.commands.registry import Attachment
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
        if reply.files:
            await upload_to_dm(client, command["user_id"], reply.files)

    for slash in REGISTRY.slashes:
        app.command(slash)(on_command)


async def upload_to_dm(client: AsyncWebClient, user_id: str, files: list[Attachment]) -> None:
    """Reports go to the requester's own DM (never a channel), with Slack's current upload API."""
    opened = await client.conversations_open(users=user_id)
    channel = str(opened["channel"]["id"])
    for attachment in files:
        await client.files_upload_v2(
            channel=channel, file=attachment.content, filename=attachment.filename, title=attachment.title
        )

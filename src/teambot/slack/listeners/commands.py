"""Slash commands: run the command and answer in the acknowledgement itself, or, when it takes longer than Slack
lets an acknowledgement wait, acknowledge empty and answer through the response URL."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_command
from teambot.commands.registry import Attachment, Reply
from teambot.slack.services import Services

# Slack shows an error when the acknowledgement takes over 3 s. Commands that finish well within that answer in
# the acknowledgement: no second HTTP request per command, and the answer arrives with the ack.
ANSWER_IN_ACK_SECONDS = 2.0


def register(app: AsyncApp, services: Services) -> None:
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        running = asyncio.ensure_future(
            run_command(services.context(command["user_id"]), command["command"], command.get("text", ""))
        )
        done, _ = await asyncio.wait({running}, timeout=ANSWER_IN_ACK_SECONDS)
        if not done:
            await ack()
            await _answer_later(await running, command, respond, client)
            return
        reply = running.result()
        if reply.modal is not None and command.get("trigger_id"):
            await ack()
            await client.views_open(trigger_id=command["trigger_id"], view=reply.modal)
            return
        await ack(text=reply.text, blocks=reply.blocks, response_type=_response_type(reply))
        if reply.files:
            await upload_to_dm(client, command["user_id"], reply.files)

    for slash in REGISTRY.slashes:
        app.command(slash)(on_command)


async def _answer_later(reply: Reply, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
    # A modal's trigger_id has expired by now (it lives 3 s), so a late modal command answers in text.
    await respond(text=reply.text, blocks=reply.blocks, response_type=_response_type(reply))
    if reply.files:
        await upload_to_dm(client, command["user_id"], reply.files)


def _response_type(reply: Reply) -> str:
    return "ephemeral" if reply.ephemeral else "in_channel"


async def upload_to_dm(client: AsyncWebClient, user_id: str, files: list[Attachment]) -> None:
    """Reports go to the requester's own DM (never a channel), with Slack's current upload API."""
    opened = await client.conversations_open(users=user_id)
    channel = str(opened["channel"]["id"])
    for attachment in files:
        await client.files_upload_v2(
            channel=channel, file=attachment.content, filename=attachment.filename, title=attachment.title
        )

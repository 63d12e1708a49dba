"""Slash commands: run the command and answer in the acknowledgement itself, or, when it takes longer than Slack
lets an acknowledgement wait, acknowledge empty and answer through the response URL. One middleware serves them
all (`SlashCommands`), not a Bolt listener per command."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_command
from teambot.commands.registry import Attachment, Reply
from teambot.slack.guard import REPLAY, refused, warn_replayed
from teambot.slack.mrkdwn import escaped_view, message, unescape
from teambot.slack.response_url import answer
from teambot.slack.services import Services
from teambot.store.requests import Replayed

# Slack shows an error when the acknowledgement takes over 3 s from the request. Commands that finish well within
# that answer in the acknowledgement: no second HTTP request per command, and the answer arrives with the ack.
ANSWER_IN_ACK_SECONDS = 2.0
ARRIVED = "teambot_arrived"  # context key: time.monotonic() when the request reached teambot's first middleware


class StampArrival(AsyncMiddleware):
    """Note when the request came in (before the replay guard's write), so a slash command knows how much of
    Slack's 3 seconds is left for answering in the acknowledgement. A middleware class, as RequestGuard."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        req.context[ARRIVED] = time.monotonic()
        return await next()


def register(app: AsyncApp, services: Services) -> None:
    app.middleware(SlashCommands(services, REGISTRY.slashes))


class SlashCommands(AsyncMiddleware):
    """Every slash command of the registry, as the last global middleware instead of a Bolt listener per command:
    Bolt's listener path (a matcher per command, each building its arguments by inspection, the listener's
    arguments, its runner) cost about a tenth of a `/rating` (bench/README.md, "What changed in the night of
    2026-12-04"). Registered after the replay guard, so every check of Bolt's and ours has run; any other request,
    an unknown slash command included, goes on to Bolt's listeners as before. A failure here is Bolt's middleware
    error: the app's error handler and HTTP 500, as a failing listener's."""

    def __init__(self, services: Services, slashes: list[str]) -> None:
        self.services = services
        self.slashes = frozenset(slashes)

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        body = req.body
        slash = body.get("command") if isinstance(body, dict) else None
        if not isinstance(slash, str) or slash not in self.slashes:
            return await next()
        return await self._run(body, req.context)

    async def _run(self, command: dict[str, Any], context: AsyncBoltContext) -> BoltResponse:
        services, ack, client = self.services, context.ack, context.client
        ctx = services.context(command["user_id"])
        ctx.replay = context.get(REPLAY)
        text = unescape(command.get("text", ""))  # as typed: Slack sends &, < and > as entities
        running = asyncio.ensure_future(run_command(ctx, command["command"], text))
        if not await _done_within(running, _time_left(context)):
            await ack()
            services.background.spawn(_answer_later(running, command, client))
            return _acked(ack)
        try:
            reply = running.result()
        except Replayed:
            return refused()  # in place of an acknowledgement
        if reply.modal is not None and command.get("trigger_id"):
            await ack()
            services.background.spawn(
                client.views_open(trigger_id=command["trigger_id"], view=escaped_view(reply.modal))
            )
            return _acked(ack)
        await ack(**message(reply.text, reply.blocks), response_type=_response_type(reply))
        if reply.files:
            services.background.spawn(upload_to_dm(client, command["user_id"], reply.files))
        return _acked(ack)


def _acked(ack: AsyncAck) -> BoltResponse:
    return ack.response or BoltResponse(status=200, body="")  # set by every ack(): Bolt's body for it


def _time_left(context: AsyncBoltContext) -> float:
    """What is left of the budget for answering in the acknowledgement; time spent before the listener (the
    replay guard's write, a busy event loop) counts too."""
    arrived = context.get(ARRIVED)
    spent = time.monotonic() - arrived if isinstance(arrived, float) else 0.0
    return max(0.0, ANSWER_IN_ACK_SECONDS - spent)


async def _done_within(running: asyncio.Future[Reply], seconds: float) -> bool:
    """Whether `running` is done within `seconds`; it goes on either way. `asyncio.wait` without its sets and
    checks: one waiter woken by the task or a timer (bench/README.md, "What changed in the night of 2026-12-04")."""
    waiter = asyncio.get_running_loop().create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = asyncio.get_running_loop().call_later(seconds, wake)
    running.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        running.remove_done_callback(wake)
    return running.done()


async def _answer_later(running: asyncio.Future[Reply], command: dict[str, Any], client: AsyncWebClient) -> None:
    # A modal's trigger_id lives 3 s from the request and may be gone before views.open lands: answer in text.
    try:
        reply = await running
    except Replayed:
        warn_replayed()  # acknowledged empty already; it gets no answer
        return
    await answer(
        client, command.get("response_url"), text=reply.text, blocks=reply.blocks, response_type=_response_type(reply)
    )
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

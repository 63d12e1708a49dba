"""Button clicks: every registered action id is routed to the command layer's action handler."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_action
from teambot.slack.listeners.home import from_home, publish_home
from teambot.slack.mrkdwn import escaped_view, message
from teambot.slack.origin import attach
from teambot.slack.response_url import answer
from teambot.slack.services import Services


def register(app: AsyncApp, services: Services) -> None:
    async def on_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        services.background.spawn(handle(body, action, client))

    async def handle(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
        reply = await run_action(services.context(body["user"]["id"]), action["action_id"], value)
        if reply.modal is not None and body.get("trigger_id"):
            view = attach(reply.modal, body, home=from_home(body)) if reply.keep_origin else reply.modal
            await client.views_open(trigger_id=body["trigger_id"], view=escaped_view(view))
            return
        if from_home(body):
            # A button on the Home tab: there is no message to replace, so the tab is drawn again. An answer that
            # would not replace the message (a refusal) has nowhere to show there: it goes to the presser's DM.
            user_id = body["user"]["id"]
            try:
                if not reply.replace_original:
                    await client.chat_postMessage(channel=user_id, **message(reply.text, reply.blocks))
            finally:
                # A DM that failed is logged; the tab is still right. An action may say how to draw it (`Reply.home`).
                await publish_home(client, services, user_id, reply.home)
            return
        await answer(
            client,
            body.get("response_url"),
            text=reply.text,
            blocks=reply.blocks,
            replace_original=reply.replace_original,
            response_type="ephemeral",
        )

    if REGISTRY.actions:
        pattern = re.compile("^(" + "|".join(re.escape(a) for a in sorted(REGISTRY.actions)) + ")(:.*)?$")
        app.action(pattern)(on_action)

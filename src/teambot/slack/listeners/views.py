"""Modal submissions: validated before the modal closes, so a refusal shows on the field itself."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from teambot.commands import REGISTRY, run_view
from teambot.slack.listeners.home import publish_home
from teambot.slack.mrkdwn import message
from teambot.slack.origin import detach, redraw
from teambot.slack.services import Services


def input_values(view: dict[str, Any]) -> dict[str, str]:
    """Every input's value by action_id, whatever the element (text, date, select, radio)."""
    values: dict[str, str] = {}
    for block in (view.get("state") or {}).get("values", {}).values():
        for action_id, element in block.items():
            value = (
                element.get("value")
                or element.get("selected_date")
                or (element.get("selected_option") or {}).get("value")
            )
            values[action_id] = str(value or "")
    return values


def register(app: AsyncApp, services: Services) -> None:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        metadata, origin = detach(view.get("private_metadata", ""))
        outcome = await run_view(services.context(user_id), view["callback_id"], input_values(view), metadata)
        if outcome.refused:
            first_block = next(iter((view.get("state") or {}).get("values", {})), "input")
            await ack(response_action="errors", errors={first_block: outcome.reply.text[:150]})
            return
        await ack()
        reply = outcome.reply
        services.background.spawn(client.chat_postMessage(channel=user_id, **message(reply.text, reply.blocks)))
        if reply.redraw is not None and origin is not None:
            # After the acknowledgement: drawing the nudge reads the day's ratings.
            redrawn = publish_home(client, services, user_id) if origin.home else redraw(client, origin, reply.redraw)
            services.background.spawn(redrawn)

    for callback_id in sorted(REGISTRY.views):
        app.view(callback_id)(on_submit)

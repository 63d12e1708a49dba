"""Requests signed exactly as Slack signs them, and the payloads Slack sends."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_command_body(
    command: str, text: str, *, user_id: str, response_url: str, team_id: str = "T0TEAM001", channel_id: str = "D0DM"
) -> str:
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": team_id,
            "team_domain": "demo",
            "channel_id": channel_id,
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0TEAMBOT",
            "response_url": response_url,
            "trigger_id": "1337.42.abcdef",
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """Interactive payloads (buttons, modals) arrive form-encoded in a `payload` field."""
    return urlencode({"payload": json.dumps(payload)})


def block_actions_payload(
    *, user_id: str, action_id: str, value: str, response_url: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0TEAM001", "domain": "demo"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": "T0TEAM001"},
        "api_app_id": "A0TEAMBOT",
        "token": "legacy-unused",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM"},
        "trigger_id": "1337.42.abcdef",
        "channel": {"id": "D0DM", "name": "directmessage"},
        "message": message or {"type": "message", "ts": "1700000000.000100", "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": "1700000001.000200",
                "text": {"type": "plain_text", "text": value},
            }
        ],
    }


def view_submission_payload(
    *, user_id: str, modal: dict[str, Any], values: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A view_submission as Slack sends it for `modal` (as the bot opened it), with `values` as its state.values:
    block_id → action_id → the element's state."""
    return {
        "type": "view_submission",
        "team": {"id": "T0TEAM001", "domain": "demo"},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T0TEAM001"},
        "api_app_id": "A0TEAMBOT",
        "token": "legacy-unused",
        "trigger_id": "1337.42.abcdef",
        "view": {
            "id": "V0VIEW001",
            "team_id": "T0TEAM001",
            "app_id": "A0TEAMBOT",
            "bot_id": "B0TEAMBOT",
            "root_view_id": "V0VIEW001",
            "previous_view_id": None,
            "hash": "1700000000.abcdef",
            "clear_on_close": False,
            "notify_on_close": False,
            "external_id": "",
            **modal,
            "state": {"values": values},
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }

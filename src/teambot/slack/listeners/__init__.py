"""Listener groups register themselves; `register_listeners` calls them all."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from teambot.slack.listeners import actions, commands, home, views
from teambot.slack.services import Services


def register_listeners(app: AsyncApp, services: Services) -> None:
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    home.register(app, services)

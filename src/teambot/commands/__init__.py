"""Slash commands, independent of the transport: parse text, call domain and store, return a Reply.

Importing this package registers every command module on `REGISTRY`.
"""

from teambot.commands import (  # noqa: F401  (registers commands)
    absence,
    cafe,
    calendar,
    cases,
    home,
    info,
    meetings,
    overview,
    ratings,
    report,
    visits,
    week,
)
from teambot.commands.registry import REGISTRY, Context, Reply, UserError, run_action, run_command, run_view

__all__ = ["REGISTRY", "Context", "Reply", "UserError", "run_action", "run_command", "run_view"]

"""What the Slack listeners need from the rest of the bot, handed over at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from teambot.commands import Context
from teambot.domain.calendar import DANISH_TIME
from teambot.domain.clock import Clock
from teambot.slack.background import Background
from teambot.store.db import Database


@dataclass(frozen=True)
class Services:
    db: Database
    clock: Clock
    zone: ZoneInfo = DANISH_TIME
    replan: Callable[[int], Awaitable[None]] | None = None
    public_url: str | None = None
    background: Background = field(default_factory=Background)

    def context(self, user_id: str) -> Context:
        return Context(
            db=self.db,
            clock=self.clock,
            user_id=user_id,
            zone=self.zone,
            replan=self.replan,
            public_url=self.public_url,
        )

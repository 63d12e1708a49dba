"""What the HTTP scenarios share in one run: the fake Slack, the reply receiver, the bare app and the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.database import BenchDatabase
from bench.fake_server import FakeSlackProcess
from bench.http_load import ReplyReceiver
from bench.servers import Server

CPH = ZoneInfo("Europe/Copenhagen")


def today() -> date:
    """teambot's today: it runs on the system clock in Copenhagen, so generated data is dated from it."""
    return datetime.now(CPH).date()


def lead_of(institution: int) -> str:
    """Slack id of institution n's lead (1-based) in teambot.testing.generate: staff n*3-2 is its leder."""
    return f"U{(institution - 1) * 3 + 1:07d}"


@dataclass
class Harness:
    work: Path
    db: BenchDatabase
    fake: FakeSlackProcess
    receiver: ReplyReceiver
    bare: Server  # Bolt's defaults: the anchor
    on_return: Server  # the same bare app with teambot's process_before_response=True
    bare_idle_kb: tuple[int, int] = (0, 0)

    def label(self, scenario: str) -> str:
        return scenario if self.db.url is None else f"{scenario} [PostgreSQL]"

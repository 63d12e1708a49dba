"""The fake Slack Web API in its own process, so the client side is measured alone."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any


class FakeSlackProcess:
    def __enter__(self) -> FakeSlackProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "teambot.testing.fake_slack"], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.api_url = self.process.stdout.readline().strip()
        self.base_url = self.api_url.removesuffix("/api/")
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base_url}/_stats") as response:  # noqa: S310  (loopback only)
            result: dict[str, Any] = json.load(response)
            return result

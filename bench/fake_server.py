"""The fake Slack Web API in its own process, so the client side is measured alone.

`python -m bench.fake_server` serves `teambot.testing.fake_slack`, whose listen backlog is 128 instead of
`socketserver`'s 5. AsyncWebClient without a session opens a new connection for every call, so a client with 8
calls in flight often had more than 5 connections waiting to be accepted; the kernel then dropped the SYN
(`ListenOverflows` in /proc/net/netstat) and the client tried again only after 1 s (then 2 s). Those stalls, not
the client, set the dispatcher's throughput, and never hit the one-call-at-a-time loop. Real Slack does not
refuse a handful of connections.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import zlib
from pathlib import Path
from typing import Any

from teambot.testing import fake_slack

REPO = Path(__file__).resolve().parent.parent


def process_cpu_seconds(pid: int) -> float:
    """CPU time of a whole process, every thread (aiosqlite runs queries in its own); Linux /proc, 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FakeSlackProcess:
    def __enter__(self) -> FakeSlackProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_server"], stdout=subprocess.PIPE, text=True, cwd=REPO
        )
        assert self.process.stdout is not None
        self.api_url = self.process.stdout.readline().strip()
        self.base_url = self.api_url.removesuffix("/api/")
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far, to tell whether it is the bottleneck."""
        return process_cpu_seconds(self.process.pid)

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base_url}/_stats") as response:  # noqa: S310  (loopback only)
            result: dict[str, Any] = json.load(response)
            return result


def pick(recipient: str, count: int) -> int:
    """Which of `count` fake Slack processes serves `recipient`: stable, so every post of one key (and any
    duplicate of it) lands in the same process, and summing the processes' duplicate counts stays exact."""
    return zlib.crc32(recipient.encode()) % count


class FakeSlackPool:
    """`size` fake Slack processes, recipients spread over them with `pick` (one process is single-threaded
    Python under the GIL, and can be what limits a benchmark rather than the client measured)."""

    def __init__(self, size: int = 1) -> None:
        self.processes = [FakeSlackProcess() for _ in range(size)]

    def __enter__(self) -> FakeSlackPool:
        for process in self.processes:
            process.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.__exit__(*exc)

    @property
    def api_urls(self) -> list[str]:
        return [p.api_url for p in self.processes]

    def cpu_seconds(self) -> float:
        """The busiest process's CPU time: each is single-threaded, so this against wall time says whether
        the fake Slack kept up."""
        return max(p.cpu_seconds() for p in self.processes)

    def stats(self) -> dict[str, int]:
        parts = [p.stats() for p in self.processes]
        return {
            "posted": sum(s["posted"] for s in parts),
            "duplicate_keys": sum(s["duplicate_keys"] for s in parts),
        }


if __name__ == "__main__":
    fake_slack.main()

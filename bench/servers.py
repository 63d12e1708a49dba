"""HTTP servers under test, each in its own process on a free loopback port: teambot and the bare Bolt app."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from bench.fake_server import process_cpu_seconds
from teambot.testing.server import ServerProcess, healthz, port_open

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB: what it holds now and the most it ever held."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


class Server(ServerProcess):
    """A server process; `url` is its Slack request endpoint. uvicorn binds the port only after the app's
    lifespan start-up is done, so an open port means ready (the bare app has no /healthz); `teambot run --http`
    is ready when /healthz says its first planner pass is done, so that pass is not in any measurement."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        log: Path,
        *,
        ready_timeout: float,
        name: str,
        ready: Callable[[int], bool] = port_open,
    ) -> None:
        env = {**os.environ, **env, "SLACK_SIGNING_SECRET": SECRET}
        super().__init__(command, env=env, log=log, ready=ready, ready_timeout=ready_timeout, name=name)
        self.url = f"{self.url}/slack/events"

    def memory_kb(self) -> tuple[int, int]:
        return memory_kb(self.process.pid)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)


def teambot_server(database_url: str, api_url: str, work: Path, *, scheduler: bool, ready_timeout: float) -> Server:
    """`teambot run --http` itself; without the scheduler, the same ASGI app and uvicorn settings served by
    bench.teambot_server (the start-up planner pass takes minutes on L, see README)."""
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": api_url,
        "TEAMBOT_DATABASE_URL": database_url,
        "TEAMBOT_LANGUAGE": "da",
        "TEAMBOT_TIMEZONE": "Europe/Copenhagen",
    }
    if scheduler:
        command = [str(Path(sys.executable).parent / "teambot"), "run", "--http"]
    else:
        command = [sys.executable, "-m", "bench.teambot_server"]
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    name = "teambot" if scheduler else "teambot (no scheduler)"
    return Server(command, env, work / "teambot.log", ready_timeout=ready_timeout, name=name, ready=healthz)


def bare_server(api_url: str, work: Path, *, database_url: str | None = None, ack_on_return: bool = False) -> Server:
    """The bare app (Bolt's defaults, or with `ack_on_return` teambot's process_before_response=True); with
    `database_url`, the writing anchor (one INSERT per /rating, acknowledging on return, bench/bare_app.py)."""
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": api_url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    command = [sys.executable, "-m", "bench.bare_app"]
    if database_url is not None:
        command += ["--ack-on-return", "--database", database_url]
        return Server(command, env, work / "bare-writing.log", ready_timeout=30, name="writing app")
    if ack_on_return:
        command.append("--ack-on-return")
        return Server(command, env, work / "bare-on-return.log", ready_timeout=30, name="bare Bolt app (on return)")
    return Server(command, env, work / "bare.log", ready_timeout=30, name="bare Bolt app")

"""HTTP servers under test, each in its own process on a free loopback port: teambot and the bare Bolt app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB: what it holds now and the most it ever held."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


class Server:
    """A server process; `url` is its Slack request endpoint once the port accepts connections.

    uvicorn binds the port only after the app's lifespan start-up is done, so an open port means ready."""

    name = "server"

    def __init__(self, command: list[str], env: dict[str, str], log: Path, *, ready_timeout: float) -> None:
        self.port = free_port()
        self.command = [*command, "--port", str(self.port)]
        self.env = {**os.environ, **env, "SLACK_SIGNING_SECRET": SECRET}
        self.log = log
        self.ready_timeout = ready_timeout
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        self.startup_seconds = 0.0

    def __enter__(self) -> Server:
        started = time.perf_counter()
        with self.log.open("ab") as log:
            # Output goes to a file, never an unread pipe (a full pipe would stall the server); the working
            # directory is the bench folder so no developer `.env` is read.
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.log.parent
            )
        deadline = started + self.ready_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    self.startup_seconds = time.perf_counter() - started
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{self.name} not ready after {self.ready_timeout:.0f} s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def memory_kb(self) -> tuple[int, int]:
        return memory_kb(self.process.pid)

    def cpu_seconds(self) -> float:
        """CPU time of the whole process (every thread: aiosqlite runs queries in its own)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: stat(5) 14 and 15


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
    server = Server(command, env, work / "teambot.log", ready_timeout=ready_timeout)
    server.name = "teambot" if scheduler else "teambot (no scheduler)"
    return server


def bare_server(api_url: str, work: Path) -> Server:
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": api_url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    server = Server([sys.executable, "-m", "bench.bare_app"], env, work / "bare.log", ready_timeout=30)
    server.name = "bare Bolt app"
    return server

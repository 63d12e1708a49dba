"""A server in its own process on a free loopback port, for tests and benchmarks: `teambot run --http`, the bare
Bolt app of the benchmarks, anything that serves HTTP once it is ready."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Self


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One request (POST with a body, GET without); an HTTP error status is returned, not raised."""
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def healthz(port: int) -> bool:
    """Answering, and done with the first planner pass if it has a scheduler (teambot opens its port before)."""
    try:
        status, body = http(f"http://127.0.0.1:{port}/healthz")
    except OSError:
        return False
    return status == 200 and json.loads(body).get("scheduler", "running") == "running"


class ServerProcess:
    """`command` (given `--port N` at the end) started with its output in `log`, ready once `ready(port)` holds.

    Output goes to a file, never an unread pipe (a full pipe would stall the server); the working directory is
    the log's folder, so no developer `.env` is read. Leaving the `with` block stops it (SIGTERM, then SIGKILL)."""

    def __init__(
        self,
        command: list[str],
        *,
        env: dict[str, str],
        log: Path,
        ready: Callable[[int], bool] = healthz,
        ready_timeout: float = 30.0,
        name: str = "server",
    ) -> None:
        self.port = free_port()
        self.command = [*command, "--port", str(self.port)]
        self.env = env
        self.log = log
        self.ready = ready
        self.ready_timeout = ready_timeout
        self.name = name
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_seconds = 0.0

    def __enter__(self) -> Self:
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.log.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while not self.ready(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            if time.perf_counter() - started > self.ready_timeout:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {self.ready_timeout:.0f} s:\n{self.output()}")
            time.sleep(0.05)
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

"""The load generator: signed slash commands over loopback, N concurrent users, each waiting for its answer.

teambot answers in the acknowledgement when the command is done within 2 s, and otherwise acknowledges empty and
answers through the command's response URL; the answer is what a user waits for. The response URLs point at a
receiver in this process, which records when each late answer arrives. For the bare app the (empty)
acknowledgement is the whole answer.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bench.servers import SECRET
from teambot.testing.signing import signed_headers, slash_command_body


@dataclass(frozen=True)
class Command:
    command: str
    text: str
    user_id: str


@dataclass
class Load:
    acks: list[float] = field(default_factory=list)  # seconds from sending to the HTTP response
    answers: list[float] = field(default_factory=list)  # seconds from sending to the answer (ack or reply)
    statuses: list[int] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # reply texts, teambot only
    elapsed: float = 0.0
    drained: float = 0.0  # until the last answer arrived, when users did not wait for theirs

    @property
    def per_second(self) -> float:
        return len(self.answers) / self.elapsed if self.elapsed else 0.0

    @property
    def ok(self) -> int:
        return sum(1 for status in self.statuses if status == 200)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 values is the 1,980th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan


class ReplyReceiver:
    """Serves the response URLs: `POST /response/<n>` resolves answer n with its arrival time and text."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self._next = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/response/{name}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/response/"

    async def stop(self) -> None:
        await self._runner.cleanup()

    def forget(self, response_url: str) -> None:
        """The answer came with the acknowledgement: nothing will arrive at `response_url`."""
        self._waiting.pop(response_url.removeprefix(self.base_url), None)

    def expect(self) -> tuple[str, asyncio.Future[tuple[float, str]]]:
        self._next += 1
        name = str(self._next)
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self._waiting[name] = future
        return self.base_url + name, future

    async def _receive(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        body = json.loads(await request.read() or b"{}")
        future = self._waiting.pop(request.match_info["name"], None)
        if future is not None and not future.done():
            future.set_result((arrived, str(body.get("text", ""))))
        return web.Response(text="ok")


async def drive(
    url: str,
    commands: Sequence[Command],
    *,
    concurrency: int,
    receiver: ReplyReceiver | None,
    answer_timeout: float = 60.0,
    wait: bool = True,
) -> Load:
    """Send every command once, `concurrency` at a time; with a receiver each user also waits for the reply,
    or (wait=False) sends on after the acknowledgement and the replies are collected at the end."""
    load = Load()
    pending: list[tuple[float, asyncio.Future[tuple[float, str]]]] = []
    queue = iter(commands)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def collect(sent: float, answer: asyncio.Future[tuple[float, str]]) -> None:
        """The reply's text and time since sending; an empty reply if it never came."""
        try:
            arrived, text = await asyncio.wait_for(answer, answer_timeout)
        except TimeoutError:
            load.replies.append("")
            return
        load.answers.append(arrived - sent)
        load.replies.append(text)

    async def user(session: aiohttp.ClientSession) -> None:
        for command in queue:
            if receiver is not None:
                response_url, answer = receiver.expect()
            else:
                response_url, answer = "http://127.0.0.1:9/unused", None
            body = slash_command_body(command.command, command.text, user_id=command.user_id, response_url=response_url)
            sent = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=signed_headers(SECRET, body)) as response:
                acknowledgement = await response.read()
                acked = time.perf_counter()
                load.statuses.append(response.status)
            load.acks.append(acked - sent)
            if answer is None or response.status != 200:
                load.answers.append(acked - sent)
                continue
            if acknowledgement:  # answered in the acknowledgement
                assert receiver is not None
                receiver.forget(response_url)
                load.answers.append(acked - sent)
                load.replies.append(str(json.loads(acknowledgement).get("text", "")))
                continue
            if wait:
                await collect(sent, answer)
            else:
                pending.append((sent, answer))

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(session) for _ in range(concurrency)))
        load.elapsed = time.perf_counter() - started
        for sent, answer in pending:
            await collect(sent, answer)
        load.drained = time.perf_counter() - started
    return load

"""`/uge` for one institution, asked by its lead over HTTP, one request at a time, versus the bare app's
acknowledgement in the same run. The week asked is last week, full of ratings on every size."""

from __future__ import annotations

import statistics
from datetime import timedelta

from bench.harness import Harness, lead_of, today
from bench.http_load import Command, drive, percentile
from bench.report import Result
from bench.servers import Server
from teambot.testing.generate import Size

REQUESTS = 40


def week_commands(size: Size, count: int) -> list[Command]:
    year, week = (today() - timedelta(days=7)).isocalendar()[:2]
    # Institutions spread over the whole municipality, so no answer comes from a warm corner of the cache.
    picks = [1 + n * size.institutions // count for n in range(count)]
    return [Command("/uge", f"{week}/{year}", lead_of(i)) for i in picks]


async def bench_week(h: Harness, server: Server, size: Size) -> tuple[list[Result], float]:
    commands = week_commands(size, REQUESTS + 3)
    await drive(server.url, commands[:3], concurrency=1, receiver=h.receiver)  # first-request costs
    bare = await drive(h.bare.url, commands[3:], concurrency=1, receiver=None)
    on_return = await drive(h.on_return.url, commands[3:], concurrency=1, receiver=None)
    ours = await drive(server.url, commands[3:], concurrency=1, receiver=h.receiver)
    answered = sum(1 for reply in ours.replies if reply.startswith("Uge "))
    mine, anchor = statistics.median(ours.answers), statistics.median(bare.acks)
    ratio = mine / anchor
    same_setting = statistics.median(on_return.acks)
    return [
        Result(
            h.label(f"/uge one institution, {size.name}: median answer (ms)"),
            f"{mine * 1000:.1f}",
            f"{anchor * 1000:.1f}",
            ratio,
            "≤ 2×",
            ratio <= 2 and answered == len(ours.replies),
        ),
        Result(
            h.label(f"/uge {size.name}: p90 answer (ms) / weeks shown"),
            f"{percentile(ours.answers, 0.9) * 1000:.1f} / {answered}",
            f"{percentile(bare.acks, 0.9) * 1000:.1f} / {len(bare.acks)}",
            None,
            "report",
            None,
        ),
        Result(
            h.label(f"/uge {size.name}: median answer vs a bare ack on return, teambot's Bolt setting (ms)"),
            f"{mine * 1000:.1f}",
            f"{same_setting * 1000:.1f}",
            mine / same_setting,
            "report",
            None,
        ),
    ], mine

"""CPU per dispatched message in-process: the real Dispatcher delivering a filled outbox to the fake Slack.

`python -m bench.inproc_dispatch [--messages N] [--only teambot|plain] [--database postgresql://…] [--work DIR]`
fills an outbox with N due meeting reminders (bench/dispatch.py's `planned`: one recipient each, one child each, so
each message writes one audit entry), then runs `Dispatcher.dispatch_due()` once, as the `dispatch` scenario does
(batches of 500, 8 in flight, a fixed clock, the fake Slack in its own process), and prints the process time per
message. It fails unless every message was posted once, recorded `sent` and audited once. `--only plain` instead
posts the same messages with the `dispatch` scenario's anchor, a bare AsyncWebClient loop
(`bench.dispatch.post_plainly`): the floor, what any client of slack_sdk pays a message on this machine.

The outbox is filled and checked by a child process (`--fill` / `--check`), so that under
`valgrind --tool=cachegrind` (which follows no child) the count holds the dispatcher's work, the fake Slack's start
and the interpreter's, and nothing else that grows with N. Per message under cachegrind: two runs with different N,
the difference of their counts over the difference of N (start-up, imports and the first statements' compilation
cancel out). Without valgrind the process time printed covers `dispatch_due` alone.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.dispatch import deliver_outbox, fill_outbox, planned, post_plainly
from bench.fake_server import REPO
from teambot.store.db import Database


def _child(*args: str) -> str:
    """Run this module in a child process (not followed by cachegrind); its output."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.inproc_dispatch", *args], cwd=REPO, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


async def _check(url: str) -> str:
    db = Database(url)
    try:
        async with db.read() as session:
            connection = await session.connection()
            sent = (await connection.execute(text("SELECT count(*) FROM notification WHERE status = 'sent'"))).scalar()
            audited = (
                await connection.execute(text("SELECT count(DISTINCT case_code || detail) FROM audit_entry"))
            ).scalar()
            entries = (await connection.execute(text("SELECT count(*) FROM audit_entry"))).scalar()
    finally:
        await db.dispose()
    return f"{sent} {entries} {audited}"


async def main(args: argparse.Namespace) -> None:
    if args.fill:
        await fill_outbox(args.fill, planned(args.messages))
        return
    if args.check:
        print(await _check(args.check))
        return
    if args.only == "plain":
        rows = planned(args.messages)
        started = time.process_time()
        await post_plainly(rows, at_a_time=1)
        print(f"plain AsyncWebClient loop: {(time.process_time() - started) / len(rows) * 1e6:.1f} µs CPU a message")
        return
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="teambot-inproc-dispatch-"))
    work.mkdir(parents=True, exist_ok=True)
    url = args.database or f"sqlite:///{work / 'inproc-dispatch.db'}"
    _child("--fill", url, "--messages", str(args.messages))
    took, sent, posted = await deliver_outbox(url, time.process_time)
    per_message = took / max(sent, 1)
    stored, entries, distinct = (int(x) for x in _child("--check", url).split())
    print(f"teambot dispatcher: {per_message * 1e6:.1f} µs CPU a message over {sent:,} messages")
    duplicates = posted["duplicate_keys"]
    print(f"posted {posted['posted']:,}, duplicate keys {duplicates}; rows sent {stored:,}; audit entries {entries:,}")
    expected = args.messages
    if not (sent == stored == posted["posted"] == entries == distinct == expected) or posted["duplicate_keys"]:
        raise SystemExit("not every message was posted once, recorded sent and audited once")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc_dispatch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="due notifications to dispatch")
    parser.add_argument("--only", choices=("teambot", "plain"), default="teambot", help="the dispatcher, or the loop")
    parser.add_argument("--database", help="postgresql://… (emptied!); default a SQLite file in --work")
    parser.add_argument("--work", help="folder for the SQLite database (default a new temporary one)")
    parser.add_argument("--fill", metavar="URL", help=argparse.SUPPRESS)  # the child that fills the outbox
    parser.add_argument("--check", metavar="URL", help=argparse.SUPPRESS)  # the child that counts what was written
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))

"""The anchors for HTTP scenarios: a bare Bolt AsyncApp under uvicorn that only acknowledges teambot's commands,
and (`--database URL`) one that also stores each `/rating` with a single indexed INSERT.

Same Bolt settings, ASGI adapter and uvicorn settings as `teambot run --http`, so the difference is teambot's work.
The writing anchor uses teambot's own `Database` (same drivers, SQLite pragmas and writer queue) and a table
shaped like `rating` (`bench_rating`: the same unique (goal, day) and indexes), so it is the floor for any app that
stores a rating on this stack: what is left between it and teambot is teambot's checks, reads and audit.
`python -m bench.bare_app --port N [--database URL]` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    insert,
)

from teambot.store.db import Database, sync_url

COMMANDS = ("/rating", "/uge", "/teambot")

_metadata = MetaData()
BENCH_RATING = Table(
    "bench_rating",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("goal_id", Integer, nullable=False, index=True),
    Column("day", Date, nullable=False, index=True),
    Column("value", Integer, nullable=False),
    Column("note", String(500)),
    Column("rated_by", Integer, nullable=False),
    Column("rated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("goal_id", "day"),
)


def goal_of(text: str) -> tuple[int, date, int]:
    """`C00042 2026-11-30 2 3` (bench.slash_load's commands) → goal id, day, value, as teambot.testing.generate
    numbers goals: case n's goals are 2n-1 and 2n."""
    code, day, number, value = text.split()
    return (int(code[1:]) - 1) * 2 + int(number), date.fromisoformat(day), int(value)


def storing(database_url: str) -> Callable[[AsyncAck, dict[str, str]], Awaitable[None]]:
    """The writing anchor's `/rating`: one INSERT in a write transaction, then the answer in the ack."""
    engine = create_engine(sync_url(database_url))
    BENCH_RATING.drop(engine, checkfirst=True)
    BENCH_RATING.create(engine)
    engine.dispose()
    db = Database(database_url)

    async def store(ack: AsyncAck, command: dict[str, str]) -> None:
        goal, day, value = goal_of(command["text"])
        async with db.write() as session:
            await (await session.connection()).execute(
                insert(BENCH_RATING),
                {"goal_id": goal, "day": day, "value": value, "rated_by": 1, "rated_at": datetime.now(UTC)},
            )
        await ack(text="Registreret")

    return store


def build(database_url: str | None = None) -> AsyncSlackRequestHandler:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    for command in COMMANDS:
        if command == "/rating" and database_url is not None:
            app.command(command)(storing(database_url))
        else:
            app.command(command)(only_ack)
    return AsyncSlackRequestHandler(app, path="/slack/events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="also store each /rating with one INSERT into this database")
    args = parser.parse_args()
    # log_level="info" as teambot's serve_http: uvicorn's access log costs both the same.
    uvicorn.run(build(args.database), host="127.0.0.1", port=args.port, lifespan="on", log_level="info")


if __name__ == "__main__":
    main()

"""The anchors for HTTP scenarios: a bare Bolt AsyncApp under uvicorn that only acknowledges teambot's commands,
and (`--database URL`) one that also stores each `/rating` with a single indexed INSERT.

The same ASGI adapter and uvicorn settings as `teambot run --http`. The issue's anchor keeps Bolt's default,
`process_before_response=False`: Bolt runs the listener as a task and sends the ack at its next 10-ms look.
`--ack-on-return` uses teambot's setting (True: the ack leaves when the listener returns), so against it the
difference is teambot's work alone; the writing anchor (`--database`, bench/writing_anchor.py) uses it too.
`python -m bench.bare_app --port N [--ack-on-return] [--database URL]` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN
and SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

COMMANDS = ("/rating", "/uge", "/teambot")


def build(database_url: str | None = None, *, ack_on_return: bool = False) -> AsyncSlackRequestHandler:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=ack_on_return,
        raise_error_for_unhandled_request=False,
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    for command in COMMANDS:
        if command == "/rating" and database_url is not None:
            # Imported only here: the plain anchor's memory is a bare Bolt app's, without SQLAlchemy.
            from bench.writing_anchor import storing

            app.command(command)(storing(database_url))
        else:
            app.command(command)(only_ack)
    return AsyncSlackRequestHandler(app, path="/slack/events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="also store each /rating with one INSERT into this database")
    parser.add_argument("--ack-on-return", action="store_true", help="process_before_response=True, as teambot")
    args = parser.parse_args()
    # As teambot's http_config: the same HTTP parser, and uvicorn's access log costing both the same.
    app = build(args.database, ack_on_return=args.ack_on_return)
    uvicorn.run(app, host="127.0.0.1", port=args.port, lifespan="on", log_level="info", http="httptools")


if __name__ == "__main__":
    main()

"""The anchors for HTTP scenarios: a bare Bolt AsyncApp under uvicorn that only acknowledges teambot's commands,
and (`--database URL`) one that also stores each `/rating` with a single indexed INSERT.

Same Bolt settings, ASGI adapter and uvicorn settings as `teambot run --http`, so the difference is teambot's work.
The writing anchor's `/rating` is in bench/writing_anchor.py.
`python -m bench.bare_app --port N [--database URL]` with SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL.
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

COMMANDS = ("/rating", "/uge", "/teambot")


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
    args = parser.parse_args()
    # log_level="info" as teambot's serve_http: uvicorn's access log costs both the same.
    uvicorn.run(build(args.database), host="127.0.0.1", port=args.port, lifespan="on", log_level="info")


if __name__ == "__main__":
    main()

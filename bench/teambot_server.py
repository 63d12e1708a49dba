"""teambot's HTTP app exactly as `teambot run --http` serves it, minus the scheduler.

Used for L: `teambot run --http` plans every case before it opens its port, and that pass takes minutes on
20,000 cases today (see bench/README.md), which would measure the planner instead of the request path.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from teambot.config import load_settings
from teambot.runtime import configure_logging, open_runtime
from teambot.slack.serve import http_config, make_asgi


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    configure_logging()
    runtime = open_runtime(load_settings(http=True))
    config = http_config(make_asgi(runtime, with_scheduler=False, settle=True), host="127.0.0.1", port=args.port)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()

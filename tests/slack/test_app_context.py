"""The request context teambot's Bolt app gives listeners: Bolt's own, with one Web API client per workspace."""

from __future__ import annotations

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.services import Services
from teambot.slack.web import keep_connections
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.signing import slash_command_body


def _app(db: Database, clock: FakeClock) -> AsyncApp:
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s", SLACK_API_URL="http://127.0.0.1:9/api/")
    return build_app(settings, Services(db, clock, COPENHAGEN, replan=None))


def _request(team_id: str = "T0TEAM001") -> AsyncBoltRequest:
    body = slash_command_body("/rating", "", user_id="U1", response_url="http://127.0.0.1:9/r", team_id=team_id)
    return AsyncBoltRequest(body=body, headers={})


async def test_a_request_gets_the_context_bolt_gives_it(db: Database, clock: FakeClock) -> None:
    # A Bolt that sets more in a request's context than teambot's app does shows here, not in a listener.
    app = _app(db, clock)
    ours, bolts = _request(), _request()

    app._init_context(ours)
    AsyncApp._init_context(app, bolts)

    assert sorted(ours.context) == sorted(bolts.context)
    assert (ours.context.token, ours.context.logger) == (bolts.context.token, bolts.context.logger)
    mine, theirs = ours.context.client, bolts.context.client
    assert (mine.token, mine.base_url, mine.timeout, mine.session, mine.headers) == (
        theirs.token,
        theirs.base_url,
        theirs.timeout,
        theirs.session,
        theirs.headers,
    )
    assert mine.default_params == theirs.default_params == {"team_id": "T0TEAM001"}


async def test_one_client_serves_a_workspace_with_the_session_the_app_keeps(db: Database, clock: FakeClock) -> None:
    app = _app(db, clock)
    first, again, other = _request(), _request(), _request("T0OTHER01")
    app._init_context(first)
    keep_connections(app.client)  # what start-up does, after the app is built
    app._init_context(again)
    app._init_context(other)
    app._init_context(later := _request())

    assert first.context.client.session is None
    assert again.context.client.session is app.client.session
    assert isinstance(app.client.session, aiohttp.ClientSession)
    assert later.context.client is again.context.client
    assert other.context.client.default_params == {"team_id": "T0OTHER01"}
    await app.client.session.close()

"""Requests: through the real `teambot run --http`, a request whose signature is missing, forged or stale (older than
five minutes) gets 401 and is not processed; a signed request replayed as is gets 401 the second time; an Events
API delivery that Slack retries (same event_id, X-Slack-Retry-Num) is acknowledged but processed once.

"Processed" is seen from outside: an answer on the response URL, a views.publish at the fake Slack, a row in the
audit log (`/teambot forløb AK12` records a case.read).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from helpers_foundation import TEAMBOT, clean_env
from teambot.store.db import Database, sync_url
from teambot.testing import database as test_databases
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import PAEDAGOG, load_small_roster
from teambot.testing.server import ServerProcess, http
from teambot.testing.signing import block_actions_payload, interaction_body, signed_headers, slash_command_body

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
USER = PAEDAGOG  # the small roster's pædagog of AK12
DEADLINE_S = 30.0
GRACE_S = 0.2  # after the control request is answered, time for a wrongly accepted one to show up too


@dataclass
class Server:
    url: str
    slack: FakeSlack
    process: subprocess.Popen[bytes]
    database_url: str
    log: Path

    def post(self, body: str, headers: dict[str, str]) -> int:
        status, answer = http(f"{self.url}/slack/events", body.encode(), headers)
        self.slack.acknowledged(body, answer)
        return status

    def answers(self, name: str) -> list[dict[str, Any]]:
        return [c.params for c in self.slack.answers(name)]

    def publishes(self, user: str) -> int:
        return sum(1 for c in self.slack.calls_to("views.publish") if c.params.get("user_id") == user)

    def wait_until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while not done():
            assert self.process.poll() is None, f"the server died:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"{what} did not happen within {DEADLINE_S} s"
            time.sleep(0.02)

    def case_reads(self) -> int:
        engine = create_engine(sync_url(self.database_url))
        try:
            with engine.connect() as connection:
                query = text("SELECT count(*) FROM audit_entry WHERE action = 'case.read' AND case_code = 'AK12'")
                return int(connection.execute(query).scalar_one())
        finally:
            engine.dispose()


async def _load_small_roster(database_url: str) -> None:
    db = Database(database_url)
    try:
        await load_small_roster(db, now=datetime.now(UTC))
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("requests")
    database_url = test_databases.test_database_url(folder)
    test_databases.prepare(database_url)
    # The small roster rather than `teambot demo`: little is due, so the server is up in seconds.
    asyncio.run(_load_small_roster(database_url))
    with FakeSlack() as slack:
        env = clean_env(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            TEAMBOT_DATABASE_URL=database_url,
        )
        command = [TEAMBOT, "run", "--http"]
        with ServerProcess(command, env=env, log=folder / "server.log", ready_timeout=DEADLINE_S) as running:
            yield Server(running.url, slack, running.process, database_url, running.log)


# -- requests of every kind --------------------------------------------------------------------------------------


def command_body(server: Server, name: str) -> str:
    """`/teambot forløb AK12`: answered for the response URL `name`, and audited as a case.read."""
    return slash_command_body("/teambot", "forløb AK12", user_id=USER, response_url=server.slack.response_url(name))


def button_body(server: Server, name: str) -> str:
    """A press of "Bekræft" on a status meeting that does not exist: answered on the response URL `name`."""
    payload = block_actions_payload(
        user_id=USER, action_id="meeting_confirm", value="999999", response_url=server.slack.response_url(name)
    )
    return interaction_body(payload)


def event_body(event_id: str, user: str) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "token": "legacy-unused",
            "team_id": "T0TEAM001",
            "api_app_id": "A0TEAMBOT",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": f"{time.time():.6f}"},
        }
    )


def signed(body: str, *, age_s: int = 0, secret: str = SECRET, json_body: bool = False) -> dict[str, str]:
    headers = signed_headers(secret, body, timestamp=int(time.time()) - age_s)
    if json_body:
        headers["Content-Type"] = "application/json"
    return headers


BAD_SIGNATURES: dict[str, Callable[[str, bool], dict[str, str]]] = {
    "missing signature": lambda body, js: {
        k: v for k, v in signed(body, json_body=js).items() if k != "X-Slack-Signature"
    },
    "missing timestamp": lambda body, js: {
        k: v for k, v in signed(body, json_body=js).items() if k != "X-Slack-Request-Timestamp"
    },
    "no Slack headers": lambda body, js: {"Content-Type": signed(body, json_body=js)["Content-Type"]},
    "forged (wrong secret)": lambda body, js: signed(body, secret="not-the-secret", json_body=js),
    "signature of another body": lambda body, js: signed(body + " ", json_body=js),
    "stale (5 min 1 s)": lambda body, js: signed(body, age_s=301, json_body=js),
    "stale (an hour)": lambda body, js: signed(body, age_s=3600, json_body=js),
    "from the future (6 min)": lambda body, js: signed(body, age_s=-360, json_body=js),
}


@pytest.mark.parametrize("bad", list(BAD_SIGNATURES))
def test_a_slash_command_without_a_valid_signature_gets_401_and_is_not_run(server: Server, bad: str) -> None:
    name = f"cmd-{bad}".replace(" ", "-")
    reads = server.case_reads()

    assert server.post(command_body(server, name), BAD_SIGNATURES[bad](command_body(server, name), False)) == 401

    control = command_body(server, f"{name}-control")
    assert server.post(control, signed(control)) == 200
    server.wait_until(lambda: bool(server.answers(f"{name}-control")), "the control command's answer")
    time.sleep(GRACE_S)
    assert server.answers(name) == []
    assert server.case_reads() == reads + 1  # the control's read only


@pytest.mark.parametrize("bad", list(BAD_SIGNATURES))
def test_a_button_press_without_a_valid_signature_gets_401_and_is_not_run(server: Server, bad: str) -> None:
    name = f"button-{bad}".replace(" ", "-")

    assert server.post(button_body(server, name), BAD_SIGNATURES[bad](button_body(server, name), False)) == 401

    control = button_body(server, f"{name}-control")
    assert server.post(control, signed(control)) == 200
    server.wait_until(lambda: bool(server.answers(f"{name}-control")), "the control button's answer")
    time.sleep(GRACE_S)
    assert server.answers(name) == []


@pytest.mark.parametrize("bad", list(BAD_SIGNATURES))
def test_an_event_without_a_valid_signature_gets_401_and_is_not_run(server: Server, bad: str) -> None:
    number = list(BAD_SIGNATURES).index(bad)
    user = f"U0BADSIG{number:02d}"  # a user of its own, so its publishes are this test's only
    event_id = f"Ev0BADSIG{number:02d}"
    body = event_body(event_id, user)

    assert server.post(body, BAD_SIGNATURES[bad](body, True)) == 401
    # The same event, validly signed, is then processed: the refused one did not use up its event_id.
    assert server.post(body, signed(body, json_body=True)) == 200
    server.wait_until(lambda: server.publishes(user) >= 1, "the valid event's views.publish")
    time.sleep(GRACE_S)
    assert server.publishes(user) == 1


def test_a_request_signed_four_minutes_ago_is_still_accepted(server: Server) -> None:
    body = command_body(server, "four-minutes")

    assert server.post(body, signed(body, age_s=240)) == 200

    server.wait_until(lambda: bool(server.answers("four-minutes")), "the answer")


# -- replays and retries -----------------------------------------------------------------------------------------


def test_a_replayed_slash_command_gets_401_and_runs_once(server: Server) -> None:
    body = command_body(server, "replayed")
    headers = signed(body)
    reads = server.case_reads()

    first = server.post(body, headers)
    again = server.post(body, headers)

    assert (first, again) == (200, 401)
    server.wait_until(lambda: bool(server.answers("replayed")), "the answer")
    time.sleep(GRACE_S)
    assert len(server.answers("replayed")) == 1
    assert server.case_reads() == reads + 1


def test_a_replayed_button_press_gets_401_and_runs_once(server: Server) -> None:
    body = button_body(server, "replayed-button")
    headers = signed(body)

    assert [server.post(body, headers) for _ in range(3)] == [200, 401, 401]

    server.wait_until(lambda: bool(server.answers("replayed-button")), "the answer")
    time.sleep(GRACE_S)
    assert len(server.answers("replayed-button")) == 1


def test_a_replayed_event_gets_401_and_is_processed_once(server: Server) -> None:
    user = "U0REPLAY1"
    body = event_body("Ev0REPLAY01", user)
    headers = signed(body, json_body=True)

    assert [server.post(body, headers), server.post(body, headers)] == [200, 401]

    server.wait_until(lambda: server.publishes(user) >= 1, "views.publish")
    time.sleep(GRACE_S)
    assert server.publishes(user) == 1


def test_events_api_retries_are_acknowledged_but_processed_once(server: Server) -> None:
    """Slack retries a delivery it thinks failed, signed anew, with the same event_id and X-Slack-Retry-Num."""
    user = "U0RETRY01"
    body = event_body("Ev0RETRY001", user)

    assert server.post(body, signed(body, age_s=2, json_body=True)) == 200
    for retry, reason in (("1", "http_timeout"), ("2", "http_error"), ("3", "http_timeout")):
        headers = signed(body, age_s=2 - int(retry), json_body=True)
        headers |= {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": reason}
        assert server.post(body, headers) == 200  # acknowledged, so Slack stops retrying

    # Another event for the same user is processed: the retries were recognised by event_id, not by user.
    other = event_body("Ev0RETRY002", user)
    assert server.post(other, signed(other, json_body=True)) == 200
    server.wait_until(lambda: server.publishes(user) >= 2, "the second event's views.publish")
    time.sleep(GRACE_S)
    assert server.publishes(user) == 2


def test_no_request_caused_an_error(server: Server) -> None:
    assert server.process.poll() is None
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert " ERROR " not in log, log[-3000:]

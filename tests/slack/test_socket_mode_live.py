"""Socket Mode end to end: the real `teambot run` (Socket Mode, the default when SLACK_APP_TOKEN is set) in its own
process, with slack_sdk's real websocket client, connected to the fake Slack's Socket Mode server. Envelopes go
out as Slack sends them; what comes back is the bot's acknowledgement over the socket and its calls to the fake
Web API."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from helpers_foundation import TEAMBOT, clean_env, sqlite_file_url
from helpers_ratings import CPR_REFUSAL
from teambot.store.db import sync_url
from teambot.store.models import Case, Goal, Rating
from teambot.testing import database as test_databases
from teambot.testing.fake_slack import Call, FakeSlack
from teambot.testing.fake_socket import Ack, Envelope, FakeSocketMode
from teambot.testing.server import ServerProcess
from teambot.testing.signing import block_actions_payload, view_submission_payload

DEADLINE_S = 30.0  # generous: a loaded 2-core CI machine; every wait polls and ends as soon as it holds
ACK_LIMIT_S = 3.0  # Slack shows the user an error when an acknowledgement takes longer
METTE = "U0METTE01"  # the demo's pædagog, with AK12 and BM04
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# The module's bot (its demo too) runs on a clock starting here, a Monday morning, whatever day the suite runs: on
# the real clock it had no goals to show on a weekend or a holiday in Copenhagen.
BOT_NOW = datetime(2026, 12, 7, 10, 0, tzinfo=COPENHAGEN)
CLOCKED = [sys.executable, "-m", "teambot.testing.clocked", BOT_NOW.isoformat()]
T = TypeVar("T")


@dataclass
class Bot:
    slack: FakeSlack
    process: subprocess.Popen[bytes]
    folder: Path
    database_url: str  # SQLite, or PostgreSQL when the suite runs on it

    @property
    def socket(self) -> FakeSocketMode:
        return self.slack.socket_mode

    def wait(self, what: str, check: Callable[[], T | None]) -> T:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if result := check():
                return result
            assert self.process.poll() is None, f"teambot exited with {self.process.returncode}:\n{self.log()}"
            time.sleep(0.02)
        raise AssertionError(f"{what}: nothing within {DEADLINE_S:.0f} s\n{self.log()}")

    def ack(self, envelope: Envelope) -> Ack:
        ack = self.wait(f"ack of {envelope.type}", lambda: self.socket.ack_for(envelope))
        assert ack.seconds < ACK_LIMIT_S
        return ack

    def answer(self, name: str) -> Call:
        return self.wait(f"answer at response URL {name}", lambda: next(iter(self.slack.answers(name)), None))

    def command(self, slash: str, text: str, name: str, user: str = METTE) -> Envelope:
        return self.socket.slash_command(slash, text, user_id=user, response_url=self.slack.response_url(name))

    def log(self) -> str:
        return (self.folder / "bot.log").read_text(encoding="utf-8", errors="replace")


def connected(slack: FakeSlack) -> Callable[[int], bool]:
    """`teambot run` is ready once its websocket is open (it connects after the first planner pass started)."""
    return lambda _port: bool(slack.socket_mode.open_connections())


def socket_env(slack: FakeSlack, database_url: str) -> dict[str, str]:
    return clean_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-1-A0TEAMBOT-test",
        SLACK_API_URL=slack.api_url,
        TEAMBOT_DATABASE_URL=database_url,
    )


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    folder = tmp_path_factory.mktemp("socket")
    database_url = test_databases.test_database_url(folder)
    test_databases.prepare(database_url)
    with FakeSlack() as slack:
        env = socket_env(slack, database_url)
        demo = subprocess.run(
            [*CLOCKED, "demo"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert demo.returncode == 0, demo.stderr
        # ServerProcess adds `--port N`, which Socket Mode ignores.
        with ServerProcess(
            [*CLOCKED, "run"], env=env, log=folder / "bot.log", ready=connected(slack), ready_timeout=DEADLINE_S
        ) as running:
            yield Bot(slack, running.process, folder, database_url)


@pytest.fixture
def live(bot: Bot) -> Iterator[Bot]:
    """The module's bot, its record of calls emptied; whatever Slack would have refused fails the test."""
    bot.slack.reset()
    yield bot
    assert bot.socket.problems == []


def rating_day() -> date:
    """The bot's today, a working day: `/rating` accepts it, and a bare `/rating` opens its modal."""
    return BOT_NOW.date()


def stored(bot: Bot, code: str, number: int, day: date) -> tuple[int, int, str | None] | None:
    """(goal id, value, note) of `code`'s goal `number` on `day`, read from the bot's database."""
    engine = create_engine(sync_url(bot.database_url))
    try:
        with Session(engine) as session:
            goal = session.exec(
                select(Goal).join(Case).where(Case.code == code, Goal.number == number, Goal.active)
            ).one()
            rating = session.exec(select(Rating).where(Rating.goal_id == goal.id, Rating.day == day)).first()
            assert goal.id is not None
            return None if rating is None else (goal.id, rating.value, rating.note)
    finally:
        engine.dispose()


def goal_id(bot: Bot, code: str, number: int) -> int:
    engine = create_engine(sync_url(bot.database_url))
    try:
        with Session(engine) as session:
            goal = session.exec(select(Goal).join(Case).where(Case.code == code, Goal.number == number)).one()
            assert goal.id is not None
            return goal.id
    finally:
        engine.dispose()


# -- connecting -------------------------------------------------------------------------------------------


def test_connects_with_the_app_token_over_one_websocket(live: Bot) -> None:
    # The fake hands out an address only for an xapp- token: the bot asked with SLACK_APP_TOKEN (once at the start
    # to check the token, then once per connection) and has one connection open.
    [connection] = live.socket.open_connections()
    assert live.socket.issued_tickets == connection.number + 1  # one address per connection, + the start's check
    # slack_sdk pings as soon as it is connected (its keep-alive), and the fake answers with a pong.
    live.socket.wait_for("a ping", lambda: live.socket.connection(connection.number).pings, DEADLINE_S)
    assert live.socket.refused_tickets == 0


# -- slash commands -----------------------------------------------------------------------------------------


def test_help_is_answered_in_the_acknowledgement(live: Bot) -> None:
    envelope = live.command("/teambot", "hjælp", "help")

    ack = live.ack(envelope)

    assert ack.payload is not None
    assert ack.payload["text"].startswith("*teambot* — det kan jeg hjælpe med:")
    assert ack.payload["response_type"] == "ephemeral"
    # Slack shows the ack's answer as it would a post to the response URL; nothing else was posted there.
    assert [c.method for c in live.slack.answers("help")] == ["ack"]


def test_a_command_runs_as_the_slack_user_who_sent_it(live: Bot) -> None:
    ack = live.ack(live.command("/teambot", "mig", "me"))

    assert ack.payload is not None
    assert ack.payload["text"].splitlines() == [
        "*Mette Jensen* — pædagog",
        "Institutioner: Børnehuset Solsikken (SOL)",
        "Dine børn: AK12, BM04",
    ]


def test_a_rating_sent_over_the_socket_is_stored(live: Bot) -> None:
    day = rating_day()
    note = f"socket-{uuid.uuid4().hex[:8]}"

    ack = live.ack(live.command("/rating", f"AK12 {day.day}/{day.month} 1 3 {note}", "rating"))

    assert ack.payload is not None
    # ✅ for a new rating; ✏️ when the demo had rated that day already and the value changed
    assert ack.payload["text"].startswith(("✅ Registreret: AK12, mål 1", "✏️ Ændret: AK12, mål 1"))
    saved = stored(live, "AK12", 1, day)
    assert saved is not None and saved[1:] == (3, note)


def test_cpr_shaped_text_is_refused_and_never_logged(live: Bot) -> None:
    ack = live.ack(live.command("/teambot", "mig 010190-1234", "cpr"))

    assert ack.payload is not None
    assert ack.payload["text"].startswith("Det ligner et CPR-nummer.")
    assert "010190" not in live.log()


# -- interactive payloads and events ------------------------------------------------------------------------


def test_a_nudge_button_is_acknowledged_empty_and_answered_at_its_response_url(live: Bot) -> None:
    day = rating_day()
    before = stored(live, "AK12", 2, day)
    value = 4 if before is None or before[1] != 4 else 1  # a value that changes what is stored
    goal = goal_id(live, "AK12", 2)
    payload = block_actions_payload(
        user_id=METTE,
        action_id=f"rating_nudge:{value}",
        value=f"{goal}:{day.isoformat()}:{value}",
        response_url=live.slack.response_url("nudge"),
    )

    ack = live.ack(live.socket.interactive(payload))

    assert ack.payload is None  # a button's answer replaces its message through the response URL instead
    answer = live.answer("nudge")
    # The nudge is drawn again in place, with the goal now rated.
    assert answer.method == "response_url"
    assert answer.params["replace_original"] is True
    assert "AK12" in answer.params["text"]
    saved = stored(live, "AK12", 2, day)
    assert saved is not None and saved[1] == value


def test_a_refused_modal_submission_keeps_the_modal_open_through_the_ack(live: Bot) -> None:
    # `/rating` alone opens the day's modal: an empty ack, then views.open with the acknowledged trigger.
    first = live.command("/rating", "", "modal")
    assert live.ack(first).payload is None
    opened = live.wait("views.open", lambda: next(iter(live.slack.calls_to("views.open")), None))
    modal = opened.params["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    inputs = [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]
    note = next(block_id for block_id in inputs if block_id.startswith("n"))
    day = date.fromisoformat(modal["private_metadata"])
    assert day == rating_day()
    before = stored(live, "AK12", 1, day)

    ack = live.ack(live.socket.interactive(view_submission(METTE, modal, {note: "cpr 010190 1234"})))

    # The refusal shows on the modal's first input, and the modal stays open.
    assert ack.payload == {"response_action": "errors", "errors": {inputs[0]: CPR_REFUSAL[:150]}}
    assert stored(live, "AK12", 1, day) == before
    confirmations = [c for c in live.slack.calls_to("chat.postMessage") if c.params.get("channel") == METTE]
    assert not any("Registreret" in str(c.params.get("text")) for c in confirmations)
    assert "010190" not in live.log()


def test_opening_the_home_tab_publishes_it(live: Bot) -> None:
    event = {"type": "app_home_opened", "user": METTE, "channel": "D0DM", "tab": "home", "event_ts": "1.2"}

    ack = live.ack(live.socket.event(event))

    assert ack.payload is None
    published = live.wait("views.publish", lambda: next(iter(live.slack.calls_to("views.publish")), None))
    assert published.params["user_id"] == METTE


# -- the connection itself ------------------------------------------------------------------------------------


def test_a_refresh_from_slack_moves_the_bot_to_a_new_connection(live: Bot) -> None:
    old = live.socket.refresh()

    new = live.socket.wait_connected(DEADLINE_S, after=old)
    closed = live.socket.wait_closed(old, DEADLINE_S)

    assert (closed.closed_by, closed.close_code) == ("app", 1000)
    ack = live.ack(live.command("/teambot", "hjælp", "after-refresh"))
    assert ack.connection == new.number
    assert live.socket.issued_tickets == new.number + 1  # a fresh address for each connection (+ the start's check)
    assert live.socket.refused_tickets == 0


def test_a_connection_slack_closes_is_replaced(live: Bot) -> None:
    sessions = live.log().count("has been established")
    dropped = live.socket.drop()

    new = live.socket.wait_connected(DEADLINE_S, after=dropped)

    ack = live.ack(live.command("/teambot", "hjælp", "after-drop"))
    assert ack.connection == new.number
    assert [c.number for c in live.socket.open_connections()] == [new.number]
    # The operator's only sign of Slack dropping the bot: slack_sdk's INFO lines, through the handler's logger.
    assert live.log().count("has been established") > sessions >= 1


# -- stopping -------------------------------------------------------------------------------------------------
# On SQLite whatever the suite runs on: each starts a bot of its own while the module's bot still runs, and emptying
# the shared PostgreSQL database for it would pull the data from under that one.


def test_sigterm_closes_the_socket_finishes_acknowledged_work_and_exits_0(tmp_path: Path) -> None:
    with FakeSlack() as slack:
        env = socket_env(slack, sqlite_file_url(tmp_path))
        command = [TEAMBOT, "run"]
        with ServerProcess(
            command, env=env, log=tmp_path / "bot.log", ready=connected(slack), ready_timeout=DEADLINE_S
        ) as running:
            bot = Bot(slack, running.process, tmp_path, sqlite_file_url(tmp_path))
            [connection] = bot.socket.open_connections()
            # A button press: acknowledged at once, answered after the ack (a stranger is told who to ask).
            payload = block_actions_payload(
                user_id="U0NOBODY1",
                action_id="rating_nudge:3",
                value="1:2026-12-01:3",
                response_url=slack.response_url("late"),
            )
            bot.ack(bot.socket.interactive(payload))
            stopped_at = time.monotonic()
            running.process.send_signal(signal.SIGTERM)

            returncode = running.process.wait(timeout=DEADLINE_S)
            seconds = time.monotonic() - stopped_at

        assert returncode == 0, bot.log()
        assert seconds < 10.0
        closed = bot.socket.connection(connection.number)
        assert (closed.closed_by, closed.close_code) == ("app", 1000)
        assert slack.answers("late"), "the acknowledged button's answer was lost"
        assert bot.socket.problems == []
        assert "Traceback" not in bot.log()


def test_sigterm_while_slack_cannot_be_reached_at_start_still_stops_the_bot(tmp_path: Path) -> None:
    """slack_sdk tries to connect every 10 s for as long as Slack fails it; a stop meanwhile ends the trying (it
    was ignored until SIGKILL)."""
    with FakeSlack() as slack:
        slack.fail("apps.connections.open", status=500, times=1000)  # a Slack outage
        with (tmp_path / "bot.log").open("wb") as log:
            process = subprocess.Popen(
                [TEAMBOT, "run"],
                env=socket_env(slack, sqlite_file_url(tmp_path)),
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            bot = Bot(slack, process, tmp_path, sqlite_file_url(tmp_path))
            bot.wait("a try to connect", lambda: slack.calls_to("apps.connections.open"))
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=6)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            process.kill()
            process.wait()
    assert returncode == 0


@pytest.mark.parametrize("refusal", ["not_allowed_token_type", "invalid_auth"])
def test_an_app_token_slack_refuses_stops_the_bot_with_a_setting_error(tmp_path: Path, refusal: str) -> None:
    """A bot token put in SLACK_APP_TOKEN, or a revoked one: slack_sdk would retry it every 10 s forever."""
    with FakeSlack() as slack:
        slack.fail("apps.connections.open", error=refusal, times=1000)
        result = subprocess.run(
            [TEAMBOT, "run"],
            env=socket_env(slack, sqlite_file_url(tmp_path)),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DEADLINE_S,
        )
    assert result.returncode == 2
    assert f"teambot: setting error: SLACK_APP_TOKEN: Slack refused it ({refusal})" in result.stderr
    assert "Traceback" not in result.stderr


# -- helpers ----------------------------------------------------------------------------------------------------


def view_submission(user: str, modal: dict[str, Any], notes: dict[str, str]) -> dict[str, Any]:
    """A view_submission of `modal` as Slack sends it: the note inputs filled in, no goal chosen."""
    values: dict[str, dict[str, Any]] = {}
    for block in modal["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "radio_buttons":
            state = {"type": "radio_buttons", "selected_option": None}
        else:
            state = {"type": "plain_text_input", "value": notes.get(block["block_id"])}
        values[block["block_id"]] = {element["action_id"]: state}
    return view_submission_payload(user_id=user, modal=modal, values=values)

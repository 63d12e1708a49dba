"""HTTP mode end to end: the real `teambot run --http` server, requests signed the way Slack signs them, and a
fake Slack Web API that records where the answers go."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers_foundation import TEAMBOT, clean_env, run_teambot, sqlite_file_url
from teambot.commands import REGISTRY
from teambot.slack.mrkdwn import escape
from teambot.testing.fake_slack import Call, FakeSlack
from teambot.testing.server import ServerProcess, http
from teambot.testing.signing import signed_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DEADLINE_S = 30.0


@dataclass
class Server:
    url: str
    slack: FakeSlack
    process: subprocess.Popen[bytes]
    folder: Path

    def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        status, answer = http(f"{self.url}/slack/events", body.encode(), headers)
        self.slack.acknowledged(body, answer)
        return status, answer

    def answers(self, name: str) -> list[Call]:
        return self.slack.answers(name)

    def wait_for_answer(self, name: str) -> Call:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            if calls := self.answers(name):
                return calls[0]
            assert self.process.poll() is None, "the server died"
            time.sleep(0.02)
        raise AssertionError(f"no answer to response_url {name} within {DEADLINE_S} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("http")
    with FakeSlack() as slack:
        env = clean_env(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.api_url,
            TEAMBOT_DATABASE_URL=sqlite_file_url(folder),
        )
        demo = run_teambot("demo", cwd=folder, env=env)
        assert demo.returncode == 0, demo.stderr
        command = [TEAMBOT, "run", "--http"]
        with ServerProcess(command, env=env, log=folder / "server.log", ready_timeout=DEADLINE_S) as running:
            yield Server(running.url, slack, running.process, folder)


def read_log(folder: Path) -> str:
    return (folder / "server.log").read_text(encoding="utf-8", errors="replace")


def command(server: Server, text: str, name: str, user: str = "U0METTE01") -> str:
    return slash_command_body("/teambot", text, user_id=user, response_url=server.slack.response_url(name))


def test_healthz(server: Server) -> None:
    # The fixture waits for the first planner pass, so the schedule is running.
    assert http(f"{server.url}/healthz") == (200, json.dumps({"status": "ok", "scheduler": "running"}))


def test_unknown_path_is_404(server: Server) -> None:
    assert http(f"{server.url}/nowhere")[0] == 404


def _raw(server: Server, *pieces: bytes) -> bytes:
    """Send `pieces` one by one on a fresh connection; what the server answers before closing or going quiet."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        try:
            for piece in pieces:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed midway: the answer may already be waiting
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"connection: close" in answer.lower() and answer.endswith((b"large.", b"}")):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


def test_headers_that_never_end_are_refused_not_buffered(server: Server) -> None:
    """h11's bound on a request's head, kept with httptools: 16 KiB, then 400 and the connection closed."""
    padding = [b"X-Pad: " + b"a" * 4000 + b"\r\n"] * 64  # 256 KB of headers, never finished
    answer = _raw(server, b"POST /slack/events HTTP/1.1\r\nHost: teambot\r\n", *padding)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert http(f"{server.url}/healthz")[0] == 200  # the server goes on


def test_a_head_over_the_bound_in_one_piece_is_refused(server: Server) -> None:
    """The bound counts a head's first read too: 60 KB of unfinished head sent at once is refused."""
    head = b"GET /healthz HTTP/1.1\r\nHost: teambot\r\n" + b"X-Pad: " + b"a" * 60_000 + b"\r\n"
    assert _raw(server, head).startswith(b"HTTP/1.1 400")


def test_a_chunked_request_is_refused(server: Server) -> None:
    """Trailers are headers after the head, unbounded like an unfinished head; Slack never sends chunked bodies."""
    head = b"POST /slack/events HTTP/1.1\r\nHost: teambot\r\nTransfer-Encoding: chunked\r\n\r\n"
    trailers = [b"X-T: " + b"a" * 4000 + b"\r\n"] * 16
    assert _raw(server, head, b"5\r\nhello\r\n0\r\n", *trailers).startswith(b"HTTP/1.1 400")


def test_a_large_body_behind_a_small_head_reaches_the_app(server: Server) -> None:
    """Only the head is bounded: a 100 KB body sent with its head in one piece gets the app's answer (401, it is
    not signed), not the parser's 400."""
    body = b"token=" + b"a" * 100_000
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: teambot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    assert _raw(server, head + body).startswith(b"HTTP/1.1 401")


def test_a_body_bolt_cannot_parse_gets_400_not_a_server_error(server: Server) -> None:
    """Bolt reads an interaction's `payload` as JSON before it checks the signature: garbage there was a 500 and a
    traceback in the log for anyone who sent it (test_no_request_caused_an_error reads the log)."""
    body = "payload=not-json"
    status, answer = http(
        f"{server.url}/slack/events", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, json.loads(answer)) == (400, {"error": "invalid request body"})


def test_signed_help_command_is_answered_in_danish(server: Server) -> None:
    body = command(server, "hjælp", "help")

    status, _ = server.post(body, signed_headers(SECRET, body))

    assert status == 200
    answer = server.wait_for_answer("help")
    text = answer.params["text"]
    assert text.startswith("*teambot* — det kan jeg hjælpe med:")
    for registered in REGISTRY.commands:  # each usage line as Slack shows it: `<barn>` escaped, not a link
        assert f"`{escape(registered.usage)}`" in text
    assert "`/rating &lt;barn&gt; [dato] [mål] &lt;1-4&gt; [note]`" in text
    assert answer.params.get("response_type") == "ephemeral"


def test_signed_command_runs_as_the_slack_user(server: Server) -> None:
    body = command(server, "mig", "me")

    assert server.post(body, signed_headers(SECRET, body))[0] == 200

    text = server.wait_for_answer("me").params["text"]
    assert text.splitlines() == [
        "*Mette Jensen* — pædagog",
        "Institutioner: Børnehuset Solsikken (SOL)",
        "Dine børn: AK12, BM04",
    ]


def test_cpr_shaped_text_over_http_is_refused(server: Server) -> None:
    body = command(server, "mig 010190-1234", "cpr")

    assert server.post(body, signed_headers(SECRET, body))[0] == 200

    assert server.wait_for_answer("cpr").params["text"].startswith("Det ligner et CPR-nummer.")
    assert "010190" not in read_log(server.folder)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed_headers("not-the-secret", body), id="forged signature"),
        pytest.param(
            lambda body: {k: v for k, v in signed_headers(SECRET, body).items() if k != "X-Slack-Signature"},
            id="missing signature",
        ),
        pytest.param(
            lambda body: {"Content-Type": "application/x-www-form-urlencoded"}, id="no signature headers at all"
        ),
        pytest.param(lambda body: signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60), id="stale"),
        pytest.param(
            lambda body: signed_headers(SECRET, body.replace("hj%C3%A6lp", "mig")), id="signature of another body"
        ),
    ],
)
def test_unsigned_forged_or_stale_requests_get_401_and_touch_nothing(
    server: Server, headers: Callable[[str], dict[str, str]], request: pytest.FixtureRequest
) -> None:
    name = "refused-" + request.node.callspec.id.replace(" ", "-")
    body = command(server, "hjælp", name)

    status, _ = server.post(body, headers(body))

    assert status == 401
    # A valid request sent afterwards is answered; the refused one never is.
    check = command(server, "hjælp", f"{name}-check")
    assert server.post(check, signed_headers(SECRET, check))[0] == 200
    server.wait_for_answer(f"{name}-check")
    assert server.answers(name) == []


def test_a_refused_request_never_logs_cpr_shaped_text(server: Server) -> None:
    """Slack may deliver a real request late (stale) or a client may sign it wrongly: its text must still not
    end up in the log."""
    body = command(server, "mig 280256-4321", "refused-cpr")

    assert server.post(body, signed_headers(SECRET, body, timestamp=int(time.time()) - 6 * 60))[0] == 401

    assert "280256" not in read_log(server.folder)


def test_a_refused_request_never_logs_what_it_said(server: Server) -> None:
    """A forged or stale `/rating` may carry a note about a child. Bolt logs a refused request's whole body at INFO,
    on loggers whose level it sets itself: the note must not reach the log all the same."""
    body = slash_command_body(
        "/rating", "AK12 1 3 græd ved aflevering", user_id="U0METTE01", response_url=server.slack.response_url("note")
    )

    assert server.post(body, signed_headers("0" * 32, body))[0] == 401

    log = read_log(server.folder)
    assert "HTTP 401 POST /slack/events" in log  # the refusal itself is logged
    assert "aflevering" not in log


@dataclass
class Logged:
    text: str = ""


@contextmanager
def logged(server: Server) -> Iterator[Logged]:
    """What the server logs while the block runs: up to the line of a 404 sent after it (a refusal, always logged).
    The log is the whole module's, so each test reads only its own part."""
    part = Logged()
    start = len(read_log(server.folder))
    yield part
    mark = f"/end-of-block-{uuid.uuid4().hex}"
    assert http(f"{server.url}{mark}")[0] == 404
    deadline = time.monotonic() + DEADLINE_S
    while (end := read_log(server.folder).find(mark, start)) < 0:
        assert time.monotonic() < deadline, f"{mark} was never logged"
        time.sleep(0.02)
    text = read_log(server.folder)[start:end]
    part.text = text[: text.rfind("\n") + 1]  # without the mark's own line


def calendar_address(server: Server) -> str:
    body = command(server, "kalender", "calendar")
    assert server.post(body, signed_headers(SECRET, body))[0] == 200
    match = re.search(r"/ics/[A-Za-z0-9_-]+\.ics", server.wait_for_answer("calendar").params["text"])
    assert match, "no calendar address in the answer"
    return match.group(0)


def test_a_calendar_address_is_never_logged(server: Server) -> None:
    """The address is the only key to someone's calendar. A read of it succeeds, and successes are not logged; an
    unknown or revoked one is refused, and logged without its token."""
    address = calendar_address(server)
    unknown = "/ics/" + "u" * 32 + ".ics"

    with logged(server) as read:
        assert http(f"{server.url}{address}")[0] == 200
    with logged(server) as refused:
        assert http(f"{server.url}{unknown}")[0] == 404

    assert "GET" not in read.text
    assert "HTTP 404 GET /ics/***\n" in refused.text
    log = read_log(server.folder)
    assert address.removeprefix("/ics/") not in log
    assert "u" * 32 not in log


def test_a_refused_address_is_logged_without_cpr_shaped_text_or_its_query(server: Server) -> None:
    """A query may hold anything, so it is never logged; CPR-shaped text in a path is redacted."""
    with logged(server) as path:
        assert http(f"{server.url}/x/280256-4321")[0] == 404
    with logged(server) as query:
        assert http(f"{server.url}/nowhere?barn=280256-4321&note=secret")[0] == 404
        assert http(f"{server.url}/healthz?barn=280256-4321")[0] == 200

    assert "HTTP 404 GET /x/[CPR fjernet]\n" in path.text
    assert "HTTP 404 GET /nowhere\n" in query.text
    assert "secret" not in query.text
    assert "/healthz" not in query.text
    assert "280256" not in read_log(server.folder)


def test_a_forged_request_is_logged_and_a_signed_one_is_not(server: Server) -> None:
    """Refusals are logged, to see who knocks; Slack's own requests are not (a line each cost 4–5 % of a /rating's
    CPU, bench/README.md)."""
    forged = command(server, "hjælp", "forged-logged")
    signed = command(server, "hjælp", "signed-unlogged")

    with logged(server) as refused:
        assert server.post(forged, signed_headers("not-the-secret", forged))[0] == 401
    with logged(server) as answered:
        assert server.post(signed, signed_headers(SECRET, signed))[0] == 200
        server.wait_for_answer("signed-unlogged")

    assert "HTTP 401 POST /slack/events\n" in refused.text
    assert "/slack/events" not in answered.text


def test_no_request_caused_an_error(server: Server) -> None:
    assert server.process.poll() is None
    log = read_log(server.folder)
    assert "Traceback" not in log
    assert " ERROR " not in log


def test_start_up_warns_of_nothing_when_everything_is_configured(server: Server) -> None:
    """An operator reads every WARNING at start as something to fix. Bolt warned at each start that the token would
    be unused (it reads SLACK_BOT_TOKEN itself beside the client teambot builds from the same setting)."""
    lines = read_log(server.folder).splitlines()
    # The tests of refused heads and chunked requests warn on purpose, and only those.
    on_purpose = ("Request line and headers over", "Invalid HTTP request received")
    warnings = [line for line in lines if "WARNING" in line and not any(text in line for text in on_purpose)]
    assert warnings == []

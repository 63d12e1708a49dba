"""What HTTP mode logs of a request it refuses or fails, through TeambotASGI itself (the real server's log, with
uvicorn's access log off, is read in test_http.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from teambot.slack.http import TeambotASGI


async def _get(app: TeambotASGI, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}, receive, send)
    return sent


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "teambot.slack.http"]


async def test_a_request_that_fails_is_logged_once_without_its_token(caplog: pytest.LogCaptureFixture) -> None:
    """uvicorn answers 500 and logs the traceback, which does not say which request it was."""

    async def broken(token: str) -> bytes:
        raise RuntimeError("the calendar could not be drawn")

    app = TeambotASGI(AsyncApp(signing_secret="s", token="xoxb-1"), calendar=broken)
    caplog.set_level(logging.INFO)

    with pytest.raises(RuntimeError):
        await _get(app, "/ics/" + "t" * 32 + ".ics")

    assert _lines(caplog) == ["HTTP 500 GET /ics/***"]


async def test_a_refused_path_is_one_line_cut_short(caplog: pytest.LogCaptureFixture) -> None:
    """A path is decoded (%0A is a line break): as it came, it could write a line of its own into the log, and a
    control character between a CPR number's digits would hide it from the redaction."""
    app = TeambotASGI(AsyncApp(signing_secret="s", token="xoxb-1"))
    caplog.set_level(logging.INFO)

    assert (await _get(app, "/x\n2026-12-03 INFO teambot: forged"))[0]["status"] == 404
    assert (await _get(app, "/" + "a" * 1000))[0]["status"] == 404
    assert (await _get(app, "/280256\x014321"))[0]["status"] == 404
    assert (await _get(app, "/" + "\x01" * 300 + "b" * 300))[0]["status"] == 404

    assert _lines(caplog) == [
        "HTTP 404 GET /x2026-12-03 INFO teambot: forged",
        "HTTP 404 GET /" + "a" * 199,
        "HTTP 404 GET /[CPR fjernet]",
        "HTTP 404 GET /" + "b" * 199,
    ]


async def test_a_body_slack_would_never_send_is_one_line(caplog: pytest.LogCaptureFixture) -> None:
    """A form whose `payload` is not a JSON object: refused with 400 before anything runs, and logged once."""
    app = TeambotASGI(AsyncApp(signing_secret="s", token="xoxb-1"))
    caplog.set_level(logging.INFO)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"payload=%5B%5D", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    scope = {"type": "http", "method": "POST", "path": "/slack/events", "headers": headers, "query_string": b""}
    await app(scope, receive, send)

    assert sent[0]["status"] == 400
    assert _lines(caplog) == ["HTTP 400 POST /slack/events"]

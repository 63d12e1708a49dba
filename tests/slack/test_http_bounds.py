"""What a request to `/slack/events` may make the bot hold, and bodies Bolt cannot parse: through TeambotASGI
itself (the real server's bounds on heads and chunked requests are in test_http.py)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from teambot.slack.http import EVENTS_PATH, MAX_EVENT_BODY, TeambotASGI


def _asgi() -> TeambotASGI:
    return TeambotASGI(AsyncApp(signing_secret="s", token="xoxb-1", process_before_response=True))


async def _post(messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]]) -> tuple[list[dict[str, Any]], int]:
    """Send the request; what the app sent back, and how many body messages it read."""
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": EVENTS_PATH, "headers": headers, "query_string": b""}
    await _asgi()(scope, receive, send)
    return sent, read


def _status(sent: list[dict[str, Any]]) -> int:
    return int(sent[0]["status"])


FORM = (b"content-type", b"application/x-www-form-urlencoded")


async def test_a_declared_body_over_the_bound_is_refused_unread() -> None:
    sent, read = await _post([], [FORM, (b"content-length", str(MAX_EVENT_BODY + 1).encode())])
    assert (_status(sent), read) == (413, 0)


async def test_a_body_growing_past_the_bound_is_refused_before_it_is_all_in() -> None:
    piece = b"a" * (1024 * 1024)
    messages = [{"type": "http.request", "body": piece, "more_body": True} for _ in range(10)]
    sent, read = await _post(messages, [FORM])
    assert _status(sent) == 413
    assert read == 5  # the fifth MiB passed the bound; the other five were never asked for


async def test_a_sender_gone_before_its_body_is_in_gets_nothing_and_raises_nothing() -> None:
    messages = [{"type": "http.request", "body": b"pay", "more_body": True}, {"type": "http.disconnect"}]
    sent, _ = await _post(messages, [FORM])
    assert sent == []


@pytest.mark.parametrize("payload", [b"not-json", b"1", b"null", b"%5B%5D", b"%22s%22"])
async def test_a_payload_bolt_cannot_use_gets_400(payload: bytes) -> None:
    body = b"payload=" + payload
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent, _ = await _post(messages, [FORM, (b"content-length", str(len(body)).encode())])
    assert _status(sent) == 400
    assert sent[1]["body"] == b'{"error": "invalid request body"}'


async def test_json_that_is_not_an_object_gets_400() -> None:
    messages = [{"type": "http.request", "body": b"[1]", "more_body": False}]
    sent, _ = await _post(messages, [(b"content-type", b"application/json"), (b"content-length", b"3")])
    assert _status(sent) == 400

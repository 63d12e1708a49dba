"""Ratings through the real Bolt app: signed requests shaped as Slack sends them (slash command, view_submission
with radio buttons, block_actions from the nudge's buttons), answered through the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from helpers_ratings import (
    CPR_REFUSAL,
    GOAL_1,
    GOAL_2,
    THURSDAY,
    TODAY,
    buttons,
    case_of,
    goal_ids,
    load_roster,
    nudge_buttons,
    ratings,
)
from teambot.commands import Context, run_command
from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.guard import RequestGuard
from teambot.slack.listeners import commands as commands_listener
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import Call, FakeSlack
from teambot.testing.roster import OUTSIDER, PAEDAGOG
from teambot.testing.signing import (
    block_actions_payload,
    interaction_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

SECRET = "3c2a0b1e9f8d7c6b5a4f3e2d1c0b9a8f"
RECORDED_1 = f"✅ Registreret: AK12, mål 1 «{GOAL_1}» — {THURSDAY}: *3 af 4*."


@dataclass
class Bolt:
    app: AsyncApp
    slack: FakeSlack
    db: Database
    first_call: int  # the fake Slack is shared by the module: this test's calls start here

    async def post(self, body: str, headers: dict[str, str] | None = None) -> BoltResponse:
        """Deliver one request the way Bolt's HTTP adapters do, then let the listener finish its work
        (Bolt acknowledges first and runs the rest of the listener in the background)."""
        request = AsyncBoltRequest(body=body, headers=headers if headers is not None else signed_headers(SECRET, body))
        response = await self.app.async_dispatch(request)
        self.slack.acknowledged(body, response.body)
        await settle()
        return response

    def calls(self, method: str) -> list[Call]:
        return [c for c in self.slack.calls[self.first_call :] if c.method == method]

    def answers(self, name: str, via: tuple[str, ...] = ("ack", "response_url")) -> list[dict[str, Any]]:
        """This test's answers for the response URL `name`: in the acknowledgement or posted there later."""
        mine = self.slack.calls[self.first_call :]
        return [c.params for c in mine if c.method in via and c.path == f"/response/{name}"]


async def settle() -> None:
    """Wait for every task Bolt started in the background (no sleeping: just until they are done)."""
    while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)


@pytest.fixture(scope="module")
def shared_slack() -> Iterator[FakeSlack]:
    """One fake Slack for the module: stopping a server takes half a second, so it is started only once."""
    with FakeSlack() as server:
        yield server


@pytest.fixture
async def bolt(
    db: Database, clock: FakeClock, shared_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Bolt]:
    await load_roster(db, clock)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=shared_slack.api_url)
    app = build_app(settings, Services(db, clock, COPENHAGEN, replan=None))
    yield Bolt(app, shared_slack, db, first_call=len(shared_slack.calls))
    await settle()
    # Every request was handled: no listener failed behind the user's back, and no CPR reached the log.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "010190" not in caplog.text


def command(bolt: Bolt, text: str, name: str, user: str = PAEDAGOG) -> str:
    return slash_command_body("/rating", text, user_id=user, response_url=bolt.slack.response_url(name))


def radio(value: str | None) -> dict[str, Any]:
    """A radio_buttons element's state as Slack sends it in view_submission (`selected_option` null if unset)."""
    option = None if value is None else {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    return {"type": "radio_buttons", "selected_option": option}


def text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def view_submission(user: str, modal: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A view_submission payload for `modal`; `values` by block_id, whose one element has the block's id too."""
    return view_submission_payload(
        user_id=user, modal=modal, values={key: {key: element} for key, element in values.items()}
    )


async def _modal(bolt: Bolt, clock: FakeClock) -> dict[str, Any]:
    """The day's modal as teambot builds it for the pædagog (what views.open shows her)."""
    reply = await run_command(Context(db=bolt.db, clock=clock, user_id=PAEDAGOG), "/rating", "")
    assert reply.modal is not None
    return reply.modal


# -- slash command -----------------------------------------------------------------------------------------


async def test_a_signed_rating_command_is_confirmed_in_the_acknowledgement(bolt: Bolt) -> None:
    response = await bolt.post(command(bolt, "AK12 1 3", "rate"))

    assert response.status == 200
    [answer] = bolt.answers("rate", via=("ack",))
    assert answer["text"] == RECORDED_1
    assert answer["response_type"] == "ephemeral"
    assert bolt.calls("response_url") == []  # one answer, with the acknowledgement
    [rating] = await ratings(bolt.db)
    assert (rating.day, rating.value) == (TODAY, 3)


async def test_a_note_with_slacks_control_characters_is_stored_as_typed_and_shown_as_typed(bolt: Bolt) -> None:
    """Slack sends `&`, `<` and `>` typed in a command as entities, and reads them raw in what the bot sends as a
    link, a mention or `<!here>`. The note "Tom & Jerry <3" was stored as "Tom &amp; Jerry &lt;3" (and shown so in
    the report's PDF); now it is stored as typed, and sent back escaped, so Slack shows it as typed."""
    response = await bolt.post(command(bolt, "AK12 1 3 Leger Tom &amp; Jerry &lt;3 &lt;!here&gt;", "note"))

    assert response.status == 200
    [rating] = await ratings(bolt.db)
    assert rating.note == "Leger Tom & Jerry <3 <!here>"
    [answer] = bolt.answers("note", via=("ack",))
    assert answer["text"] == f"{RECORDED_1}\nNote: Leger Tom &amp; Jerry &lt;3 &lt;!here&gt;"


async def test_the_note_a_rating_keeps_is_sent_back_escaped_too(bolt: Bolt) -> None:
    """The value given again without a note: the answer quotes the note given first, escaped as any note shown."""
    await bolt.post(command(bolt, "AK12 1 3 Tom &amp; Jerry &lt;!here&gt;", "first"))

    await bolt.post(command(bolt, "AK12 1 3", "again"))

    [answer] = bolt.answers("again", via=("ack",))
    assert answer["text"].endswith("\nNoten «Tom &amp; Jerry &lt;!here&gt;» står stadig.")


async def test_a_command_slower_than_the_ack_allows_is_answered_through_the_response_url(
    bolt: Bolt, slow_commands: None
) -> None:
    # Slack gives an acknowledgement 3 s; a command still running when its share is up is acknowledged empty
    # and answered when it is done.

    response = await bolt.post(command(bolt, "AK12 1 3", "slow"))

    assert (response.status, response.body) == (200, "")
    assert bolt.answers("slow", via=("ack",)) == []
    [answer] = bolt.answers("slow", via=("response_url",))
    assert (answer["text"], answer["response_type"]) == (RECORDED_1, "ephemeral")
    [rating] = await ratings(bolt.db)
    assert (rating.day, rating.value) == (TODAY, 3)


async def test_a_slow_commands_answer_through_the_response_url_is_escaped_too(bolt: Bolt, slow_commands: None) -> None:
    await bolt.post(command(bolt, "AK12 1 3 A &amp; B", "slow-note"))

    [answer] = bolt.answers("slow-note", via=("response_url",))
    assert answer["text"] == f"{RECORDED_1}\nNote: A &amp; B"
    assert [r.note for r in await ratings(bolt.db)] == ["A & B"]


async def test_time_spent_before_the_listener_counts_against_answering_in_the_acknowledgement(
    bolt: Bolt, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A request that waited 0.4 s in middleware (the replay guard's write, a busy loop) has less of Slack's
    # 3 seconds left: with 0.3 s to answer in the ack, a fast command must still answer through the response URL.
    monkeypatch.setattr(commands_listener, "ANSWER_IN_ACK_SECONDS", 0.3)

    guard = RequestGuard.async_process

    async def slow(self: RequestGuard, **kwargs: Any) -> BoltResponse:
        await asyncio.sleep(0.4)
        return await guard(self, **kwargs)

    monkeypatch.setattr(RequestGuard, "async_process", slow)

    response = await bolt.post(command(bolt, "AK12 1 3", "late"))

    assert (response.status, response.body) == (200, "")
    [answer] = bolt.answers("late", via=("response_url",))
    assert answer["text"] == RECORDED_1


async def test_a_slash_command_teambot_does_not_have_is_left_unhandled(bolt: Bolt) -> None:
    # Slack only sends the commands an app declares; anything else is Bolt's "unhandled request", as always.
    body = slash_command_body("/ukendt", "AK12 1 3", user_id=PAEDAGOG, response_url=bolt.slack.response_url("x"))

    response = await bolt.post(body)

    assert (response.status, json.loads(response.body)) == (404, {"error": "unhandled request"})
    assert bolt.answers("x") == []
    assert await ratings(bolt.db) == []


async def test_a_slash_command_that_fails_unexpectedly_is_answered_with_a_server_error_and_logged(
    bolt: Bolt, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # run_command turns every failure of a command into an apology; a bug around it is Bolt's HTTP 500 and the
    # app's error handler's log line, without the request.
    def broken(self: Services, user_id: str) -> Context:
        raise ValueError("AK12")

    monkeypatch.setattr(Services, "context", broken)

    response = await bolt.post(command(bolt, "AK12 1 3", "broken"))

    assert response.status == 500
    assert bolt.answers("broken") == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["unhandled Slack listener error: ValueError"]
    caplog.clear()  # expected here; the fixture checks that no other request failed


async def test_a_refused_rating_command_is_answered_in_danish_and_stores_nothing(bolt: Bolt) -> None:
    response = await bolt.post(command(bolt, "AK12 1 3 mor sagde 010190-1234", "cpr"))

    assert response.status == 200
    assert [a["text"] for a in bolt.answers("cpr")] == [CPR_REFUSAL]
    assert await ratings(bolt.db) == []


async def test_bare_rating_opens_the_days_modal(bolt: Bolt) -> None:
    response = await bolt.post(command(bolt, "", "modal"))

    assert response.status == 200
    [opened] = bolt.calls("views.open")
    assert opened.params["trigger_id"] == "1337.42.abcdef"
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert (view["callback_id"], view["private_metadata"]) == ("rating_day_modal", "2027-03-04")
    ids = await goal_ids(bolt.db)
    case_id = (await case_of(bolt.db)).id
    inputs = [b["element"]["action_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [f"g{ids[1]}", f"g{ids[2]}", f"n{case_id}"]


# -- view_submission ---------------------------------------------------------------------------------------


async def test_a_submitted_modal_records_the_chosen_goals_and_dms_the_confirmation(
    bolt: Bolt, clock: FakeClock
) -> None:
    modal = await _modal(bolt, clock)
    ids = await goal_ids(bolt.db)
    case_id = (await case_of(bolt.db)).id
    payload = view_submission(
        PAEDAGOG,
        modal,
        {f"g{ids[1]}": radio("3"), f"g{ids[2]}": radio(None), f"n{case_id}": text_input("øvede med billedkort")},
    )

    response = await bolt.post(interaction_body(payload))

    assert response.status == 200
    assert not response.body  # an empty ack closes the modal
    assert [(r.goal_id, r.value, r.note) for r in await ratings(bolt.db)] == [(ids[1], 3, "øvede med billedkort")]
    [dm] = bolt.calls("chat.postMessage")
    assert dm.params["channel"] == PAEDAGOG
    assert dm.params["text"] == f"✅ Registreret for {THURSDAY}:\n{RECORDED_1}"


async def test_a_refused_modal_stays_open_with_the_reason_and_stores_nothing(bolt: Bolt, clock: FakeClock) -> None:
    modal = await _modal(bolt, clock)
    ids = await goal_ids(bolt.db)
    case_id = (await case_of(bolt.db)).id
    payload = view_submission(
        PAEDAGOG,
        modal,
        {f"g{ids[1]}": radio("3"), f"g{ids[2]}": radio("2"), f"n{case_id}": text_input("cpr 010190 1234")},
    )

    response = await bolt.post(interaction_body(payload))

    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert list(body["errors"].values()) == [CPR_REFUSAL[:150]]
    assert await ratings(bolt.db) == []
    assert bolt.calls("chat.postMessage") == []


# -- block_actions -----------------------------------------------------------------------------------------


async def test_a_nudge_button_records_the_rating_and_replaces_the_message(bolt: Bolt) -> None:
    ids = await goal_ids(bolt.db)
    payload = block_actions_payload(
        user_id=PAEDAGOG,
        action_id="rating_nudge:3",
        value=f"{ids[1]}:2027-03-04:3",
        response_url=bolt.slack.response_url("nudge"),
    )

    response = await bolt.post(interaction_body(payload))

    assert response.status == 200
    [answer] = bolt.answers("nudge")
    assert answer["replace_original"] is True
    assert f"✅ *AK12* · mål 1 «{GOAL_1}»: *3 af 4* — registreret af Mette Jensen" in answer["text"].splitlines()
    assert f"*AK12* · mål 2 «{GOAL_2}»" in answer["text"].splitlines()
    assert buttons(answer["blocks"]) == nudge_buttons(ids[2], TODAY)
    [rating] = await ratings(bolt.db)
    assert (rating.goal_id, rating.day, rating.value) == (ids[1], TODAY, 3)


async def test_a_nudge_button_from_someone_else_is_refused_without_replacing_the_message(bolt: Bolt) -> None:
    ids = await goal_ids(bolt.db)
    payload = block_actions_payload(
        user_id=OUTSIDER,
        action_id="rating_nudge:3",
        value=f"{ids[1]}:2027-03-04:3",
        response_url=bolt.slack.response_url("other"),
    )

    assert (await bolt.post(interaction_body(payload))).status == 200

    [answer] = bolt.answers("other")
    assert answer["text"] == "Jeg kender ikke barnet «AK12», og du har ingen børn at registrere for. Intet er gemt."
    assert answer["replace_original"] is False
    assert await ratings(bolt.db) == []


# -- signatures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["slash command", "view_submission", "block_actions"])
async def test_a_forged_signature_is_refused_and_nothing_is_stored(bolt: Bolt, clock: FakeClock, kind: str) -> None:
    ids = await goal_ids(bolt.db)
    case_id = (await case_of(bolt.db)).id
    if kind == "slash command":
        body = command(bolt, "AK12 1 3", "forged")
    elif kind == "view_submission":
        modal = await _modal(bolt, clock)
        body = interaction_body(
            view_submission(PAEDAGOG, modal, {f"g{ids[1]}": radio("3"), f"n{case_id}": text_input(None)})
        )
    else:
        body = interaction_body(
            block_actions_payload(
                user_id=PAEDAGOG,
                action_id="rating_nudge:3",
                value=f"{ids[1]}:2027-03-04:3",
                response_url=bolt.slack.response_url("forged"),
            )
        )

    response = await bolt.post(body, signed_headers("not-the-secret", body))

    assert response.status == 401
    assert await ratings(bolt.db) == []
    assert bolt.answers("forged") == []
    assert bolt.calls("chat.postMessage") == []


async def test_a_body_altered_after_signing_is_refused(bolt: Bolt) -> None:
    body = command(bolt, "AK12 1 3", "altered")
    headers = signed_headers(SECRET, body)
    altered = body.replace(urlencode({"text": "AK12 1 3"}), urlencode({"text": "AK12 1 1"}))
    assert altered != body

    assert (await bolt.post(altered, headers)).status == 401
    assert await ratings(bolt.db) == []

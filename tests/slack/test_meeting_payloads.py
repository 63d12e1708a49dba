"""The real Bolt app receives the meeting buttons and the move modal as Slack sends them (signed, form-encoded)
and answers through the fake Slack Web API: response URLs, views.open and chat.postMessage."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlmodel import col, select

from teambot.config import Settings
from teambot.scheduler.planner import plan_case
from teambot.slack.app import build_app
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.store.models import Case, Meeting, Notification
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import Call, FakeSlack
from teambot.testing.roster import LEAD, OUTSIDER, PAEDAGOG, PSYKOLOG, load_small_roster
from teambot.testing.signing import (
    block_actions_payload,
    interaction_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

SECRET = "3c1f9d0b7e2a4c6d8e0f1a2b3c4d5e6f"


@pytest.fixture
def fake_slack(module_slack: FakeSlack) -> FakeSlack:
    return module_slack.reset()


@pytest.fixture
async def bolt(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> AsyncApp:
    """The small roster planned (next status meeting Tuesday 30 March 2027), and the app as `teambot run` builds it."""
    await load_small_roster(db, now=clock.now())
    async with db.read() as session:
        case = (await session.exec(select(Case).where(Case.code == "AK12"))).one()
    assert case.id is not None

    async def replan(case_id: int) -> None:
        await plan_case(db, case_id, now=clock.now(), zone=COPENHAGEN)

    await replan(case.id)
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    return build_app(settings, Services(db=db, clock=clock, zone=COPENHAGEN, replan=replan))


async def _send(app: AsyncApp, body: str, *, secret: str = SECRET) -> BoltResponse:
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=signed_headers(secret, body)))
    await _settle()
    return response


async def _settle() -> None:
    """Let Bolt finish what it does after ack() (process_before_response=False runs listeners as tasks)."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=10)


async def _meeting(db: Database) -> Meeting:
    async with db.read() as session:
        meeting = (await session.exec(select(Meeting).order_by(col(Meeting.seq)))).first()
    assert meeting is not None
    return meeting


def _press(user: str, action_id: str, value: str, fake_slack: FakeSlack, name: str = "b1") -> str:
    return interaction_body(
        block_actions_payload(
            user_id=user, action_id=action_id, value=value, response_url=fake_slack.response_url(name)
        )
    )


def _as_dict(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _picked(day: str) -> dict[str, Any]:
    return {"input": {"day": {"type": "datepicker", "selected_date": day}}}


def _typed(text: str) -> dict[str, Any]:
    return {"input": {"reason": {"type": "plain_text_input", "value": text}}}


def _submission(user: str, view: dict[str, Any], values: dict[str, Any]) -> str:
    """A view_submission payload as Slack sends it for a modal the bot opened, with its inputs filled in."""
    return interaction_body(view_submission_payload(user_id=user, modal=view, values=values))


async def _opened_move_modal(bolt: AsyncApp, db: Database, fake_slack: FakeSlack, user: str) -> dict[str, Any]:
    meeting = await _meeting(db)
    response = await _send(bolt, _press(user, "meeting_move", str(meeting.id), fake_slack))
    assert response.status == 200
    [opened] = fake_slack.calls_to("views.open")
    assert opened.params["trigger_id"] == "1337.42.abcdef"
    return _as_dict(opened.params["view"])


def _answers(fake_slack: FakeSlack, name: str = "b1") -> list[Call]:
    return fake_slack.answers(name)


async def test_bekraeft_button_replaces_the_reminder_through_the_response_url(
    bolt: AsyncApp, db: Database, fake_slack: FakeSlack
) -> None:
    meeting = await _meeting(db)
    response = await _send(bolt, _press(PAEDAGOG, "meeting_confirm", str(meeting.id), fake_slack))
    assert response.status == 200

    [answer] = _answers(fake_slack)
    assert answer.params["replace_original"] is True
    assert "✅ Du har bekræftet. 1 af 3 har bekræftet." in answer.params["text"]
    assert answer.params["text"].startswith("📅 Statusmøde for AK12 tirsdag 30. marts 2027 kl. 14.00")
    assert all(block["type"] != "actions" for block in answer.params["blocks"])
    assert len((await _meeting(db)).confirmed_by) == 1


async def test_flyt_button_opens_the_move_modal(bolt: AsyncApp, db: Database, fake_slack: FakeSlack) -> None:
    view = await _opened_move_modal(bolt, db, fake_slack, PAEDAGOG)
    assert (view["type"], view["callback_id"]) == ("modal", "meeting_move_modal")
    assert view["private_metadata"] == str((await _meeting(db)).id)
    [field] = [block for block in view["blocks"] if block["type"] == "input"]
    assert (field["block_id"], field["element"]["action_id"]) == ("input", "day")
    assert (field["element"]["type"], field["element"]["initial_date"]) == ("datepicker", "2027-03-30")
    assert _answers(fake_slack) == []  # a modal instead of a reply


async def test_flyt_button_by_someone_else_answers_with_a_refusal(
    bolt: AsyncApp, db: Database, fake_slack: FakeSlack
) -> None:
    meeting = await _meeting(db)
    await _send(bolt, _press(OUTSIDER, "meeting_move", str(meeting.id), fake_slack))
    assert fake_slack.calls_to("views.open") == []
    [answer] = _answers(fake_slack)
    assert answer.params["text"].startswith("Du deltager ikke i statusmøderne for AK12")
    assert answer.params["response_type"] == "ephemeral"


async def test_move_modal_submitted_moves_the_meeting_and_tells_the_user(
    bolt: AsyncApp, db: Database, fake_slack: FakeSlack
) -> None:
    view = await _opened_move_modal(bolt, db, fake_slack, PAEDAGOG)
    response = await _send(bolt, _submission(PAEDAGOG, view, _picked("2027-04-06")))
    assert response.status == 200
    assert response.body == ""  # the modal closes

    meeting = await _meeting(db)
    assert (meeting.day.isoformat(), meeting.status) == ("2027-04-06", "moved")
    [told] = fake_slack.calls_to("chat.postMessage")
    assert told.params["channel"] == PAEDAGOG
    assert told.params["text"] == (
        "🔁 Statusmødet for AK12 er flyttet til tirsdag 6. april 2027 kl. 14.00. 2 deltagere får besked."
    )
    async with db.read() as session:
        notices = (await session.exec(select(Notification).where(Notification.kind == "meeting.moved"))).all()
    assert {n.recipient for n in notices} == {PSYKOLOG, LEAD}  # through the outbox, not posted by the listener


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-04-03", "lørdag 3. april 2027 er ikke en arbejdsdag i institutionen"),
        ("2027-03-29", "mandag 29. marts 2027 er ikke en arbejdsdag i institutionen"),
        ("2026-11-18", "onsdag 18. november 2026 er allerede gået."),
    ],
)
async def test_move_modal_with_an_impossible_date_shows_the_error_on_the_field(
    bolt: AsyncApp, db: Database, fake_slack: FakeSlack, day: str, expected: str
) -> None:
    view = await _opened_move_modal(bolt, db, fake_slack, PAEDAGOG)
    before = await _meeting(db)
    response = await _send(bolt, _submission(PAEDAGOG, view, _picked(day)))
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["input"]
    assert answer["errors"]["input"].startswith(expected)
    assert len(answer["errors"]["input"]) <= 150

    after = await _meeting(db)
    assert (after.day, after.status) == (before.day, before.status)
    assert fake_slack.calls_to("chat.postMessage") == []
    async with db.read() as session:
        assert (await session.exec(select(Notification).where(Notification.kind == "meeting.moved"))).all() == []


async def test_move_modal_submitted_by_someone_else_changes_nothing(
    bolt: AsyncApp, db: Database, fake_slack: FakeSlack
) -> None:
    view = await _opened_move_modal(bolt, db, fake_slack, PAEDAGOG)
    response = await _send(bolt, _submission(OUTSIDER, view, _picked("2027-04-06")))
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    assert answer["errors"]["input"].startswith("Du deltager ikke i statusmøderne for AK12")
    assert (await _meeting(db)).day.isoformat() == "2027-03-30"


async def test_cancel_modal_needs_a_reason_then_cancels(bolt: AsyncApp, db: Database, fake_slack: FakeSlack) -> None:
    meeting = await _meeting(db)
    await _send(bolt, _press(LEAD, "meeting_cancel", str(meeting.id), fake_slack))
    [opened] = fake_slack.calls_to("views.open")
    view = _as_dict(opened.params["view"])
    assert view["callback_id"] == "meeting_cancel_modal"

    refused = await _send(bolt, _submission(LEAD, view, _typed("")))
    assert json.loads(refused.body) == {
        "response_action": "errors",
        "errors": {"input": "Skriv en kort begrundelse for aflysningen. Intet er gemt."},
    }
    assert (await _meeting(db)).status == "planned"

    accepted = await _send(bolt, _submission(LEAD, view, _typed("barnet er på ferie")))
    assert accepted.status == 200 and accepted.body == ""
    assert (await _meeting(db)).status == "cancelled"
    [told] = fake_slack.calls_to("chat.postMessage")
    assert (told.params["channel"], told.params["text"]) == (
        LEAD,
        "❌ Statusmødet for AK12 tirsdag 30. marts 2027 er aflyst. 2 deltagere får besked.",
    )


async def test_moeder_slash_command_answers_in_the_acknowledgement(bolt: AsyncApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("/teambot", "møder", user_id=PAEDAGOG, response_url=fake_slack.response_url("c1"))
    response = await _send(bolt, body)
    assert response.status == 200
    fake_slack.acknowledged(body, response.body)
    [answer] = _answers(fake_slack, "c1")
    assert "tirsdag 30. marts 2027 kl. 14.00 — AK12" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"


async def test_a_press_with_a_wrong_signature_is_rejected(bolt: AsyncApp, db: Database, fake_slack: FakeSlack) -> None:
    meeting = await _meeting(db)
    response = await _send(bolt, _press(PAEDAGOG, "meeting_confirm", str(meeting.id), fake_slack), secret="wrong")
    assert response.status == 401
    assert _answers(fake_slack) == []
    assert (await _meeting(db)).confirmed_by == []

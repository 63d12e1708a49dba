"""App Home through the real Bolt app: drawn when opened, drawn again after a button pressed on it."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from helpers_ratings import goal_ids, load_roster, ratings
from teambot.commands import Context, Reply, run_command
from teambot.config import Settings
from teambot.slack.app import build_app
from teambot.slack.messenger import SlackMessenger
from teambot.slack.services import Services
from teambot.store.db import Database
from teambot.store.models import AuditEntry
from teambot.testing import block_kit
from teambot.testing.clock import COPENHAGEN, FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import LEAD, PAEDAGOG
from teambot.testing.signing import (
    block_actions_payload,
    interaction_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

SECRET = "8f7e6d5c4b3a29180f1e2d3c4b5a6978"


def _app(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> Any:
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url)
    return build_app(settings, Services(db=db, clock=clock, zone=COPENHAGEN))


async def _post(app: Any, body: str, content_type: str) -> int:
    headers = signed_headers(SECRET, body) | {"Content-Type": content_type}
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]:
        await asyncio.gather(*pending, return_exceptions=True)
    return int(response.status)


def _event(user: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0TEAM001",
            "api_app_id": "A0TEAMBOT",
            "type": "event_callback",
            "event_id": f"Ev{user}",
            "event_time": 1700000000,
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME",
                "tab": "home",
                "event_ts": "1700000000.000100",
            },
        }
    )


def _published(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    views = []
    for call in fake_slack.calls_to("views.publish"):
        view = call.params["view"]
        views.append(json.loads(view) if isinstance(view, str) else view)
    return views


async def test_a_pedagogue_opening_home_sees_todays_ratings_with_buttons_and_meetings(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    assert await _post(app, _event(PAEDAGOG), "application/json") == 200
    [view] = _published(fake_slack)
    assert view["type"] == "home"
    text = json.dumps(view, ensure_ascii=False)
    assert "teambot · Mette Jensen" in text
    assert "2 af 2 mål mangler" in text
    assert "Dine kommende statusmøder" in text
    assert [c.params["user_id"] for c in fake_slack.calls_to("views.publish")] == [PAEDAGOG]


def _home_press(goal: int, fake_slack: FakeSlack) -> dict[str, Any]:
    """The pædagog presses 3 for `goal` on 4 March on the Home tab (a view, not a message)."""
    payload = block_actions_payload(
        user_id=PAEDAGOG,
        action_id="rating_nudge:3",
        value=f"{goal}:2027-03-04:3",
        response_url=fake_slack.response_url(),
    )
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home", "blocks": []}
    return payload


async def test_a_button_on_the_home_tab_records_and_redraws_the_tab(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    goal = (await goal_ids(db))[1]
    payload = _home_press(goal, fake_slack)
    assert await _post(app, interaction_body(payload), "application/x-www-form-urlencoded") == 200
    assert [(r.value, r.day.isoformat()) for r in await ratings(db)] == [(3, "2027-03-04")]
    [view] = _published(fake_slack)
    assert "1 af 2 mål mangler" in json.dumps(view, ensure_ascii=False)
    assert fake_slack.calls_to("response_url") == []
    assert fake_slack.calls_to("chat.postMessage") == []  # a success is seen on the redrawn tab itself


async def test_a_button_on_the_home_tab_pressed_with_the_value_already_given_says_so_on_the_redrawn_tab(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The tab was drawn before the lead rated goal 1 with 3: the same 3 pressed on it changes nothing, and the tab
    drawn again says so, as the nudge and `/rating` do, rather than showing it as just recorded."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    goal = (await goal_ids(db))[1]
    await run_command(Context(db=db, clock=clock, user_id=LEAD), "/rating", "AK12 1 3")

    assert await _post(app, interaction_body(_home_press(goal, fake_slack)), "application/x-www-form-urlencoded")

    [rating] = await ratings(db)
    assert rating.value == 3
    [view] = _published(fake_slack)
    text = json.dumps(view, ensure_ascii=False)
    assert "*3 af 4* — var allerede registreret af Karsten Bro" in text
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_lead_opening_home_sees_the_week(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    await _post(app, _event(LEAD), "application/json")
    [view] = _published(fake_slack)
    assert "Uge 9 (2027) · Børnehuset Solsikken" in json.dumps(view, ensure_ascii=False)
    assert len(view["blocks"]) <= 100


async def test_a_stranger_opening_home_is_told_to_ask_their_lead(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    await _post(_app(db, clock, fake_slack), _event("U0NOBODY1"), "application/json")
    [view] = _published(fake_slack)
    assert "Bed din leder om at tilføje dig" in json.dumps(view, ensure_ascii=False)


async def test_a_refused_button_on_the_home_tab_is_told_in_a_dm_and_the_tab_is_redrawn(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The tab was drawn before the lead closed AK12: its button is refused, and the tab has no message to answer
    in, so the refusal comes as a DM to the person who pressed."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    goal = (await goal_ids(db))[1]
    await run_command(Context(db=db, clock=clock, user_id=LEAD), "/teambot", "forløb luk AK12")
    payload = _home_press(goal, fake_slack)

    assert await _post(app, interaction_body(payload), "application/x-www-form-urlencoded") == 200

    assert await ratings(db) == []
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert (dm.params["channel"], dm.params["text"]) == (
        PAEDAGOG,
        "Forløbet for AK12 er lukket, så der kan ikke registreres mere. Intet er gemt.",
    )
    [view] = _published(fake_slack)
    assert "AK12" not in json.dumps(view, ensure_ascii=False)
    assert fake_slack.calls_to("response_url") == []


def _many_children(data: dict[str, Any]) -> None:
    """Mette Jensen has 16 children more, two goals each: 34 goals to rate."""
    [case] = data["case"]
    data["case"] += [{**case, "code": f"MK{n:02d}"} for n in range(16)]


async def test_a_pedagogue_with_many_goals_gets_a_home_tab_and_a_hjem_message_slack_takes(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The Home tab holds 100 blocks, a message 50: `/teambot hjem` drew the tab's 71 blocks into a message, which
    Slack refused."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=_many_children)
    app = _app(db, clock, fake_slack)

    assert await _post(app, _event(PAEDAGOG), "application/json") == 200
    reply = await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "hjem")

    [view] = _published(fake_slack)
    assert fake_slack.refused == []
    tab = [b for b in view["blocks"] if b["type"] == "actions"]
    assert len(tab) == 34  # every goal with its buttons: the tab has room
    blocks = reply.blocks or []
    assert block_kit.refusal("chat.postMessage", {"blocks": blocks}) == []
    assert 0 < len([b for b in blocks if b["type"] == "actions"]) < 34
    assert any("mål mere (" in str(b.get("text", {}).get("text", "")) for b in blocks)  # the rest, named
    assert "Dine kommende statusmøder" in json.dumps(blocks, ensure_ascii=False)  # the meetings still shown


def _form_button(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    [button] = [b["accessory"] for b in blocks if b.get("accessory", {}).get("action_id") == "rating_form"]
    return dict(button)


def _press_form(value: str, fake_slack: FakeSlack, container: dict[str, Any] | None = None) -> str:
    payload = block_actions_payload(
        user_id=PAEDAGOG, action_id="rating_form", value=value, response_url=fake_slack.response_url("form")
    )
    if container is not None:
        payload["container"] = container
    return interaction_body(payload)


def _opened_form(fake_slack: FakeSlack) -> dict[str, Any]:
    [opened] = fake_slack.calls_to("views.open")
    assert fake_slack.refused == []
    view = opened.params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def _submit(view: dict[str, Any], goal_input: str, value: str) -> str:
    """The form submitted as Slack sends it, with `value` chosen for the input `goal_input` and nothing else."""
    state = {goal_input: {goal_input: {"type": "radio_buttons", "selected_option": {"value": value}}}}
    return interaction_body(view_submission_payload(user_id=PAEDAGOG, modal=view, values=state))


def _goal_inputs_left_out(view: dict[str, Any], nudge: list[dict[str, Any]]) -> list[str]:
    """The form's goal inputs that had no buttons in the nudge."""
    drawn = {b["block_id"] for b in nudge if b["type"] == "actions"}
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and b["block_id"].startswith("g")]
    return [key for key in inputs if f"goal-{key[1:]}" not in drawn]


async def _read_via(db: Database) -> list[str]:
    """Where each audited read of ratings was shown (`via`)."""
    async with db.read() as session:
        entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "rating.read"))).all()
    return [str(entry.detail.get("via")) for entry in entries]


def _more_line(blocks: list[dict[str, Any]]) -> str:
    [line] = [b["text"]["text"] for b in blocks if b.get("accessory", {}).get("action_id") == "rating_form"]
    return str(line)


async def test_the_nudges_button_for_the_goals_it_had_no_room_for_opens_the_days_form_with_them(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A message holds buttons for 23 goals: the rest are named under a button that opens the day's form with the
    children who still have goals to rate, so none of them needs a command typed. Once the form is saved, the nudge
    in the DM is drawn again with what it recorded."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=_many_children)
    app = _app(db, clock, fake_slack)
    pædagog = Context(db=db, clock=clock, user_id=PAEDAGOG)
    await run_command(pædagog, "/rating", "MK00 1 3")
    await run_command(pædagog, "/rating", "MK00 2 4")  # MK00 is done: not in the form
    await run_command(pædagog, "/rating", "MK01 1 2")  # MK01 has one goal left: in the form, its rating shown
    nudge = (await run_command(pædagog, "/rating", "mangler")).blocks or []
    messenger = SlackMessenger(AsyncWebClient(base_url=fake_slack.api_url, token="xoxb-test"))
    ts = await messenger.send(PAEDAGOG, Reply("nudge", blocks=nudge, ephemeral=False))  # the day's nudge in her DM
    button = _form_button(nudge)
    assert (button["text"]["text"], button["value"]) == ("Åbn formularen", "2027-03-04")
    assert _more_line(nudge).startswith("… og 8 mål mere (")

    in_dm = {"type": "message", "message_ts": ts, "channel_id": PAEDAGOG, "is_ephemeral": False}
    assert await _post(app, _press_form(button["value"], fake_slack, in_dm), "application/x-www-form-urlencoded") == 200

    view = _opened_form(fake_slack)
    assert view["callback_id"] == "rating_day_modal"
    assert view["blocks"][0]["elements"][0]["text"].startswith("Dagens registrering for torsdag 4. marts 2027:")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["AK12", *(f"MK{n:02d}" for n in range(1, 16))]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    left_out = _goal_inputs_left_out(view, nudge)
    assert len(left_out) >= 9  # 31 goals to rate, 23 drawn in the message (and MK01's rated one, preselected)
    assert sum(1 for element in inputs.values() if "initial_option" in element) == 1

    assert await _post(app, _submit(view, left_out[-1], "2"), "application/x-www-form-urlencoded") == 200

    stored = {r.goal_id: (r.value, r.day.isoformat()) for r in await ratings(db)}
    assert stored[int(left_out[-1][1:])] == (2, "2027-03-04")
    assert len(stored) == 4
    [confirmation] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["text"] != "nudge"]
    assert confirmation.params["text"].startswith("✅ Registreret for torsdag 4. marts 2027:")
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (PAEDAGOG, ts)
    assert fake_slack.refused == []
    redrawn = update.params["blocks"]
    redrawn = json.loads(redrawn) if isinstance(redrawn, str) else redrawn
    assert _more_line(redrawn).startswith("… og 7 mål mere (")  # the goal the form rated is no longer named
    assert "30 af 34 mål mangler" in redrawn[0]["text"]["text"]
    assert fake_slack.messages[PAEDAGOG][0]["text"] == update.params["text"]  # Slack's copy of the nudge changed
    assert "nudge" in await _read_via(db)  # the redrawn nudge shows case data: its read is audited


async def test_the_form_opened_from_the_nudge_of_rating_mangler_redraws_that_answer(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """`/rating mangler` answers with a message only its asker sees, which chat.update cannot reach: the form's save
    replaces it through the press's response URL."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=_many_children)
    app = _app(db, clock, fake_slack)
    nudge = (await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/rating", "mangler")).blocks or []
    ephemeral = {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM", "is_ephemeral": True}
    assert await _post(app, _press_form("2027-03-04", fake_slack, ephemeral), "application/x-www-form-urlencoded")
    view = _opened_form(fake_slack)
    goal_input = _goal_inputs_left_out(view, nudge)[0]

    assert await _post(app, _submit(view, goal_input, "4"), "application/x-www-form-urlencoded") == 200

    assert [(r.goal_id, r.value) for r in await ratings(db)] == [(int(goal_input[1:]), 4)]
    assert fake_slack.calls_to("chat.update") == []
    [answer] = fake_slack.answers("form")
    assert answer.params["replace_original"] is True
    assert "33 af 34 mål mangler" in answer.params["blocks"][0]["text"]["text"]
    assert _more_line(answer.params["blocks"]).startswith(f"… og {len(_goal_inputs_left_out(view, nudge)) - 1} mål")


async def test_the_form_opened_from_the_home_tab_draws_the_tab_again_once_saved(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The Home tab shows the nudge, with its form button when the goals do not all fit: once the form is saved,
    the tab is drawn again, as after a button pressed on it, and no longer asks for what the form rated."""

    def forty_children(data: dict[str, Any]) -> None:  # 82 goals: more than the tab's 100 blocks hold
        [case] = data["case"]
        data["case"] += [{**case, "code": f"MK{n:02d}"} for n in range(40)]

    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=forty_children)
    app = _app(db, clock, fake_slack)
    assert await _post(app, _event(PAEDAGOG), "application/json") == 200
    [tab] = _published(fake_slack)
    button = _form_button(tab["blocks"])
    on_home = {"type": "view", "view_id": "V0HOME"}
    payload = block_actions_payload(
        user_id=PAEDAGOG, action_id="rating_form", value=button["value"], response_url=fake_slack.response_url("form")
    )
    payload |= {"container": on_home, "view": {"id": "V0HOME", "type": "home", "blocks": []}}
    assert await _post(app, interaction_body(payload), "application/x-www-form-urlencoded") == 200
    view = _opened_form(fake_slack)
    goal_input = _goal_inputs_left_out(view, tab["blocks"])[0]

    assert await _post(app, _submit(view, goal_input, "1"), "application/x-www-form-urlencoded") == 200

    assert [(r.goal_id, r.value) for r in await ratings(db)] == [(int(goal_input[1:]), 1)]
    before, after = _published(fake_slack)
    assert fake_slack.refused == [] and fake_slack.calls_to("chat.update") == []
    assert "82 af 82 mål mangler" in json.dumps(before, ensure_ascii=False)
    assert "81 af 82 mål mangler" in json.dumps(after, ensure_ascii=False)
    assert "nudge" not in await _read_via(db)  # the tab's reads are audited as the tab's: no nudge was shown


def _answered_home(fake_slack: FakeSlack, name: str) -> str:
    """The one answer at response URL `name`, which replaced its message: its blocks as text."""
    [answer] = fake_slack.answers(name)
    assert answer.params["replace_original"] is True and fake_slack.refused == []
    return json.dumps(answer.params["blocks"], ensure_ascii=False)


async def test_a_rating_pressed_on_the_hjem_message_draws_that_message_again(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """`/teambot hjem` answers with the Home tab's content: a rating pressed on it draws all of it again, with the
    rating, not the nudge alone in its place (the week, the meetings gone)."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    home = (await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "hjem")).blocks or []
    goal = (await goal_ids(db))[1]
    [three] = [
        e
        for b in home
        if b["type"] == "actions"
        for e in b["elements"]
        if e["value"].startswith(f"{goal}:2027-03-04:3")
    ]
    payload = block_actions_payload(
        user_id=PAEDAGOG, action_id=three["action_id"], value=three["value"], response_url=fake_slack.response_url("h")
    )
    payload["container"] = {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM"}
    payload["container"]["is_ephemeral"] = True

    assert await _post(app, interaction_body(payload), "application/x-www-form-urlencoded") == 200

    assert [(r.goal_id, r.value) for r in await ratings(db)] == [(goal, 3)]
    drawn = _answered_home(fake_slack, "h")
    assert "teambot · Mette Jensen" in drawn and "Dine kommende statusmøder" in drawn
    assert "1 af 2 mål mangler" in drawn
    assert ':hjem"' in drawn  # its buttons still say where they are: the next press draws it again too


async def test_the_form_opened_from_the_hjem_message_draws_that_message_again_once_saved(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=_many_children)
    app = _app(db, clock, fake_slack)
    home = (await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/teambot", "hjem")).blocks or []
    ephemeral = {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM", "is_ephemeral": True}
    assert await _post(
        app, _press_form(_form_button(home)["value"], fake_slack, ephemeral), "application/x-www-form-urlencoded"
    )
    view = _opened_form(fake_slack)
    goal_input = _goal_inputs_left_out(view, home)[0]

    assert await _post(app, _submit(view, goal_input, "4"), "application/x-www-form-urlencoded") == 200

    assert [(r.goal_id, r.value) for r in await ratings(db)] == [(int(goal_input[1:]), 4)]
    drawn = _answered_home(fake_slack, "form")
    assert "teambot · Mette Jensen" in drawn and "Dine kommende statusmøder" in drawn
    assert "33 af 34 mål mangler" in drawn
    assert ':hjem"' in drawn


async def test_the_form_of_rating_redraws_no_message(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    """`/rating` alone opens the same form from no message: its save is confirmed in the DM, and nothing else is
    drawn or read."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    app = _app(db, clock, fake_slack)
    body = slash_command_body("/rating", "", user_id=PAEDAGOG, response_url=fake_slack.response_url("form"))
    assert await _post(app, body, "application/x-www-form-urlencoded") == 200
    view = _opened_form(fake_slack)
    [first, *_] = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]

    assert await _post(app, _submit(view, first, "3"), "application/x-www-form-urlencoded") == 200

    assert [r.value for r in await ratings(db)] == [3]
    assert fake_slack.calls_to("chat.update") == []
    assert fake_slack.answers("form") == []
    [confirmation] = fake_slack.calls_to("chat.postMessage")
    assert confirmation.params["text"].startswith("✅ Registreret for torsdag 4. marts 2027:")


async def test_the_nudges_form_button_pressed_too_late_is_refused_in_danish_and_opens_nothing(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    await load_roster(db, clock, datetime(2027, 3, 15, 9, 0), adjust=_many_children)
    app = _app(db, clock, fake_slack)

    assert await _post(app, _press_form("2027-03-04", fake_slack), "application/x-www-form-urlencoded") == 200

    assert fake_slack.calls_to("views.open") == []
    [answer] = fake_slack.answers("form")
    assert answer.params["text"] == (
        "torsdag 4. marts 2027 er mere end 7 dage siden; så langt tilbage kan der ikke registreres. Intet er gemt."
    )


async def test_the_nudges_form_button_when_every_goal_is_rated_says_so(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """The nudge was drawn before a colleague rated the rest: nothing is left for a form."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))
    for goal in (1, 2):
        await run_command(Context(db=db, clock=clock, user_id=PAEDAGOG), "/rating", f"AK12 {goal} 3")
    app = _app(db, clock, fake_slack)

    assert await _post(app, _press_form("2027-03-04", fake_slack), "application/x-www-form-urlencoded") == 200

    assert fake_slack.calls_to("views.open") == []
    [answer] = fake_slack.answers("form")
    assert answer.params["text"] == "Du har ingen mål at registrere torsdag 4. marts 2027."


async def test_the_days_form_for_more_children_than_a_form_holds_names_the_rest(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """Four blocks a child of two goals (its heading, two goals, the note): a form holds 24 of them beside the date;
    the children after are named in a last line, and Slack takes the form."""

    def thirty_children(data: dict[str, Any]) -> None:
        [case] = data["case"]
        data["case"] += [{**case, "code": f"MK{n:02d}"} for n in range(29)]

    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=thirty_children)
    app = _app(db, clock, fake_slack)
    body = slash_command_body("/rating", "", user_id=PAEDAGOG, response_url=fake_slack.response_url("form"))

    assert await _post(app, body, "application/x-www-form-urlencoded") == 200

    [opened] = fake_slack.calls_to("views.open")
    assert fake_slack.refused == []
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["AK12", *(f"MK{n:02d}" for n in range(23))]
    assert view["blocks"][-1]["elements"][0]["text"] == (
        "Flere børn (MK23, MK24, MK25, MK26, MK27, MK28) er ikke med her — brug `/rating &lt;barn&gt; …` for dem."
    )  # escaped for Slack, which would show a link where `<barn>` is


async def test_a_lead_of_more_institutions_than_the_home_tab_holds_is_told_where_the_rest_are(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """30 institutions' weeks are about 120 blocks: the tab shows 99 and a line pointing to `/uge`, as Slack takes."""

    def thirty_institutions(data: dict[str, Any]) -> None:
        [case] = data["case"]
        lead = next(person for person in data["staff"] if person["id"] == LEAD)
        for n in range(30):
            code = f"I{n:02d}"
            data["institution"].append(
                {"code": code, "name": f"Vuggestuen {n}", "kind": "vuggestue", "district": "Nord"}
            )
            lead["institutions"].append(code)
            data["staff"][0]["institutions"].append(code)
            data["case"].append({**case, "code": f"V{n:03d}", "institution": code})

    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0), adjust=thirty_institutions)

    assert await _post(_app(db, clock, fake_slack), _event(LEAD), "application/json") == 200

    [view] = _published(fake_slack)
    assert fake_slack.refused == []
    assert len(view["blocks"]) == 100
    assert view["blocks"][-1]["text"]["text"] == "Der er mere, end forsiden kan vise: brug `/uge` og `/teambot møder`."


async def test_the_nudges_form_button_with_a_value_not_of_a_day_opens_nothing(
    db: Database, clock: FakeClock, fake_slack: FakeSlack
) -> None:
    """A forged or damaged press: a Danish answer, no form, nothing stored."""
    await load_roster(db, clock, datetime(2027, 3, 4, 15, 0))

    assert await _post(_app(db, clock, fake_slack), _press_form("4/3", fake_slack), "application/x-www-form-urlencoded")

    assert fake_slack.calls_to("views.open") == []
    [answer] = fake_slack.answers("form")
    assert answer.params["text"] == "Formularen er udløbet. Skriv `/rating` igen. Intet er gemt."
    assert await ratings(db) == []

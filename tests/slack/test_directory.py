"""Staff listed by email get their Slack user ID from users.lookupByEmail once the bot is connected."""

from __future__ import annotations

from datetime import date

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from teambot.domain.roster import parse_roster
from teambot.slack.directory import resolve_emails
from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.store.roster_import import import_roster
from teambot.testing.clock import FakeClock
from teambot.testing.fake_slack import FakeSlack
from teambot.testing.roster import small_roster


async def test_staff_given_by_email_get_their_slack_id(db: Database, clock: FakeClock, fake_slack: FakeSlack) -> None:
    data = small_roster(start_meeting=date(2027, 2, 11))
    data["staff"].append({"email": "Hanne@Kommune.dk", "name": "Hanne V", "roles": ["sundhedsplejerske"]})
    data["staff"].append({"email": "ukendt@kommune.dk", "name": "Ukendt", "roles": ["fysioterapeut"]})
    await import_roster(db, parse_roster(data, source="test"), now=clock.now())
    fake_slack.users_by_email["hanne@kommune.dk"] = "U0HANNE99"

    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    assert await resolve_emails(client, db) == 1
    # Running again asks only about the one still unknown, and changes nothing.
    assert await resolve_emails(client, db) == 0

    async with db.read() as session:
        by_email = {s.email: s.slack_id for s in (await session.exec(select(Staff))).all() if s.email}
    assert by_email == {"hanne@kommune.dk": "U0HANNE99", "ukendt@kommune.dk": None}
    asked = [c.params["email"] for c in fake_slack.calls_to("users.lookupByEmail")]
    assert sorted(asked) == ["hanne@kommune.dk", "ukendt@kommune.dk", "ukendt@kommune.dk"]

"""What the bot sends on its own, rendered once when planned: text for notifications, Block Kit for the eye.

Every message ends with one line saying why this person gets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from teambot.commands.registry import Block, Reply
from teambot.domain.meetings import MeetingFacts
from teambot.domain.ratings import NudgeItem
from teambot.domain.routing import Delivery
from teambot.i18n import format_date, format_time, t
from teambot.store import outbox

MEETING_MOVED, MEETING_CANCELLED = "meeting.moved", "meeting.cancelled"


def why_line(delivery: Delivery, case_code: str) -> str:
    if delivery.on_behalf_of is not None:
        return t("why.substitute", name=delivery.on_behalf_of.name, role=delivery.role, code=case_code)
    if delivery.role == "leder":
        return t("why.lead", code=case_code)
    return t("why.case_role", role=delivery.role, code=case_code)


def participant_list(facts: MeetingFacts) -> str:
    names = []
    for d in facts.deliveries:
        if d.on_behalf_of is not None:
            names.append(t("meeting.participant_for", name=d.recipient.name, role=d.role, absent=d.on_behalf_of.name))
        else:
            names.append(t("meeting.participant", name=d.recipient.name, role=d.role))
    return ", ".join(names)


# Block Kit pieces every notice is made of (meetings, nudges, visits, cafés).


SECTION_TEXT = 3_000  # Slack's limit for a section's text: a longer one has the whole message refused
MESSAGE_BLOCKS = 50  # Slack's limit for a message's blocks
# The text a message the bot posts may carry in its blocks. Slack refuses a post past about 12,000 characters of it
# (`msg_blocks_too_long`; undocumented, reported from 11,341 characters: slackapi/bolt-js#2509, #2867), though not
# an answer at a response URL: a margin below.
POSTED_TEXT = 10_000


def slack_length(text: str) -> int:
    """The characters Slack counts of `text`: its transport sends `&` as `&amp;`, `<` and `>` as `&lt;` and `&gt;`
    (`teambot.slack.mrkdwn`), so a goal text like "Leg & samspil" weighs more there than here. At most: a `>` that
    begins a line is sent as it is."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(text: str) -> list[Block]:
    """`text` in as few sections as Slack takes: split between lines (a line longer than a section, within it), and
    cut short with "…" past the text a posted message may carry (`POSTED_TEXT`)."""
    pieces: list[str] = []
    for line in text.split("\n"):
        for start in range(0, max(len(line), 1), SECTION_TEXT):
            part = line[start : start + SECTION_TEXT]
            if start == 0 and pieces and len(pieces[-1]) + 1 + len(part) <= SECTION_TEXT:
                pieces[-1] += "\n" + part
            else:
                pieces.append(part)
    kept: list[str] = []
    room = POSTED_TEXT
    for piece in (piece for piece in pieces if piece.strip()):  # Slack refuses an empty section too
        if len(piece) > room or len(kept) == MESSAGE_BLOCKS - 3:  # beside a notice's buttons and why line
            kept.append(piece[: max(room - 1, 0)] + "…")
            break
        kept.append(piece)
        room -= len(piece)
    return [section(piece) for piece in kept]


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{text}_"}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*buttons: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(buttons)}
    if block_id:
        block["block_id"] = block_id
    return block


def plain_notice(body: str, why: str, buttons: Block | None = None) -> Reply:
    """A message the bot sends on its own: the body, its buttons if any, and why this person gets it."""
    blocks = [*sections(body), *([buttons] if buttons else []), context(why)]
    return Reply(text=f"{body}\n{why}", blocks=blocks, ephemeral=False)


def meeting_reminder(facts: MeetingFacts, delivery: Delivery, days_before: int) -> Reply:
    headline = t(
        "meeting.reminder",
        code=facts.case_code,
        date=format_date(facts.day),
        time=format_time(facts.start),
        institution=facts.institution_name,
    )
    participants = t("meeting.participants", names=participant_list(facts))
    why = why_line(delivery, facts.case_code)
    value = str(facts.meeting_id)
    buttons = actions(
        button(t("meeting.button.confirm"), "meeting_confirm", value, "primary"),
        button(t("meeting.button.move"), "meeting_move", value),
        button(t("meeting.button.cancel"), "meeting_cancel", value, "danger"),
    )
    return plain_notice(f"{headline}\n{participants}", why, buttons)


def meeting_changed(
    facts: MeetingFacts,
    delivery: Delivery,
    *,
    changed_by: str,
    old_day: date | None,
    reason: str | None,
    old_start: time | None = None,
) -> Reply:
    if old_day is None:
        headline = t(
            "meeting.cancelled_notice",
            code=facts.case_code,
            date=format_date(facts.day),
            name=changed_by,
            reason=reason or t("meeting.no_reason"),
        )
    else:
        old = format_date(old_day)
        if old_day == facts.day and old_start is not None:  # moved within its day: from one time to another
            old += f" {format_time(old_start)}"
        headline = t(
            "meeting.moved_notice",
            code=facts.case_code,
            old=old,
            date=format_date(facts.day),
            time=format_time(facts.start),
            name=changed_by,
        )
    return plain_notice(headline, why_line(delivery, facts.case_code))


def meeting_moved_off_closed_day(facts: MeetingFacts, delivery: Delivery, *, old_day: date) -> Reply:
    headline = t(
        "meeting.closed_day_notice",
        code=facts.case_code,
        old=format_date(old_day),
        date=format_date(facts.day),
        time=format_time(facts.start),
    )
    return plain_notice(headline, why_line(delivery, facts.case_code))


def meeting_row(
    facts: MeetingFacts,
    delivery: Delivery,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    institution_id: int,
    payload: dict[str, Any],
    queued_only: bool = False,
) -> outbox.Planned:
    """The outbox row of a message about one status meeting to one participant."""
    return outbox.Planned(
        dedupe_key=key,
        kind=kind,
        recipient=delivery.recipient.slack_id,
        subject=facts.case_code,
        due_at=due_at,
        ref_type="meeting",
        ref_id=facts.meeting_id,
        event_day=facts.day,
        institution_id=institution_id,  # so an undeliverable message reaches the lead
        payload=payload,
        queued_only=queued_only,
    )


def as_payload(reply: Reply, *, cases: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    """What an outbox row keeps of a message; `cases`: the children it names, when more than its subject."""
    payload = {"text": reply.text, "blocks": reply.blocks, **extra}
    codes = sorted(set(cases))
    if codes:
        payload[outbox.CASES] = codes
    return payload


def from_payload(payload: dict[str, Any]) -> Reply:
    return Reply(text=str(payload.get("text", "")), blocks=payload.get("blocks"), ephemeral=False)


def nudge_payload(day: date, items: list[NudgeItem]) -> dict[str, Any]:
    return as_payload(rating_nudge(day, items), cases=(item.case_code for item in items))


def rating_nudge(
    day: date,
    items: list[NudgeItem],
    *,
    max_blocks: int = MESSAGE_BLOCKS,
    pressed: int | None = None,
    unchanged: bool = False,
    mark: str = "",
) -> Reply:
    """The daily nudge: one section per goal, buttons 1–4 while unrated, the recorded value once rated; a
    substitute's own children first, then each absent colleague's under a line saying on whose behalf.

    Within `max_blocks` (Slack's 50 a message): when not all fit, the goals to rate come first (the `pressed` one,
    just rated, before them: its line is the press's confirmation, saying so when the press gave the value the goal
    had, `unchanged`), then rated ones while there is room; the goals to rate left out are named in one line, with a
    button opening the day's form for them. The text names every goal. `mark` ends every button's value: where the
    nudge is drawn (`/teambot hjem`'s message), for its press."""
    headline = t("nudge.headline", date=format_date(day))
    todo = sum(1 for i in items if i.value is None)
    status = t("nudge.all_done") if todo == 0 else t("nudge.todo", n=todo, total=len(items))
    # By colleague, not by name: two absent colleagues may share a name, and each gets her own heading.
    groups: dict[tuple[int, str] | None, list[NudgeItem]] = {}
    for item in items:
        colleague = None if item.on_behalf_of_id is None else (item.on_behalf_of_id, item.on_behalf_of or "")
        groups.setdefault(colleague, []).append(item)
    goal_lines = {id(item): _nudge_line(item, unchanged and item.goal_id == pressed) for item in items}
    why = _why_nudge(groups)
    # The text beside the goals' (Slack's limit for a posted message's is `POSTED_TEXT`): the head, the why line, and
    # the line naming the goals left out, should there be one.
    every_code = ", ".join(dict.fromkeys(item.case_code for item in items))
    beside = sum(map(slack_length, (headline, status, why, t("nudge.open_form"))))
    more_line = slack_length(t("nudge.more", n=len(items), codes=every_code))
    shown = _nudge_shown(groups, pressed, goal_lines, blocks=max_blocks, text=POSTED_TEXT - beside, more=more_line)
    blocks: list[Block] = [section(f"{headline}\n{status}")]
    lines = [headline, status]
    for colleague, group in groups.items():
        if colleague is not None:
            heading = t("nudge.on_behalf", name=colleague[1])
            lines.append(heading)
            if any(id(item) in shown for item in group):
                blocks.append(section(heading))
        for item in group:
            rated = item.value is not None
            line = goal_lines[id(item)]
            lines.append(line)
            if id(item) not in shown:
                continue
            blocks.append(section(line))
            if not rated:
                value = f"{item.goal_id}:{day.isoformat()}"
                buttons = (button(str(n), f"rating_nudge:{n}", f"{value}:{n}{mark}") for n in range(1, 5))
                blocks.append(actions(*buttons, block_id=f"goal-{item.goal_id}"))
    left_out = [item for item in items if item.value is None and id(item) not in shown]
    if left_out:
        codes = ", ".join(dict.fromkeys(item.case_code for item in left_out))
        key = "nudge.more_one" if len(left_out) == 1 else "nudge.more"
        more = section(t(key, n=len(left_out), codes=codes))
        # Buttons for the rest would not fit: one opens the day's form with every child still to rate.
        more["accessory"] = button(t("nudge.open_form"), "rating_form", f"{day.isoformat()}{mark}")
        blocks.append(more)
    blocks.append(context(why))
    lines.append(why)
    return Reply(text="\n".join(lines), blocks=blocks, ephemeral=False)


def _nudge_line(item: NudgeItem, unchanged: bool = False) -> str:
    """The goal, and its rating if it has one (`unchanged`: a press just now gave it the value it had)."""
    label = t("nudge.goal", code=item.case_code, number=item.goal_number, text=item.goal_text)
    if item.value is None:
        return label
    key = "nudge.unchanged" if unchanged else "nudge.recorded"
    return t(key, label=label, value=item.value, name=item.rated_by or "")


def _nudge_shown(
    groups: dict[tuple[int, str] | None, list[NudgeItem]],
    pressed: int | None,
    lines: dict[int, str],
    *,
    blocks: int,
    text: int,
    more: int,
) -> set[int]:
    """Which goals (by `id`) the nudge draws within `blocks` blocks and `text` characters of text (its `lines`, its
    groups' headings): all if they fit beside the headline and the why line; else the `pressed` one, the goals to
    rate, then rated ones, each while its blocks (its line, its buttons, its group's heading if not drawn yet) and its
    text fit beside those two and a line naming the goals to rate left out (`more` characters at most)."""
    entries = [(colleague, item) for colleague, group in groups.items() for item in group]
    headings = {
        colleague: slack_length(t("nudge.on_behalf", name=colleague[1]))
        for colleague in groups
        if colleague is not None
    }

    def cost(item: NudgeItem) -> tuple[int, int]:
        """Its blocks, and its text: its line, and its buttons' 1–4 while it is to rate."""
        size = slack_length(lines[id(item)])
        return (1, size) if item.value is not None else (2, size + 4)

    if (
        2 + len(headings) + sum(cost(item)[0] for _, item in entries) <= blocks
        and sum(headings.values()) + sum(cost(item)[1] for _, item in entries) <= text
    ):
        return {id(item) for _, item in entries}
    room, room_text = blocks - 3, text - more
    shown: set[int] = set()
    headed: set[tuple[int, str] | None] = {None}
    rated = [e for e in entries if e[1].value is not None]
    first = [e for e in rated if e[1].goal_id == pressed]
    unrated = [e for e in entries if e[1].value is None]
    for colleague, item in [*first, *unrated, *(e for e in rated if e[1].goal_id != pressed)]:
        needed, needed_text = cost(item)
        if colleague not in headed and colleague is not None:
            needed, needed_text = needed + 1, needed_text + headings[colleague]
        if needed > room or needed_text > room_text:
            continue
        room, room_text = room - needed, room_text - needed_text
        shown.add(id(item))
        headed.add(colleague)
    return shown


def _why_nudge(groups: dict[tuple[int, str] | None, list[NudgeItem]]) -> str:
    """Why this person gets the nudge: her own children, the absent colleagues' she stands in for, or both."""
    own = ", ".join(sorted({i.case_code for i in groups.get(None, [])}))
    covered = [
        t("nudge.colleague", name=colleague[1], codes=", ".join(sorted({i.case_code for i in group})))
        for colleague, group in groups.items()
        if colleague is not None
    ]
    if not covered:
        return t("why.nudge", codes=own)
    colleagues = covered[0] if len(covered) == 1 else ", ".join(covered[:-1]) + t("nudge.and") + covered[-1]
    if not own:
        return t("why.nudge_substitute", colleagues=colleagues)
    return t("why.nudge_own_and_substitute", codes=own, colleagues=colleagues)

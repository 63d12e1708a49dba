"""Status meetings in Slack: `/teambot møder`, `/teambot flyt`, `/teambot aflys`, and the Bekræft · Flyt · Aflys
buttons on a reminder. (`/teambot fravær`, which reroutes their messages too, is `teambot.commands.absence`.)"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import (
    MEETING_CANCELLED,
    MEETING_MOVED,
    as_payload,
    meeting_changed,
    meeting_reminder,
    meeting_row,
)
from teambot.commands.registry import REGISTRY, Block, Context, Reply, UserError
from teambot.domain.dates import Direction, looks_like_day, parse_day, parse_week, week_years, weeks_in
from teambot.domain.meetings import (
    WORKDAY_END,
    WORKDAY_START,
    MeetingFacts,
    format_hhmm,
    parse_hhmm,
    within_working_day,
)
from teambot.domain.numbers import parse_int
from teambot.domain.routing import Away, Delivery
from teambot.i18n import format_date, format_time, t, t_count
from teambot.store import audit, outbox, queries
from teambot.store.models import Case, Meeting, Staff
from teambot.store.ratings import access_to
from teambot.store.revisions import revise

CHANGE_KINDS = (MEETING_MOVED, MEETING_CANCELLED)
REMINDER_KINDS = ("meeting.reminder",)
MAX_REASON = 300


async def _case_by_code(session: AsyncSession, code: str, staff: Staff) -> Case:
    """The case, if it exists and `staff` may see it: otherwise the same answer, so no code is confirmed."""
    case = await queries.case_by_code(session, code.upper())
    if case is None or not (await access_to(session, staff, case)).read:
        raise UserError(t("meeting.unknown_case", code=code))
    return case


async def _next_meeting(session: AsyncSession, case: Case, today: date) -> Meeting:
    meeting = await queries.next_meeting(session, case, today)
    if meeting is None:
        raise UserError(t("meeting.none_ahead", code=case.code))
    return meeting


def _my_delivery(facts: MeetingFacts, staff: Staff) -> Delivery:
    delivery = next((d for d in facts.deliveries if d.recipient.staff_id == staff.id), None)
    if delivery is None:
        raise UserError(t("meeting.not_participant", code=facts.case_code))
    return delivery


async def _notify_others(
    ctx: Context,
    session: AsyncSession,
    case: Case,
    facts: MeetingFacts,
    staff: Staff,
    *,
    old_day: date | None,
    reason: str | None,
    old_start: time | None = None,
) -> int:
    kind = MEETING_CANCELLED if old_day is None else MEETING_MOVED
    planned = []
    for delivery in facts.deliveries:
        if delivery.recipient.staff_id == staff.id:
            continue
        reply = meeting_changed(
            facts, delivery, changed_by=staff.name, old_day=old_day, reason=reason, old_start=old_start
        )
        planned.append(
            meeting_row(
                facts,
                delivery,
                kind=kind,
                # One key per change: moving back and forth tells people every time.
                key=f"meeting:{facts.meeting_id}:{kind}:{facts.day}:{format_hhmm(facts.start)}:"
                f"{ctx.clock.now().isoformat()}:{delivery.recipient.slack_id}",
                due_at=ctx.clock.now(),
                institution_id=case.institution_id,
                payload=as_payload(reply),
            )
        )
    await outbox.insert_new(session, planned, ctx.clock.now())
    return len(planned)


# -- /teambot møder -------------------------------------------------------------------------------------


@REGISTRY.command("/teambot", "møder", key="moeder", aliases=("moder", "moeder", "meetings"))
async def meetings(ctx: Context, args: str) -> Reply:
    """The caller's upcoming status meetings, or those in one ISO week."""
    staff = ctx.require_staff()
    today = ctx.today()
    week = None
    if args.strip():
        week = parse_week(args, today)
        if week is None:
            raise UserError(t("meeting.bad_week", text=args.strip()))
        first, last = week_years(today)
        if not first <= week[0] <= last:
            raise UserError(t("meeting.week_out_of_reach", text=args.strip(), first=first, last=last))
        if week[1] > weeks_in(week[0]):
            raise UserError(t("meeting.week_not_in_year", year=week[0], weeks=weeks_in(week[0])))
    async with ctx.db.write() as session:
        rows = await queries.meetings_for(session, staff, today)
        if week is not None:
            rows = [r for r in rows if r.meeting.day.isocalendar()[:2] == week]
        await audit.record_reads(
            session, (r.case.code for r in rows), at=ctx.clock.now(), actor=ctx.user_id, action="meeting.read"
        )
    if week is not None:
        title = t("meeting.list_week", week=week[1], year=week[0])
    else:
        title = t("meeting.list_title")
    if not rows:
        return Reply(t("meeting.list_empty_week", week=week[1]) if week else t("meeting.list_empty"))
    lines = [title]
    for row in rows:
        confirmed = len(row.meeting.confirmed_by)
        state = (
            t("meeting.state_cancelled")
            if row.meeting.status == "cancelled"
            else t("meeting.state_confirmed", n=confirmed, total=row.participants)
        )
        lines.append(
            t(
                "meeting.list_line",
                date=format_date(row.meeting.day),
                time=format_time(parse_hhmm(row.meeting.start)),
                code=row.case.code,
                institution=row.institution,
                state=state,
            )
        )
    return Reply("\n".join(lines))


# -- moving and cancelling ------------------------------------------------------------------------------


async def _changeable(
    session: AsyncSession, meeting_id: int, staff: Staff, today: date
) -> tuple[Meeting, Case, MeetingFacts]:
    """The meeting, if it still exists, is not cancelled or held, and `staff` takes part in it."""
    meeting, case = await queries.meeting_with_case(session, meeting_id, lock=True)
    if meeting is None or case is None:
        raise UserError(t("meeting.gone"))
    facts = await queries.meeting_facts(session, case, meeting)
    _my_delivery(facts, staff)
    if meeting.status == "cancelled":
        raise UserError(t("meeting.already_cancelled", code=case.code))
    _not_held(meeting, case, today)
    return meeting, case, facts


def _not_held(meeting: Meeting, case: Case, today: date) -> None:
    """An old reminder's Flyt and Aflys stay in Slack after the meeting: a held meeting is history, not to be moved
    into the future beside the series' next one, nor cancelled a week afterwards."""
    if meeting.status == "held" or meeting.day < today:
        raise UserError(t("meeting.already_held", code=case.code, date=format_date(meeting.day)))


async def move_meeting(ctx: Context, meeting_id: int, day: date, start: str | None) -> Reply:
    staff = ctx.require_staff()
    today = ctx.today()
    async with ctx.db.write() as session:
        meeting, case, facts = await _changeable(session, meeting_id, staff, ctx.today())
        if day < today:
            raise UserError(t("meeting.move_past", date=format_date(day)))
        # Further than the next meeting of the series would skip it; and "1/12" typed on 5 December, for a day just
        # gone, is read as next year's. (A meeting already past is not moved: `_changeable` refuses it.)
        weeks = queries.interval_of(case, await queries.municipality(session))
        latest = meeting.day + timedelta(weeks=weeks)
        if day > latest:
            raise UserError(t_count("meeting.move_too_far", weeks, date=format_date(day), latest=format_date(latest)))
        calendar = await queries.work_calendar(session, case.institution_id)
        if not calendar.is_working_day(day):
            raise UserError(t("meeting.move_closed", date=format_date(day)))
        if day == meeting.day and (start is None or start == meeting.start):
            # Nothing would change, yet everyone would be told it had.
            raise UserError(
                t(
                    "meeting.move_same",
                    code=case.code,
                    date=format_date(day),
                    time=format_time(parse_hhmm(meeting.start)),
                )
            )
        old_day, old_start, meeting.day, meeting.status = meeting.day, meeting.start, day, "moved"
        if start:
            meeting.start = start
        revise(meeting, ctx.clock.now())
        meeting.confirmed_by = []
        assert meeting.id is not None
        await outbox.cancel_pending(
            session, ref_type="meeting", ref_id=meeting.id, kinds=CHANGE_KINDS, now=ctx.clock.now()
        )
        facts = await queries.meeting_facts(session, case, meeting)
        told = await _notify_others(
            ctx, session, case, facts, staff, old_day=old_day, reason=None, old_start=parse_hhmm(old_start)
        )
        away = await queries.away_on(session, case, day)
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="meeting.move",
            case_code=case.code,
            old=old_day.isoformat(),
            new=day.isoformat(),
            start=meeting.start,
        )
    if ctx.replan and case.id is not None:
        await ctx.replan(case.id)
    moved = t_count(
        "meeting.moved", told, code=case.code, date=format_date(day), time=format_time(parse_hhmm(meeting.start))
    )
    return Reply("\n".join([moved, *(_away_line(a, staff) for a in away)]), replace_original=True)


def _away_line(absent: Away, mover: Staff) -> str:
    # The one moving a meeting picks a day without seeing the team's absences: say who is away then. A substitute
    # who cannot get messages (no Slack, left) counts as none, as the routing has it.
    person, role = absent.participant.person, absent.participant.role
    if person.staff_id == mover.id:
        if absent.substitute is None:
            return t("meeting.away_self_alone")
        return t("meeting.away_self_substitute", substitute=absent.substitute.name)
    if absent.substitute is None:
        return t("meeting.away_alone", name=person.name, role=role)
    return t("meeting.away_substitute", name=person.name, role=role, substitute=absent.substitute.name)


async def cancel_meeting(ctx: Context, meeting_id: int, reason: str) -> Reply:
    staff = ctx.require_staff()
    reason = reason.strip()
    if not reason:
        raise UserError(t("meeting.reason_missing"))
    if len(reason) > MAX_REASON:
        raise UserError(t("meeting.reason_too_long", max=MAX_REASON))
    async with ctx.db.write() as session:
        meeting, case, facts = await _changeable(session, meeting_id, staff, ctx.today())
        meeting.status, meeting.cancel_reason = "cancelled", reason
        revise(meeting, ctx.clock.now())
        assert meeting.id is not None
        await outbox.cancel_pending(
            session, ref_type="meeting", ref_id=meeting.id, kinds=REMINDER_KINDS, now=ctx.clock.now()
        )
        told = await _notify_others(ctx, session, case, facts, staff, old_day=None, reason=reason)
        audit.record(
            session,
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="meeting.cancel",
            case_code=case.code,
            day=meeting.day.isoformat(),
        )
    if ctx.replan and case.id is not None:
        await ctx.replan(case.id)
    return Reply(
        t_count("meeting.cancelled", told, code=case.code, date=format_date(meeting.day)), replace_original=True
    )


@REGISTRY.command("/teambot", "flyt", key="flyt", aliases=("move",))
async def move(ctx: Context, args: str) -> Reply:
    """Move a child's next status meeting: `/teambot flyt AK12 2027-03-10 [14.30]`."""
    words = args.split()
    if len(words) < 2:
        raise UserError(t("meeting.move_usage"))
    code, rest = words[0], words[1:]
    start = None
    if len(rest) >= 2 and re.match(r"^(kl\.?)?\d{1,2}([.:]\d{2})?$", rest[-1]) and not looks_like_day(" ".join(rest)):
        try:
            at = parse_hhmm(rest[-1])
        except ValueError:
            raise UserError(t("meeting.bad_time", text=rest[-1])) from None
        if not within_working_day(at):
            raise UserError(
                t(
                    "meeting.time_outside_day",
                    earliest=format_time(WORKDAY_START),
                    latest=format_time(WORKDAY_END),
                    time=format_time(at),
                )
            )
        start = format_hhmm(at)
        rest = rest[:-1]
        if rest and rest[-1].lower() == "kl.":
            rest = rest[:-1]
    day = parse_day(" ".join(rest), ctx.today(), Direction.FUTURE)
    if day is None:
        raise UserError(t("meeting.bad_date", text=" ".join(rest)))
    async with ctx.db.read() as session:
        case = await _case_by_code(session, code, ctx.require_staff())
        meeting = await _next_meeting(session, case, ctx.today())
    assert meeting.id is not None
    return await move_meeting(ctx, meeting.id, day, start)


@REGISTRY.command("/teambot", "aflys", key="aflys", aliases=("cancel",))
async def cancel(ctx: Context, args: str) -> Reply:
    """Cancel a child's next status meeting with a reason: `/teambot aflys AK12 barnet er syg`."""
    code, _, reason = args.strip().partition(" ")
    if not code:
        raise UserError(t("meeting.cancel_usage"))
    async with ctx.db.read() as session:
        case = await _case_by_code(session, code, ctx.require_staff())
        meeting = await _next_meeting(session, case, ctx.today())
    assert meeting.id is not None
    return await cancel_meeting(ctx, meeting.id, reason)


# -- buttons --------------------------------------------------------------------------------------------


def _meeting_id(value: str) -> int:
    number = parse_int(value)
    if number is None:
        raise UserError(t("meeting.gone"))
    return number


@REGISTRY.action("meeting_confirm")
async def confirm(ctx: Context, value: str) -> Reply:
    staff = ctx.require_staff()
    async with ctx.db.write() as session:
        meeting, case = await queries.meeting_with_case(session, _meeting_id(value), lock=True)
        if meeting is None or case is None:
            raise UserError(t("meeting.gone"))
        facts = await queries.meeting_facts(session, case, meeting)
        delivery = _my_delivery(facts, staff)
        if meeting.status == "cancelled":
            raise UserError(t("meeting.already_cancelled", code=case.code))
        assert staff.id is not None
        if staff.id not in meeting.confirmed_by:
            meeting.confirmed_by = [*meeting.confirmed_by, staff.id]
        audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="meeting.confirm", case_code=case.code)
    reminder = meeting_reminder(facts, delivery, 0)
    note = t("meeting.confirmed_by_you", n=len(meeting.confirmed_by), total=len(facts.deliveries))
    blocks: list[Block] = [b for b in reminder.blocks or [] if b.get("type") != "actions"]
    blocks.insert(1, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return Reply(f"{reminder.text}\n{note}", blocks=blocks, replace_original=True)


@REGISTRY.action("meeting_move")
async def move_button(ctx: Context, value: str) -> Reply:
    return await _modal_for(ctx, value, "move")


@REGISTRY.action("meeting_cancel")
async def cancel_button(ctx: Context, value: str) -> Reply:
    return await _modal_for(ctx, value, "cancel")


async def _modal_for(ctx: Context, value: str, what: str) -> Reply:
    """A modal in Slack; in the console (no modals) the reply text says which command to type."""
    staff = ctx.require_staff()
    async with ctx.db.read() as session:
        meeting, case = await queries.meeting_with_case(session, _meeting_id(value))
        if meeting is None or case is None:
            raise UserError(t("meeting.gone"))
        _my_delivery(await queries.meeting_facts(session, case, meeting), staff)
    _not_held(meeting, case, ctx.today())
    assert meeting.id is not None
    if what == "move":
        text = t("meeting.move_hint", code=case.code)
        element: dict[str, Any] = {"type": "datepicker", "action_id": "day", "initial_date": meeting.day.isoformat()}
        label, title, callback = t("meeting.modal.new_date"), t("meeting.modal.move_title"), "meeting_move_modal"
    else:
        text = t("meeting.cancel_hint", code=case.code)
        element = {"type": "plain_text_input", "action_id": "reason", "max_length": MAX_REASON}
        label, title, callback = t("meeting.modal.reason"), t("meeting.modal.cancel_title"), "meeting_cancel_modal"
    modal = {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": str(meeting.id),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": t("meeting.modal.submit")},
        "close": {"type": "plain_text", "text": t("meeting.modal.close")},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": t("meeting.modal.about", code=case.code, date=format_date(meeting.day)),
                },
            },
            {"type": "input", "block_id": "input", "label": {"type": "plain_text", "text": label}, "element": element},
        ],
    }
    return Reply(text, modal=modal)


@REGISTRY.view("meeting_move_modal")
async def move_submitted(ctx: Context, values: dict[str, str], metadata: str) -> Reply:
    try:
        day = date.fromisoformat(values.get("day", ""))
    except ValueError:
        raise UserError(t("meeting.bad_date", text=values.get("day", ""))) from None
    return await move_meeting(ctx, _meeting_id(metadata), day, None)


@REGISTRY.view("meeting_cancel_modal")
async def cancel_submitted(ctx: Context, values: dict[str, str], metadata: str) -> Reply:
    return await cancel_meeting(ctx, _meeting_id(metadata), values.get("reason", ""))

"""Daily goal ratings: `/rating`, the day's rating modal, and the nudge's 1–4 buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, NoReturn

from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.home import IN_HOME_MESSAGE, home_blocks, home_message
from teambot.commands.notices import rating_nudge
from teambot.commands.registry import REGISTRY, Block, Context, Reply, UserError, load_staff
from teambot.domain.numbers import parse_int
from teambot.domain.ratings import (
    MAX_NOTE,
    SCALE,
    Access,
    NudgeItem,
    RatingInput,
    RatingInputError,
    RatingText,
    check_day,
    parse_rating,
    read_rating_day,
)
from teambot.i18n import format_date, format_short_date, t
from teambot.store import audit, queries
from teambot.store import ratings as store
from teambot.store.direct import Direct
from teambot.store.models import Case, Goal, Staff

MODAL_BLOCK_LIMIT = 100  # Slack's limit for a modal
TODO_WORDS = ("mangler", "todo")


@dataclass(frozen=True)
class Recorded:
    code: str
    goal: Goal
    day: date
    value: int
    old: int | None
    changed: bool = True  # False: the goal already had this value that day (and no other note); nothing written
    kept_note: str | None = None  # the note given earlier, which stays: this rating gave none


def _goal_list(view: store.CaseView) -> str:
    return "\n".join(t("rating.goal_line", number=g.number, text=g.text) for g in view.goals)


async def _writable_case(session: AsyncSession, staff: Staff, code: str) -> store.CaseView:
    view = await store.case_view(session, code)
    access = await store.access_to(session, staff, view.case) if view is not None else None
    return await _writable(session, staff, code, view, access)


async def _writable(
    session: AsyncSession, staff: Staff, code: str, view: store.CaseView | None, access: Access | None
) -> store.CaseView:
    """`view`, if `staff` may rate the child and its case is open; else the refusal."""
    if view is None or access is None or not access.write:
        await _refuse_unknown(session, staff, code)
    _check_open(view)
    return view


async def _refuse_unknown(session: AsyncSession, staff: Staff, code: str) -> NoReturn:
    # The same answer for "no such child" and "not yours": a stranger learns nothing about the child.
    mine = [v.case.code for v in await store.visible_cases(session, staff)]
    raise UserError(
        t("rating.unknown_child", code=code.upper(), mine=", ".join(mine))
        if mine
        else t("rating.unknown_child_none", code=code.upper())
    )


def _check_open(view: store.CaseView) -> None:
    if view.case.status != "active":
        raise UserError(t("rating.case_closed", code=view.case.code))


async def record(
    ctx: Context,
    writer: AsyncSession | Direct,
    staff: Staff,
    view: store.CaseView,
    goal: Goal,
    day: date,
    value: int,
    note: str | None,
    facts: store.RatingFacts | None = None,
    today: date | None = None,
) -> Recorded:
    """Check the value, the day against the window, the case and the institution's calendar; then store.

    `facts` (`/rating`) already hold that day's closing and ratings; without them both are read here, in the
    session (a direct transaction reads only through its facts). `today` (`/rating`): the today its text was read
    against (a day named "i går" is checked against the today it was named on); else the clock's.
    """
    if value not in SCALE:  # every path checks; this guards forged button values too
        raise UserError(t("rating.input_out_of_range", value=value))
    if today is None:
        today = ctx.today()
    problem = check_day(day, today, started=queries.first_day_of(view.case, goal), closed=view.case.closed_on)
    if problem:
        raise UserError(t(f"rating.day_{problem}", date=format_date(day)))
    assert goal.id is not None
    if facts is not None and facts.day == day:  # facts read for another day would answer for the wrong one
        calendar, existing = facts.calendar, facts.existing.get(goal.id)
    else:
        assert isinstance(writer, AsyncSession), "a direct transaction reads through its facts"
        calendar = await queries.work_calendar(writer, view.case.institution_id)
        existing = await store.rating_on(writer, goal.id, day)
    if not calendar.is_working_day(day):
        raise UserError(t("rating.day_closed", date=format_date(day)))
    stored = await store.record_rating(
        writer if isinstance(writer, Direct) else await writer.connection(),
        case=view.case,
        goal=goal,
        day=day,
        value=value,
        note=note,
        staff=staff,
        now=ctx.clock.now(),
        actor=ctx.user_id,
        existing=existing,
    )
    return Recorded(view.case.code, goal, day, value, stored.old, stored.changed, stored.kept_note)


def _confirmation(done: Recorded, note: str | None) -> str:
    """Registreret (the day's first rating of the goal), Ændret (another value, or the same with a new note), or
    Uændret (what was stored already); then the note given, or the one given earlier, which stays."""
    where = {"code": done.code, "number": done.goal.number, "date": format_date(done.day)}
    if not done.changed:
        text = t("rating.unchanged", **where, value=done.value)
    elif done.old is not None and done.old != done.value:
        text = t("rating.corrected", **where, old=done.old, new=done.value)
    elif done.old is not None:
        text = t("rating.note_changed", **where, value=done.value)
    else:
        text = t(
            "rating.recorded",
            code=done.code,
            number=done.goal.number,
            goal=done.goal.text,
            date=format_date(done.day),
            value=done.value,
        )
    if note:
        return f"{text}\n{t('rating.note', note=note)}"
    return f"{text}\n{t('rating.note_kept', note=done.kept_note)}" if done.kept_note else text


@REGISTRY.command("/rating", key="rating", reads_staff=True, decides_replay=True)
async def rating(ctx: Context, args: str) -> Reply:
    """`/rating AK12 [dato] [mål] 1-4 [note]`; bare `/rating` opens the day's modal."""
    if not args.strip() or args.strip().lower() in TODO_WORDS:
        if ctx.replay is not None:
            await ctx.replay.check()
        await load_staff(ctx)
        staff = ctx.require_staff()
        return await (day_modal(ctx, staff) if not args.strip() else todo(ctx, staff))
    today = ctx.today()
    try:
        text = read_rating_day(args, today)  # not empty: a bare `/rating` was answered above
    except RatingInputError as error:  # a day that does not exist (31/2)
        raise _refused(error) from None
    code = text.code
    goal: Goal | str | None = None  # None: show the child's goals; str: the refusal naming them
    # The driver runs this transaction's statements itself (store/direct.py): /rating is the command of every day.
    async with ctx.db.direct() as direct:
        # The staff member, the child, its goals, the access facts and the day's closing and ratings: one read.
        # It also decides a put-off replay check (`ctx.replay`), in the same statement on PostgreSQL.
        facts = await store.rating_facts(direct, ctx.user_id, code, text.day, ctx.replay)
        if facts is None:
            raise UserError(t("error.unknown_user"))
        staff = ctx.staff = facts.staff
        view = facts.view if facts.access.write else None
        if view is not None:
            _check_open(view)
            parsed = _parsed(text, today, view)
            if parsed.value is not None:
                goal = _chosen_goal(view, parsed.goal)
                if isinstance(goal, Goal):
                    # `parsed.day` is `text.day`, read once: the facts are that day's.
                    done = await record(
                        ctx, direct, staff, view, goal, parsed.day, parsed.value, parsed.note, facts, today
                    )
                    return Reply(_confirmation(done, parsed.note))
    # The rest reads more than the facts above, in a session of its own (the transaction above wrote nothing).
    async with ctx.db.write(brief=True) as session:
        if view is None:
            await _refuse_unknown(session, staff, code)
        if goal is None:
            return await _show_goals(ctx, session, view, today)
        # The refusal lists the child's goals, a read of case data. Raised in here it would roll its audit entry
        # back; this transaction has stored nothing else, so it commits the entry and the refusal follows.
        _audit_read(ctx, session, view.case.code, via="refusal")
    assert isinstance(goal, str)  # a chosen goal was rated above
    raise UserError(goal)


def _refused(error: RatingInputError) -> UserError:
    return UserError(t(f"rating.input_{error.kind}", value=error.value, max=MAX_NOTE))


def _parsed(text: RatingText, today: date, view: store.CaseView) -> RatingInput:
    try:
        parsed = parse_rating(text, today, [g.number for g in view.goals])
    except RatingInputError as error:
        raise _refused(error) from None
    if not view.goals:
        raise UserError(t("rating.no_goals", code=view.case.code))
    return parsed


def _chosen_goal(view: store.CaseView, number: int | None) -> Goal | str:
    """The goal `/rating` text names (or the child's only one), else the refusal, which lists the goals."""
    if number is None:
        if len(view.goals) > 1:
            return t("rating.which_goal", code=view.case.code, goals=_goal_list(view))
        return view.goals[0]
    found = next((g for g in view.goals if g.number == number), None)
    return found or t("rating.unknown_goal", code=view.case.code, number=number, goals=_goal_list(view))


async def _show_goals(ctx: Context, session: AsyncSession, view: store.CaseView, today: date) -> Reply:
    """The child's goals and this week's ratings so far (a read of case data, so it is audited)."""
    monday = date.fromordinal(today.toordinal() - today.weekday())
    ids = [g.id for g in view.goals if g.id is not None]
    ratings = await store.ratings_between(session, ids, monday, today)
    lines = [t("rating.goals_title", code=view.case.code)]
    for goal in view.goals:
        week = ", ".join(f"{format_short_date(r.day)}: {r.value}" for r in ratings if r.goal_id == goal.id)
        lines.append(t("rating.goal_line", number=goal.number, text=goal.text) + (f" — {week}" if week else ""))
    lines.append(t("rating.how", code=view.case.code))
    audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="rating.read", case_code=view.case.code)
    return Reply("\n".join(lines))


# -- the day's modal --------------------------------------------------------------------------------------


# The day form's metadata when the nudge's button opened it: once saved, the nudge is drawn again; or, opened from
# `/teambot hjem`'s message, that message.
FROM_NUDGE = "nudge"
FROM_HOME_MESSAGE = "hjem"


async def day_modal(
    ctx: Context, staff: Staff, day: date | None = None, cases: Sequence[str] | None = None, *, source: str = ""
) -> Reply:
    """The form for rating `day` (today if None): every child `staff` may rate, her own first; or only `cases`,
    in their order. `source` is what opened it (`FROM_NUDGE`), handed back to its submission."""
    day = day or ctx.today()
    # Not brief: a few statements per child of the institutions, which would hold the event loop meanwhile.
    async with ctx.db.write() as session:
        views = await store.visible_cases(session, staff)
        if cases is not None:
            by_code = {view.case.code: view for view in views}
            views = [by_code[code] for code in dict.fromkeys(cases) if code in by_code]
        # Not a child whose institution is closed that day (a weekend, a closing day): `/rating` refuses the day, and
        # one value for it refused the whole form. `/rating mangler` leaves them out alike.
        calendars = await queries.work_calendars(session, {view.case.institution_id for view in views})
        forms = [
            (view, goals)
            for view in views
            if calendars[view.case.institution_id].is_working_day(day) and (goals := _begun(view, day))
        ]
        rated = {}
        for view, goals in forms:
            for goal in goals:
                assert goal.id is not None
                existing = await store.rating_on(session, goal.id, day)
                if existing is not None:
                    rated[goal.id] = existing.value
            # The form shows the child's goals and that day's ratings: a read of case data.
            _audit_read(ctx, session, view.case.code, via="modal")
    if not views:
        raise UserError(t("rating.no_children"))
    if not forms:
        raise UserError(t("rating.todo_none", date=format_date(day)))
    intro = t("rating.modal.intro", date=format_date(day))
    # The date in the form itself: Slack shows a slash command's form without its answer, and the nudge's button
    # opens the form for the nudge's day, which may be yesterday's.
    blocks: list[Block] = [{"type": "context", "elements": [{"type": "mrkdwn", "text": intro}]}]
    skipped = []
    for view, goals in forms:
        needed = 2 + len(goals)
        if len(blocks) + needed > MODAL_BLOCK_LIMIT - 1:
            skipped.append(view.case.code)
            continue
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": view.case.code}})
        for goal in goals:
            blocks.append(_goal_input(view.case.code, goal, rated.get(goal.id or 0)))
        blocks.append(
            {
                "type": "input",
                "block_id": f"n{view.case.id}",
                "optional": True,
                "label": {"type": "plain_text", "text": t("rating.modal.note", code=view.case.code)},
                "element": {
                    "type": "plain_text_input",
                    "action_id": f"n{view.case.id}",
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            }
        )
    if skipped:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": t("rating.modal.more", codes=", ".join(skipped))}],
            }
        )
    modal = {
        "type": "modal",
        "callback_id": "rating_day_modal",
        "private_metadata": f"{day.isoformat()} {source}".strip(),
        "title": {"type": "plain_text", "text": t("rating.modal.title")},
        "submit": {"type": "plain_text", "text": t("rating.modal.submit")},
        "close": {"type": "plain_text", "text": t("meeting.modal.close")},
        "blocks": blocks,
    }
    return Reply(intro, modal=modal, keep_origin=source in (FROM_NUDGE, FROM_HOME_MESSAGE))


def _begun(view: store.CaseView, day: date) -> list[Goal]:
    """The child's goals that can be rated on `day`: not one whose first day is still ahead (a case whose start
    meeting is to come), which `/rating` would refuse, as the nudge leaves it out."""
    return [g for g in view.goals if (first := queries.first_day_of(view.case, g)) is None or first <= day]


def _goal_input(code: str, goal: Goal, current: int | None) -> Block:
    options = [{"text": {"type": "plain_text", "text": str(n)}, "value": str(n)} for n in range(1, 5)]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": f"g{goal.id}", "options": options}
    if current is not None:
        element["initial_option"] = options[current - 1]
    return {
        "type": "input",
        "block_id": f"g{goal.id}",
        "optional": True,
        "label": {
            "type": "plain_text",
            "text": t("rating.modal.goal", code=code, number=goal.number, text=goal.text)[:2000],
        },
        "element": element,
    }


@REGISTRY.view("rating_day_modal")
async def day_submitted(ctx: Context, values: dict[str, str], metadata: str) -> Reply:
    """Every goal given a value in the modal is recorded in one transaction: all or nothing. A form opened from the
    nudge draws the nudge again, with what it recorded."""
    staff = ctx.require_staff()
    day_text, _, source = metadata.partition(" ")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise UserError(t("rating.modal.expired")) from None
    notes = {key[1:]: text.strip() for key, text in values.items() if key.startswith("n") and text.strip()}
    chosen = {
        goal_id: text
        for key, text in values.items()
        if key.startswith("g") and (goal_id := parse_int(key[1:])) is not None and text
    }
    if not chosen:
        raise UserError(t("rating.modal.nothing"))
    for note in notes.values():
        if len(note) > MAX_NOTE:
            raise UserError(t("rating.input_note_too_long", value=len(note), max=MAX_NOTE))
    lines = []
    changed = False
    async with ctx.db.write() as session:
        views = {v.case.id: v for v in await store.visible_cases(session, staff)}
        by_goal = {g.id: v for v in views.values() for g in v.goals}
        rated = {by_goal[goal_id].case.id for goal_id in chosen if goal_id in by_goal}
        for key in notes:
            noted = next((v for v in views.values() if str(v.case.id) == key), None)
            if noted is None:
                raise UserError(t("rating.modal.stale"))
            if noted.case.id not in rated:  # a note is stored on a rating: without one it would be lost
                raise UserError(t("rating.modal.note_without_rating", code=noted.case.code))
        for goal_id, text in sorted(chosen.items()):
            view = by_goal.get(goal_id)
            if view is None:
                raise UserError(t("rating.modal.stale"))
            value = parse_int(text)
            if value is None or value not in SCALE:  # only the console lets anyone type here
                raise UserError(t("rating.input_out_of_range", value=text.strip()))
            goal = next(g for g in view.goals if g.id == goal_id)
            done = await record(ctx, session, staff, view, goal, day, value, notes.get(str(view.case.id)))
            lines.append(_confirmation(done, None))
            changed = changed or done.changed
    # The form shows the day's ratings already given and sends them again when saved: a save may change nothing.
    head = t("rating.modal.done" if changed else "rating.modal.unchanged", date=format_date(day))
    reply = Reply("\n".join([head, *lines]))
    if source == FROM_NUDGE:
        reply.redraw = partial(_nudge_now, ctx, staff, day)
    elif source == FROM_HOME_MESSAGE:
        reply.redraw = partial(home_message, ctx, staff)
    return reply


async def _nudge_now(
    ctx: Context, staff: Staff, day: date, pressed: int | None = None, *, unchanged: bool = False
) -> Reply:
    """The nudge for `day` as it stands, drawn again where it was: after a press of its buttons (`pressed`, the goal
    just rated; `unchanged`: it had that value already), or after its form was saved (the form's `Reply.redraw`)."""
    async with ctx.db.write(brief=True) as session:
        items = await store.nudge_items(session, staff, day, asked=True)
        await _record_nudge_reads(ctx, session, items, via="nudge")
    return rating_nudge(day, items, pressed=pressed, unchanged=unchanged)


# -- the nudge's buttons ------------------------------------------------------------------------------------


@REGISTRY.action("rating_nudge")
async def nudge_pressed(ctx: Context, value: str) -> Reply:
    """`goal_id:day:value` → record, then redraw the nudge showing what was recorded and by whom (on `/teambot hjem`'s
    message, `IN_HOME_MESSAGE` after it: that message; on the Home tab, the tab: `Reply.home`)."""
    staff = ctx.require_staff()
    in_home = value.endswith(IN_HOME_MESSAGE)
    try:
        goal_text, day_text, rating_text = value.removesuffix(IN_HOME_MESSAGE).split(":")
        day = date.fromisoformat(day_text)
    except ValueError:
        raise UserError(t("rating.modal.stale")) from None
    goal_id, given = parse_int(goal_text), parse_int(rating_text, maximum=9)
    if goal_id is None or given is None:
        raise UserError(t("rating.modal.stale"))
    async with ctx.db.write(brief=True) as session:
        goal = await session.get(Goal, goal_id)
        case = await session.get(Case, goal.case_id) if goal else None
        if goal is None or case is None or not goal.active:
            raise UserError(t("rating.modal.stale"))
        view = await _writable_case(session, staff, case.code)
        done = await record(ctx, session, staff, view, goal, day, given, None)
    if in_home:
        reply = await home_message(ctx, staff, pressed=goal_id, unchanged=not done.changed)
    else:
        reply = await _nudge_now(ctx, staff, day, pressed=goal_id, unchanged=not done.changed)
    reply.replace_original = True
    reply.home = partial(home_blocks, ctx, staff, pressed=goal_id, unchanged=not done.changed)
    return reply


@REGISTRY.action("rating_form")
async def form_pressed(ctx: Context, value: str) -> Reply:
    """The nudge's button for the goals it had no room for: the form for the nudge's day, with the children who
    still have goals to rate that day."""
    staff = ctx.require_staff()
    source = FROM_HOME_MESSAGE if value.endswith(IN_HOME_MESSAGE) else FROM_NUDGE
    try:
        day = date.fromisoformat(value.removesuffix(IN_HOME_MESSAGE))
    except ValueError:
        raise UserError(t("rating.modal.expired")) from None
    problem = check_day(day, ctx.today(), started=None, closed=None)
    if problem:  # a nudge pressed days later: the form's ratings would all be refused
        raise UserError(t(f"rating.day_{problem}", date=format_date(day)))
    async with ctx.db.read() as session:
        items = await store.nudge_items(session, staff, day, asked=True)
    cases = [item.case_code for item in items if item.value is None]
    if not cases:
        raise UserError(t("rating.todo_none", date=format_date(day)))
    return await day_modal(ctx, staff, day, cases, source=source)


async def todo(ctx: Context, staff: Staff) -> Reply:
    """`/rating mangler`: today's goals still to rate, with the nudge's 1–4 buttons, whenever you ask."""
    today = ctx.today()
    async with ctx.db.write(brief=True) as session:
        items = await store.nudge_items(session, staff, today, asked=True)
        await _record_nudge_reads(ctx, session, items, via="todo")
    if not items:
        return Reply(t("rating.todo_none", date=format_date(today)))
    return rating_nudge(today, items)


def _audit_read(ctx: Context, session: AsyncSession, code: str, *, via: str) -> None:
    audit.record(session, at=ctx.clock.now(), actor=ctx.user_id, action="rating.read", case_code=code, via=via)


async def _record_nudge_reads(ctx: Context, session: AsyncSession, items: list[NudgeItem], *, via: str) -> None:
    """The nudge shows each child's goals and who rated them today: a read of case data, as on the Home tab."""
    codes = (item.case_code for item in items)
    await audit.record_reads(session, codes, at=ctx.clock.now(), actor=ctx.user_id, action="rating.read", via=via)

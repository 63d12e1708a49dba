"""`/uge`: the week's status for a team lead — ratings grid, means, trend, what is missing, meetings, flags.

The same rendering serves the Friday digest and the lead's App Home.
"""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.commands.notices import MESSAGE_BLOCKS, POSTED_TEXT, slack_length
from teambot.commands.registry import REGISTRY, Block, Context, Reply, UserError
from teambot.domain.dates import parse_week, week_years, weeks_in
from teambot.domain.meetings import parse_hhmm
from teambot.domain.roles import Role
from teambot.domain.week import Cell, GoalWeek
from teambot.i18n import format_decimal, format_time, t, t_count, weekday_name
from teambot.store import audit, queries
from teambot.store.models import Case, CaseConsultant, Institution, Staff
from teambot.store.week import AwayToday, InstitutionWeek, institution_week

SECTION_LIMIT = 2_900  # Slack allows 3,000 characters in a section's text
BLOCK_LIMIT = 48  # of Slack's 50 per message, two kept for the closing lines
GOAL_LABEL = 16
NAMESAKE_CODES = 3  # children's codes shown to tell two pædagoger with one name apart


def _cell(cell: Cell) -> str:
    if cell.value is not None:
        return str(cell.value)
    if cell.closed:
        return "luk"
    return " " if cell.future else "–"


def _short(text: str) -> str:
    return text if len(text) <= GOAL_LABEL else text[: GOAL_LABEL - 1].rstrip() + "…"


def grid_lines(goals: list[GoalWeek]) -> list[str]:
    labels = [t("week.goal_label", code=g.case_code, number=g.goal_number, text=_short(g.goal_text)) for g in goals]
    width = max((len(label) for label in labels), default=0)
    lines = []
    for label, goal in zip(labels, goals, strict=True):
        cells = " · ".join(f"{_cell(c):>3}" if _cell(c) == "luk" else f"{_cell(c):>1}" for c in goal.cells)
        mean = t("week.mean", mean=format_decimal(goal.mean)) if goal.mean is not None else t("week.no_mean")
        share = t("week.met", pct=round(goal.met_share * 100)) if goal.met_share is not None else ""
        flag = f" {t('week.flag_low')}" if goal.low_two_weeks else ""
        lines.append(f"{label.ljust(width)}  {cells}  {mean} {goal.trend}  {share}{flag}".rstrip())
    return lines


def render_week(data: InstitutionWeek, today: date, budget: int | None = None) -> tuple[str, list[Block]]:
    """Text and blocks within Slack's limits: the grid in code blocks, chunked; the rest as short sections. With a
    `budget` (a posted message's text, `POSTED_TEXT`) the grid gives way first: the title, the week's warnings and a
    line counting the goals left out come before it."""
    title = t("week.title", week=data.week, year=data.year, institution=data.institution.name)
    if data.today_due:
        title += " — " + t_count("week.today", data.today_due, done=data.today_done, due=data.today_due)
    head = "   ".join(f"{weekday_name(d)[:2]} {d.day}/{d.month}" for d in data.days)
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{head}"}}]
    lines = [title, head]
    grid = grid_lines(data.goals)
    lines += grid
    tail = _tail_lines(data, today)
    closing = [_text(_fit(tail, SECTION_LIMIT))] if tail else []
    # What the grid may take of the budget: the rest goes to the title, the warnings and the line for goals left out.
    room = None if budget is None else budget - _size(blocks) - _size(closing) - len(t("week.more", n=len(grid)))
    chunk: list[str] = []
    shown = used = 0
    for line in grid:
        if room is not None and used + _size([_code([*chunk, line])]) > room:
            break
        if sum(slack_length(x) + 1 for x in chunk) + slack_length(line) + 8 > SECTION_LIMIT:
            if len(blocks) >= BLOCK_LIMIT - 4:
                break
            blocks.append(_code(chunk))
            used += _size(blocks[-1:])
            shown += len(chunk)
            chunk = []
        chunk.append(line)
    if chunk and len(blocks) < BLOCK_LIMIT - 4:
        blocks.append(_code(chunk))
        shown += len(chunk)
    if shown < len(grid):
        blocks.append(_text(t("week.more", n=len(grid) - shown)))
    if not data.goals:
        blocks.append(_text(t("week.no_goals")))
        lines.append(t("week.no_goals"))
    lines += tail
    return "\n".join(lines), blocks + closing


def _size(blocks: list[Block]) -> int:
    """The characters of the sections' text (what Slack counts against a posted message's `POSTED_TEXT`)."""
    return sum(slack_length(block["text"]["text"]) for block in blocks if "text" in block)


def _fit(lines: list[str], limit: int) -> str:
    """`lines` in at most `limit` characters as Slack counts them (`slack_length`: a name's `&` reaches it as `&amp;`),
    every one of them shown: a line longer than its share (an even share of what the shorter lines leave) is cut short
    with "…", so a long list of what is missing today cannot push the week's meetings and warnings out of the
    section, nor the section past Slack's limit, where the transport would cut its last lines instead."""
    sizes = [slack_length(line) for line in lines]
    room = limit - (len(lines) - 1)  # the line breaks
    share: dict[int, int] = {}
    for done, index in enumerate(sorted(range(len(lines)), key=lambda i: sizes[i])):
        share[index] = min(sizes[index], room // (len(lines) - done))
        room -= share[index]
    return "\n".join(line if sizes[i] <= share[i] else _cut(line, share[i]) for i, line in enumerate(lines))


def _cut(line: str, size: int) -> str:
    """`line` cut short with "…" to at most `size` characters as Slack counts them."""
    used = 0
    for end, char in enumerate(line):
        used += slack_length(char)
        if used > size - 1:  # the "…"
            return line[:end].rstrip(" ,") + "…"
    return line


def _tail_lines(data: InstitutionWeek, today: date) -> list[str]:
    tail = []
    if data.missing_today:
        who = ", ".join(f"{name} ({', '.join(items)})" for (name, _), items in sorted(data.missing_today.items()))
        tail.append(t("week.missing_today", who=who))
    if data.away_today:
        away = sorted(_away(data, i, a) for i, a in data.away_today.items())
        tail.append(t("week.away_today", names=", ".join(away)))
    if data.missing_week:
        who = ", ".join(_missing_of(data, paedagog, n) for paedagog, n in sorted(data.missing_week.items()))
        tail.append(t("week.missing_week", who=who))
    if data.meetings:
        items = []
        for m in data.meetings:
            state = (
                t("week.meeting_cancelled")
                if m.status == "cancelled"
                else t("week.meeting_held")
                if m.day < today
                else t("week.meeting_confirmed", n=m.confirmed, total=m.participants)
            )
            items.append(
                t(
                    "week.meeting",
                    code=m.case_code,
                    weekday=weekday_name(m.day),
                    time=format_time(parse_hhmm(m.start)),
                    state=state,
                )
            )
        tail.append(t("week.this_week", items=" · ".join(items)))
    if data.silent:
        tail.append(t("week.flag_silent", codes=", ".join(data.silent)))
    if data.overdue:
        tail.append(t("week.flag_overdue", codes=", ".join(data.overdue)))
    return tail


def _namesake_codes(data: InstitutionWeek, staff_id: int) -> str | None:
    """Her children's codes when another pædagog of the week has the same name, so the lead can tell them apart (the
    codes are in the grid already); None when her name is hers alone."""
    name = data.paedagogs.get(staff_id, "?")
    if sum(1 for other in data.paedagogs.values() if other == name) < 2:
        return None
    codes = sorted(data.children_of.get(staff_id, []))
    if len(codes) > NAMESAKE_CODES:
        return t("week.codes_more", codes=", ".join(codes[:NAMESAKE_CODES]))
    return ", ".join(codes)


def _label(data: InstitutionWeek, staff_id: int) -> str:
    name = data.paedagogs.get(staff_id, "?")
    codes = _namesake_codes(data, staff_id)
    return name if codes is None else t("week.namesake", name=name, codes=codes)


def _missing_of(data: InstitutionWeek, paedagog: tuple[str, int], n: int) -> str:
    """Her missing ratings this week, and how many fell on days a substitute stood in for her (by her registered
    absence: it may have been registered after the day, so the substitute was not necessarily asked then)."""
    name = _label(data, paedagog[1])
    instead = data.missing_with_substitute.get(paedagog)
    if not instead:
        return f"{name} {n}"
    namesakes = _substitute_namesakes(data)
    parts = ", ".join(
        t("week.missing_with_substitute", n=len(days), substitute=_substitute(substitute, days, namesakes))
        for substitute, days in sorted(instead.items())
    )
    return t("week.missing_of_which", name=name, n=n, parts=parts)


def _substitute_namesakes(data: InstitutionWeek) -> set[str]:
    """The names two substitutes of the week's missing ratings share."""
    ids_of: dict[str, set[int]] = {}
    for by_substitute in data.missing_with_substitute.values():
        for name, staff_id in by_substitute:
            ids_of.setdefault(name, set()).add(staff_id)
    return {name for name, ids in ids_of.items() if len(ids) > 1}


def _substitute(substitute: tuple[str, int], days: list[date], namesakes: set[str]) -> str:
    """Her name; marked with the days she stood in when another substitute has it too, so the lead can tell who
    stood in (her days match her absence, as registered)."""
    name = substitute[0]
    if name not in namesakes:
        return name
    return t("week.substitute_namesake", name=name, days=", ".join(weekday_name(d)[:2] for d in sorted(set(days))))


def _away(data: InstitutionWeek, staff_id: int, away: AwayToday) -> str:
    if away.substitute is None:
        return _label(data, staff_id)
    facts = {"substitute": away.substitute, "done": away.done, "due": away.due}
    name, codes = data.paedagogs.get(staff_id, "?"), _namesake_codes(data, staff_id)
    if codes is None:
        return t("week.away_covered", name=name, **facts)
    return t("week.away_covered_namesake", name=name, codes=codes, **facts)


def _code(lines: list[str]) -> Block:
    return _text("```" + "\n".join(lines) + "```")


def _text(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def visible_weeks(
    ctx: Context, session: AsyncSession, staff: Staff, year: int, week: int, code: str | None
) -> list[InstitutionWeek]:
    """Leads see their institutions whole; everyone else only their own children (as pædagog, or as a consultant
    whose profession the consent covers)."""
    institutions = list(await queries.institutions_of(session, staff))
    lead_of = {i.id for i in institutions} if Role.LEDER in staff.roles else set()
    consultant_cases = (
        await session.exec(
            select(Case)
            .join(CaseConsultant, col(CaseConsultant.case_id) == col(Case.id))
            .where(CaseConsultant.staff_id == staff.id)
        )
    ).all()
    own = {c.id for c in consultant_cases if set(staff.roles) & set(c.consent_professions)}
    own |= set((await session.exec(select(Case.id).where(Case.paedagog_id == staff.id))).all())
    extra_ids = {c.institution_id for c in consultant_cases if c.id in own} - {i.id for i in institutions}
    if extra_ids:
        institutions += list((await session.exec(select(Institution).where(col(Institution.id).in_(extra_ids)))).all())
    if code:
        institutions = [i for i in institutions if i.code == code.upper()]
        if not institutions:
            raise UserError(t("week.not_your_institution", code=code.upper()))
    weeks = []
    for institution in sorted(institutions, key=lambda i: i.code):
        only = None if institution.id in lead_of else {i for i in own if i is not None}
        data = await institution_week(session, institution, year, week, ctx.today(), only_cases=only)
        if data.goals or institution.id in lead_of:
            weeks.append(data)
    return weeks


_WEEK_WORD = re.compile(r"\buge\s+(?=\d)", re.IGNORECASE)


@REGISTRY.command("/uge", key="uge")
async def week_command(ctx: Context, args: str) -> Reply:
    """`/uge [nr[/år]] [institution]`: the week's grid, means, trend, missing ratings, meetings and flags."""
    staff = ctx.require_staff()
    today = ctx.today()
    year, week = today.isocalendar()[:2]
    code = None
    # "uge 47" is how the bot writes a week (UX.md); as two words, "uge" alone would be read as an institution.
    for word in _WEEK_WORD.sub("uge", args).split():
        parsed = parse_week(word, today)
        if parsed is not None and any(ch.isdigit() for ch in word):
            first, last = week_years(today)
            if not first <= parsed[0] <= last:
                raise UserError(t("week.year_out_of_reach", text=word, first=first, last=last))
            if parsed[1] > weeks_in(parsed[0]):
                raise UserError(t("week.not_in_year", year=parsed[0], weeks=weeks_in(parsed[0])))
            year, week = parsed
        elif any(ch.isdigit() for ch in word) or "/" in word:
            raise UserError(t("week.bad_week", text=word))
        else:
            code = word
    async with ctx.db.write() as session:
        weeks = await visible_weeks(ctx, session, staff, year, week, code)
        await audit.record_reads(
            session,
            _shown(weeks),
            at=ctx.clock.now(),
            actor=ctx.user_id,
            action="week.read",
            week=f"{year}-W{week:02d}",
        )
    if not weeks:
        return Reply(t("week.nothing", week=week, year=year))
    return week_reply(weeks, today)


async def week_for_digest(
    ctx: Context, staff: Staff, year: int, week: int, *, for_substitute: bool = False
) -> Reply | None:
    """The week as `/uge` shows it to `staff`, for her Friday digest; None when she sees no institution's week.
    `for_substitute`: the copy her substitute gets in her place, only the institutions she leads (`led_weeks`).

    Not audited as her read: the digest is drawn again at each try to send it, and a try may never reach her. The
    children it names are audited when it is delivered (`notice.sent`, written with the row's `sent`)."""
    async with ctx.db.read() as session:
        if for_substitute:
            weeks = await led_weeks(ctx, session, staff, year, week)
        else:
            weeks = await visible_weeks(ctx, session, staff, year, week, None)
    # One block of the message is the digest's why line.
    return week_reply(weeks, ctx.today(), budget=POSTED_TEXT, max_blocks=MESSAGE_BLOCKS - 1) if weeks else None


async def led_weeks(ctx: Context, session: AsyncSession, lead: Staff, year: int, week: int) -> list[InstitutionWeek]:
    """The weeks of the institutions `lead` leads, whole. Not the children he sees through a consultant role of his
    own and its consent: his substitute (maybe of another profession) stands in for him as lead only."""
    if Role.LEDER not in lead.roles:
        return []
    return [
        await institution_week(session, institution, year, week, ctx.today(), only_cases=None)
        for institution in await queries.institutions_of(session, lead)
    ]


def week_reply(
    weeks: list[InstitutionWeek], today: date, *, budget: int | None = None, max_blocks: int = MESSAGE_BLOCKS
) -> Reply:
    """What `/uge` answers for `weeks` (at least one): each institution's week, within `max_blocks` (Slack's 50), and
    with a `budget` (the digest, a posted message) within that much text: an institution that does not fit, and
    those after it, are left to `/uge <institution>`."""
    texts: list[str] = []
    blocks: list[Block] = []
    hint = _text(t("week.split_hint"))
    full = False
    for data in weeks:
        text, part = render_week(data, today, None if budget is None else budget - _size(blocks) - _size([hint]))
        texts.append(text)  # the notification's text names every institution's week
        if full:
            continue
        if blocks and budget is not None and _size(blocks) + _size(part) + _size([hint]) > budget:
            blocks.append(hint)
            full = True
            continue
        blocks += part if not blocks else [{"type": "divider"}, *part]
    if len(blocks) > max_blocks:
        blocks = blocks[: max_blocks - 1] + [hint]
    return Reply("\n\n".join(texts), blocks=blocks, case_codes=_shown(weeks))


def _shown(weeks: list[InstitutionWeek]) -> list[str]:
    return [case_code for data in weeks for case_code in data.case_codes]

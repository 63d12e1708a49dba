"""Outbox rows: planned idempotently by dedupe key, claimed by dispatchers, finished exactly once.

Planning the same row twice, or in two processes at once, inserts it once (INSERT … ON CONFLICT DO
NOTHING on the unique dedupe key). Dispatchers claim due rows with FOR UPDATE SKIP LOCKED on PostgreSQL;
on SQLite the write transaction (BEGIN IMMEDIATE) already serialises claims. On PostgreSQL a re-plan (`sync_many`,
`cancel_pending_many`, `cancel_passed`) locks the rows it changes, so a claim skips them until it commits, and never
writes over a row a dispatcher claimed meanwhile.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, Text, bindparam, case, cast, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, defer
from sqlalchemy.sql import Executable
from sqlalchemy.sql.expression import Update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.store import audit
from teambot.store.direct import execute_many, loaded
from teambot.store.models import Notification

PENDING, SENDING, SENT, CANCELLED, MISSED, FAILED = "pending", "sending", "sent", "cancelled", "missed", "failed"
# The last error of a row cancelled (nothing left to say) while an earlier attempt of it may have been posted.
CANCELLED_UNSURE = "nothing left to say; an earlier post unconfirmed"
# A stored reason's mark that Slack refused the post outright, so nothing was posted. Any reason without it (a 5xx,
# no answer at all, or one stored by a version before the mark) may have posted, except a 429's or an `UNDRAWN` one.
REFUSED = "refused: "
# The reason of a row Slack refused for good after an earlier attempt that may have posted (no look could settle it
# since): without the `REFUSED` mark, so it still may have reached its recipient (`may_have_posted`).
REFUSED_UNCONFIRMED = "refused after an unconfirmed post: "
# Slack's refusals of a post that are about its recipient (gone, deactivated, a closed channel or one without the bot):
# nothing was posted, and someone else (a substitute) may well be reached. The messenger does not retry them (its
# `PERMANENT_ERRORS`). `account_inactive` is not among them: it says the bot's token is for a deleted user or workspace.
RECIPIENT_REFUSALS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
    }
)
# Slack's refusals of a post for the message itself (chat.postMessage's errors about its text, blocks, attachments or
# metadata): Slack would refuse the same message the same way to anyone else, a substitute included, so a planner takes
# it as gone out (`refused_to_anyone`). Any other refusal, about the recipient (`RECIPIENT_REFUSALS`) or about the bot
# or the workspace (`invalid_auth`, `token_revoked`, `account_inactive`, `missing_scope`, `ekm_access_denied`,
# `message_limit_exceeded`, …: mended later, a substitute may be reached), reached nobody and goes to whoever the
# message goes to now.
CONTENT_REFUSALS = frozenset(
    {
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "invalid_attachments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "metadata_must_be_sent_from_app",
    }
)
RATELIMITED = "ratelimited"  # the reason for a 429, which posted nothing
UNDRAWN = "not drawn: "  # a stored reason's mark that the message could not be drawn at send time: nothing was posted
MEETING_KINDS_PREFIX = "meeting."  # a message about one child's status meeting: its subject is the case code
CASES = "cases"  # a payload's codes of the children its message names, where the subject cannot say (nudge, digest)


def refused(last_error: str | None) -> bool:
    """Whether the attempt that left `last_error` was refused by Slack outright (nothing was posted)."""
    return last_error is not None and last_error.startswith(REFUSED)


def refused_for_content(last_error: str | None) -> bool:
    """Whether Slack refused the post for the message itself (`CONTENT_REFUSALS`): anyone else would be refused it."""
    return refused(last_error) and typing.cast(str, last_error).removeprefix(REFUSED) in CONTENT_REFUSALS


def may_have_posted(last_error: str | None) -> bool:
    """Whether the failed attempt that left `last_error` may have reached the recipient all the same. Then the post
    is looked for before posting again, and a message settled unsent after it is audited as maybe sent."""
    return last_error is not None and last_error != RATELIMITED and not last_error.startswith((REFUSED, UNDRAWN))


def named_cases(kind: str, subject: str, payload: dict[str, Any]) -> tuple[str, ...]:
    """The children a message names, each of whom has it in their audit log once it is sent. Visits and cafés are
    about an institution and name none."""
    if CASES in payload:
        return tuple(str(code) for code in payload[CASES])
    return (subject,) if kind.startswith(MEETING_KINDS_PREFIX) else ()


def sent_notice(row: Notification, *, maybe: bool = False) -> audit.SentNotice:
    """What the audit log keeps of a message sent (or `maybe` sent): its recipient and kind, for each child it names
    (for a row redrawn when sent, as drawn then)."""
    return audit.SentNotice(row.recipient, row.kind, named_cases(row.kind, row.subject, row.payload), maybe=maybe)


@dataclass(frozen=True)
class Planned:
    """A notification the planner wants to exist."""

    dedupe_key: str
    kind: str
    recipient: str
    subject: str
    due_at: datetime
    ref_type: str | None = None
    ref_id: int | None = None
    event_day: date | None = None
    institution_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    # Wanted only if already queued (a reminder whose moment has passed): `sync_many` keeps a pending row with this
    # key, but neither inserts it nor brings a cancelled one back.
    queued_only: bool = False

    @classmethod
    def kept(cls, row: Notification) -> Planned:
        """The plan that leaves `row` as it is: its recipient, due time (the look before its next attempt searches
        from there) and message. For a row Slack may have posted: the look that settles it does so with this
        payload, and audits the children it names (`notice.sent`)."""
        return cls(
            dedupe_key=row.dedupe_key,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            due_at=row.due_at,
            ref_type=row.ref_type,
            ref_id=row.ref_id,
            event_day=row.event_day,
            institution_id=row.institution_id,
            payload=row.payload,
        )

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "dedupe_key": self.dedupe_key,
            "kind": self.kind,
            "recipient": self.recipient,
            "subject": self.subject,
            "due_at": self.due_at,
            "ref_type": self.ref_type,
            "ref_id": self.ref_id,
            "event_day": self.event_day,
            "institution_id": self.institution_id,
            "payload": self.payload,
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
        }


async def insert_new(session: AsyncSession, planned: Iterable[Planned], now: datetime) -> None:
    """Insert rows whose dedupe key is new; existing keys are left alone (safe under concurrency)."""
    rows = [p.row(now) for p in planned]
    if not rows:
        return
    bind = session.get_bind()
    table = Notification.__table__  # type: ignore[attr-defined]
    statement: Executable
    if bind.dialect.name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    await session.exec(statement, params=rows)


async def bring_back_cancelled(session: AsyncSession, planned: Iterable[Planned]) -> None:
    """Make cancelled rows pending again with their new payload, for plans whose key is already taken by a row the
    dispatcher cancelled unsent (nothing left to say then). Still one row, so one message, per key: a row that is
    pending, sending or sent is left alone, also when another planner got there first, and so is one cancelled while
    an earlier attempt may have been posted (`CANCELLED_UNSURE`): a later look could find that post and settle the
    row with a payload it never carried.

    The claim that cancelled the row posted nothing, so it no longer counts as an attempt; and since it was cancelled
    sure (an earlier attempt that may have posted was looked for, and Slack said it had nothing), its reason goes
    too: the next attempt need not look again, and settling it unsent is no `notice.maybe_sent`."""
    table = _table()
    rows = [{"key": p.dedupe_key, "new_payload": p.payload} for p in planned]
    if not rows:
        return
    await session.exec(
        update(table)
        .where(
            table.c.dedupe_key == bindparam("key"),
            table.c.status == CANCELLED,
            table.c.last_error.is_distinct_from(CANCELLED_UNSURE),
        )
        .values(
            status=PENDING,
            payload=bindparam("new_payload", type_=table.c.payload.type),
            attempts=_one_attempt_back(table),
            next_attempt_at=None,
            claimed_by=None,
            last_error=None,
        ),
        params=rows,
    )


async def keep_payload(session: AsyncSession, *, row_id: int, worker: str, payload: dict[str, Any]) -> None:
    """Store the message about to be posted (redrawn at send time) as the row's payload, while the row is still
    `worker`'s: if the process dies after the post, recovery settles the row with what was posted, and audits the
    children that message named, not those of the plan."""
    table = _table()
    await session.exec(
        update(table)
        .where(table.c.id == row_id, table.c.status == SENDING, table.c.claimed_by == worker)
        .values(payload=payload)
    )


async def sync_many(
    session: AsyncSession,
    *,
    ref_type: str,
    kinds: Sequence[str],
    planned: Mapping[int, list[Planned]],
    now: datetime,
    since: date | None = None,
) -> None:
    """Make the pending rows about many things (meetings, say; `planned` by ref_id) match what is planned for them.

    New keys are inserted; pending rows no longer wanted are cancelled; a wanted row that was cancelled comes back;
    a pending row whose content changed is updated in place; one an earlier attempt may have posted (`maybe_posted`,
    also one cancelled `CANCELLED_UNSURE` that comes back) keeps its due time, so the look before its next attempt
    finds the post Slack may have. A `queued_only` plan keeps its row if it is pending and changes nothing else. One
    read of their rows, one insert of the new ones, and writes only for the rows that change (on PostgreSQL those are
    locked and read again first: a dispatcher may have claimed one since). `since`: rows whose event day is earlier
    are not read nor touched (a thing that gets rows month after month, such as an institution, need not read them
    all)."""
    if not planned:
        return
    # The payload is compared as stored text first: decoding every row's JSON was most of a steady pass's work.
    query = (
        select(Notification, cast(col(Notification.payload), Text))
        .options(defer(typing.cast(InstrumentedAttribute[Any], Notification.payload)))
        .where(
            Notification.ref_type == ref_type,
            col(Notification.ref_id).in_(list(planned)),
            col(Notification.kind).in_(kinds),
        )
    )
    if since is not None:
        query = query.where(col(Notification.event_day) >= since)
    existing = (await session.exec(query)).all()
    new, unwanted, revised = _revise(existing, planned)
    if (unwanted or revised) and session.get_bind().dialect.name == "postgresql":
        # Read without a lock, so that a steady pass locks nothing: a dispatcher in another process may have claimed,
        # posted or retried a row since. The rows about to change are locked and read again, and decided anew as
        # they are now. SQLite's write transaction already held every other writer off since the read.
        _, unwanted, _ = _revise(await _locked_again(session, [*unwanted, *revised]), planned)
    await _cancel(session, unwanted, now=now)
    await insert_new(session, new, now)


def _revise(
    existing: Sequence[tuple[Notification, str | None]], planned: Mapping[int, list[Planned]]
) -> tuple[list[Planned], list[Notification], list[Notification]]:
    """`sync_many`'s decisions on the rows read (each with its payload as stored text): the plans whose key is new,
    the pending rows no longer wanted (to cancel), and the rows brought in line with their plan here."""
    by_ref: dict[int, list[tuple[Notification, str | None]]] = {}
    for found, text in existing:
        if found.ref_id is not None:
            by_ref.setdefault(found.ref_id, []).append((found, text))
    new: list[Planned] = []
    unwanted: list[Notification] = []
    revised: list[Notification] = []
    for ref_id, wanted_rows in planned.items():
        rows = by_ref.get(ref_id, [])
        wanted = {p.dedupe_key: p for p in wanted_rows}
        for row, stored in rows:
            plan = wanted.get(row.dedupe_key)
            if plan is None:
                if row.status == PENDING:
                    unwanted.append(row)
                continue
            if plan.queued_only and row.status == CANCELLED:
                continue
            if row.status == CANCELLED:
                row.status = PENDING
                revised.append(row)
            # One an earlier attempt may have posted keeps its due time until the dispatcher's look settles it: the
            # look searches from there (from a later one it would miss that post, and post again). Its text follows
            # the plan, which goes out if the look finds nothing; what a found post named is its key's and subject's.
            due_at = row.due_at if maybe_posted(row) else plan.due_at
            changed = row.due_at != due_at or row.event_day != plan.event_day
            if row.status == PENDING and (changed or not _same_json(stored, plan.payload)):
                row.payload = plan.payload
                row.due_at = due_at
                row.event_day = plan.event_day  # a key kept across days (a month's ask) moves with its day
                revised.append(row)
        known = {row.dedupe_key for row, _ in rows}
        new.extend(p for p in wanted_rows if p.dedupe_key not in known and not p.queued_only)
    return new, unwanted, revised


async def _locked_again(session: AsyncSession, rows: list[Notification]) -> list[tuple[Notification, str | None]]:
    """PostgreSQL: lock `rows` and read them again, forgetting what was decided from the earlier read. Only rows still
    pending or cancelled: one a dispatcher holds or settled is its own (a claim skips a locked row, and waits for no
    other; and every other write of a dispatcher is to rows it holds in `sending`, which this neither locks nor waits
    for). Locked in id order, so two passes changing the same rows cannot deadlock. A row left out stays expired:
    whatever reads it next loads it as it is then."""
    ids = sorted({row.id or 0 for row in rows})
    for row in rows:
        session.expire(row)
    query = (
        select(Notification, cast(col(Notification.payload), Text))
        .options(defer(typing.cast(InstrumentedAttribute[Any], Notification.payload)))
        .where(col(Notification.id).in_(ids), col(Notification.status).in_((PENDING, CANCELLED)))
        .order_by(col(Notification.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(query)).all())


def may_have_reached(status: str, attempts: int, last_error: str | None) -> bool:
    """Whether a row not sent may have reached its recipient all the same: it is being posted, an attempt may have
    posted it (no look since to settle it), or it was cancelled since while unsure (`CANCELLED_UNSURE`). A planner
    must not hand such a message to someone else. One failed for good reached nobody when its reason says nothing
    was posted (Slack refused it, and no earlier attempt may have posted: the dispatcher marks it `REFUSED`); whether
    it then goes to someone else is `gone_out`'s."""
    if status == SENDING:
        return True
    if status == CANCELLED:
        return last_error == CANCELLED_UNSURE
    return status != SENT and attempts >= 1 and may_have_posted(last_error)


def refused_to_anyone(status: str, last_error: str | None) -> bool:
    """Whether a row failed for good refused by Slack for the message itself (`refused_for_content`: too long, say):
    Slack would refuse it the same way to anyone else, a substitute included. A refusal for its recipient, or for the
    bot or the workspace (a broken token, a missing scope), is not: it reached nobody."""
    return status == FAILED and refused_for_content(last_error)


def gone_out(status: str, attempts: int, last_error: str | None) -> bool:
    """Whether a message is spent for a planner choosing whom it goes to: sent, it may have reached its recipient
    (`may_have_reached`), or it failed for good refused for the message itself (`refused_to_anyone`). Only one that
    reached nobody otherwise (Slack refused it for any other reason: its recipient, the bot's token, …; or it could
    not be drawn) or is still to go goes to whoever it goes to now."""
    return status == SENT or may_have_reached(status, attempts, last_error) or refused_to_anyone(status, last_error)


def maybe_posted(row: Notification) -> bool:
    """Whether an attempt of `row` may have been posted with no look since to settle it."""
    return row.attempts >= 1 and may_have_posted(row.last_error)


def _same_json(stored: str | None, value: dict[str, Any]) -> bool:
    """Whether JSON text read from the database holds `value`: the text as it was written, or else decoded."""
    if stored is None:
        return False
    return stored == json.dumps(value) or json.loads(stored) == value


async def cancel_pending(
    session: AsyncSession, *, ref_type: str, ref_id: int, kinds: Sequence[str], now: datetime
) -> int:
    return await cancel_pending_many(session, ref_type=ref_type, ref_ids=[ref_id], kinds=kinds, now=now)


async def cancel_pending_many(
    session: AsyncSession, *, ref_type: str, ref_ids: Sequence[int], kinds: Sequence[str], now: datetime
) -> int:
    """Cancel the pending rows about any of `ref_ids` (`_cancel_where`); returns how many were cancelled."""
    if not ref_ids:
        return 0
    return await _cancel_where(
        session,
        now,
        Notification.ref_type == ref_type,
        col(Notification.ref_id).in_(list(ref_ids)),
        col(Notification.kind).in_(kinds),
    )


async def cancel_passed(
    session: AsyncSession, *, ref_type: str, kinds: Sequence[str], before: date, now: datetime
) -> int:
    """Cancel the pending rows about a `ref_type` thing whose day is before `before` (a visit or café that is over:
    nothing about it goes out, however long the bot was down; `_cancel_where`); returns how many."""
    return await _cancel_where(
        session,
        now,
        Notification.ref_type == ref_type,
        col(Notification.kind).in_(kinds),
        col(Notification.event_day) < before,
    )


async def _cancel_where(session: AsyncSession, now: datetime, *conditions: Any) -> int:
    """Cancel the pending rows that meet `conditions` (as `_cancel` does). On PostgreSQL they are locked as they are
    read, in id order (as `sync_many` locks): a dispatcher's claim skips them, and one it claimed since the read began
    is no longer pending, so it is left to the dispatcher."""
    query = select(Notification).where(Notification.status == PENDING, *conditions)
    if session.get_bind().dialect.name == "postgresql":
        query = query.order_by(col(Notification.id)).with_for_update()
    rows = (await session.exec(query)).all()
    await _cancel(session, rows, now=now)
    return len(rows)


async def _cancel(session: AsyncSession, rows: Sequence[Notification], *, now: datetime) -> None:
    """Cancel pending rows. One whose earlier attempt Slack may have posted all the same is cancelled as
    `CANCELLED_UNSURE`, as the dispatcher cancels it, and its recipient may have it: `notice.maybe_sent` for each child
    it names, in this same transaction. One already so marked (cancelled before, then wanted again) was audited
    then."""
    maybe: list[tuple[datetime, audit.SentNotice]] = []
    for row in rows:
        if maybe_posted(row) and row.last_error != CANCELLED_UNSURE:
            # Its payload (what that attempt posted) may be deferred (`sync_many`): loaded here, not lazily.
            await session.refresh(row, ["payload"])
            row.last_error = CANCELLED_UNSURE
            maybe.append((now, sent_notice(row, maybe=True)))
        row.status = CANCELLED
    await audit.record_notices(session, maybe)


def _table() -> Table:
    return typing.cast(Table, Notification.__table__)  # type: ignore[attr-defined]


async def claim_due(
    session: AsyncSession, *, now: datetime, worker: str, limit: int, is_postgres: bool
) -> list[Notification]:
    """Mark up to `limit` due pending rows as `sending` by `worker` and return them (not in `session`: as rows read in
    a session that has closed)."""
    table = _table()
    query = (
        table.select()
        .where(
            table.c.status == PENDING,
            table.c.due_at <= now,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .order_by(table.c.due_at, table.c.id)
        .limit(limit)
    )
    if is_postgres:
        query = query.with_for_update(skip_locked=True)
    connection = await session.connection()
    # Read as plain rows and made into models as the ORM makes a loaded row, with the claim's values already in
    # (`direct.loaded`): the ORM's loading of a batch of 500 and setting four attributes on each was a good part of
    # what a message costs the dispatcher (bench/README.md, "What changed on 2026-12-04 (helper-111)").
    result = await connection.execute(query)
    keys = list(result.keys())
    found = [dict(zip(keys, row, strict=True)) for row in result.all()]  # not `.mappings()`: a lookup per key
    if not found:
        return []
    # One UPDATE for the batch.
    await connection.execute(
        update(table)
        .where(table.c.id.in_([row["id"] for row in found]))
        .values(status=SENDING, claimed_at=now, claimed_by=worker, attempts=table.c.attempts + 1)
    )
    for row in found:
        row.update(status=SENDING, claimed_at=now, claimed_by=worker, attempts=row["attempts"] + 1)
    return [loaded(Notification, row) for row in found]


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row: its new status, and what goes with it."""

    row_id: int
    status: str
    message_ts: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    at: datetime | None = None  # when it was settled (sent_at, for a row sent)
    # Nothing was posted (Slack answered 429, or the recipient was still held by one): the claim, which `claim_due`
    # counted as an attempt, is not one. Only failed posts may use up a row's attempts.
    uncounted: bool = False
    # A row sent, or settled unsent while an earlier attempt may have posted it: the message, for the audit log of
    # each child it names (written with the row's new status).
    notice: audit.SentNotice | None = None

    def changes(self) -> dict[str, Any]:
        values: dict[str, Any] = {"status": self.status, "claimed_by": None}
        if self.uncounted:
            values["attempts"] = None  # `record_outcomes` takes one back
        if self.status == SENT:
            values["sent_at"], values["message_ts"] = self.at, self.message_ts
        if self.retry_at is not None:
            values["next_attempt_at"] = self.retry_at
        if self.error:
            values["last_error"] = self.error[:200]
        return values


async def record_outcomes(session: AsyncSession, outcomes: Iterable[Outcome], *, worker: str) -> None:
    """Write the outcomes of rows `worker` claimed. A row no longer `sending` by `worker` (another dispatcher's
    recovery settled it meanwhile) is left as it is.

    One UPDATE … WHERE id = ? AND status = 'sending' AND claimed_by = ? per kind of outcome, executed for many rows
    at once: loading the rows into the session and flushing them again was most of the dispatcher's own work.

    A row sent is in the audit log of each child its message names, in this same transaction: a crash leaves
    neither or both; so is a row settled unsent that an earlier attempt may have posted (`notice.maybe_sent`). Only
    rows this call settles count, so a row another dispatcher settled is audited once.

    PostgreSQL: the rows are locked in id order, as every transaction that locks several `sending` rows must, or two
    could each hold a row the other waits for. One kind of outcome is written in id order; if several kinds are
    written one after the other, or some rows are looked up for the audit first, every row is locked first instead,
    in id order, by that look-up (one more statement only for several kinds none of which names a child).
    """
    outcomes = sorted(outcomes, key=lambda outcome: outcome.row_id)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for outcome in outcomes:
        values = outcome.changes()
        # Bind names must differ from the column names an UPDATE sets.
        params = {f"new_{name}": value for name, value in values.items() if name != "attempts"}
        params["row_id"] = outcome.row_id
        by_columns.setdefault(tuple(sorted(values)), []).append(params)
    naming = [(o.row_id, o.at, o.notice) for o in outcomes if o.notice and o.notice.case_codes]
    looked_up = [row_id for row_id, _, _ in naming]
    if session.get_bind().dialect.name == "postgresql" and (naming or len(by_columns) > 1):
        looked_up = [outcome.row_id for outcome in outcomes]  # locked, all of them, before any is written
    held = await _still_held(session, looked_up, worker=worker) if looked_up else set()
    connection = await session.connection()
    for columns, params_list in by_columns.items():
        for params in params_list:
            params["worker"] = worker
        await execute_many(connection, _outcome_update(columns), params_list)
    await audit.record_notices(
        session, [(at, notice) for row_id, at, notice in naming if row_id in held and at is not None and notice]
    )


@functools.cache
def _outcome_update(columns: tuple[str, ...]) -> Update:
    """`record_outcomes`' UPDATE setting `columns`, made once per set of columns: `execute_many` compiles a statement
    once, the same object each time."""
    table = _table()
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.status == SENDING, table.c.claimed_by == bindparam("worker"))
        .values(
            {
                name: _one_attempt_back(table)
                if name == "attempts"
                else bindparam(f"new_{name}", type_=table.c[name].type)
                for name in columns
            }
        )
    )


async def _still_held(session: AsyncSession, ids: list[int], *, worker: str) -> set[int]:
    """Which of `ids` are still `sending` by `worker`, locked on PostgreSQL until the transaction ends: a recovery
    in another process (which locks the row it settles) then either settled one before, or finds it settled."""
    table = _table()
    query = select(table.c.id).where(table.c.id.in_(ids), table.c.status == SENDING, table.c.claimed_by == worker)
    if session.get_bind().dialect.name == "postgresql":
        query = query.order_by(table.c.id).with_for_update()  # locked in the order sorted
    return set((await session.exec(query)).all())


async def renew_claims(session: AsyncSession, *, ids: Iterable[int], worker: str, now: datetime) -> set[int]:
    """Extend `worker`'s claim on the rows `ids` that are still its own; returns those. A row missing from the
    answer was taken over by another dispatcher's recovery and must not be posted by `worker`."""
    rows = (
        await session.exec(
            select(Notification)
            .where(
                col(Notification.id).in_(list(ids)), Notification.status == SENDING, Notification.claimed_by == worker
            )
            .order_by(col(Notification.id))  # locked in id order, as `record_outcomes` and the planner lock
            .with_for_update()
        )
    ).all()
    for row in rows:
        row.claimed_at = now
    return {row.id for row in rows if row.id is not None}


async def release_claims(session: AsyncSession, *, ids: Iterable[int], worker: str) -> None:
    """Give back `worker`'s claims on rows it never handed to the messenger: pending again, and the claim, which
    `claim_due` counted as an attempt, no longer counted. A row another dispatcher's recovery took over meanwhile
    (no longer `sending` by `worker`) is left alone. One UPDATE for them all."""
    table = _table()
    await session.exec(
        update(table)
        .where(table.c.id.in_(list(ids)), table.c.status == SENDING, table.c.claimed_by == worker)
        .values(status=PENDING, claimed_by=None, attempts=_one_attempt_back(table))
    )


def _one_attempt_back(table: Table) -> Any:
    return case((table.c.attempts > 0, table.c.attempts - 1), else_=0)


async def abandoned(session: AsyncSession, *, older_than: datetime) -> Sequence[Notification]:
    """Rows left in `sending` by a process that stopped before recording the outcome."""
    return (
        await session.exec(
            select(Notification).where(Notification.status == SENDING, col(Notification.claimed_at) <= older_than)
        )
    ).all()


async def was_sent(session: AsyncSession, dedupe_key: str) -> bool:
    """Whether the message with this key went out."""
    found = await session.exec(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key, Notification.status == SENT)
    )
    return found.first() is not None


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest instant a pending row becomes due (for the simulator's virtual clock)."""
    ready_at = func.coalesce(col(Notification.next_attempt_at), col(Notification.due_at))
    row = (
        await session.exec(select(Notification).where(Notification.status == PENDING).order_by(ready_at).limit(1))
    ).first()
    return None if row is None else max(row.due_at, row.next_attempt_at or row.due_at)


def backoff(attempts: int) -> timedelta:
    """Retry delay after a transient failure: 10 s, 20 s, 40 s … capped at 15 minutes."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 900))

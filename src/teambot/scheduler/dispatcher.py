"""The dispatcher delivers due outbox rows through a Messenger, exactly once.

Each row is claimed (`sending`) in one short transaction, posted with no transaction open, and finished
in another. A row left in `sending` by a crash is checked against the recipient's conversation (the
bot's own message carries the row's key in Slack message metadata) before it is sent again.

A row sent is in the audit log of each child its message names, written with its `sent` (`outbox.record_outcomes`,
or `recover` for a row it finds posted). A row cancelled or missed while an earlier attempt may have been posted
(Slack answered an error, and could not say later whether it had the message) is too, as `notice.maybe_sent`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from teambot.commands.messenger import DeliveryError, Messenger, notification_metadata
from teambot.commands.notices import as_payload, from_payload, plain_notice
from teambot.commands.registry import Reply
from teambot.domain.clock import Clock
from teambot.i18n import format_date, t
from teambot.store import audit, outbox, queries
from teambot.store.db import Database
from teambot.store.models import Notification, Staff
from teambot.store.outbox import RATELIMITED, REFUSED, REFUSED_UNCONFIRMED, may_have_posted, named_cases, sent_notice

log = logging.getLogger(__name__)

# Redraws a row's message just before sending (new payload), or says it is no longer needed (None). One that
# raises for a passing reason is tried again later (`Dispatcher._undrawn`).
Refresher = Callable[[Notification], Awaitable[dict[str, Any] | None]]

MAX_ATTEMPTS = 8
# A look for an earlier post reads this much more either side of when it could have been made: the bot's clock and
# Slack's need not agree.
LOOK_MARGIN = timedelta(minutes=5)
# Errors in drawing a message that may pass: the database busy or locked, its connection lost or timed out.
_PASSING = (OperationalError, InterfaceError, OSError, TimeoutError)
MIN_SECONDS_PER_CHANNEL = 1.0  # chat.postMessage allows about one message per second per channel


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rerouted: int = 0
    missed: int = 0
    cancelled: int = 0
    recovered: int = 0
    delivered: list[Notification] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        *,
        worker: str | None = None,
        batch: int = 200,
        concurrency: int = 8,
        lease: timedelta = timedelta(minutes=2),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_SECONDS_PER_CHANNEL,
        refreshers: dict[str, Refresher] | None = None,
        record_every: int = 100,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.worker = worker or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.sleep = sleep
        self.monotonic = monotonic
        self.min_interval = min_interval
        self.refreshers = refreshers or {}
        self.record_every = record_every
        self._outcomes: list[outbox.Outcome] = []
        self._flush_lock = asyncio.Lock()
        self._last_post: dict[str, float] = {}
        self._held_until: dict[str, datetime] = {}
        # Unsettled rows in hand -> claim last renewed: the batch being delivered and the one claimed ahead of it.
        self._claimed: dict[int, datetime] = {}
        self._posting: set[int] = set()  # rows handed to the messenger, outcome not yet recorded: maybe posted
        self._renew_lock = asyncio.Lock()

    # -- recovery ----------------------------------------------------------------------------------
    async def recover(self, *, everything: bool = False) -> int:
        """Settle rows left in `sending`: already posted → sent; otherwise → pending again.

        `everything` (at start-up of the only process) takes every such row; otherwise only rows whose
        lease has expired, so a live dispatcher in another process is never second-guessed.
        """
        now = self.clock.now()
        async with self.db.read() as session:
            rows = list(await outbox.abandoned(session, older_than=now if everything else now - self.lease))
        recovered = 0
        for row in rows:
            # The crashed claim could post only while it held the row: until its lease ran out (its last renewal is
            # `claimed_at`). Reading only that window, a conversation that went on for pages since cannot make the
            # look unsure at every tick and the row stay `sending` for good. Five minutes either side for the clocks.
            claimed = row.claimed_at or row.due_at
            since, until = claimed - LOOK_MARGIN, claimed + self.lease + LOOK_MARGIN
            try:
                found = await self.messenger.find_sent(row.recipient, row.dedupe_key, since, until)
            except DeliveryError as exc:
                log.warning("could not check notification %s for an earlier post: %s", row.id, exc.reason)
                continue  # unknown: leave it in `sending` and ask again next time
            async with self.db.write() as session:
                # Locked: the dispatcher that claimed it may be recording it sent right now (and auditing it).
                current = await session.get(Notification, row.id, with_for_update=True)
                if (
                    current is None
                    or current.status != outbox.SENDING
                    or (current.claimed_by, current.claimed_at) != (row.claimed_by, row.claimed_at)
                ):
                    continue  # settled meanwhile, or its owner renewed the claim: it is alive after all
                if found:
                    current.status, current.sent_at, current.message_ts = outbox.SENT, now, found
                    await audit.record_notices(session, [(now, sent_notice(current))])
                else:
                    # The claim was cut short before anything was posted: it does not count as an attempt.
                    current.status, current.claimed_by = outbox.PENDING, None
                    current.attempts = max(0, current.attempts - 1)
                recovered += 1
        return recovered

    # -- delivery ----------------------------------------------------------------------------------
    async def dispatch_due(self) -> DispatchStats:
        """Deliver every row due now, batch by batch.

        While a full batch is delivered the next one is claimed beside it, so the posts do not stop for the claim's
        transaction; its rows join the claims in hand at once (renewed with them if this batch runs long) and are
        delivered when every row of this batch is done, so one recipient's rows still go out in due order.

        If a batch cannot be finished (an error that is not Slack's, its outcomes not written, the pass cancelled),
        the batch claimed ahead is awaited all the same and given back with this batch's rows never handed to the
        messenger; only rows that may have been posted stay `sending`, for `recover` to settle.
        """
        stats = DispatchStats()
        rows = await self._claim()
        while rows:
            upcoming = asyncio.create_task(self._claim()) if len(rows) >= self.batch else None
            try:
                await self._deliver_batch(rows, stats)
                await self._flush()
                # Shielded: a pass cancelled here still lets the claim end, so that `_give_back` sees its rows.
                ahead = await asyncio.shield(upcoming) if upcoming is not None else []
            except BaseException:
                await self._give_back(rows, upcoming)
                raise
            for row in rows:  # whatever of this batch is still here is no longer in hand
                self._claimed.pop(row.id or 0, None)
            rows = ahead
        return stats

    async def _deliver_batch(self, rows: list[Notification], stats: DispatchStats) -> None:
        by_recipient: dict[str, list[Notification]] = {}
        for row in rows:
            by_recipient.setdefault(row.recipient, []).append(row)
        # `concurrency` lanes, each taking the next recipient's rows when done with the last: recipients side by side
        # as a task per recipient behind a semaphore would serve them, in the same order, without a task and a wait
        # for each of a batch's hundreds of recipients (bench/README.md, "What changed on 2026-12-04 (helper-111)").
        recipients = iter(by_recipient.values())
        lanes = min(self.concurrency, len(by_recipient))
        queues = [asyncio.ensure_future(self._deliver_in_order(recipients, stats)) for _ in range(lanes)]
        try:
            await asyncio.gather(*queues)
        except BaseException:
            # One recipient's error ends the batch: the other recipients stop too, and none is left running once the
            # pass is over. Their rows not yet handed to the messenger are given back with the batch; a post cut
            # short here may have reached Slack, so its row stays `sending` for `recover` to look for.
            for queue in queues:
                queue.cancel()
            await asyncio.gather(*queues, return_exceptions=True)
            raise

    async def _give_back(self, rows: list[Notification], upcoming: asyncio.Task[list[Notification]] | None) -> None:
        """After a batch that could not be finished: write what it settled, wait for the claim ahead, and release
        in one UPDATE every row of both still in hand that was never handed to the messenger."""
        try:
            await self._flush()
        except Exception as exc:  # the batch's own error is raised all the same; these rows go to `recover`
            log.warning("could not record the outcomes of an unfinished batch: %s", exc)
        ahead: list[Notification] = []
        if upcoming is not None:
            await asyncio.wait([upcoming])  # not cancelled with this pass: its rows must be known to be released
            failure = None if upcoming.cancelled() else upcoming.exception()  # retrieved: never logged as lost
            if failure is not None:
                log.warning("claiming the next batch failed: %s", failure)
            elif not upcoming.cancelled():
                ahead = upcoming.result()
        batch_rows = [*rows, *ahead]
        async with self._renew_lock:  # not while a renewal rebuilds `_claimed`
            unposted = [row.id for row in batch_rows if row.id in self._claimed and row.id not in self._posting]
            for row in batch_rows:
                self._claimed.pop(row.id or 0, None)
                self._posting.discard(row.id or 0)
        if not unposted:
            return
        try:
            async with self.db.write() as session:
                await outbox.release_claims(session, ids=unposted, worker=self.worker)
        except Exception as exc:
            log.warning("could not give back %d claimed notifications; recovery will: %s", len(unposted), exc)

    async def _claim(self) -> list[Notification]:
        now = self.clock.now()
        async with self.db.write() as session:
            rows = await outbox.claim_due(
                session, now=now, worker=self.worker, limit=self.batch, is_postgres=not self.db.is_sqlite
            )
        async with self._renew_lock:  # a renewal in progress rebuilds `_claimed`: add to it after, not during
            self._claimed.update({row.id: now for row in rows if row.id is not None})
        return rows

    async def _deliver_in_order(self, recipients: Iterator[list[Notification]], stats: DispatchStats) -> None:
        """One lane: each recipient's rows in due order, the next recipient not yet taken by another lane after."""
        for queue in recipients:
            for row in queue:
                await self._deliver(row, stats)

    async def _deliver(self, row: Notification, stats: DispatchStats) -> None:
        now = self.clock.now()
        held = self._held_until.get(row.recipient)
        if held is not None and held > now:
            # Nothing was tried: whatever the last attempt left unsure stays unsure, and no attempt is used up.
            await self._retry_at(row, held, row.last_error or RATELIMITED, uncounted=True)
            stats.retried += 1
            return
        unsure = row.attempts > 1 and may_have_posted(row.last_error)
        if unsure:
            # An earlier attempt may have posted the message all the same (Slack had it, then answered 500 or
            # timed out): look for it by its key before posting again. A 429 or a refusal posted nothing.
            try:
                found = await self.messenger.find_sent(
                    row.recipient, row.dedupe_key, row.due_at - LOOK_MARGIN, now + LOOK_MARGIN
                )
            except DeliveryError as exc:
                if exc.retry_after is not None:
                    # Waiting as Slack asks costs no attempt: a blind post now could be a second.
                    await self._wait_as_asked(row, exc.retry_after, exc.reason, stats)
                    return
                # Otherwise the check is a best effort: if Slack cannot answer it either, post as before rather than
                # spend the row's attempts on checks (a flaky Slack would otherwise lose messages to them).
                log.info("could not check notification %s for an earlier post: %s", row.id, exc.reason)
                found = None
            else:
                unsure = False  # Slack answered: nothing was posted
            if found:
                # Settled with the payload as stored, which is what that attempt posted (`keep_payload`): looked for
                # before any redraw, which could cancel a message Slack has, or audit children it never named.
                await self._finish(row, outbox.SENT, message_ts=found)
                stats.sent += 1
                stats.delivered.append(row)
                return
        # After the look: a reminder an earlier attempt posted before the event began reached its reader.
        event_at = row.payload.get("event_at")
        if row.kind.endswith(".reminder") and event_at and datetime.fromisoformat(event_at) <= now:
            await self._finish(row, outbox.MISSED, error="event already started", maybe_posted=unsure)
            await self._tell_lead_missed(row)
            stats.missed += 1
            return
        refresh = self.refreshers.get(row.kind)
        if refresh is not None:
            try:
                payload = await refresh(row)
            except Exception as exc:
                await self._undrawn(row, exc, stats, earlier_unsure=unsure)
                return
            if payload is None:
                # Whether an earlier attempt posted is unknown here: the row must not be brought back with a new
                # payload a later look could settle it with (`outbox.bring_back_cancelled`).
                error = outbox.CANCELLED_UNSURE if unsure else "nothing left to say"
                await self._finish(row, outbox.CANCELLED, error=error, maybe_posted=unsure)
                stats.cancelled += 1
                return
            if payload != row.payload:
                row.payload = payload
                async with self.db.write() as session:
                    await outbox.keep_payload(session, row_id=row.id or 0, worker=self.worker, payload=payload)
        await self._pace(row.recipient)
        if not await self._still_mine(row):
            return  # another dispatcher's recovery took it over while this batch was paced out
        self._posting.add(row.id or 0)  # from here on it may be posted: never given back unsettled
        try:
            ts = await self.messenger.send(
                row.recipient, from_payload(row.payload), metadata=notification_metadata(row.dedupe_key)
            )
        except DeliveryError as exc:
            await self._failed(row, exc, stats, earlier_unsure=unsure)
            return
        await self._finish(row, outbox.SENT, message_ts=ts)
        stats.sent += 1
        stats.delivered.append(row)

    async def _still_mine(self, row: Notification) -> bool:
        """Whether the claim on `row` still holds, renewing every claim in hand once half the lease is gone: the rows
        of the batch being delivered and those of the batch claimed ahead, which wait for this one to end.

        A long batch (a backlog for one person, paced one post a second) can outlast the lease; without renewal
        another dispatcher's `recover` would take the rows back and post them a second time. A row given back
        (`_give_back`) is no longer in hand: it is not renewed, and not posted if a delivery still asks."""
        async with self._renew_lock:  # recipients run side by side: one renewal serves them all
            if row.id not in self._claimed:
                return False
            now = self.clock.now()
            if now - self._claimed[row.id] < self.lease / 2:
                return True
            await self._flush()  # settled rows are no longer `sending` and need no renewal
            async with self.db.write() as session:
                mine = await outbox.renew_claims(session, ids=list(self._claimed), worker=self.worker, now=now)
            for lost in set(self._claimed) - mine:
                log.warning("notification %s was taken over by another dispatcher; not posting it", lost)
            self._claimed = {row_id: now for row_id in self._claimed if row_id in mine}
            return row.id in self._claimed

    async def _pace(self, recipient: str) -> None:
        last = self._last_post.get(recipient)
        if last is not None:
            wait = last + self.min_interval - self.monotonic()
            if wait > 0:
                await self.sleep(wait)
        self._last_post[recipient] = self.monotonic()

    async def _failed(
        self, row: Notification, exc: DeliveryError, stats: DispatchStats, *, earlier_unsure: bool
    ) -> None:
        """Retry, or settle as failed: then audited as maybe sent if this attempt, or an earlier one nobody could
        look for since (`earlier_unsure`), may have been posted all the same."""
        now = self.clock.now()
        if exc.retry_after is not None:
            await self._wait_as_asked(row, exc.retry_after, exc.reason, stats)
        elif not exc.permanent and row.attempts < MAX_ATTEMPTS:
            # A refusal now does not settle an earlier attempt that may have posted: its reason is kept, so the next
            # attempt still looks for that post first. A refusal alone is marked so: the next attempt need not look.
            if exc.refused:
                error = row.last_error if earlier_unsure and row.last_error else f"{REFUSED}{exc.reason}"
            else:
                error = exc.reason
            await self._retry_at(row, now + outbox.backoff(row.attempts), error)
            stats.retried += 1
        else:
            maybe_posted = earlier_unsure or not exc.refused
            # Marked when nothing can have been posted, as a refused retry is: a planner reading the row
            # (`outbox.may_have_reached`) then hands the message to someone else instead of counting it as told.
            # Refused now after an earlier attempt that may have posted: said so, and still maybe reached.
            if not exc.refused:
                error = exc.reason
            elif earlier_unsure:
                error = f"{REFUSED_UNCONFIRMED}{exc.reason}"
            else:
                error = f"{REFUSED}{exc.reason}"
            await self._finish(row, outbox.FAILED, error=error, maybe_posted=maybe_posted)
            stats.failed += 1
            if await self._reroute(row, exc.reason):
                stats.rerouted += 1

    async def _undrawn(self, row: Notification, exc: Exception, stats: DispatchStats, *, earlier_unsure: bool) -> None:
        """The message could not be drawn: nothing was posted. For a passing reason (the database busy or its
        connection lost) it is tried again after a backoff, as a failed post is, until the row's attempts are used up;
        never cancelled for it, which would drop the message (a lead's digest for the week). Any other error is a bug
        that a retry repeats: the row fails at once, logged with where it happened. Logged and stored by the error's
        type and frames alone: its text can carry a statement's parameters, case data among them."""
        reason = f"{outbox.UNDRAWN}{type(exc).__name__}"
        if not isinstance(exc, _PASSING):
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("could not draw notification %s: %s, at\n%s", row.id, type(exc).__name__, frames)
        else:
            log.warning("could not draw notification %s (attempt %d): %s", row.id, row.attempts, type(exc).__name__)
            if row.attempts < MAX_ATTEMPTS:
                # An earlier attempt that may have posted, and that no look settled, is still looked for next time.
                error = row.last_error if earlier_unsure and row.last_error else reason
                await self._retry_at(row, self.clock.now() + outbox.backoff(row.attempts), error)
                stats.retried += 1
                return
        # Settled unsent while an earlier attempt may have posted: that reason stays, so the row still may have reached.
        error = row.last_error if earlier_unsure and row.last_error else reason
        await self._finish(row, outbox.FAILED, error=error, maybe_posted=earlier_unsure)
        stats.failed += 1

    async def _wait_as_asked(self, row: Notification, seconds: float, reason: str, stats: DispatchStats) -> None:
        """Slack answered 429: the recipient's rows wait `seconds`, and this one uses up no attempt (nothing was
        posted). An earlier failure that may have posted is not settled by it: that reason is kept, so the next
        attempt still looks for the post first."""
        until = self.clock.now() + timedelta(seconds=seconds)
        self._held_until[row.recipient] = until
        unsure = row.last_error if may_have_posted(row.last_error) else None
        await self._retry_at(row, until, unsure or reason, uncounted=True)
        stats.retried += 1

    async def _retry_at(self, row: Notification, when: datetime, error: str, *, uncounted: bool = False) -> None:
        await self._record(outbox.Outcome(row.id or 0, outbox.PENDING, retry_at=when, error=error, uncounted=uncounted))

    async def _finish(
        self,
        row: Notification,
        status: str,
        *,
        message_ts: str | None = None,
        error: str | None = None,
        maybe_posted: bool = False,
    ) -> None:
        """Settle `row`. One sent, or settled unsent while an earlier attempt may have been posted (`maybe_posted`:
        its stored payload is what that attempt posted, `outbox.keep_payload`), is audited for the children it names.
        """
        sent = status == outbox.SENT
        notice = sent_notice(row, maybe=not sent) if sent or maybe_posted else None
        outcome = outbox.Outcome(
            row.id or 0, status, message_ts=message_ts, error=error, at=self.clock.now(), notice=notice
        )
        await self._record(outcome)

    async def _record(self, outcome: outbox.Outcome) -> None:
        # Outcomes are written in batches: one transaction per message would cap throughput at the disk's
        # commit rate. A crash before the write leaves rows in `sending`, which `recover` settles by looking
        # for the posted message's metadata, so nothing is sent twice.
        self._outcomes.append(outcome)
        self._claimed.pop(outcome.row_id, None)
        self._posting.discard(outcome.row_id)
        if len(self._outcomes) >= self.record_every:
            await self._flush()

    async def _flush(self) -> None:
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            if not outcomes:
                return
            async with self.db.write() as session:
                await outbox.record_outcomes(session, outcomes, worker=self.worker)

    async def _lead_targets(self, row: Notification) -> tuple[list[Staff], str]:
        if row.institution_id is None:
            return [], row.recipient
        async with self.db.read() as session:
            # A lead known only by e-mail (not found in Slack yet) cannot be messaged; the others still are.
            leads = [
                s
                for s in await queries.leads_of(session, row.institution_id)
                if s.slack_id not in (None, row.recipient)
            ]
            original = await queries.staff_by_slack_id(session, row.recipient)
        return leads, original.name if original else row.recipient

    async def _reroute(self, row: Notification, error: str) -> bool:
        """A permanent failure goes to the institution's lead, with a line saying whom it was for."""
        if row.kind.startswith("notice."):
            return False  # never reroute a reroute
        leads, name = await self._lead_targets(row)
        original = from_payload(row.payload)
        planned = []
        for lead in leads:
            assert lead.slack_id is not None
            notice = plain_notice(
                t("outbox.rerouted", name=name, error=error) + "\n\n" + original.text,
                t("why.lead_reroute", name=name),
            )
            planned.append(self._notice(row, "notice.rerouted", lead.slack_id, notice))
        async with self.db.write() as session:
            await outbox.insert_new(session, planned, self.clock.now())
        return bool(planned)

    async def _tell_lead_missed(self, row: Notification) -> None:
        leads, _ = await self._lead_targets(row)
        day = format_date(row.event_day) if row.event_day else ""
        planned = []
        for lead in leads:
            assert lead.slack_id is not None
            notice = plain_notice(
                t("outbox.missed", code=row.subject, date=day), t("why.lead_missed", code=row.subject)
            )
            planned.append(self._notice(row, "notice.missed", lead.slack_id, notice))
        async with self.db.write() as session:
            await outbox.insert_new(session, planned, self.clock.now())

    def _notice(self, row: Notification, kind: str, recipient: str, reply: Reply) -> outbox.Planned:
        # A missed meeting is reported once per lead, however many of its reminders were missed.
        about = f"{row.ref_type}:{row.ref_id}:{row.event_day}" if kind == "notice.missed" else row.dedupe_key
        return outbox.Planned(
            dedupe_key=f"{about}:{kind}:{recipient}"[:200],
            kind=kind,
            recipient=recipient,
            subject=row.subject,
            due_at=self.clock.now(),
            ref_type=row.ref_type,
            ref_id=row.ref_id,
            event_day=row.event_day,
            institution_id=row.institution_id,
            payload=as_payload(reply, cases=named_cases(row.kind, row.subject, row.payload)),
        )

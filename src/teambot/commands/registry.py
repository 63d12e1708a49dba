"""The command registry, the one user-facing error type, and the Reply every transport renders."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from teambot.domain.calendar import DANISH_TIME
from teambot.domain.clock import Clock
from teambot.domain.privacy import contains_cpr, cpr_may_be_a_time
from teambot.i18n import t
from teambot.store.db import Database
from teambot.store.models import Staff
from teambot.store.queries import staff_by_slack_id
from teambot.store.requests import Replay, Replayed

log = logging.getLogger(__name__)

DEFAULT_ZONE = DANISH_TIME

Block = dict[str, Any]


class UserError(Exception):
    """A refusal the user should read: the message is already in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Attachment:
    """A file for the person who asked (a report): uploaded to their DM in Slack, saved to disk in the console."""

    filename: str
    content: bytes
    title: str


@dataclass
class Reply:
    """What a command or action answers: text (always, for notifications and fallbacks) and Block Kit."""

    text: str
    blocks: list[Block] | None = None
    ephemeral: bool = True
    replace_original: bool = False  # an action's answer that updates the message holding the button
    modal: Block | None = None  # a Slack modal to open; transports without modals show `text` instead
    # A form's answer: draws the message the form was opened from again (the nudge, after its form was saved), called
    # only by a transport that shows it: drawing it reads and audits case data. The answer opening such a form sets
    # `keep_origin`, so the form carries where it was opened from.
    redraw: Callable[[], Awaitable[Reply]] | None = None
    keep_origin: bool = False
    # An action's answer, should its button be on the Home tab (which has no message to replace): the tab as the action
    # left it, drawn again in its place by a transport that has one. Called only then: drawing it reads case data.
    home: Callable[[], Awaitable[list[Block]]] | None = None
    files: list[Attachment] = field(default_factory=list)
    # The children the answer names: sent by the bot on its own (the Friday digest is `/uge`), it is audited for each.
    case_codes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """Who is asking, and the services a command may use."""

    db: Database
    clock: Clock
    user_id: str
    zone: ZoneInfo = DEFAULT_ZONE
    public_url: str | None = None  # where this bot is reached over HTTP (calendar feeds), if anywhere
    staff: Staff | None = None
    # Re-plans one case's outbox rows at once after a change; handed in by the runtime (the planner lives
    # in the scheduler, which commands must not import). Without it the periodic planner catches up.
    replan: Callable[[int], Awaitable[None]] | None = None
    # A signed request's replay check, when the guard put it off to the command (store/requests.py).
    replay: Replay | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def require_staff(self) -> Staff:
        if self.staff is None:
            raise UserError(t("error.unknown_user"))
        return self.staff


Handler = Callable[[Context, str], Awaitable[Reply]]
ActionHandler = Callable[[Context, str], Awaitable[Reply]]
# A modal submission: the input values by action_id, and the modal's private metadata.
ViewHandler = Callable[[Context, dict[str, str], str], Awaitable[Reply]]


@dataclass(frozen=True)
class ViewOutcome:
    reply: Reply
    refused: bool  # show `reply.text` as the modal's field error instead of closing it


@dataclass(frozen=True)
class Command:
    slash: str  # "/teambot", "/rating", "/uge"
    sub: str | None  # subcommand of /teambot, None for a top-level command
    key: str  # catalog key stem: cmd.<key>.usage / cmd.<key>.summary
    handler: Handler
    aliases: tuple[str, ...] = ()
    # The handler reads the staff member itself (`load_staff`, or with its own data in one statement), so
    # `run_command` does not spend a transaction on it first.
    reads_staff: bool = False
    # The handler decides a put-off replay check (`Context.replay`) before it stores or reads anything, in a
    # statement of its own, so `run_command` does not spend a round trip on it first.
    decides_replay: bool = False

    @property
    def usage(self) -> str:
        return t(f"cmd.{self.key}.usage")

    @property
    def summary(self) -> str:
        return t(f"cmd.{self.key}.summary")


class Registry:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.actions: dict[str, ActionHandler] = {}
        self.views: dict[str, ViewHandler] = {}

    def command(
        self,
        slash: str,
        sub: str | None = None,
        *,
        key: str,
        aliases: tuple[str, ...] = (),
        reads_staff: bool = False,
        decides_replay: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.commands.append(Command(slash, sub, key, handler, aliases, reads_staff, decides_replay))
            return handler

        return register

    def action(self, action_id: str) -> Callable[[ActionHandler], ActionHandler]:
        """Register the handler of a button: `action_id` prefix before any ':'."""

        def register(handler: ActionHandler) -> ActionHandler:
            self.actions[action_id] = handler
            return handler

        return register

    def view(self, callback_id: str) -> Callable[[ViewHandler], ViewHandler]:
        """Register the handler of a modal submission by its `callback_id`."""

        def register(handler: ViewHandler) -> ViewHandler:
            self.views[callback_id] = handler
            return handler

        return register

    @property
    def slashes(self) -> list[str]:
        return sorted({c.slash for c in self.commands})

    def find(self, slash: str, text: str) -> tuple[Command, str]:
        """The command for `slash` + `text`, and the remaining argument text. Raises UserError."""
        slash = slash.strip().lower()
        candidates = [c for c in self.commands if c.slash == slash]
        if not candidates:
            raise UserError(t("error.unknown_command", command=slash))
        top = [c for c in candidates if c.sub is None]
        if top:
            return top[0], text.strip()
        word, _, rest = text.strip().partition(" ")
        word = word.lower() or "hjælp"
        for c in candidates:
            if word == c.sub or word in c.aliases:
                return c, rest.strip()
        raise UserError(t("error.unknown_subcommand", sub=word))

    def decides_replay(self, slash: str, text: str) -> bool:
        """Whether the command `slash` + `text` would decide a put-off replay check itself."""
        try:
            return self.find(slash, clean(text))[0].decides_replay
        except UserError:
            return False


REGISTRY = Registry()

# Control characters have no business in anything a person types; PostgreSQL refuses NUL in text outright. Each
# becomes a space: deleted, it would join the digits on either side, and "000<US>010100-0000" would hide a CPR
# number inside a longer run of digits.
_CONTROL = dict.fromkeys((c for c in range(32) if chr(c) not in "\n\t\r"), " ")


def clean(text: str) -> str:
    return text.translate(_CONTROL)


async def load_staff(ctx: Context) -> None:
    """`ctx.staff`: the active staff member with the asker's Slack ID, if there is one."""
    if ctx.staff is None and ctx.user_id:
        async with ctx.db.read(brief=True) as session:
            ctx.staff = await staff_by_slack_id(session, ctx.user_id)


async def run_command(ctx: Context, slash: str, text: str, registry: Registry = REGISTRY) -> Reply:
    """Run one slash command. Refusals become a Reply; unexpected errors are logged, never shown. A replayed
    request (`ctx.replay`) raises Replayed, and no answer leaves before that is decided: a database error in that
    check is raised too (the transport's own error; as the guard's before it was put off)."""
    reply = await _run_command(ctx, clean(text), slash, registry)
    if ctx.replay is not None:
        await ctx.replay.check()  # decided already, unless the command failed before its first statement
    return reply


def refuse_cpr(*texts: str) -> None:
    """Refuse CPR-shaped text; where each such part may be a date and a time ("08.12.26 1400"), say how to write the
    time so that it is not one."""
    shaped = [text for text in texts if contains_cpr(text)]
    if shaped:
        raise UserError(t("error.cpr_or_time" if all(cpr_may_be_a_time(text) for text in shaped) else "error.cpr"))


async def _run_command(ctx: Context, text: str, slash: str, registry: Registry) -> Reply:
    try:
        refuse_cpr(text)  # before any command sees it, so it can never be stored or logged
        command, args = registry.find(slash, text)
        if ctx.replay is not None and not command.decides_replay:
            await ctx.replay.check()
        if not command.reads_staff:
            await load_staff(ctx)
        return await command.handler(ctx, args)
    except UserError as refusal:
        return Reply(refusal.message)
    except Replayed:
        raise
    except Exception:
        # The text is deliberately not logged: it may hold case data.
        log.exception("command %s failed for user %s", slash, ctx.user_id)
        return Reply(t("error.unexpected"))


async def run_action(ctx: Context, action_id: str, value: str, registry: Registry = REGISTRY) -> Reply:
    """Run a button or menu action by its registered `action_id` (the part before any ':')."""
    value = clean(value)
    try:
        refuse_cpr(value)
        handler = registry.actions.get(action_id.split(":", 1)[0])
        if handler is None:
            raise UserError(t("error.unknown_command", command=action_id))
        await load_staff(ctx)
        return await handler(ctx, value)
    except UserError as refusal:
        return Reply(refusal.message)
    except Exception:
        log.exception("action %s failed for user %s", action_id, ctx.user_id)
        return Reply(t("error.unexpected"))


async def run_view(
    ctx: Context, callback_id: str, values: dict[str, str], metadata: str, registry: Registry = REGISTRY
) -> ViewOutcome:
    """Run a modal submission. A refusal keeps the modal open with the message on its input."""
    values = {clean(k): clean(v) for k, v in values.items()}
    metadata = clean(metadata)
    try:
        refuse_cpr(*values.values())
        handler = registry.views.get(callback_id)
        if handler is None:
            raise UserError(t("error.unknown_command", command=callback_id))
        await load_staff(ctx)
        return ViewOutcome(await handler(ctx, values, metadata), refused=False)
    except UserError as refusal:
        return ViewOutcome(Reply(refusal.message), refused=True)
    except Exception:
        log.exception("view %s failed for user %s", callback_id, ctx.user_id)
        return ViewOutcome(Reply(t("error.unexpected")), refused=True)

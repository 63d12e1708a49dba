"""`teambot shell`: one slash command per line from stdin (interactive or piped), replies on stdout.

It uses the same command layer as Slack. Buttons in replies and in messages the bot sends are shown as
numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from teambot.commands import Context, Reply, run_action, run_command, run_view
from teambot.console.render import Choice, render
from teambot.i18n import t


class ConsoleMessenger:
    """Prints what the bot sends on its own, as Slack would show it to the recipient."""

    def __init__(self, out: TextIO, names: Callable[[str], str] | None = None) -> None:
        self.out = out
        self.names = names or (lambda recipient: recipient)
        self.choices: list[Choice] = []
        self.sent = 0
        self.keys: dict[str, str] = {}

    async def send(self, recipient: str, reply: Reply, *, metadata: dict[str, Any] | None = None) -> str:
        self.sent += 1
        self.choices.clear()
        print(t("console.sent_to", recipient=self.names(recipient)), file=self.out)
        print(render(reply, self.choices), file=self.out, flush=True)
        message_id = f"console-{self.sent}"
        key = ((metadata or {}).get("event_payload") or {}).get("key")
        if key:
            self.keys[key] = message_id
        return message_id

    async def find_sent(self, recipient: str, key: str, since: datetime, until: datetime) -> str | None:
        return self.keys.get(key)


class ModalForm:
    """A Slack modal filled in line by line: one answer per input, then submitted like Slack would."""

    def __init__(self, modal: dict[str, Any]) -> None:
        self.callback_id = str(modal.get("callback_id", ""))
        self.metadata = str(modal.get("private_metadata", ""))
        self.inputs = [b for b in modal.get("blocks", []) if b.get("type") == "input"]
        self.values: dict[str, str] = {}
        self.position = 0

    @property
    def done(self) -> bool:
        return self.position >= len(self.inputs)

    def prompt(self) -> str:
        block = self.inputs[self.position]
        element = block.get("element", {})
        label = str(block.get("label", {}).get("text", ""))
        hint = ""
        if element.get("type") in {"radio_buttons", "static_select"}:
            hint = "/".join(str(o.get("value")) for o in element.get("options", []))
        elif element.get("type") == "datepicker":
            hint = t("console.date_hint")
        skip = t("console.skip_hint") if block.get("optional") else ""
        return f"{label} [{', '.join(h for h in (hint, skip) if h)}]:" if hint or skip else f"{label}:"

    def answer(self, line: str) -> None:
        element = self.inputs[self.position].get("element", {})
        if line:
            self.values[str(element.get("action_id", ""))] = line
        self.position += 1


class Shell:
    def __init__(
        self,
        make_context: Callable[[], Context],
        out: TextIO,
        messenger: ConsoleMessenger,
        files_dir: Path = Path("rapporter"),
    ) -> None:
        self.files_dir = files_dir
        self.make_context = make_context
        self.out = out
        self.messenger = messenger
        self.choices: list[Choice] = []
        self.form: ModalForm | None = None

    def show(self, reply: Reply) -> None:
        self.choices = []
        print(render(reply, self.choices), file=self.out, flush=True)
        for attachment in reply.files:
            # The console has no DM to upload to: files land in a folder beside the database.
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / attachment.filename
            path.write_bytes(attachment.content)
            print(t("console.file_saved", path=path), file=self.out, flush=True)
        if reply.modal is not None:
            self.form = ModalForm(reply.modal)
            if self.form.done:
                self.form = None
            else:
                print(t("console.form_start"), file=self.out)
                print(self.form.prompt(), file=self.out, flush=True)

    async def _form_line(self, form: ModalForm, line: str) -> None:
        form.answer(line)
        if not form.done:
            print(form.prompt(), file=self.out, flush=True)
            return
        self.form = None
        outcome = await run_view(self.make_context(), form.callback_id, form.values, form.metadata)
        self.show(outcome.reply)
        if outcome.reply.redraw is not None:  # the message the form was opened from, as it now stands
            self.show(await outcome.reply.redraw())

    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if self.form is not None:
            if line.startswith("/"):
                self.form = None
                print(t("console.form_closed"), file=self.out)
            else:
                await self._form_line(self.form, line)
                return
        if not line:
            return
        if re.fullmatch(r"[0-9]{1,4}", line):
            # A number presses a button from the latest reply, or else from the latest sent message.
            pool = self.choices or self.messenger.choices
            index = int(line) - 1
            if 0 <= index < len(pool):
                choice = pool[index]
                self.show(await run_action(self.make_context(), choice.action_id, choice.value))
                return
        if not line.startswith("/"):
            print(t("console.not_a_command"), file=self.out, flush=True)
            return
        slash, _, text = line.partition(" ")
        self.show(await run_command(self.make_context(), slash, text))

    async def run(self, stdin: TextIO) -> None:
        interactive = stdin.isatty()
        while True:
            if interactive:
                print("> ", end="", file=self.out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:  # Ctrl-D or end of piped input
                if interactive:
                    print(t("console.bye"), file=self.out)
                return
            if not interactive:
                print(f"> {line.rstrip()}", file=self.out)
            await self.handle_line(line)

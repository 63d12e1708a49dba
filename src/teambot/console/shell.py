"""`teambot shell`: one slash command per line from stdin (interactive or piped), replies on stdout.

It uses the same command layer as Slack. Buttons in replies and in messages the bot sends are shown as
numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from teambot.commands import Context, Reply, run_action, run_command
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

    async def find_sent(self, recipient: str, key: str, since: datetime) -> str | None:
        return self.keys.get(key)


class Shell:
    def __init__(self, make_context: Callable[[], Context], out: TextIO, messenger: ConsoleMessenger) -> None:
        self.make_context = make_context
        self.out = out
        self.messenger = messenger
        self.choices: list[Choice] = []

    def show(self, reply: Reply) -> None:
        self.choices = []
        print(render(reply, self.choices), file=self.out, flush=True)

    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.isdigit():
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

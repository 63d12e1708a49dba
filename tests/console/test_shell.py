"""The local console: `teambot shell` and `teambot run` without Slack, piped end to end, and the Block Kit
renderer with its numbered choices."""

from __future__ import annotations

import io
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from helpers_foundation import clean_env, run_teambot, sqlite_file_url
from teambot.commands import REGISTRY, Context, Reply
from teambot.console.render import Choice, render
from teambot.console.shell import ConsoleMessenger, Shell
from teambot.store.db import Database
from teambot.testing.clock import FakeClock

HELP_TITLE = "*teambot* — det kan jeg hjælpe med:"
CPR_REFUSAL = (
    "Det ligner et CPR-nummer. Af hensyn til barnet gemmer teambot aldrig CPR-numre "
    "— skriv beskeden uden. Intet er gemt."
)
SCRIPT = "/teambot hjælp\n/teambot mig\n/teambot flyvemaskine\n/teambot mig 010190-1234\n"


def env_for(folder: Path) -> dict[str, str]:
    return clean_env(TEAMBOT_DATABASE_URL=sqlite_file_url(folder))


def replies(stdout: str) -> dict[str, list[str]]:
    """The echoed input lines (`> ...`) and the reply to each, from piped console output. Messages the bot
    sends on its own (`── besked til … ──` and what follows) are left out."""
    result: dict[str, list[str]] = {}
    current: list[str] = []
    for line in stdout.splitlines():
        if line.startswith("> "):
            current = result.setdefault(line[2:], [])
        elif line.startswith("── besked til "):
            current = []
        else:
            current.append(line)
    return result


def assert_script_answers(answers: dict[str, list[str]]) -> None:
    help_lines = answers["/teambot hjælp"]
    assert help_lines[0] == HELP_TITLE
    for command in REGISTRY.commands:
        assert any(line.startswith(f"• `{command.usage}` — ") for line in help_lines)
    assert answers["/teambot mig"] == [
        "*Mette Jensen* — pædagog",
        "Institutioner: Børnehuset Solsikken (SOL)",
        "Dine børn: AK12, BM04",
    ]
    assert answers["/teambot flyvemaskine"] == [
        "Jeg kender ikke «/teambot flyvemaskine». Skriv `/teambot hjælp` for at se, hvad jeg kan."
    ]
    assert answers["/teambot mig 010190-1234"] == [CPR_REFUSAL]


# Each scenario is a real `teambot` process with its own folder and database; they run side by side.
SCENARIOS: dict[str, tuple[list[str], str]] = {
    "shell --demo": (["shell", "--demo"], SCRIPT),
    "run": (["run"], SCRIPT + "hej\n"),
    "as lead": (["shell", "--demo", "--as", "U0KARSTEN1"], "/teambot mig\n"),
    "as unknown": (["shell", "--as", "U0NOBODY1"], SCRIPT),
    "empty database": (["shell"], SCRIPT),
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    folders = {name: tmp_path_factory.mktemp("console") for name in SCENARIOS}

    def start(name: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
        args, stdin = SCENARIOS[name]
        return folders[name], run_teambot(*args, cwd=folders[name], env=env_for(folders[name]), stdin=stdin)

    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        return dict(zip(SCENARIOS, pool.map(start, SCENARIOS), strict=True))


def test_shell_demo_piped(console: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]) -> None:
    folder, result = console["shell --demo"]

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "teambot kører i den lokale konsol med demokommunen. Du er Mette Jensen (U0METTE01)."
    assert lines[1] == "Skriv en kommando, fx `/teambot hjælp`. Ctrl-D afslutter."
    assert_script_answers(replies(result.stdout))
    assert (folder / "teambot.db").exists()


def test_run_without_slack_starts_the_console_with_the_demo(
    console: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
) -> None:
    _, result = console["run"]

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Slack er ikke sat op. Sæt SLACK_BOT_TOKEN og SLACK_APP_TOKEN (Socket Mode)")
    assert lines[1] == "teambot kører i den lokale konsol med demokommunen. Du er Mette Jensen (U0METTE01)."
    answers = replies(result.stdout)
    assert_script_answers(answers)
    assert answers["hej"] == ["Skriv en kommando, der starter med /, fx `/teambot hjælp`."]


def test_shell_as_another_user(console: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]) -> None:
    _, result = console["as lead"]

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("Du er Karsten Bro (U0KARSTEN1).")
    assert replies(result.stdout)["/teambot mig"] == [
        "*Karsten Bro* — leder",
        "Institutioner: Vuggestuen Mariehønen (MAR), Børnehuset Solsikken (SOL)",
        "Du har ingen aktive forløb.",
    ]


def test_shell_as_an_unknown_user_exits_1(console: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]) -> None:
    _, result = console["as unknown"]

    assert result.returncode == 1
    assert result.stderr.strip() == "Medarbejderen «U0NOBODY1» findes ikke."
    assert "> /teambot" not in result.stdout  # no command was run


def test_shell_on_an_empty_database_says_how_to_fill_it(
    console: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
) -> None:
    _, result = console["empty database"]

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Der er ingen medarbejdere i databasen. Kør `teambot demo` eller `teambot import FIL`."
    ]


# -- Block Kit as text ----------------------------------------------------------------------------------

BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Statusmøde AK12"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*torsdag 12. november 2026* kl. 14.00"}},
    {"type": "section", "fields": [{"type": "mrkdwn", "text": "Sted: SOL"}, {"type": "mrkdwn", "text": "Uge 46"}]},
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Bekræft"}, "action_id": "t.ok", "value": "1"},
            {"type": "button", "text": {"type": "plain_text", "text": "Flyt"}, "action_id": "t.move", "value": "2"},
        ],
    },
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Mål 1"},
        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Vis"}, "action_id": "t.show"},
    },
    {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Du får denne besked,"}, {"type": "mrkdwn", "text": "fordi."}],
    },
]


def test_blocks_render_as_text_with_numbered_choices() -> None:
    choices: list[Choice] = []

    text = render(Reply("fallback", blocks=BLOCKS), choices)

    assert text.splitlines() == [
        "Statusmøde AK12",
        "===============",
        "*torsdag 12. november 2026* kl. 14.00",
        "Sted: SOL",
        "Uge 46",
        "—" * 20,
        "Valg: [1] Bekræft  [2] Flyt",
        "Mål 1",
        "[3] Vis",
        "Du får denne besked, fordi.",
    ]
    assert choices == [Choice("Bekræft", "t.ok", "1"), Choice("Flyt", "t.move", "2"), Choice("Vis", "t.show", "")]


def test_a_reply_without_blocks_is_its_text() -> None:
    assert render(Reply("Intet er gemt."), []) == "Intet er gemt."


@pytest.fixture
def pressed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A test button registered for the duration of one test: records who pressed what."""
    presses: list[tuple[str, str]] = []

    async def press(ctx: Context, value: str) -> Reply:
        presses.append((ctx.user_id, value))
        return Reply(f"Du valgte {value}.")

    monkeypatch.setitem(REGISTRY.actions, "t.ok", press)
    monkeypatch.setitem(REGISTRY.actions, "t.move", press)
    return presses


def make_shell(db: Database) -> tuple[Shell, io.StringIO]:
    out = io.StringIO()
    clock = FakeClock(datetime(2026, 11, 19, 15, 0))
    shell = Shell(lambda: Context(db=db, clock=clock, user_id="U0METTE01"), out, ConsoleMessenger(out))
    return shell, out


async def test_typing_a_number_presses_the_button(db: Database, pressed: list[tuple[str, str]]) -> None:
    shell, out = make_shell(db)
    shell.show(Reply("fallback", blocks=BLOCKS))

    await shell.handle_line("2\n")

    assert pressed == [("U0METTE01", "2")]
    assert out.getvalue().splitlines()[-1] == "Du valgte 2."


async def test_a_number_presses_a_button_in_the_latest_sent_message(
    db: Database, pressed: list[tuple[str, str]]
) -> None:
    shell, out = make_shell(db)
    await shell.messenger.send("U0METTE01", Reply("fallback", blocks=BLOCKS))

    await shell.handle_line("1")

    assert out.getvalue().splitlines()[0] == "── besked til U0METTE01 ──"
    assert pressed == [("U0METTE01", "1")]


async def test_a_number_without_such_a_choice_is_not_a_command(db: Database, pressed: list[tuple[str, str]]) -> None:
    shell, out = make_shell(db)
    shell.show(Reply("fallback", blocks=BLOCKS))

    await shell.handle_line("9")

    assert pressed == []
    assert out.getvalue().splitlines()[-1] == "Skriv en kommando, der starter med /, fx `/teambot hjælp`."


async def test_a_saved_form_shows_the_message_it_was_opened_from_again_with_its_buttons(
    db: Database, pressed: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in Slack, where the nudge is drawn again once its form is saved: here after the form's confirmation, and a
    number then presses the redrawn message's button."""

    async def redrawn() -> Reply:
        return Reply("fallback", blocks=BLOCKS)

    async def saved(ctx: Context, values: dict[str, str], metadata: str) -> Reply:
        return Reply(f"Gemt: {values['v']} ({metadata}).", redraw=redrawn)

    monkeypatch.setitem(REGISTRY.views, "t.form", saved)
    shell, out = make_shell(db)
    field = {"type": "input", "label": {"type": "plain_text", "text": "Værdi"}, "element": {"action_id": "v"}}
    shell.show(Reply("formular", modal={"callback_id": "t.form", "private_metadata": "m", "blocks": [field]}))

    await shell.handle_line("3")
    await shell.handle_line("2")

    lines = out.getvalue().splitlines()
    assert lines[lines.index("Gemt: 3 (m).") + 1 :][:2] == ["Statusmøde AK12", "==============="]
    assert pressed == [("U0METTE01", "2")]

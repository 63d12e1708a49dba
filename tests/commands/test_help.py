from __future__ import annotations

from conftest import Runner
from teambot.commands import REGISTRY


async def test_help_lists_every_registered_command_in_danish(run: Runner) -> None:
    reply = await run("U0METTE01", "/teambot hjælp")
    assert reply.text.startswith("*teambot* — det kan jeg hjælpe med:")
    for command in REGISTRY.commands:
        assert f"`{command.usage}`" in reply.text
    assert reply.ephemeral


async def test_bare_teambot_shows_help(run: Runner) -> None:
    assert (await run("U0METTE01", "/teambot")).text.startswith("*teambot*")


async def test_help_works_for_someone_not_on_the_roster(run: Runner) -> None:
    assert (await run("U0STRANGER", "/teambot hjælp")).text.startswith("*teambot*")


async def test_unknown_subcommand_points_to_help(run: Runner) -> None:
    reply = await run("U0METTE01", "/teambot flyvemaskine")
    assert reply.text == "Jeg kender ikke «/teambot flyvemaskine». Skriv `/teambot hjælp` for at se, hvad jeg kan."


async def test_cpr_shaped_text_is_refused_before_any_command_runs(run: Runner) -> None:
    reply = await run("U0METTE01", "/teambot flyvemaskine 010190-1234")
    assert "CPR-nummer" in reply.text and reply.text.endswith("Intet er gemt.")


async def test_stranger_is_told_to_ask_their_lead(run: Runner) -> None:
    reply = await run("U0STRANGER", "/teambot mig")
    assert "Bed din leder om at tilføje dig" in reply.text

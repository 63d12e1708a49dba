from __future__ import annotations

from sqlmodel import select

from conftest import Runner
from teambot.commands import REGISTRY
from teambot.store.models import AuditEntry


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


async def test_mig_lists_a_consultants_cases_where_consent_covers_her_profession(run: Runner) -> None:
    # Tove (tale-hørekonsulent) is consultant on BM04 and GP09 (consent: tale-hørekonsulent) and on CL07, whose
    # consent covers only the psychologist: the bot tells her nothing about CL07, not even that it is hers.
    reply = await run("U0TOVE001", "/teambot mig")

    assert reply.text.splitlines()[1:] == [
        "Du er ikke knyttet til nogen institution.",
        "Forløb som konsulent: BM04, GP09",
    ]
    # Naming the cases is a read of each, as in `/teambot møder`.
    async with run.db.read() as session:
        reads = (await session.exec(select(AuditEntry).where(AuditEntry.actor == "U0TOVE001"))).all()
    assert sorted((r.action, r.case_code, r.detail["via"]) for r in reads) == [
        ("case.read", "BM04", "mig"),
        ("case.read", "GP09", "mig"),
    ]


async def test_mig_for_a_pedagogue_lists_her_own_children_only(run: Runner) -> None:
    reply = await run("U0METTE01", "/teambot mig")

    assert reply.text.splitlines()[1:] == ["Institutioner: Børnehuset Solsikken (SOL)", "Dine børn: AK12, BM04"]

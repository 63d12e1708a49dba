"""Help and who-is-who: `/teambot hjælp`, `/teambot mig`, `/teambot institutioner`."""

from __future__ import annotations

from teambot.commands.registry import REGISTRY, Context, Reply
from teambot.i18n import t
from teambot.store import audit, queries


@REGISTRY.command("/teambot", "hjælp", key="hjaelp", aliases=("help", "hjaelp"))
async def help_(ctx: Context, args: str) -> Reply:
    """List every registered command with its usage; generated from the registry."""
    lines = [t("help.title")]
    for command in sorted(REGISTRY.commands, key=lambda c: (c.slash != "/rating", c.slash, c.sub or "")):
        lines.append(f"• `{command.usage}` — {command.summary}")
    lines.append(t("help.footer"))
    return Reply("\n".join(lines))


@REGISTRY.command("/teambot", "mig", key="mig", aliases=("me",))
async def me(ctx: Context, args: str) -> Reply:
    """The caller's roles, institutions and active cases: her own children, and those she is consultant for."""
    staff = ctx.require_staff()
    async with ctx.db.write() as session:
        institutions = await queries.institutions_of(session, staff)
        cases = await queries.active_cases_of_paedagog(session, staff)
        consulted = await queries.active_cases_consulted_by(session, staff)
        # Naming a child's case to someone is a read of it, as in `/teambot møder` and the Home tab.
        codes = [c.code for c in (*cases, *consulted)]
        await audit.record_reads(session, codes, at=ctx.clock.now(), actor=ctx.user_id, action="case.read", via="mig")
    lines = [t("me.header", name=staff.name, roles=", ".join(staff.roles))]
    if institutions:
        lines.append(t("me.institutions", names=", ".join(f"{i.name} ({i.code})" for i in institutions)))
    else:
        lines.append(t("me.no_institutions"))
    if cases:
        lines.append(t("me.cases", codes=", ".join(c.code for c in cases)))
    if consulted:
        lines.append(t("me.consulted", codes=", ".join(c.code for c in consulted)))
    if not cases and not consulted:
        lines.append(t("me.no_cases"))
    return Reply("\n".join(lines))


@REGISTRY.command("/teambot", "institutioner", key="institutioner", aliases=("institutions",))
async def institutions(ctx: Context, args: str) -> Reply:
    """Every institution with its district and lead."""
    ctx.require_staff()
    async with ctx.db.read() as session:
        overview = await queries.institution_overview(session)
    if not overview:
        return Reply(t("inst.none"))
    lines = [
        t(
            "inst.line",
            code=row.institution.code,
            name=row.institution.name,
            kind=row.institution.kind,
            district=row.district or "–",
            leads=", ".join(row.leads) or t("inst.no_lead"),
        )
        for row in overview
    ]
    return Reply("\n".join(lines))

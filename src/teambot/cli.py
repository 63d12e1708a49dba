"""`teambot`: run the bot, the console shell, import a roster, load the demo, upgrade the database."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import col, func, select

from teambot.commands import Context
from teambot.commands.visit_notices import tell_closing_moves
from teambot.commands.visits import wheel_lines
from teambot.config import ConfigError, Settings, load_settings
from teambot.console.shell import ConsoleMessenger, Shell
from teambot.demo import DEMO_MUNICIPALITY, DEMO_USER, load_demo
from teambot.domain.clock import Clock
from teambot.domain.monitoring import parse_minutes
from teambot.domain.roster import RosterError, load_roster_file
from teambot.i18n import t
from teambot.reports.audit_csv import audit_csv
from teambot.reports.feeds import calendar_for
from teambot.reports.monitoring_csv import FORMATS, monitoring_csv, quarters
from teambot.runtime import DatabaseUnavailable, Runtime, configure_logging
from teambot.runtime import open_runtime as _open_runtime
from teambot.scheduler.runtime import BotScheduler
from teambot.scheduler.simulate import SimulatedMessage
from teambot.scheduler.simulate import simulate as run_simulation
from teambot.store import queries
from teambot.store import visits as visit_store
from teambot.store.audit import record
from teambot.store.backup import BackupError, backup_sqlite
from teambot.store.models import Staff
from teambot.store.monitoring import institution_figures
from teambot.store.roster_import import ImportReport, import_roster

app = typer.Typer(help="teambot: coordination bot for early-intervention teams.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
plan_app = typer.Typer(help="Plan ahead: the årshjul of consultant visits.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
export_app = typer.Typer(help="Export aggregated figures.", no_args_is_help=True)
app.add_typer(export_app, name="export")


# What every command's runtime reads the time from: None, the system's clock. Only teambot.testing.clocked sets it,
# for tests of a live bot that must run on a working day whatever day they run (the only seam for time in a process).
clock: Clock | None = None


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    try:
        return _open_runtime(settings, clock=clock, migrate=migrate)
    except DatabaseUnavailable as exc:
        typer.echo(f"teambot: {exc}", err=True)
        raise typer.Exit(2) from None


def _settings(*, http: bool = False) -> Settings:
    try:
        return load_settings(http=http)
    except ConfigError as exc:
        typer.echo(f"teambot: setting error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def run(
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP requests instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --http.")] = 3000,
    host: Annotated[str, typer.Option("--host", help="Interface for --http.")] = "127.0.0.1",
) -> None:
    """Start the bot: Socket Mode, HTTP (--http), or the local console when Slack is not configured."""
    settings = _settings(http=http)
    configure_logging()
    if http:
        from teambot.slack.serve import serve_http

        asyncio.run(serve_http(open_runtime(settings), host=host, port=port))
    elif settings.slack_app_token:
        from teambot.slack.serve import serve_socket_mode

        try:
            asyncio.run(serve_socket_mode(open_runtime(settings), settle=True))
        except ConfigError as exc:  # Slack refused the app token
            typer.echo(f"teambot: setting error: {exc}", err=True)
            raise typer.Exit(2) from None
    elif settings.slack_bot_token:
        typer.echo(
            "teambot: setting error: SLACK_APP_TOKEN: required for Socket Mode; or start HTTP mode with --http",
            err=True,
        )
        raise typer.Exit(2)
    else:
        runtime = open_runtime(settings)
        typer.echo(t("console.connect_slack"))
        asyncio.run(_console(runtime, user=None, demo="if-empty"))


@app.command()
def shell(
    as_user: Annotated[str | None, typer.Option("--as", help="Slack user ID to act as.")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo municipality first.")] = False,
) -> None:
    """Read slash commands from stdin (interactive or piped) and print replies and sent messages."""
    runtime = open_runtime(_settings())
    asyncio.run(_console(runtime, user=as_user, demo="yes" if demo else "no"))


async def _console(runtime: Runtime, *, user: str | None, demo: str) -> None:
    try:
        if demo == "yes" or (demo == "if-empty" and await _staff_count(runtime) == 0):
            await load_demo(runtime.db, now=runtime.clock.now(), zone=runtime.settings.zone)
            what = t("console.demo")
            user = user or DEMO_USER
        else:
            what = t("console.database")
        async with runtime.db.read() as session:
            if user is None:
                first = (await session.exec(select(Staff).where(Staff.slack_id == DEMO_USER))).first() or (
                    await session.exec(select(Staff).where(col(Staff.active)).order_by(col(Staff.id)))
                ).first()
                if first is None or not first.slack_id:
                    typer.echo(t("console.no_staff"), err=True)
                    raise typer.Exit(1)
                user = first.slack_id
            staff = await queries.staff_by_slack_id(session, user)
            names = {s.slack_id: s.name for s in (await session.exec(select(Staff))).all() if s.slack_id}
        if staff is None:
            typer.echo(t("console.unknown_as", user=user), err=True)
            raise typer.Exit(1)
        messenger = ConsoleMessenger(sys.stdout, names=lambda r: names.get(r, r))
        scheduler = BotScheduler(
            runtime.db,
            messenger,
            runtime.clock,
            runtime.settings.zone,
            retention_months=runtime.settings.retention_months,
        )
        user_id = staff.slack_id or ""

        def make_context() -> Context:
            return Context(
                db=runtime.db,
                clock=runtime.clock,
                user_id=user_id,
                zone=runtime.settings.zone,
                replan=scheduler.replan,
                public_url=runtime.settings.public_url,
            )

        print(t("console.welcome", what=what, name=staff.name, user=staff.slack_id), flush=True)
        await scheduler.start()
        try:
            await Shell(make_context, sys.stdout, messenger).run(sys.stdin)
            await scheduler.drain()
        finally:
            scheduler.shutdown()
    finally:
        await runtime.db.dispose()


async def _staff_count(runtime: Runtime) -> int:
    async with runtime.db.read() as session:
        return (await session.exec(select(func.count()).select_from(Staff))).one()


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="Roster TOML file.")]) -> None:
    """Import a roster file: idempotent, all or nothing, prints what changed."""
    settings = _settings()
    try:
        roster = load_roster_file(file)
    except RosterError as exc:
        _print_problems(exc)
        raise typer.Exit(1) from None
    runtime = open_runtime(settings)

    async def apply() -> ImportReport:
        try:
            return await import_roster(
                runtime.db, roster, now=runtime.clock.now(), source=str(file), zone=runtime.settings.zone
            )
        finally:
            await runtime.db.dispose()

    try:
        report = asyncio.run(apply())
    except RosterError as exc:  # what only the database shows wrong (a case's pædagog moved away); nothing stored
        _print_problems(exc)
        if asyncio.run(_holds_demo(settings)):  # the demo's children, left by `make run` before Slack was set up
            typer.echo(t("import.demo_database"), err=True)
        raise typer.Exit(1) from None
    _print_report(report, str(file))


async def _holds_demo(settings: Settings) -> bool:
    runtime = open_runtime(settings)
    try:
        async with runtime.db.read() as session:
            return (await queries.municipality(session)).name == DEMO_MUNICIPALITY
    finally:
        await runtime.db.dispose()


def _print_problems(error: RosterError) -> None:
    for problem in error.problems:
        message = t(problem.kind, **problem.values)
        typer.echo(
            t("roster.problem", source=error.source, entry=problem.entry, key=problem.key, message=message), err=True
        )
    typer.echo(t("roster.failed", count=len(error.problems), source=error.source), err=True)


def _print_report(report: ImportReport, source: str) -> None:
    if not report.changes:
        typer.echo(t("import.none", source=source))
        return
    for change in report.changes:
        typer.echo(t(f"import.{change.what}", table=change.table, key=change.key, fields=", ".join(change.fields)))
    counts = {what: sum(1 for c in report.changes if c.what == what) for what in ("created", "updated", "deactivated")}
    typer.echo(t("import.summary", source=source, **counts))


@app.command()
def simulate(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Simulate the demo municipality instead of the database.")
    ] = False,
) -> None:
    """Print every notification the bot would send between two days, without Slack and without changing data."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        typer.echo("teambot: --from and --to must be dates like 2027-03-01", err=True)
        raise typer.Exit(2) from None
    if last < first:
        typer.echo("teambot: --to is before --from", err=True)
        raise typer.Exit(2)
    # With --demo the simulation never reads the database: it is neither opened nor created.
    runtime = open_runtime(_settings(), migrate=not demo)
    zone = runtime.settings.zone
    today = runtime.clock.now().astimezone(zone).date()
    if not demo and first > today:
        # Each day before the window is a planner pass and a day of sending: a far --from takes a while.
        typer.echo(f"teambot: running the bot from today ({today}) to {first} first, unshown", err=True)

    async def go() -> list[SimulatedMessage]:
        try:
            if demo:  # the demo municipality is made as of --from: there is no time before it to run through
                return await run_simulation(None, start=first, end=last, zone=zone, demo=True)
            return await run_simulation(runtime.db, start=first, end=last, zone=zone, now=runtime.clock.now())
        finally:
            await runtime.db.dispose()

    for message in asyncio.run(go()):
        if as_json:
            typer.echo(json.dumps(message.as_json(), ensure_ascii=False))
        else:
            headline = message.text.splitlines()[0] if message.text else ""
            typer.echo(f"{message.due:%Y-%m-%d %H:%M}  {message.kind:<18} {message.recipient:<12} {headline}")


@app.command()
def demo() -> None:
    """Load the demo municipality into the database (idempotent)."""
    runtime = open_runtime(_settings())

    async def load() -> None:
        try:
            summary = await load_demo(runtime.db, now=runtime.clock.now(), zone=runtime.settings.zone)
        finally:
            await runtime.db.dispose()
        typer.echo(t("demo.loaded", **vars(summary)))

    asyncio.run(load())


@app.command()
def ics(
    user: Annotated[str, typer.Option("--user", help="The person's Slack user ID.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Write an iCalendar file of a person's status meetings, consultant visits and småbørnscaféer (Europe/Copenhagen),
    e.g. for Outlook."""
    runtime = open_runtime(_settings())

    async def build() -> bytes | None:
        try:
            async with runtime.db.read() as session:
                staff = await queries.staff_by_slack_id(session, user)
            if staff is None:
                return None
            # The administrator reads the meetings, not the person whose calendar it is (as in `teambot audit`).
            return await calendar_for(runtime.db, runtime.clock, runtime.settings.zone, staff, actor="admin", via="cli")
        finally:
            await runtime.db.dispose()

    body = asyncio.run(build())
    if body is None:
        typer.echo(t("console.unknown_as", user=user), err=True)
        raise typer.Exit(1)
    if out is None:
        sys.stdout.buffer.write(body)
    else:
        out.write_bytes(body)
        typer.echo(f"Wrote {out}")


@app.command()
def audit(
    case: Annotated[str, typer.Option("--case", help="The child's code.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Export the audit log of one child's case as CSV (for a parent's request for access)."""
    runtime = open_runtime(_settings())

    async def collect() -> str | None:
        try:
            async with runtime.db.write() as session:
                text = await audit_csv(session, case.upper(), runtime.settings.zone)
                if text is not None:
                    record(
                        session, at=runtime.clock.now(), actor="admin", action="audit.export", case_code=case.upper()
                    )
                return text
        finally:
            await runtime.db.dispose()

    text = asyncio.run(collect())
    if text is None:
        typer.echo(f"teambot: no audit entries for the case {case.upper()}", err=True)
        raise typer.Exit(1)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {out}")


@export_app.command("monitoring")
def export_monitoring(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    file_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv (commas, decimal points: for scripts) or excel (semicolons, decimal commas, UTF-8 with BOM: "
            "opens in Danish Excel by a double click).",
        ),
    ] = "csv",
    minutes: Annotated[
        str, typer.Option("--minutes", help="Minutes per activity: rating=1,statusmøde=60 (the defaults).")
    ] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Monitoring and cost per institution and quarter, aggregated (no child-level data), as CSV."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        per_activity = parse_minutes(minutes)
    except ValueError as exc:
        typer.echo(f"teambot: --from/--to must be dates like 2027-03-01 and --minutes like rating=1 ({exc})", err=True)
        raise typer.Exit(2) from None
    if file_format not in FORMATS:
        typer.echo(f"teambot: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    if last < first:
        typer.echo("teambot: --to is before --from", err=True)
        raise typer.Exit(2)
    runtime = open_runtime(_settings())

    async def collect() -> str:
        today = runtime.clock.now().astimezone(runtime.settings.zone).date()
        rows = []
        try:
            async with runtime.db.read() as session:
                for q_start, q_end in quarters(first, last):
                    for figure in await institution_figures(session, q_start, q_end, today):
                        rows.append((q_start, q_end, figure))
        finally:
            await runtime.db.dispose()
        return monitoring_csv(rows, per_activity, file_format=file_format)

    text = asyncio.run(collect())
    if out is None:
        # As bytes: a text stdout on Windows would turn excel's CRLF into CR CR LF.
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        out.write_text(text, encoding="utf-8", newline="")  # its line ends as written: CRLF for excel, also on Windows
        typer.echo(f"Wrote {out}")


@plan_app.command("visits")
def plan_visits(year: Annotated[int, typer.Option("--year", help="The year to plan, e.g. 2027.")]) -> None:
    """Lay out the year's consultant visits (idempotent; existing visits stay) and print the årshjul by ISO week."""
    if not 2000 <= year <= 2100:
        typer.echo("teambot: --year must be a year like 2027", err=True)
        raise typer.Exit(2)
    runtime = open_runtime(_settings())
    zone = runtime.settings.zone

    async def plan() -> tuple[visit_store.YearPlan, list[visit_store.VisitRow]]:
        today = runtime.clock.now().astimezone(zone).date()
        try:
            async with runtime.db.write() as session:
                policy = visit_store.visit_policy(await queries.municipality(session))
                # Never a new visit inside the parents' notice period; a future year starts on 1 January.
                earliest = max(date(year, 1, 1), today + timedelta(days=policy.notice_days))
                await visit_store.lock_planning(session)  # before reading the routing table, as the scheduler's pass
                table = await visit_store.routing_table(session)
                now = runtime.clock.now()
                result = await visit_store.plan_year(session, year, earliest=earliest, now=now, table=table)
                # The running bot's dispatcher sends these: a visit moved off a new closing day is told as a move.
                await tell_closing_moves(session, result.moved_off_closing, table=table, now=now, today=today)
            async with runtime.db.read() as session:
                rows = await visit_store.visits_in(
                    session, date(year, 1, 1), date(year, 12, 31), disciplines=policy.disciplines
                )
            return result, rows
        finally:
            await runtime.db.dispose()

    result, rows = asyncio.run(plan())
    typer.echo(t("visit.wheel_title", year=year, scope=""))
    for line in wheel_lines(rows, year):
        typer.echo(line)
    for missing in result.unplaced:
        typer.echo(
            t(
                "plan.unplaced",
                institution=missing.round.institution_code,
                role=missing.round.discipline,
                quarter=missing.quarter,
            ),
            err=True,
        )
    typer.echo(t("plan.summary", year=year, n=len(rows), new=len(result.created), unplaced=len(result.unplaced)))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or upgrade it to the newest schema."""
    settings = _settings()
    open_runtime(settings)
    typer.echo(f"Database is up to date: {settings.database_url.split('@')[-1]}")


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="The new file to write, e.g. teambot-2026-12-01.db.")],
) -> None:
    """Write a consistent copy of the SQLite database, also while the bot runs."""
    settings = _settings()
    try:
        made = backup_sqlite(settings.database_url, target)
    except BackupError as exc:
        typer.echo(f"teambot: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"Backup written: {made.path} ({made.size_bytes / 1_000_000:.1f} MB, {made.cases} cases, "
        f"{made.ratings} ratings; SQLite's integrity check: ok)"
    )


def main() -> None:
    app()

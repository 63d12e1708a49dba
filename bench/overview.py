"""`/teambot overblik` for the whole municipality over HTTP, versus the raw indexed SQL aggregate it needs, run in
this process on the same database: ratings (all, and those of days asked for, less those of days that are not
working days) and goals met per institution for the quarter, the cases and goals active during it per institution,
meetings per institution by outcome. The quarter is the current one, as the lead would ask."""

from __future__ import annotations

import statistics
import time
from datetime import date

from sqlalchemy import Date, bindparam, text

from bench.harness import Harness, lead_of, today
from bench.http_load import Command, drive
from bench.report import Result
from bench.servers import Server
from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.monitoring import quarter_of
from teambot.store.db import Database
from teambot.testing.generate import Size

RUNS = 3
TOTAL = "Hele kommunen"  # overview.total in the Danish catalog

AGGREGATE = [
    """SELECT c.institution_id, count(*),
              sum(CASE WHEN (g.started_on IS NULL OR r.day >= g.started_on)
                        AND (c.start_meeting IS NULL OR r.day >= c.start_meeting) AND r.day <= :last
                   THEN 1 ELSE 0 END),
              sum(CASE WHEN r.value >= 3 THEN 1 ELSE 0 END)
       FROM rating r JOIN goal g ON g.id = r.goal_id JOIN child_case c ON c.id = g.case_id
       WHERE r.day BETWEEN :start AND :end GROUP BY c.institution_id""",
    # Ratings of days that are not working days (weekends, holidays: the shared calendar's), taken out of the
    # completeness per institution and day.
    """SELECT c.institution_id, r.day, count(*)
       FROM rating r JOIN goal g ON g.id = r.goal_id JOIN child_case c ON c.id = g.case_id
       WHERE r.day IN :closed AND (g.started_on IS NULL OR r.day >= g.started_on)
             AND (c.start_meeting IS NULL OR r.day >= c.start_meeting)
       GROUP BY c.institution_id, r.day""",
    # Goals active during the quarter so far: not ended nor their case closed before it began, begun by its last day
    # (a goal agreed at its case's start meeting from then: `goal_began`).
    """SELECT c.institution_id, count(DISTINCT c.id), count(*)
       FROM goal g JOIN child_case c ON c.id = g.case_id
       WHERE (c.status = 'active' OR c.closed_on >= :start) AND (g.active OR g.ended_on >= :start)
             AND (g.started_on IS NULL OR g.started_on <= :last OR (g.from_start_meeting AND c.start_meeting <= :last))
       GROUP BY c.institution_id""",
    """SELECT c.institution_id, m.status, m.day = m.planned_day, count(*)
       FROM meeting m JOIN child_case c ON c.id = m.case_id
       WHERE m.day BETWEEN :start AND :end GROUP BY c.institution_id, m.status, m.day = m.planned_day""",
]


async def raw_aggregate(url: str, start: date, end: date) -> float:
    db = Database(url)
    last = min(end, today())
    closed = [day for day in DateRange(start, last).days() if not WorkCalendar().is_working_day(day)]
    async with db.read() as session:
        connection = await session.connection()
        started = time.perf_counter()
        for sql in AGGREGATE:
            query = text(sql)
            if ":closed" in sql:
                query = query.bindparams(bindparam("closed", type_=Date, expanding=True))
                rows = (await connection.execute(query, {"closed": closed})).all()
                continue  # none on generated data: ratings are of working days only
            if ":start" in sql:
                names = [name for name in ("start", "end", "last") if f":{name}" in sql]
                query = query.bindparams(*(bindparam(name, type_=Date) for name in names))
                values = {"start": start, "end": end, "last": last}
                rows = (await connection.execute(query, {name: values[name] for name in names})).all()
            else:
                rows = (await connection.execute(query)).all()
            assert rows or "meeting" in sql, sql  # meetings exist only where the planner ran
        elapsed = time.perf_counter() - started
    await db.dispose()
    return elapsed


async def bench_overview(h: Harness, server: Server, url: str, size: Size) -> list[Result]:
    span = quarter_of(today())
    commands = [Command("/teambot", "overblik", lead_of(1))] * (RUNS + 1)
    await raw_aggregate(url, *span)  # the same warm page cache for both
    anchor = statistics.median([await raw_aggregate(url, *span) for _ in range(RUNS)])
    load = await drive(server.url, commands, concurrency=1, receiver=h.receiver, answer_timeout=600)
    answered = sum(1 for reply in load.replies if TOTAL in reply)
    mine = statistics.median(load.answers[1:])  # the first pays for imports and a cold cache
    ratio = mine / anchor
    return [
        Result(
            h.label(f"/teambot overblik (quarter so far), {size.name}: answer (ms)"),
            f"{mine * 1000:,.0f}",
            f"{anchor * 1000:,.0f}",
            ratio,
            "≤ 1.5×",
            ratio <= 1.5 and answered == len(load.replies),
        )
    ]

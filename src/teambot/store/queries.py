"""The queries the app needs, in one place so commands hold no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from teambot.domain.calendar import DateRange, WorkCalendar
from teambot.domain.roles import Role
from teambot.store.models import Case, ClosingPeriod, District, Institution, Staff, StaffInstitution


async def staff_by_slack_id(session: AsyncSession, slack_id: str) -> Staff | None:
    result = await session.exec(select(Staff).where(Staff.slack_id == slack_id, col(Staff.active)))
    return result.first()


async def institutions_of(session: AsyncSession, staff: Staff) -> Sequence[Institution]:
    result = await session.exec(
        select(Institution)
        .join(StaffInstitution, col(StaffInstitution.institution_id) == col(Institution.id))
        .where(StaffInstitution.staff_id == staff.id)
        .order_by(col(Institution.code))
    )
    return result.all()


async def active_cases_of_paedagog(session: AsyncSession, staff: Staff) -> Sequence[Case]:
    result = await session.exec(
        select(Case).where(Case.paedagog_id == staff.id, Case.status == "active").order_by(col(Case.code))
    )
    return result.all()


@dataclass(frozen=True)
class InstitutionRow:
    institution: Institution
    district: str | None
    leads: list[str]


async def institution_overview(session: AsyncSession) -> list[InstitutionRow]:
    institutions = (await session.exec(select(Institution).order_by(col(Institution.code)))).all()
    districts = {d.id: d.name for d in (await session.exec(select(District))).all()}
    memberships = (
        await session.exec(
            select(StaffInstitution.institution_id, Staff).join(Staff, col(Staff.id) == col(StaffInstitution.staff_id))
        )
    ).all()
    leads: dict[int, list[str]] = {}
    for institution_id, staff in memberships:
        if Role.LEDER in staff.roles and staff.active:
            leads.setdefault(institution_id, []).append(staff.name)
    return [InstitutionRow(i, districts.get(i.district_id), sorted(leads.get(i.id or 0, []))) for i in institutions]


async def work_calendar(session: AsyncSession, institution_id: int) -> WorkCalendar:
    """The institution's calendar: its own and the municipality's closing periods."""
    result = await session.exec(
        select(ClosingPeriod).where(
            (col(ClosingPeriod.institution_id) == institution_id) | col(ClosingPeriod.institution_id).is_(None)
        )
    )
    return WorkCalendar.of(DateRange(p.start, p.end) for p in result.all())

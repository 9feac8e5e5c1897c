"""What every part of the reports shares: the file type, the date and yes/no cells, the
period's name and the base class (the ward's local day bounds, today, the right to read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.permissions import Action, can
from bot.domain.reporting import Period, PeriodKind
from bot.domain.sessions import SessionStatus
from bot.usecases.common import Services
from messages import label

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HELD = (SessionStatus.PUBLISHED, SessionStatus.HELD)


class ReportOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str
    data: bytes
    mime: str


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return label("documents.yes") if value else label("documents.no")


def period_text(period: Period) -> str:
    match period.kind:
        case PeriodKind.MONTHLY:
            return label("reports.period_month", month=period.number, year=period.year)
        case PeriodKind.QUARTERLY:
            return label("reports.period_quarter", quarter=period.number, year=period.year)
    return label("reports.period_year", year=period.year)


class ReportsBase:
    """The services and the helpers every part of :class:`Reports` builds on."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # --- helpers -----------------------------------------------------------------------------

    def local_bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        tz = self.s.ward.tz
        return (
            datetime.combine(start, time(0), tz),
            datetime.combine(end, time(0), tz),
        )

    def today(self) -> date:
        return self.s.clock.now().astimezone(self.s.ward.tz).date()

    async def allowed(self, actor_id: int) -> bool:
        async with self.s.store.read() as uow:
            member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, Action.VIEW_REPORTS)

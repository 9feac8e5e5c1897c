"""Reporting periods and the records the dossier and reports are built from (báo cáo, hồ sơ).

Periods follow seed 000 II.1 (monthly summary) and 004 V.4 (quarterly and annual reports to the
city: quarterly before the 15th of the quarter's last month, annual before 15/11). Plain
dataclasses and pure functions: no Telegram, no SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.calendar import WorkingCalendar
from bot.domain.petitions import FieldOfConcern, Petition, Status
from bot.domain.workflow import Handling

ANNUAL_DUE = (11, 15)
DUE_DAY = 15
REMINDER_WORKING_DAYS = 5


class PeriodKind(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: ``start`` included, ``end`` excluded (local dates)."""

    kind: PeriodKind
    year: int
    number: int = 0

    @property
    def start(self) -> date:
        match self.kind:
            case PeriodKind.MONTHLY:
                return date(self.year, self.number, 1)
            case PeriodKind.QUARTERLY:
                return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        match self.kind:
            case PeriodKind.MONTHLY:
                return _month_start(self.year, self.number + 1)
            case PeriodKind.QUARTERLY:
                return _month_start(self.year, 3 * self.number + 1)
        return date(self.year + 1, 1, 1)

    @property
    def key(self) -> str:
        """``2026-11``, ``2026-Q4`` or ``2026`` — the CLI's --period and the idempotency key."""
        match self.kind:
            case PeriodKind.MONTHLY:
                return f"{self.year}-{self.number:02d}"
            case PeriodKind.QUARTERLY:
                return f"{self.year}-Q{self.number}"
        return str(self.year)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def previous(self) -> Period:
        if self.kind is PeriodKind.MONTHLY:
            if self.number == 1:
                return Period(self.kind, self.year - 1, 12)
            return Period(self.kind, self.year, self.number - 1)
        if self.kind is PeriodKind.QUARTERLY:
            if self.number == 1:
                return Period(self.kind, self.year - 1, 4)
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1)

    def due_on(self) -> date | None:
        """The deadline of the report to the city (004 V.4); None for the monthly summary."""
        match self.kind:
            case PeriodKind.QUARTERLY:
                return date(self.year, 3 * self.number, DUE_DAY)
            case PeriodKind.ANNUAL:
                return date(self.year, *ANNUAL_DUE)
        return None


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])))?$")


def parse_period(text: str) -> Period | None:
    """``2026-11`` (a month), ``2026-Q4`` (a quarter), ``2026`` (a year); None if malformed."""
    found = _PERIOD.match(text.strip())
    if not found:
        return None
    year = int(found.group(1))
    if found.group(2):
        month = int(found.group(2))
        return Period(PeriodKind.MONTHLY, year, month) if 1 <= month <= 12 else None
    if found.group(3):
        return Period(PeriodKind.QUARTERLY, year, int(found.group(3)))
    return Period(PeriodKind.ANNUAL, year)


def month_of(day: date) -> Period:
    return Period(PeriodKind.MONTHLY, day.year, day.month)


def quarter_of(day: date) -> Period:
    return Period(PeriodKind.QUARTERLY, day.year, (day.month - 1) // 3 + 1)


def first_working_day(period: Period, calendar: WorkingCalendar) -> date:
    """The first working day on or after the period's first day (e.g. 4/1/2027 after New Year)."""
    day = period.start
    if calendar.is_working_day(day):
        return day
    return calendar.add_working_days(day, 1)


def reminder_day(due: date, calendar: WorkingCalendar) -> date:
    """``REMINDER_WORKING_DAYS`` working days before a report to the city is due."""
    return calendar.add_working_days(due, -REMINDER_WORKING_DAYS)


@dataclass(frozen=True, slots=True)
class PetitionFilter:
    """The export's filters (lọc): creation dates (local, ``until`` included), session, field,
    unit, status; None means any."""

    since: datetime | None = None
    until: datetime | None = None
    session_id: int | None = None
    field: FieldOfConcern | None = None
    unit_code: str | None = None
    status: Status | None = None


@dataclass(frozen=True, slots=True)
class PetitionRow:
    """A petition, its handling and who raised it (for the staff version only)."""

    petition: Petition
    handling: Handling | None
    author_name: str | None

    @property
    def raised_by(self) -> str | None:
        if self.petition.on_behalf is not None:
            return self.petition.on_behalf.name
        return self.author_name


@dataclass(frozen=True, slots=True)
class Minutes:
    """Biên bản hội nghị: the text the secretary typed."""

    session_id: int
    text: str
    updated_at: datetime
    updated_by: int | None = None


@dataclass(frozen=True, slots=True)
class Satisfaction:
    """Survey answers given in a period (seed 002), and residents' verdicts on results."""

    answered: int = 0
    average: float | None = None
    satisfied: int = 0
    not_satisfied: int = 0


class ReportRepository(Protocol):
    async def petition_rows(self, flt: PetitionFilter) -> Sequence[PetitionRow]:
        """Matching petitions, oldest first."""
        ...

    async def minutes(self, session_id: int) -> Minutes | None: ...

    async def save_minutes(self, minutes: Minutes) -> None: ...

    async def satisfaction(self, since: datetime, until: datetime) -> Satisfaction:
        """Survey answers given in [since, until) and verdicts on the petitions created then."""
        ...

    async def record_run(self, kind: str, period: str, *, at: datetime, recipients: int) -> bool:
        """False when this report (or reminder) already ran for the period."""
        ...

    async def has_run(self, kind: str, period: str) -> bool: ...

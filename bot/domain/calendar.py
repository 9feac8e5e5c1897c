"""Working days (ngày làm việc) for the legal deadlines.

Vietnam's public holidays, Tết, substituted days off and the Saturdays made working days come from
the ``holidays`` package; the ward config adds only local decisions that package cannot know.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays
from holidays.holiday_base import HolidayBase


class WorkingCalendar:
    """Answers "is this a working day" and counts working days for deadlines."""

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self._vn: HolidayBase = holidays.country_holidays("VN")
        for day in extra_holidays:
            self._vn[day] = "Nghỉ theo quyết định của địa phương"
        self._vn.weekend_workdays.update(extra_working_days)

    def is_working_day(self, day: date) -> bool:
        return bool(self._vn.is_working_day(day))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it when n < 0); n=0 rolls forward."""
        return self._vn.get_nth_working_day(start, n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end == start:
            return 0
        if end > start:
            return int(self._vn.get_working_days_count(start, end)) - int(
                self.is_working_day(start)
            )
        return -self.working_days_between(end, start)

    def holiday_name(self, day: date) -> str | None:
        name = self._vn.get(day)
        return str(name) if name else None

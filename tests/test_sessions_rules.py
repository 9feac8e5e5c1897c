"""Pure session rules: lead time across Tết, opinion deadline, weekly Fridays, quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.sessions import SessionKind
from bot.domain.ward import WardConfig
from bot.usecases.common import Services
from bot.usecases.sessions import (
    default_opinion_deadline,
    lead_time,
    parse_iso_local,
    parse_vn_time,
    reminder_time,
    reminder_windows,
    weekly_fridays,
)

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def services(ward: WardConfig, now: datetime) -> Services:
    return Services(store=None, clock=ManualClock(now), ward=ward, calendar=WorkingCalendar())  # type: ignore[arg-type]


def local(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


def test_lead_time_counts_tet_as_non_working(ward: WardConfig) -> None:
    now = local(2026, 2, 9, 9)  # Monday before Tết (16–20/2 off)
    s = services(ward, now)
    # Without Tết, 24/02 would be 11 working days away; with it only 6.
    lead = lead_time(s, now, SessionKind.PERIODIC, local(2026, 2, 24))
    assert lead.short and lead.working_days == 6
    assert lead.earliest == date(2026, 2, 25)
    assert not lead_time(s, now, SessionKind.PERIODIC, local(2026, 2, 25)).short
    assert not lead_time(s, now, SessionKind.URGENT, local(2026, 2, 10)).short


def test_lead_time_ordinary_weeks(ward: WardConfig) -> None:
    now = local(2026, 11, 25, 9)  # Wednesday
    s = services(ward, now)
    assert lead_time(s, now, SessionKind.THEMATIC, local(2026, 12, 3)).short
    assert not lead_time(s, now, SessionKind.THEMATIC, local(2026, 12, 4)).short


def test_opinion_deadline_default_is_seven_days_before() -> None:
    start = local(2026, 12, 11, 8)
    assert default_opinion_deadline(start) == start - timedelta(days=7)


def test_weekly_fridays_flag_holidays(ward: WardConfig) -> None:
    s = services(ward, local(2026, 4, 20))
    fridays = weekly_fridays(s, date(2026, 4, 20), 3)
    assert [d for d, _ in fridays] == [date(2026, 4, 24), date(2026, 5, 1), date(2026, 5, 8)]
    assert [ok for _, ok in fridays] == [True, False, True]  # 1/5 is Labour Day
    # On a Friday, "after" means the next Friday.
    assert weekly_fridays(s, date(2026, 4, 24), 1)[0][0] == date(2026, 5, 1)


@pytest.mark.parametrize(
    ("start", "before", "expected"),
    [
        (local(2026, 12, 11, 14), timedelta(hours=2), local(2026, 12, 11, 12)),
        (local(2026, 12, 11, 8), timedelta(hours=2), local(2026, 12, 11, 7)),  # 06:00 → 07:00
        (local(2026, 12, 11, 7, 20), timedelta(hours=2), local(2026, 12, 10, 20, 30)),
        (local(2026, 12, 11, 22), timedelta(days=1), local(2026, 12, 11, 7)),
        (local(2026, 12, 11, 7, 30), timedelta(days=1), local(2026, 12, 10, 7, 30)),
    ],
)
def test_reminders_avoid_quiet_hours(
    start: datetime, before: timedelta, expected: datetime
) -> None:
    at = reminder_time(start, before, HN)
    assert at == expected
    assert not (at.astimezone(HN).hour >= 21 or at.astimezone(HN).hour < 7)


def test_reminder_windows_skip_a_late_reminder() -> None:
    start = local(2026, 12, 11, 7, 30)
    windows = reminder_windows(start, (timedelta(days=1), timedelta(hours=2)), HN)
    # 2 h before is 05:30 (quiet) → 07:00, still 30 min before the start.
    assert [(i, a) for i, a, _ in windows] == [
        (0, local(2026, 12, 10, 7, 30)),
        (1, local(2026, 12, 11, 7)),
    ]
    assert windows[0][2] == local(2026, 12, 11, 7)


def test_time_parsers() -> None:
    start, end = parse_vn_time("11/12/2026 8:00-11h00", HN) or (None, None)
    assert start == local(2026, 12, 11, 8) and end == local(2026, 12, 11, 11)
    assert parse_vn_time("31/02/2026 08:00", HN) is None
    assert parse_vn_time("ngày mai", HN) is None
    assert parse_iso_local("2026-12-11 08:00", HN) == local(2026, 12, 11, 8)
    assert parse_iso_local("2026-12-11", HN) is None
    assert local(2026, 12, 11, 8).astimezone(UTC).hour == 1

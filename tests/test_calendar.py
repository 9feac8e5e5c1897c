"""Working days on Vietnam's 2026 calendar: Tết, 30/4–1/5, 2/9 and the Saturday swaps."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import WorkingCalendar

cal = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Tết
        (date(2026, 2, 16), False),  # 29 Tết
        (date(2026, 2, 17), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # Giỗ Tổ observed
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),  # Saturday made a working day
        (date(2026, 8, 31), False),  # its substituted day off
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 11, 24), False),  # Ngày Văn hóa Việt Nam
        (date(2026, 11, 25), True),
        (date(2026, 11, 28), False),  # ordinary Saturday
        (date(2026, 11, 29), False),  # Sunday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_add_working_days_jumps_over_tet() -> None:
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 10), 10) == date(2026, 3, 3)
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_add_working_days_over_national_day_and_the_saturday_swap() -> None:
    assert cal.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
    assert cal.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_add_zero_rolls_to_next_working_day() -> None:
    assert cal.add_working_days(date(2026, 4, 30), 0) == date(2026, 5, 4)
    assert cal.add_working_days(date(2026, 11, 25), 0) == date(2026, 11, 25)


def test_working_days_between() -> None:
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == -1
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 27)) == 3
    assert cal.working_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0


def test_ward_extra_days_override_the_national_calendar() -> None:
    local = WorkingCalendar(
        extra_holidays=[date(2026, 12, 7)], extra_working_days=[date(2026, 12, 5)]
    )
    assert not local.is_working_day(date(2026, 12, 7))
    assert local.is_working_day(date(2026, 12, 5))
    assert local.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 5)
    assert local.add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 8)
    assert cal.is_working_day(date(2026, 12, 7)), "another calendar is not affected"


@given(st.dates(date(2025, 1, 1), date(2028, 12, 31)), st.integers(1, 40))
def test_add_then_count_round_trips(start: date, n: int) -> None:
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    assert end - start >= timedelta(days=n)

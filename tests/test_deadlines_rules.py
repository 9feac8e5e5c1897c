"""Pure deadline rules: which day brings which reminder, across Tết 2026, quiet hours and
escalation after N overdue working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkingCalendar
from bot.domain.deadlines import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ReminderKind,
    ReminderPolicy,
    first_reminder_on,
    is_quiet,
    next_check_on,
    overdue_working_days,
    reminder_for,
    should_escalate,
)

CAL = WorkingCalendar()
POLICY = ReminderPolicy(days_before=2, escalate_after=3)
HN = ZoneInfo("Asia/Ho_Chi_Minh")


def deadline(due: date, **kw: object) -> Deadline:
    values: dict[str, object] = {
        "id": 1,
        "kind": DeadlineKind.UNIT_ANSWER,
        "subject_type": "petition",
        "subject_id": "1",
        "unit_code": "KT",
        "due_on": due,
        "status": DeadlineStatus.OPEN,
        "opened_at": datetime(2026, 1, 5, 2, tzinfo=UTC),
    }
    values.update(kw)
    return Deadline(**values)  # type: ignore[arg-type]


def walk(due: date, start: date, end: date) -> dict[date, ReminderKind]:
    """Simulate the daily scan, recording reminders as the scan does."""
    item = deadline(due)
    found: dict[date, ReminderKind] = {}
    day = start
    while day <= end:
        kind = reminder_for(item, day, POLICY, CAL)
        if kind is not None:
            found[day] = kind
            item = Deadline(**{**_fields(item), "last_reminded_on": day})
        day += timedelta(days=1)
    return found


def _fields(item: Deadline) -> dict[str, object]:
    return {name: getattr(item, name) for name in Deadline.__slots__}


def test_reminders_skip_tet_and_weekends() -> None:
    due = date(2026, 2, 23)  # the first working day after Tết 2026 (16–20/02 off)
    assert first_reminder_on(due, POLICY, CAL) == date(2026, 2, 12)
    found = walk(due, date(2026, 2, 1), date(2026, 3, 2))
    assert found == {
        date(2026, 2, 12): ReminderKind.BEFORE,
        date(2026, 2, 13): ReminderKind.BEFORE,
        date(2026, 2, 23): ReminderKind.DUE_TODAY,
        date(2026, 2, 24): ReminderKind.OVERDUE,
        date(2026, 2, 25): ReminderKind.OVERDUE,
        date(2026, 2, 26): ReminderKind.OVERDUE,
        date(2026, 2, 27): ReminderKind.OVERDUE,
        date(2026, 3, 2): ReminderKind.OVERDUE,
    }


def test_zero_days_before_reminds_on_the_day_only() -> None:
    policy = ReminderPolicy(days_before=0, escalate_after=3)
    item = deadline(date(2026, 2, 23))
    assert reminder_for(item, date(2026, 2, 13), policy, CAL) is None
    assert reminder_for(item, date(2026, 2, 23), policy, CAL) is ReminderKind.DUE_TODAY


def test_one_reminder_per_day_and_none_when_closed() -> None:
    item = deadline(date(2026, 2, 23), last_reminded_on=date(2026, 2, 24))
    assert reminder_for(item, date(2026, 2, 24), POLICY, CAL) is None
    assert reminder_for(item, date(2026, 2, 25), POLICY, CAL) is ReminderKind.OVERDUE
    done = deadline(date(2026, 2, 23), status=DeadlineStatus.DONE)
    assert reminder_for(done, date(2026, 2, 25), POLICY, CAL) is None


def test_escalation_after_n_overdue_working_days_once() -> None:
    item = deadline(date(2026, 2, 13))  # Friday before Tết
    # Tết and the weekend do not count: 23/02 is the first overdue working day.
    assert overdue_working_days(item, date(2026, 2, 20), CAL) == 0
    assert overdue_working_days(item, date(2026, 2, 23), CAL) == 1
    assert not should_escalate(item, date(2026, 2, 24), POLICY, CAL)
    assert should_escalate(item, date(2026, 2, 25), POLICY, CAL)
    assert not should_escalate(item, date(2026, 2, 21), POLICY, CAL)  # a Saturday
    once = deadline(date(2026, 2, 13), escalated_on=date(2026, 2, 25))
    assert not should_escalate(once, date(2026, 2, 26), POLICY, CAL)


def test_next_check_day_jumps_to_the_first_reminder_then_by_working_days() -> None:
    item = deadline(date(2026, 2, 23))
    assert next_check_on(item, date(2026, 1, 10), POLICY, CAL) == date(2026, 2, 12)
    assert next_check_on(item, date(2026, 2, 13), POLICY, CAL) == date(2026, 2, 23)
    assert next_check_on(item, date(2026, 2, 27), POLICY, CAL) == date(2026, 3, 2)


def test_quiet_hours_are_21_to_7_local() -> None:
    assert is_quiet(datetime(2026, 2, 12, 21, 0, tzinfo=HN))
    assert is_quiet(datetime(2026, 2, 12, 6, 59, tzinfo=HN))
    assert not is_quiet(datetime(2026, 2, 12, 7, 0, tzinfo=HN))
    assert not is_quiet(datetime(2026, 2, 12, 20, 59, tzinfo=HN))

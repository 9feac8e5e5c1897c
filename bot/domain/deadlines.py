"""Deadlines (thời hạn) as rows in the database, and the pure reminder rules around them.

Every time limit of the programme — a unit answering a petition (thời hạn trả lời), a unit
reporting its result after the conclusion notice, the secretary issuing the conclusion notice
(thông báo kết luận), an extension request awaiting a decision — is one ``Deadline`` row. A
periodic scan reminds whoever is responsible and escalates to the supervisors (giám sát) when an
item stays overdue. Plain dataclasses and pure functions: no Telegram, no SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.calendar import WorkingCalendar

QUIET_START = time(21, 0)
QUIET_END = time(7, 0)
#: How far before the due date a freshly opened deadline is first looked at; the scan then
#: moves ``next_remind_on`` to the exact working-day date, so the lower bound only needs to be
#: early enough for any configured lead (Tết closes up to ~9 calendar days in a row).
FIRST_LOOK_DAYS = 45


class DeadlineKind(StrEnum):
    """What the time limit is for; ``session_publish`` is the last day to announce a draft
    session with the required lead time (≥ 7 working days, seed 001 IV.1.1)."""

    UNIT_ANSWER = "unit_answer"
    UNIT_REPORT = "unit_report"
    CONCLUSION_NOTICE = "conclusion_notice"
    EXTENSION_REVIEW = "extension_review"
    SESSION_PUBLISH = "session_publish"


class DeadlineStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ReminderKind(StrEnum):
    """Which reminder a day brings: before the due date, on it, or while overdue."""

    BEFORE = "before"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Deadline:
    """One time limit. ``unit_code`` is the responsible unit; None means the secretaries."""

    id: int
    kind: DeadlineKind
    subject_type: str
    subject_id: str
    unit_code: str | None
    due_on: date
    status: DeadlineStatus
    opened_at: datetime
    closed_at: datetime | None = None
    last_reminded_on: date | None = None
    escalated_on: date | None = None
    next_remind_on: date | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """The ward's settings: ``reminder_days_before`` and ``escalate_after_overdue_days``."""

    days_before: int = 2
    escalate_after: int = 3


def first_reminder_on(due_on: date, policy: ReminderPolicy, calendar: WorkingCalendar) -> date:
    """The first working day that brings a reminder: ``days_before`` working days ahead."""
    if policy.days_before <= 0:
        return due_on
    return calendar.add_working_days(due_on, -policy.days_before)


def reminder_for(
    deadline: Deadline, today: date, policy: ReminderPolicy, calendar: WorkingCalendar
) -> ReminderKind | None:
    """The reminder ``today`` brings for ``deadline``, or None (weekend, holiday, too early,
    already reminded today). Reminders only fall on working days."""
    if deadline.status is not DeadlineStatus.OPEN or deadline.last_reminded_on == today:
        return None
    if not calendar.is_working_day(today):
        return None
    if today > deadline.due_on:
        return ReminderKind.OVERDUE
    if today == deadline.due_on:
        return ReminderKind.DUE_TODAY
    if today >= first_reminder_on(deadline.due_on, policy, calendar):
        return ReminderKind.BEFORE
    return None


def overdue_working_days(deadline: Deadline, today: date, calendar: WorkingCalendar) -> int:
    """Working days past the due date (0 when not overdue)."""
    return max(0, calendar.working_days_between(deadline.due_on, today))


def should_escalate(
    deadline: Deadline, today: date, policy: ReminderPolicy, calendar: WorkingCalendar
) -> bool:
    """Once per deadline, after ``escalate_after`` overdue working days, the supervisors hear."""
    if deadline.status is not DeadlineStatus.OPEN or deadline.escalated_on is not None:
        return False
    if not calendar.is_working_day(today):
        return False
    return overdue_working_days(deadline, today, calendar) >= policy.escalate_after


def next_check_on(
    deadline: Deadline, today: date, policy: ReminderPolicy, calendar: WorkingCalendar
) -> date:
    """The next day the scan must look at ``deadline`` again (after handling ``today``)."""
    first = first_reminder_on(deadline.due_on, policy, calendar)
    if first > today:
        return first
    return calendar.add_working_days(today, 1)


def is_quiet(local: datetime) -> bool:
    """Giờ yên lặng: nothing is sent from 21:00 to 07:00 local time."""
    moment = local.time()
    return moment >= QUIET_START or moment < QUIET_END


def first_look_on(due_on: date) -> date:
    return due_on - timedelta(days=FIRST_LOOK_DAYS)


class DeadlineRepository(Protocol):
    async def open(
        self,
        *,
        kind: DeadlineKind,
        subject_type: str,
        subject_id: str,
        unit_code: str | None,
        due_on: date,
        now: datetime,
        note: str | None = None,
    ) -> int:
        """Open a deadline; re-opening the same kind+subject while one is open replaces its due
        date and unit (same id) and clears the escalation, so the new date starts afresh."""
        ...

    async def close(
        self,
        *,
        kind: DeadlineKind,
        subject_type: str,
        subject_id: str,
        now: datetime,
        status: DeadlineStatus = DeadlineStatus.DONE,
    ) -> bool:
        """True when an open deadline was closed."""
        ...

    async def get(self, deadline_id: int) -> Deadline | None: ...

    async def get_open(
        self, *, kind: DeadlineKind, subject_type: str, subject_id: str
    ) -> Deadline | None: ...

    async def latest(
        self, *, kind: DeadlineKind, subject_type: str, subject_id: str
    ) -> Deadline | None:
        """The newest deadline of that kind for the subject, whatever its status."""
        ...

    async def due(self, *, until: date, limit: int) -> Sequence[Deadline]:
        """Open deadlines whose next check date is on or before ``until`` (indexed)."""
        ...

    async def mark_reminded(self, deadline_id: int, *, on: date, next_on: date) -> None: ...

    async def reschedule(self, deadline_id: int, *, next_on: date) -> None:
        """Move the next check date without recording a reminder."""
        ...

    async def mark_escalated(self, deadline_id: int, *, on: date) -> None: ...

    async def overdue(self, *, today: date) -> Sequence[Deadline]:
        """Open deadlines due before ``today``, most overdue first (indexed)."""
        ...

    async def open_for_unit(self, unit_code: str) -> Sequence[Deadline]: ...

    async def open_of_kind(self, kind: DeadlineKind) -> Sequence[Deadline]: ...


def group_by_unit(deadlines: Sequence[Deadline]) -> dict[str | None, list[Deadline]]:
    grouped: dict[str | None, list[Deadline]] = {}
    for item in deadlines:
        grouped.setdefault(item.unit_code, []).append(item)
    return grouped


@dataclass(frozen=True, slots=True)
class ConclusionNotice:
    """Thông báo kết luận of one session: the secretary's own text and its publication."""

    session_id: int
    updated_at: datetime
    free_text: str = ""
    complex_reason: str | None = None
    published_at: datetime | None = None
    published_by: int | None = None


class ConclusionRepository(Protocol):
    async def get(self, session_id: int) -> ConclusionNotice | None: ...

    async def save(self, notice: ConclusionNotice) -> None: ...


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """Phiếu khảo sát mức độ hài lòng (seed 002): a 1–5 score and an optional comment."""

    session_id: int
    user_id: int
    invited_at: datetime
    score: int | None = None
    comment: str | None = None
    answered_at: datetime | None = None


class SurveyRepository(Protocol):
    async def invite(self, session_id: int, user_id: int, now: datetime) -> bool:
        """False when this person was already invited for this session."""
        ...

    async def get(self, session_id: int, user_id: int) -> SurveyAnswer | None: ...

    async def answer(self, session_id: int, user_id: int, *, score: int, now: datetime) -> bool:
        """Record the score once; False if already answered (one answer per person)."""
        ...

    async def comment(self, session_id: int, user_id: int, text: str) -> bool: ...

    async def summary(self, session_id: int) -> tuple[int, int, float | None]:
        """(invited, answered, average score)."""
        ...

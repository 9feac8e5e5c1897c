"""Nhắc hạn và báo cáo vượt cấp: the deadline scan, run at start and then every minute.

Everything is computed from the ``deadlines`` rows, so a restart loses nothing and sends nothing
twice: each reminded row records the day (``last_reminded_on``) and the next day to look at it
(``next_remind_on``, indexed), in the same transaction as the outbox rows. A unit's officials
get one digest listing all their items of the day; supervisors hear once per overdue item.
The scan also opens the deadlines that follow from sessions: the conclusion notice after a
session, and the last day to publish a draft session with the lead time the rules require.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.conversation.replies import rows as button_rows
from bot.domain.deadlines import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ReminderKind,
    ReminderPolicy,
    is_quiet,
    next_check_on,
    overdue_working_days,
    reminder_for,
    should_escalate,
)
from bot.domain.people import StaffRecord
from bot.domain.petitions import Petition
from bot.domain.petitions import Status as PetitionStatus
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.ward import Role
from bot.outbox.queue import enqueue
from bot.usecases.common import Services, audit
from messages import label

CONCLUSION_WORKING_DAYS = 10
CONCLUSION_COMPLEX_WORKING_DAYS = 15
PUBLISH_LEAD_WORKING_DAYS = 7
#: How far back a started session without a conclusion-notice deadline is still picked up.
CONCLUSION_LOOKBACK = timedelta(days=45)
#: Draft sessions further ahead than this are not watched yet.
PUBLISH_LOOKAHEAD = timedelta(days=90)
BATCH = 5000
DIGEST_EVENT = "deadline_digest"
ESCALATION_EVENT = "deadline_escalation"

_ANSWERED = (PetitionStatus.ANSWERED, PetitionStatus.RESOLVED, PetitionStatus.CLOSED)
_NO_LEAD_TIME = (SessionKind.URGENT, SessionKind.WEEKLY)


@dataclass(slots=True)
class ScanResult:
    """What one scan did; ``quiet`` when it ran in the quiet hours and did nothing."""

    quiet: bool = False
    opened: int = 0
    closed: int = 0
    reminded: int = 0
    escalated: int = 0
    messages: int = 0
    looked_at: int = 0


@dataclass(slots=True)
class _Item:
    deadline: Deadline
    reminder: ReminderKind | None
    escalate: bool
    view: dict[str, Any] = field(default_factory=dict)


def policy_of(services: Services) -> ReminderPolicy:
    info = services.ward.ward
    return ReminderPolicy(info.reminder_days_before, info.escalate_after_overdue_days)


def conclusion_due(services: Services, session_day: date, *, complex_: bool = False) -> date:
    """10 working days after the session; 15 when complex or beyond the ward's authority."""
    days = CONCLUSION_COMPLEX_WORKING_DAYS if complex_ else CONCLUSION_WORKING_DAYS
    return services.calendar.add_working_days(session_day, days)


def last_publish_day(services: Services, session_day: date) -> date:
    """The last day a session can be announced with ≥ 7 working days' notice (seed 001 IV.1.1).
    Opinions close 7 calendar days before, which is always later, so this one day covers both."""
    return services.calendar.add_working_days(session_day, -PUBLISH_LEAD_WORKING_DAYS)


def recipients_for(staff: Sequence[StaffRecord], unit_code: str | None) -> list[int]:
    """The unit's officials; the secretaries for the secretariat's own items or a unit nobody
    staffs yet (so nothing falls through)."""
    if unit_code is not None:
        officials = [
            s.person_id for s in staff if s.role is Role.OFFICIAL and s.unit_code == unit_code
        ]
        if officials:
            return officials
    return [s.person_id for s in staff if s.role is Role.SECRETARY]


def supervisors(staff: Sequence[StaffRecord]) -> list[int]:
    found = [s.person_id for s in staff if s.role is Role.SUPERVISOR]
    return found or [s.person_id for s in staff if s.role is Role.ADMIN]


async def _petition(uow: UnitOfWork, subject_id: str) -> Petition | None:
    """The petition a deadline is about: the workflow keys its deadlines by tracking code
    (``TD-2026-0001``); rows keyed by the numeric id are read too."""
    if subject_id.isdigit():
        return await uow.petitions.get(int(subject_id))
    return await uow.petitions.by_code(subject_id)


class Reminders:
    def __init__(self, services: Services) -> None:
        self.s = services

    def today(self, now: datetime) -> date:
        return now.astimezone(self.s.ward.tz).date()

    async def run_due(self) -> ScanResult:
        """One scan: open the session deadlines, then remind and escalate what is due today.
        Does nothing in the quiet hours (21:00–07:00); the first scan after 07:00 catches up."""
        now = self.s.clock.now()
        if is_quiet(now.astimezone(self.s.ward.tz)):
            return ScanResult(quiet=True)
        result = ScanResult()
        await self._sync_sessions(now, result)
        today = self.today(now)
        while True:
            async with self.s.store.read() as uow:
                pending = await uow.deadlines.due(until=today, limit=1)
            if not pending:
                return result
            async with self.s.store.transaction() as uow:
                batch = await uow.deadlines.due(until=today, limit=BATCH)
                await self._handle(uow, batch, now, today, result)
            if len(batch) < BATCH:
                return result

    # --- session-driven deadlines ----------------------------------------------------------

    async def _sync_sessions(self, now: datetime, result: ScanResult) -> None:
        """Open the conclusion-notice deadline once a session has started, and watch drafts
        that must be published soon; close the watch when the draft is published or gone."""
        async with self.s.store.read() as uow:
            started = await uow.sessions.starting_between(now - CONCLUSION_LOOKBACK, now)
            drafts = [
                s
                for s in await uow.sessions.upcoming(now, include_drafts=True)
                if s.status is SessionStatus.DRAFT
                and s.kind not in _NO_LEAD_TIME
                and s.starts_at <= now + PUBLISH_LOOKAHEAD
            ]
            watched = await uow.deadlines.open_of_kind(DeadlineKind.SESSION_PUBLISH)
            to_open: list[Session] = []
            for session in started:
                if session.kind is SessionKind.WEEKLY:
                    continue
                found = await uow.deadlines.latest(
                    kind=DeadlineKind.CONCLUSION_NOTICE,
                    subject_type="session",
                    subject_id=str(session.id),
                )
                if found is None:
                    to_open.append(session)
            draft_ids = {str(s.id) for s in drafts}
            stale = [d for d in watched if d.subject_id not in draft_ids]
            watched_ids = {d.subject_id: d for d in watched}
            new_drafts = [
                s
                for s in drafts
                if str(s.id) not in watched_ids
                or watched_ids[str(s.id)].due_on != last_publish_day(self.s, self._day(s))
            ]
        if not (to_open or stale or new_drafts):
            return
        async with self.s.store.transaction() as uow:
            for session in to_open:
                await self.open_conclusion(uow, session, now)
                result.opened += 1
            for d in stale:
                session_now = await uow.sessions.get(int(d.subject_id))
                published = session_now is not None and session_now.status in (
                    SessionStatus.PUBLISHED,
                    SessionStatus.HELD,
                )
                status = DeadlineStatus.DONE if published else DeadlineStatus.CANCELLED
                if await uow.deadlines.close(
                    kind=d.kind,
                    subject_type=d.subject_type,
                    subject_id=d.subject_id,
                    now=now,
                    status=status,
                ):
                    result.closed += 1
            for session in new_drafts:
                await uow.deadlines.open(
                    kind=DeadlineKind.SESSION_PUBLISH,
                    subject_type="session",
                    subject_id=str(session.id),
                    unit_code=None,
                    due_on=last_publish_day(self.s, self._day(session)),
                    now=now,
                )
                result.opened += 1

    def _day(self, session: Session) -> date:
        return session.starts_at.astimezone(self.s.ward.tz).date()

    async def open_conclusion(self, uow: UnitOfWork, session: Session, now: datetime) -> int:
        due = conclusion_due(self.s, self._day(session))
        deadline_id = await uow.deadlines.open(
            kind=DeadlineKind.CONCLUSION_NOTICE,
            subject_type="session",
            subject_id=str(session.id),
            unit_code=None,
            due_on=due,
            now=now,
        )
        await audit(
            uow,
            self.s,
            actor_id=None,
            action="deadline.opened",
            subject_type="session",
            subject_id=session.id,
            kind=DeadlineKind.CONCLUSION_NOTICE.value,
            due_on=due.isoformat(),
        )
        return deadline_id

    # --- reminders and escalation ----------------------------------------------------------

    async def _handle(
        self,
        uow: UnitOfWork,
        batch: Sequence[Deadline],
        now: datetime,
        today: date,
        result: ScanResult,
    ) -> None:
        policy = policy_of(self.s)
        cal = self.s.calendar
        staff = await uow.staff.list_active()
        items: list[_Item] = []
        for deadline in batch:
            result.looked_at += 1
            if await self._settled(uow, deadline, now):
                result.closed += 1
                continue
            opened_today = self.today(deadline.opened_at) == today
            reminder = reminder_for(deadline, today, policy, cal)
            if opened_today and reminder is not ReminderKind.OVERDUE:
                reminder = None
            escalate = should_escalate(deadline, today, policy, cal)
            following = next_check_on(deadline, today, policy, cal)
            if reminder is None and not escalate:
                await uow.deadlines.reschedule(deadline.id, next_on=following)
                continue
            if reminder is not None:
                await uow.deadlines.mark_reminded(deadline.id, on=today, next_on=following)
                result.reminded += 1
            else:
                await uow.deadlines.reschedule(deadline.id, next_on=following)
            if escalate:
                await uow.deadlines.mark_escalated(deadline.id, on=today)
                result.escalated += 1
                await audit(
                    uow,
                    self.s,
                    actor_id=None,
                    action="deadline.escalated",
                    subject_type=deadline.subject_type,
                    subject_id=deadline.subject_id,
                    kind=deadline.kind.value,
                    unit=deadline.unit_code,
                    due_on=deadline.due_on.isoformat(),
                )
            item = _Item(deadline, reminder, escalate)
            item.view = await self._view(uow, deadline, reminder, today)
            items.append(item)
        result.messages += await self._send_digests(uow, items, staff, now, today)
        result.messages += await self._send_escalations(uow, items, staff, now, today)

    async def _settled(self, uow: UnitOfWork, deadline: Deadline, now: datetime) -> bool:
        """Close a petition's deadline the workflow forgot to close (already answered/resolved),
        and a session's deadline whose session is gone; so nobody is reminded of done work."""
        done = False
        if deadline.subject_type == "petition" and deadline.kind in (
            DeadlineKind.UNIT_ANSWER,
            DeadlineKind.UNIT_REPORT,
        ):
            petition = await _petition(uow, deadline.subject_id)
            done = petition is None or petition.status in _ANSWERED
        elif deadline.subject_type == "session":
            session = await uow.sessions.get(int(deadline.subject_id))
            done = session is None or session.status is SessionStatus.CANCELLED
        if not done:
            return False
        return await uow.deadlines.close(
            kind=deadline.kind,
            subject_type=deadline.subject_type,
            subject_id=deadline.subject_id,
            now=now,
        )

    async def _view(
        self, uow: UnitOfWork, deadline: Deadline, reminder: ReminderKind | None, today: date
    ) -> dict[str, Any]:
        """What a digest line shows: the kind, the subject by code or title (never a resident's
        name), the unit, the due date and how late it is."""
        subject = label(f"deadlines.subjects.{deadline.subject_type}", id=deadline.subject_id)
        if deadline.subject_type == "petition":
            petition = await _petition(uow, deadline.subject_id)
            if petition is not None:
                subject = label("petitions.public", code=petition.code, field=petition.field.label)
        elif deadline.subject_type == "session":
            session = await uow.sessions.get(int(deadline.subject_id))
            if session is not None:
                subject = label(
                    "deadlines.session_subject",
                    title=session.title,
                    date=f"{self._day(session):%d/%m/%Y}",
                )
        unit = self.s.ward.unit(deadline.unit_code) if deadline.unit_code else None
        late = overdue_working_days(deadline, today, self.s.calendar)
        return {
            "kind": label(f"deadlines.kinds.{deadline.kind.value}"),
            "subject": subject,
            "unit": unit.name if unit else None,
            "due": f"{deadline.due_on:%d/%m/%Y}",
            "state": (reminder or ReminderKind.OVERDUE).value,
            "days_left": max(0, self.s.calendar.working_days_between(today, deadline.due_on)),
            "days_late": late,
        }

    async def _send_digests(
        self,
        uow: UnitOfWork,
        items: Sequence[_Item],
        staff: Sequence[StaffRecord],
        now: datetime,
        today: date,
    ) -> int:
        by_chat: dict[int, list[_Item]] = {}
        for item in items:
            if item.reminder is None:
                continue
            for chat_id in recipients_for(staff, item.deadline.unit_code):
                by_chat.setdefault(chat_id, []).append(item)
        sent = 0
        for chat_id, mine in by_chat.items():
            mine.sort(key=lambda i: (i.deadline.due_on, i.deadline.id))
            first = min(i.deadline.id for i in mine)
            units = {i.deadline.unit_code for i in mine}
            unit_code = next(iter(units)) if len(units) == 1 else None
            unit = self.s.ward.unit(unit_code) if unit_code else None
            sessions = [
                i.deadline.subject_id
                for i in mine
                if i.deadline.kind is DeadlineKind.CONCLUSION_NOTICE
            ]
            keyboard = (
                button_rows(
                    [[(label("deadlines.open_conclusion"), f"cn:open:{sid}")] for sid in sessions]
                )
                if sessions
                else None
            )
            await enqueue(
                uow,
                now=now,
                event=DIGEST_EVENT,
                person_id=chat_id,
                key=f"deadline:{first}:digest:{today.isoformat()}:{chat_id}",
                context={
                    "unit_name": unit.name if unit else None,
                    "deadline_items": [i.view for i in mine],
                    "deadline_day": f"{today:%d/%m/%Y}",
                },
                buttons=keyboard,
            )
            sent += 1
        return sent

    async def _send_escalations(
        self,
        uow: UnitOfWork,
        items: Sequence[_Item],
        staff: Sequence[StaffRecord],
        now: datetime,
        today: date,
    ) -> int:
        escalated = sorted(
            (i for i in items if i.escalate),
            key=lambda i: (i.deadline.unit_code or "", i.deadline.due_on, i.deadline.id),
        )
        if not escalated:
            return 0
        first = min(i.deadline.id for i in escalated)
        sent = 0
        for chat_id in supervisors(staff):
            await enqueue(
                uow,
                now=now,
                event=ESCALATION_EVENT,
                person_id=chat_id,
                key=f"deadline:{first}:escalation:{today.isoformat()}:{chat_id}",
                context={
                    "deadline_items": [i.view for i in escalated],
                    "deadline_day": f"{today:%d/%m/%Y}",
                    "escalate_after": policy_of(self.s).escalate_after,
                },
            )
            sent += 1
        return sent

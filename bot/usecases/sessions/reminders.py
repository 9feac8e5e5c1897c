"""Reminders before a session, outside quiet hours, computed from the database each time so
a restart loses nothing and a moved session never gets the old ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.sessions import RegistrationStatus
from bot.outbox.queue import Enqueued, enqueue
from bot.usecases.sessions._shared import SessionsBase, card, registrant_keyboard

QUIET_START = time(21, 0)
QUIET_END = time(7, 0)
MIN_NOTICE = timedelta(minutes=30)
DEFAULT_REMINDERS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))


def _in_quiet(local: datetime) -> bool:
    return local.time() >= QUIET_START or local.time() < QUIET_END


def reminder_time(starts_at: datetime, before: timedelta, tz: ZoneInfo) -> datetime:
    """When to remind ``before`` the start, outside quiet hours (21:00–07:00 local).

    A time in the quiet hours moves to 07:00 if that is still at least 30 minutes before the
    session; otherwise it moves back to 20:30 the evening before the quiet period.
    """
    due = starts_at - before
    local = due.astimezone(tz)
    if not _in_quiet(local):
        return due
    morning = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    end = datetime.combine(morning, QUIET_END, tz)
    if end <= starts_at - MIN_NOTICE:
        return end
    evening = datetime.combine(morning - timedelta(days=1), QUIET_START, tz)
    return evening - MIN_NOTICE


def reminder_windows(
    starts_at: datetime, offsets: Sequence[timedelta], tz: ZoneInfo
) -> list[tuple[int, datetime, datetime]]:
    """(index, from, until) for each reminder: a late one is skipped once the next is due."""
    times = [reminder_time(starts_at, off, tz) for off in sorted(offsets, reverse=True)]
    windows = []
    for i, at in enumerate(times):
        until = times[i + 1] if i + 1 < len(times) else starts_at
        if at < until:
            windows.append((i, at, until))
    return windows


class RemindersMixin(SessionsBase):
    """Queue the reminders whose time has come to everyone still registered."""

    async def run_due_reminders(self, offsets: Sequence[timedelta] = DEFAULT_REMINDERS) -> int:
        """Queue the reminders whose time has come (called every minute and at start).

        Computed from the sessions and registrations, so a restart loses nothing; the key holds
        the session's version, so a moved session gets fresh reminders and never the old ones.
        """
        if not offsets:
            return 0
        now = self.s.clock.now()
        horizon = now + max(offsets) + timedelta(hours=12)
        queued = 0
        async with self.s.store.transaction() as uow:
            for session in await uow.sessions.starting_between(now, horizon):
                windows = [
                    (i, at)
                    for i, at, until in reminder_windows(session.starts_at, offsets, self.tz)
                    if at <= now < until
                ]
                if not windows:
                    continue
                index, at = windows[-1]
                regs = await uow.sessions.registrations(
                    session.id, (RegistrationStatus.REGISTERED,)
                )
                view = card(self.s, session)
                for reg in regs:
                    if reg.registered_at > at:
                        continue
                    outcome = await enqueue(
                        uow,
                        now=now,
                        event="session_reminder",
                        person_id=reg.user_id,
                        key=f"reminder:{session.id}:v{session.version}:{index}:{reg.user_id}",
                        context={
                            "card": view,
                            "speaking_rank": None,
                            "speak_topic": reg.topic if reg.speaks else None,
                        },
                        buttons=registrant_keyboard(session.id),
                    )
                    queued += outcome is Enqueued.QUEUED
        return queued

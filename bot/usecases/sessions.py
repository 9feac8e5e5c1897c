"""Dialogue sessions: create, publish, change, cancel, the weekly rotation, registrations and
reminders.

Every state change commits with its audit entry and its outbox rows in one transaction; the
bot's handlers and the CLI call the same functions, so both get the same validation and notices.
Rules: lead time ≥ 7 working days except urgent sessions (001 IV.1.1, 004 IV.1(1)); opinions
collected until 7 days before (001 III.1); the weekly Friday programme rotates over the
residential groups' culture houses and may move for force majeure (000 II.2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.documents.ics import ics_filename, session_ics
from bot.domain.files import stored_media
from bot.domain.permissions import Action, can
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import (
    AudienceScope,
    Host,
    Registration,
    RegistrationStatus,
    Session,
    SessionForm,
    SessionKind,
    SessionStatus,
    SocialGroup,
    deep_link,
    host_text,
)
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Enqueued,
    Method,
    Priority,
    enqueue,
    inline_keyboard,
)
from bot.usecases.common import Services, audit
from messages import label

LEAD_WORKING_DAYS = 7
OPINION_DAYS_BEFORE = 7
TITLE_MAX = 200
VENUE_MAX = 300
TOPIC_MAX = 300
REASON_MAX = 500
DEPUTY_MAX = 120
WEEKLY_START = time(7, 30)
WEEKLY_END = time(11, 0)
FRIDAY = 4
QUIET_START = time(21, 0)
QUIET_END = time(7, 0)
MIN_NOTICE = timedelta(minutes=30)
DEFAULT_REMINDERS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))
BOT_USERNAME_FACT = "bot_username"
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)


# ----- pure rules ------------------------------------------------------------------------------


def default_opinion_deadline(starts_at: datetime) -> datetime:
    """Opinions are collected until 7 days before the session (seed 001 III.1)."""
    return starts_at - timedelta(days=OPINION_DAYS_BEFORE)


@dataclass(frozen=True, slots=True)
class LeadTime:
    """Whether the announcement comes early enough: ``earliest`` is the first allowed date."""

    required: bool
    earliest: date
    working_days: int

    @property
    def short(self) -> bool:
        return self.required and self.working_days < LEAD_WORKING_DAYS


def lead_time(
    services: Services, now: datetime, kind: SessionKind, starts_at: datetime
) -> LeadTime:
    """≥ 7 working days (holidays and Tết not counted) between announcement and session;
    urgent sessions are exempt, and so is the standing weekly programme (seed 000 fixes it)."""
    tz = services.ward.tz
    today = now.astimezone(tz).date()
    day = starts_at.astimezone(tz).date()
    earliest = services.calendar.add_working_days(today, LEAD_WORKING_DAYS)
    days = services.calendar.working_days_between(today, day)
    if day >= earliest:
        days = max(days, LEAD_WORKING_DAYS)
    required = kind not in (SessionKind.URGENT, SessionKind.WEEKLY)
    return LeadTime(required, earliest, days)


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


def weekly_fridays(services: Services, after: date, weeks: int) -> list[tuple[date, bool]]:
    """The next ``weeks`` Fridays after ``after``, each with whether it is a working day."""
    first = after + timedelta(days=(FRIDAY - after.weekday()) % 7 or 7)
    days = [first + timedelta(weeks=i) for i in range(weeks)]
    return [(d, services.calendar.is_working_day(d)) for d in days]


_VN_TIME = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:hH](\d{2})"
    r"(?:\s*-\s*(\d{1,2})[:hH](\d{2}))?\s*$"
)
_ISO_TIME = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})\s*$")


def parse_vn_time(text: str, tz: ZoneInfo) -> tuple[datetime, datetime | None] | None:
    """``dd/mm/yyyy hh:mm`` with an optional ``-hh:mm`` end, local time; None if not that."""
    match = _VN_TIME.match(text)
    if match is None:
        return None
    d, m, y, hh, mm, eh, em = match.groups()
    try:
        start = datetime(int(y), int(m), int(d), int(hh), int(mm), tzinfo=tz)
        end = None
        if eh is not None:
            end = datetime.combine(start.date(), time(int(eh), int(em)), tz)
    except ValueError:
        return None
    return start, end


def parse_iso_local(text: str, tz: ZoneInfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` in the ward's timezone (the CLI's format)."""
    match = _ISO_TIME.match(text)
    if match is None:
        return None
    y, mo, d, hh, mm = (int(g) for g in match.groups())
    try:
        return datetime(y, mo, d, hh, mm, tzinfo=tz)
    except ValueError:
        return None


# ----- input and results -----------------------------------------------------------------------


class Problem(StrEnum):
    """Why a session cannot be saved as given; each maps to one line of text."""

    TITLE_MISSING = "title_missing"
    TITLE_TOO_LONG = "title_too_long"
    START_PAST = "start_past"
    END_BEFORE_START = "end_before_start"
    LINK_MISSING = "link_missing"
    LINK_INVALID = "link_invalid"
    VENUE_MISSING = "venue_missing"
    VENUE_TOO_LONG = "venue_too_long"
    PIN_INVALID = "pin_invalid"
    GROUPS_MISSING = "groups_missing"
    GROUP_UNKNOWN = "group_unknown"
    SOCIAL_MISSING = "social_missing"
    CAPACITY_INVALID = "capacity_invalid"
    DEADLINE_AFTER_START = "deadline_after_start"
    REASON_TOO_LONG = "reason_too_long"
    DEPUTY_TOO_LONG = "deputy_too_long"


@dataclass(slots=True)
class SessionDraft:
    """What the secretary filled in (bot flow or CLI), before validation."""

    kind: SessionKind
    title: str
    starts_at: datetime
    host: Host = Host.CHAIR
    deputy: str | None = None
    form: SessionForm = SessionForm.DIRECT
    link: str | None = None
    ends_at: datetime | None = None
    venue: str = ""
    latitude: float | None = None
    longitude: float | None = None
    audience: AudienceScope = AudienceScope.WARD
    group_codes: tuple[str, ...] = ()
    social_group: SocialGroup | None = None
    capacity: int | None = None
    opinion_deadline: datetime | None = None
    reason: str | None = None


def validate(services: Services, draft: SessionDraft, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    title = draft.title.strip()
    if not title:
        problems.append(Problem.TITLE_MISSING)
    elif len(title) > TITLE_MAX:
        problems.append(Problem.TITLE_TOO_LONG)
    if draft.starts_at <= now:
        problems.append(Problem.START_PAST)
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        problems.append(Problem.END_BEFORE_START)
    if draft.form is SessionForm.ONLINE and not draft.link:
        problems.append(Problem.LINK_MISSING)
    if draft.link and not _URL.match(draft.link):
        problems.append(Problem.LINK_INVALID)
    if draft.form is SessionForm.DIRECT and not draft.venue.strip():
        problems.append(Problem.VENUE_MISSING)
    if len(draft.venue) > VENUE_MAX:
        problems.append(Problem.VENUE_TOO_LONG)
    if (draft.latitude is None) != (draft.longitude is None) or (
        draft.latitude is not None
        and draft.longitude is not None
        and not (-90 <= draft.latitude <= 90 and -180 <= draft.longitude <= 180)
    ):
        problems.append(Problem.PIN_INVALID)
    if draft.audience is AudienceScope.GROUPS:
        if not draft.group_codes:
            problems.append(Problem.GROUPS_MISSING)
        elif any(services.ward.group(code) is None for code in draft.group_codes):
            problems.append(Problem.GROUP_UNKNOWN)
    if draft.audience is AudienceScope.SOCIAL and draft.social_group is None:
        problems.append(Problem.SOCIAL_MISSING)
    if draft.capacity is not None and not (1 <= draft.capacity <= 100_000):
        problems.append(Problem.CAPACITY_INVALID)
    if draft.opinion_deadline is not None and draft.opinion_deadline >= draft.starts_at:
        problems.append(Problem.DEADLINE_AFTER_START)
    if draft.reason is not None and len(draft.reason) > REASON_MAX:
        problems.append(Problem.REASON_TOO_LONG)
    if draft.deputy is not None and len(draft.deputy) > DEPUTY_MAX:
        problems.append(Problem.DEPUTY_TOO_LONG)
    return problems


class Outcome(StrEnum):
    CREATED = "created"
    PUBLISHED = "published"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"
    INVALID = "invalid"
    NEEDS_REASON = "needs_reason"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_PUBLISHED = "already_published"
    ALREADY_CANCELLED = "already_cancelled"
    PAST = "past"


@dataclass(frozen=True, slots=True)
class Change:
    """One visible change for the notice: ``field`` is time, venue, form or link."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    session: Session | None = None
    problems: tuple[Problem, ...] = ()
    lead: LeadTime | None = None
    changes: tuple[Change, ...] = ()
    notified: int = 0
    created: tuple[Session, ...] = ()
    skipped_holidays: tuple[date, ...] = ()


class RegOutcome(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    SPEAKER = "speaker"
    ALREADY = "already"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    NOT_REGISTERED = "not_registered"
    NOT_ONBOARDED = "not_onboarded"
    NOT_FOUND = "not_found"
    SESSION_CANCELLED = "session_cancelled"
    PAST = "past"
    INDIRECT = "indirect"
    TOPIC_INVALID = "topic_invalid"
    ATTENDED = "attended"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class RegResult:
    outcome: RegOutcome
    session: Session | None = None
    registration: Registration | None = None
    speaking_rank: int | None = None
    waitlist_rank: int | None = None
    promoted: int | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    """Registrations, waitlist and speaking order (danh sách đăng ký, chờ, thứ tự phát biểu)."""

    session: Session
    registered: list[Registration]
    waitlist: list[Registration]
    speakers: list[Registration]


@dataclass(frozen=True, slots=True)
class Listed:
    session: Session
    registration: Registration | None
    places_left: int | None
    speaking_rank: int | None = None
    waitlist_rank: int | None = None


# ----- presentation data shared by notices, cards and files ------------------------------------


def audience_text(services: Services, session: Session) -> str:
    match session.audience:
        case AudienceScope.WARD:
            return label("sessions.audience_text.ward", ward=services.ward.ward.name)
        case AudienceScope.GROUPS:
            names = [g.name for c in session.group_codes if (g := services.ward.group(c))]
            return ", ".join(names)
        case AudienceScope.SOCIAL:
            social = session.social_group.value if session.social_group else "business"
            return label("sessions.social." + social)


def card(
    services: Services,
    session: Session,
    *,
    username: str | None = None,
    places_left: int | None = None,
) -> dict[str, Any]:
    """The session as plain values for the templates (``card`` in messages/session_*.j2)."""
    return {
        "id": session.id,
        "title": session.title,
        "kind": label(f"sessions.kind.{session.kind.value}"),
        "host": host_text(session),
        "deputy": session.deputy,
        "form": label(f"sessions.form.{session.form.value}"),
        "link": session.link,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "end_time": (
            f"{session.ends_at.astimezone(services.ward.tz):%H:%M}" if session.ends_at else None
        ),
        "venue": session.venue,
        "audience": audience_text(services, session),
        "capacity": session.capacity,
        "places_left": places_left,
        "opinion_deadline": session.opinion_deadline,
        "status": session.status.value,
        "cancel_reason": session.cancel_reason,
        "deep_link": deep_link(username, session.id),
        "tz": services.ward.ward.timezone,
    }


def resident_keyboard(session_id: int) -> dict[str, Any]:
    return inline_keyboard([[(label("sessions.open"), f"ss:open:{session_id}")]])


def registrant_keyboard(session_id: int) -> dict[str, Any]:
    return inline_keyboard(
        [
            [
                (label("sessions.still_coming"), f"ss:ok:{session_id}"),
                (label("sessions.unregister"), f"ss:unreg:{session_id}"),
            ]
        ]
    )


# ----- the use case ------------------------------------------------------------------------------


class Sessions:
    def __init__(self, services: Services) -> None:
        self.s = services

    @property
    def tz(self) -> ZoneInfo:
        return self.s.ward.tz

    async def _allowed(self, uow: UnitOfWork, actor_id: int | None) -> bool:
        """The CLI (actor None) runs with the database owner's rights; people need the role."""
        if actor_id is None:
            return True
        member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, Action.MANAGE_SESSIONS)

    async def bot_username(self) -> str | None:
        async with self.s.store.read() as uow:
            return await uow.sessions.fact(BOT_USERNAME_FACT)

    async def remember_bot_username(self, username: str) -> None:
        async with self.s.store.transaction() as uow:
            await uow.sessions.set_fact(BOT_USERNAME_FACT, username)

    # --- secretary -------------------------------------------------------------------------

    def check(self, draft: SessionDraft) -> tuple[list[Problem], LeadTime]:
        now = self.s.clock.now()
        return validate(self.s, draft, now), lead_time(self.s, now, draft.kind, draft.starts_at)

    async def create(
        self, actor_id: int | None, draft: SessionDraft, *, publish: bool = False
    ) -> Result:
        now = self.s.clock.now()
        problems, lead = self.check(draft)
        if problems:
            return Result(Outcome.INVALID, problems=tuple(problems), lead=lead)
        reason = (draft.reason or "").strip() or None
        if publish and lead.short and reason is None:
            return Result(Outcome.NEEDS_REASON, lead=lead)
        session = Session(
            title=draft.title.strip(),
            kind=draft.kind,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            host=draft.host,
            deputy=(draft.deputy or "").strip() or None,
            form=draft.form,
            link=draft.link or None,
            venue=draft.venue.strip(),
            latitude=draft.latitude,
            longitude=draft.longitude,
            audience=draft.audience,
            group_codes=draft.group_codes if draft.audience is AudienceScope.GROUPS else (),
            social_group=draft.social_group if draft.audience is AudienceScope.SOCIAL else None,
            capacity=draft.capacity,
            opinion_deadline=(
                draft.opinion_deadline
                if draft.opinion_deadline is not None or draft.kind is SessionKind.WEEKLY
                else default_opinion_deadline(draft.starts_at)
            ),
            lead_time_reason=reason if lead.short else None,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
        )
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            await uow.sessions.add(session)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.created",
                subject_type="session",
                subject_id=session.id,
                kind=session.kind.value,
                starts_at=session.starts_at.isoformat(),
                lead_time_reason=session.lead_time_reason,
            )
            notified = 0
            if publish:
                notified = await self._publish(uow, actor_id, session, now)
        return Result(
            Outcome.PUBLISHED if publish else Outcome.CREATED, session, lead=lead, notified=notified
        )

    async def publish(
        self, actor_id: int | None, session_id: int, reason: str | None = None
    ) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status is SessionStatus.PUBLISHED:
                return Result(Outcome.ALREADY_PUBLISHED, session)
            if session.status is not SessionStatus.DRAFT:
                return Result(Outcome.ALREADY_CANCELLED, session)
            if session.starts_at <= now:
                return Result(Outcome.PAST, session)
            lead = lead_time(self.s, now, session.kind, session.starts_at)
            reason = (reason or "").strip() or session.lead_time_reason
            if lead.short and not reason:
                return Result(Outcome.NEEDS_REASON, session, lead=lead)
            if reason is not None and len(reason) > REASON_MAX:
                return Result(Outcome.INVALID, session, problems=(Problem.REASON_TOO_LONG,))
            session.lead_time_reason = reason if lead.short else None
            notified = await self._publish(uow, actor_id, session, now)
        return Result(Outcome.PUBLISHED, session, lead=lead, notified=notified)

    async def _publish(
        self, uow: UnitOfWork, actor_id: int | None, session: Session, now: datetime
    ) -> int:
        """Mark published and queue the invitation (with a map pin when known) to the audience."""
        session.status = SessionStatus.PUBLISHED
        session.published_at = now
        session.updated_at = now
        await uow.sessions.save(session)
        username = await uow.sessions.fact(BOT_USERNAME_FACT)
        view = card(self.s, session, username=username, places_left=session.capacity)
        calendar_file = await uow.files.add(
            name=ics_filename(session),
            mime_type="text/calendar",
            data=session_ics(self.s, session, username=username, now=now),
            now=now,
        )
        sent = 0
        for chat_id in await self._audience(uow, session):
            queued = await enqueue(
                uow,
                now=now,
                event="session_invitation",
                chat_id=chat_id,
                key=f"session:{session.id}:invite:{chat_id}",
                context={"card": view},
                keyboard=resident_keyboard(session.id),
                priority=Priority.MASS,
                general=True,
            )
            if queued is Enqueued.QUEUED:
                sent += 1
                if session.has_pin:
                    await self._venue(uow, session, chat_id, f"invite-venue:{chat_id}", now)
                await enqueue(
                    uow,
                    now=now,
                    event="session_calendar_file",
                    chat_id=chat_id,
                    key=f"session:{session.id}:invite-ics:{chat_id}",
                    priority=Priority.MASS,
                    general=True,
                    method=Method.DOCUMENT,
                    media=stored_media(calendar_file),
                )
        await audit(
            uow,
            self.s,
            actor_id=actor_id,
            action="session.published",
            subject_type="session",
            subject_id=session.id,
            invited=sent,
            lead_time_reason=session.lead_time_reason,
        )
        return sent

    async def _venue(
        self, uow: UnitOfWork, session: Session, chat_id: int, key: str, now: datetime
    ) -> None:
        await enqueue(
            uow,
            now=now,
            event="session_venue",
            chat_id=chat_id,
            key=f"session:{session.id}:v{session.version}:{key}",
            context={},
            priority=Priority.MASS,
            method=Method.VENUE,
            params={
                "latitude": session.latitude,
                "longitude": session.longitude,
                "title": session.title[:100],
                "address": session.venue[:100] or session.title[:100],
            },
        )

    async def _audience(self, uow: UnitOfWork, session: Session) -> list[int]:
        return await audience_of(uow, session)

    async def update(
        self,
        actor_id: int | None,
        session_id: int,
        *,
        reason: str | None = None,
        **fields: Any,
    ) -> Result:
        """Change fields of a session; a change of time, venue, form or link bumps the version
        and tells every registrant (personally) and the audience, once, old → new."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status in (SessionStatus.CANCELLED, SessionStatus.HELD):
                return Result(Outcome.ALREADY_CANCELLED, session)
            updated = replace(session, **fields)
            if "starts_at" in fields and "ends_at" not in fields and session.ends_at:
                updated.ends_at = fields["starts_at"] + (session.ends_at - session.starts_at)
            if "starts_at" in fields and "opinion_deadline" not in fields:
                if session.opinion_deadline is not None:
                    updated.opinion_deadline = default_opinion_deadline(updated.starts_at)
            draft = _as_draft(updated, reason)
            problems = validate(self.s, draft, now)
            if problems:
                return Result(Outcome.INVALID, session, problems=tuple(problems))
            changes = _changes(session, updated)
            if updated == session:
                return Result(Outcome.UNCHANGED, session)
            if changes:
                updated.version += 1
            updated.updated_at = now
            await uow.sessions.save(updated)
            notified = 0
            if changes and updated.status is SessionStatus.PUBLISHED:
                await uow.sessions.cancel_pending_reminders(updated.id)
                notified = await self._tell_change(uow, updated, changes, reason, now)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.updated",
                subject_type="session",
                subject_id=updated.id,
                fields=sorted(fields),
                version=updated.version,
                reason=reason,
                notified=notified,
            )
        return Result(Outcome.UPDATED, updated, changes=tuple(changes), notified=notified)

    async def _tell_change(
        self,
        uow: UnitOfWork,
        session: Session,
        changes: Sequence[Change],
        reason: str | None,
        now: datetime,
    ) -> int:
        username = await uow.sessions.fact(BOT_USERNAME_FACT)
        view = card(self.s, session, username=username)
        rows = [
            {
                "field": c.field,
                "label": label(f"sessions.field.{c.field}"),
                "old": c.old,
                "new": c.new,
            }
            for c in changes
        ]
        venue_changed = any(c.field == "venue" for c in changes)
        registrants = {
            r.user_id
            for r in await uow.sessions.registrations(
                session.id, (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
            )
        }
        others = [c for c in await self._audience(uow, session) if c not in registrants]
        told = 0
        for chat_id, registered in [(c, True) for c in sorted(registrants)] + [
            (c, False) for c in others
        ]:
            queued = await enqueue(
                uow,
                now=now,
                event="session_changed",
                chat_id=chat_id,
                key=f"session:{session.id}:v{session.version}:change:{chat_id}",
                context={
                    "card": view,
                    "changes": rows,
                    "change_reason": reason,
                    "registered": registered,
                },
                keyboard=(
                    registrant_keyboard(session.id) if registered else resident_keyboard(session.id)
                ),
                priority=Priority.PERSONAL if registered else Priority.MASS,
                general=not registered,
            )
            if registered and queued is Enqueued.QUEUED and venue_changed and session.has_pin:
                await self._venue(uow, session, chat_id, f"change-venue:{chat_id}", now)
            told += queued is Enqueued.QUEUED
        return told

    async def cancel(self, actor_id: int | None, session_id: int, reason: str) -> Result:
        now = self.s.clock.now()
        reason = reason.strip()
        if not reason:
            return Result(Outcome.NEEDS_REASON)
        if len(reason) > REASON_MAX:
            return Result(Outcome.INVALID, problems=(Problem.REASON_TOO_LONG,))
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status in (SessionStatus.CANCELLED, SessionStatus.HELD):
                return Result(Outcome.ALREADY_CANCELLED, session)
            was_published = session.status is SessionStatus.PUBLISHED
            session.status = SessionStatus.CANCELLED
            session.cancel_reason = reason
            session.version += 1
            session.updated_at = now
            await uow.sessions.save(session)
            await uow.sessions.cancel_pending_reminders(session.id)
            told = 0
            if was_published:
                view = card(self.s, session)
                registrants = {
                    r.user_id
                    for r in await uow.sessions.registrations(
                        session.id, (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
                    )
                }
                audience = await self._audience(uow, session)
                for chat_id in sorted(registrants) + [c for c in audience if c not in registrants]:
                    personal = chat_id in registrants
                    queued = await enqueue(
                        uow,
                        now=now,
                        event="session_cancelled",
                        chat_id=chat_id,
                        key=f"session:{session.id}:cancel:{chat_id}",
                        context={"card": view, "change_reason": reason, "registered": personal},
                        priority=Priority.PERSONAL if personal else Priority.MASS,
                        general=not personal,
                    )
                    told += queued is Enqueued.QUEUED
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.cancelled",
                subject_type="session",
                subject_id=session.id,
                reason=reason,
                notified=told,
            )
        return Result(Outcome.CANCELLED, session, notified=told)

    async def generate_weekly(
        self,
        actor_id: int | None,
        weeks: int,
        *,
        publish: bool = True,
        starts: time = WEEKLY_START,
        ends: time = WEEKLY_END,
    ) -> Result:
        """The next ``weeks`` Fridays' "Ngày thứ Sáu nghe dân nói", rotating over the groups in
        config order at each group's culture house. Fridays that are holidays are skipped (the
        group keeps its turn); weeks already generated are left alone, so it is idempotent."""
        now = self.s.clock.now()
        tz = self.tz
        groups = self.s.ward.groups
        created: list[Session] = []
        skipped: list[date] = []
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            last_code = await self._last_weekly_group(uow, now.astimezone(tz).date())
            for friday, working in weekly_fridays(self.s, now.astimezone(tz).date(), weeks):
                existing = await uow.sessions.by_planned_week(friday.isoformat())
                if existing is not None:
                    last_code = existing.group_codes[0] if existing.group_codes else last_code
                    continue
                if not working:
                    skipped.append(friday)
                    continue
                codes = [g.code for g in groups]
                index = (codes.index(last_code) + 1) % len(codes) if last_code in codes else 0
                group = groups[index]
                last_code = group.code
                session = Session(
                    title=label("sessions.weekly_title", group=group.name),
                    kind=SessionKind.WEEKLY,
                    starts_at=datetime.combine(friday, starts, tz),
                    ends_at=datetime.combine(friday, ends, tz),
                    host=Host.BOTH,
                    form=SessionForm.DIRECT,
                    venue=group.culture_house or group.name,
                    audience=AudienceScope.GROUPS,
                    group_codes=(group.code,),
                    planned_week=friday.isoformat(),
                    created_by=actor_id,
                    created_at=now,
                    updated_at=now,
                )
                await uow.sessions.add(session)
                await audit(
                    uow,
                    self.s,
                    actor_id=actor_id,
                    action="session.weekly_generated",
                    subject_type="session",
                    subject_id=session.id,
                    week=session.planned_week,
                    group=group.code,
                )
                if publish:
                    await self._publish(uow, actor_id, session, now)
                created.append(session)
        return Result(Outcome.CREATED, created=tuple(created), skipped_holidays=tuple(skipped))

    async def _last_weekly_group(self, uow: UnitOfWork, before: date) -> str | None:
        """The group of the latest weekly session planned before ``before``."""
        latest: Session | None = None
        for session in await uow.sessions.all():
            if session.planned_week and session.planned_week <= before.isoformat():
                latest = session
        return latest.group_codes[0] if latest and latest.group_codes else None

    async def list_for_staff(self, *, include_past: bool = False) -> list[Session]:
        async with self.s.store.read() as uow:
            if include_past:
                return await uow.sessions.all()
            return await uow.sessions.upcoming(self.s.clock.now(), include_drafts=True)

    async def get(self, session_id: int) -> Session | None:
        async with self.s.store.read() as uow:
            return await uow.sessions.get(session_id)

    async def roster(self, session_id: int) -> Roster | None:
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return None
            regs = await uow.sessions.registrations(session_id)
        seated = [
            r
            for r in regs
            if r.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
        ]
        waitlist = [r for r in regs if r.status is RegistrationStatus.WAITLISTED]
        speakers = sorted(
            (r for r in seated if r.speaks and r.speaking_position is not None),
            key=lambda r: r.speaking_position or 0,
        )
        return Roster(session, seated, waitlist, speakers)

    async def mark_attended(self, actor_id: int | None, session_id: int, user_id: int) -> RegResult:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return RegResult(RegOutcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or reg.status is not RegistrationStatus.REGISTERED:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            reg.status = RegistrationStatus.ATTENDED
            reg.updated_at = now
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.attended",
                subject_type="session",
                subject_id=session_id,
                user_id=user_id,
            )
        return RegResult(RegOutcome.ATTENDED, session, reg)

    # --- resident --------------------------------------------------------------------------

    async def upcoming_for(self, user_id: int) -> list[Listed]:
        """Published sessions not yet over that concern the resident: the whole ward, their
        residential group, a social group they declared, or one they registered for."""
        now = self.s.clock.now()
        async with self.s.store.read() as uow:
            resident = await uow.residents.get(user_id)
            group = resident.group_code if resident else None
            social = set(resident.social_groups) if resident else set()
            mine = await uow.sessions.user_registrations(user_id)
            found = []
            for session in await uow.sessions.upcoming(now):
                reg = mine.get(session.id)
                relevant = (
                    session.audience is AudienceScope.WARD
                    or (
                        session.audience is AudienceScope.GROUPS
                        and group is not None
                        and group in session.group_codes
                    )
                    or (
                        session.audience is AudienceScope.SOCIAL
                        and session.social_group is not None
                        and session.social_group.value in social
                    )
                    or (reg is not None and reg.status.active)
                )
                if relevant:
                    found.append(Listed(session, reg, await self._places_left(uow, session)))
        return found

    async def view(self, session_id: int, user_id: int) -> Listed | None:
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None or session.status is SessionStatus.DRAFT:
                return None
            reg = await uow.sessions.registration(session_id, user_id)
            left = await self._places_left(uow, session)
            if reg is None or not reg.status.active:
                return Listed(session, reg, left)
            ranks = await self._already(uow, session, reg)
            return Listed(session, reg, left, ranks.speaking_rank, ranks.waitlist_rank)

    async def _places_left(self, uow: UnitOfWork, session: Session) -> int | None:
        if session.capacity is None:
            return None
        taken = await uow.sessions.count(session.id, RegistrationStatus.REGISTERED)
        taken += await uow.sessions.count(session.id, RegistrationStatus.ATTENDED)
        return max(session.capacity - taken, 0)

    async def register(
        self, user_id: int, session_id: int, *, topic: str | None = None
    ) -> RegResult:
        """Register to attend, or to speak when ``topic`` is given (a speaker needs a seat, so
        a full session puts them on the waitlist with their topic)."""
        now = self.s.clock.now()
        if topic is not None:
            topic = " ".join(topic.split())
            if not topic or len(topic) > TOPIC_MAX or topic.startswith("/"):
                return RegResult(RegOutcome.TOPIC_INVALID)
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not resident.is_onboarded or resident.deleted_at:
                return RegResult(RegOutcome.NOT_ONBOARDED)
            session = await uow.sessions.get(session_id)
            refused = _closed(session, now)
            if refused is not None:
                return RegResult(refused, session)
            assert session is not None
            reg = await uow.sessions.registration(session_id, user_id)
            if reg is not None and reg.status.active:
                if topic is None or reg.speaks:
                    return await self._already(uow, session, reg)
                reg.speaks, reg.topic, reg.updated_at = True, topic, now
                if reg.status is not RegistrationStatus.WAITLISTED:
                    reg.speaking_position = await uow.sessions.next_speaking_position(session_id)
            else:
                left = await self._places_left(uow, session)
                full = left is not None and left <= 0
                reg = Registration(
                    session_id=session_id,
                    user_id=user_id,
                    status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED,
                    registered_at=now,
                    updated_at=now,
                    speaks=topic is not None,
                    topic=topic,
                )
                if topic is not None and not full:
                    reg.speaking_position = await uow.sessions.next_speaking_position(session_id)
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.registered",
                subject_type="session",
                subject_id=session_id,
                status=reg.status.value,
                speaks=reg.speaks,
            )
            result = await self._already(uow, session, reg)
        if reg.status is RegistrationStatus.WAITLISTED:
            return replace(result, outcome=RegOutcome.WAITLISTED)
        outcome = RegOutcome.SPEAKER if reg.speaks else RegOutcome.REGISTERED
        return replace(result, outcome=outcome)

    async def _already(self, uow: UnitOfWork, session: Session, reg: Registration) -> RegResult:
        regs = await uow.sessions.registrations(session.id)
        speaking = sorted(
            (
                r
                for r in regs
                if r.status.active
                and r.speaking_position is not None
                and r.status is not RegistrationStatus.WAITLISTED
            ),
            key=lambda r: r.speaking_position or 0,
        )
        waiting = [r for r in regs if r.status is RegistrationStatus.WAITLISTED]
        speaking_rank = next(
            (i for i, r in enumerate(speaking, 1) if r.user_id == reg.user_id), None
        )
        waitlist_rank = next(
            (i for i, r in enumerate(waiting, 1) if r.user_id == reg.user_id), None
        )
        return RegResult(RegOutcome.ALREADY, session, reg, speaking_rank, waitlist_rank)

    async def cancel_registration(self, user_id: int, session_id: int) -> RegResult:
        """Cancel; the first on the waitlist takes the freed seat and is told so."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or not reg.status.active:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            if session.starts_at <= now or reg.status is RegistrationStatus.ATTENDED:
                return RegResult(RegOutcome.PAST, session)
            freed = reg.status is RegistrationStatus.REGISTERED
            reg.status = RegistrationStatus.CANCELLED
            reg.speaking_position = None
            reg.updated_at = now
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.registration_cancelled",
                subject_type="session",
                subject_id=session_id,
            )
            promoted = None
            if freed and session.status is SessionStatus.PUBLISHED:
                promoted = await self._promote(uow, session, now)
        return RegResult(RegOutcome.CANCELLED, session, reg, promoted=promoted)

    async def _promote(self, uow: UnitOfWork, session: Session, now: datetime) -> int | None:
        left = await self._places_left(uow, session)
        if left is not None and left <= 0:
            return None
        waiting = await uow.sessions.registrations(session.id, (RegistrationStatus.WAITLISTED,))
        if not waiting:
            return None
        first = waiting[0]
        first.status = RegistrationStatus.REGISTERED
        first.updated_at = now
        if first.speaks:
            first.speaking_position = await uow.sessions.next_speaking_position(session.id)
        await uow.sessions.save_registration(first)
        rank = (await self._already(uow, session, first)).speaking_rank
        await enqueue(
            uow,
            now=now,
            event="session_promoted",
            chat_id=first.user_id,
            key=f"session:{session.id}:promoted:{first.user_id}:{now.isoformat()}",
            context={"card": card(self.s, session), "speaking_rank": rank},
            keyboard=registrant_keyboard(session.id),
        )
        await audit(
            uow,
            self.s,
            actor_id=None,
            action="session.waitlist_promoted",
            subject_type="session",
            subject_id=session.id,
            user_id=first.user_id,
        )
        return first.user_id

    async def confirm(self, user_id: int, session_id: int) -> RegResult:
        """ "Vẫn tham dự" after a change notice: recorded so the office knows who still comes."""
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or not reg.status.active:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            if session.status is SessionStatus.CANCELLED:
                return RegResult(RegOutcome.SESSION_CANCELLED, session)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.attendance_confirmed",
                subject_type="session",
                subject_id=session_id,
                version=session.version,
            )
        return RegResult(RegOutcome.CONFIRMED, session, reg)

    # --- reminders -------------------------------------------------------------------------

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
                        chat_id=reg.user_id,
                        key=f"reminder:{session.id}:v{session.version}:{index}:{reg.user_id}",
                        context={
                            "card": view,
                            "speaking_rank": None,
                            "speak_topic": reg.topic if reg.speaks else None,
                        },
                        keyboard=registrant_keyboard(session.id),
                    )
                    queued += outcome is Enqueued.QUEUED
        return queued


def _closed(session: Session | None, now: datetime) -> RegOutcome | None:
    if session is None or session.status is SessionStatus.DRAFT:
        return RegOutcome.NOT_FOUND
    if session.status is SessionStatus.CANCELLED:
        return RegOutcome.SESSION_CANCELLED
    if session.status is SessionStatus.HELD or session.starts_at <= now:
        return RegOutcome.PAST
    if session.form is SessionForm.INDIRECT:
        return RegOutcome.INDIRECT
    return None


def _as_draft(session: Session, reason: str | None) -> SessionDraft:
    return SessionDraft(
        kind=session.kind,
        title=session.title,
        starts_at=session.starts_at,
        host=session.host,
        deputy=session.deputy,
        form=session.form,
        link=session.link,
        ends_at=session.ends_at,
        venue=session.venue,
        latitude=session.latitude,
        longitude=session.longitude,
        audience=session.audience,
        group_codes=session.group_codes,
        social_group=session.social_group,
        capacity=session.capacity,
        opinion_deadline=session.opinion_deadline,
        reason=reason,
    )


def _changes(old: Session, new: Session) -> list[Change]:
    found = []
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        found.append(Change("time", old.starts_at, new.starts_at))
    if (old.venue, old.latitude, old.longitude) != (new.venue, new.latitude, new.longitude):
        found.append(Change("venue", old.venue, new.venue))
    if old.form != new.form:
        found.append(
            Change(
                "form",
                label(f"sessions.form.{old.form.value}"),
                label(f"sessions.form.{new.form.value}"),
            )
        )
    if old.link != new.link:
        found.append(Change("link", old.link or "", new.link or ""))
    return found


@dataclass(frozen=True, slots=True)
class SessionRegistrants:
    """The broadcast audience "registrants of a session" (bot.usecases.broadcast.SessionAudience):
    upcoming sessions, and the people registered or waitlisted for the chosen ones."""

    clock: Clock

    async def choices(self, uow: UnitOfWork) -> list[tuple[str, str]]:
        return [(str(s.id), s.title) for s in await uow.sessions.upcoming(self.clock.now())]

    async def registrants(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[int]:
        wanted = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
        people: dict[int, None] = {}
        for session_id in session_ids:
            if session_id.isdigit():
                for registration in await uow.sessions.registrations(int(session_id), wanted):
                    people[registration.user_id] = None
        return list(people)


async def audience_of(uow: UnitOfWork, session: Session) -> list[int]:
    """Residents the session is for: the whole ward, its residential groups, or those who
    declared its social group in /hoso. A social group nobody declared yet has nobody; the
    secretary sees "0" on publishing and can reach others with a broadcast."""
    if session.audience is AudienceScope.SOCIAL:
        if session.social_group is None:
            return []
        return await uow.residents.in_social_group(session.social_group.value)
    if session.audience is AudienceScope.GROUPS:
        audience = Audience(AudienceKind.GROUPS, session.group_codes)
    else:
        audience = Audience(AudienceKind.WARD)
    return [r.chat_id for r in await uow.broadcasts.audience(audience)]

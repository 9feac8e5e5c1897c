"""What every part of the sessions use case shares: the rules of a draft (validation, lead
time, opinion deadline), the outcome types, the session as template values, its audience, and
the base class (rights, the bot's username, the venue pin)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation.replies import Buttons
from bot.conversation.replies import rows as button_rows
from bot.domain.permissions import Action, can
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import (
    AudienceScope,
    Host,
    Session,
    SessionForm,
    SessionKind,
    SocialGroup,
    deep_link,
    host_text,
)
from bot.outbox.queue import Audience, AudienceKind, ContentKind, Priority, enqueue
from bot.usecases.common import Services
from messages import label

LEAD_WORKING_DAYS = 7
OPINION_DAYS_BEFORE = 7
TITLE_MAX = 200
VENUE_MAX = 300
REASON_MAX = 500
DEPUTY_MAX = 120
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


def resident_keyboard(session_id: int) -> Buttons:
    return button_rows([[(label("sessions.open"), f"ss:open:{session_id}")]])


def registrant_keyboard(session_id: int) -> Buttons:
    return button_rows(
        [
            [
                (label("sessions.still_coming"), f"ss:ok:{session_id}"),
                (label("sessions.unregister"), f"ss:unreg:{session_id}"),
            ]
        ]
    )


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
    return [r.person_id for r in await uow.broadcasts.audience(audience)]


class SessionsBase:
    """The services and the helpers every part of :class:`Sessions` builds on."""

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

    async def _venue(
        self, uow: UnitOfWork, session: Session, chat_id: int, key: str, now: datetime
    ) -> None:
        await enqueue(
            uow,
            now=now,
            event="session_venue",
            person_id=chat_id,
            key=f"session:{session.id}:v{session.version}:{key}",
            context={},
            priority=Priority.MASS,
            kind=ContentKind.VENUE,
            params={
                "latitude": session.latitude,
                "longitude": session.longitude,
                "title": session.title[:100],
                "address": session.venue[:100] or session.title[:100],
            },
        )

    async def _audience(self, uow: UnitOfWork, session: Session) -> list[int]:
        return await audience_of(uow, session)

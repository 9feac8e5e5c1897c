"""Dialogue sessions (buổi đối thoại) and registrations to attend or to speak. No Telegram, no SQL.

Rules from ../shared/design.md §2: kinds and forms (seed 004 II), hosts and their deputy
(001 II.2.1), lead times (001 IV.1.1, 004 IV.1(1)), the weekly Friday programme (seed 000).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from messages import label

__all__ = [
    "AudienceScope",
    "Host",
    "Registration",
    "RegistrationStatus",
    "Session",
    "SessionForm",
    "SessionKind",
    "SessionRepository",
    "SessionStatus",
    "SocialGroup",
]


class SessionKind(StrEnum):
    """Định kỳ, chuyên đề, đột xuất, or the weekly "Ngày thứ Sáu nghe dân nói"."""

    PERIODIC = "periodic"
    THEMATIC = "thematic"
    URGENT = "urgent"
    WEEKLY = "weekly"


class SessionForm(StrEnum):
    """Trực tiếp, trực tuyến (with a link), gián tiếp (written submissions only)."""

    DIRECT = "direct"
    ONLINE = "online"
    INDIRECT = "indirect"


class Host(StrEnum):
    """Chủ tịch UBND, Bí thư Đảng ủy, or both (người đứng đầu cấp ủy, chính quyền)."""

    CHAIR = "chair"
    PARTY_SECRETARY = "party_secretary"
    BOTH = "both"


class SessionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    HELD = "held"


class AudienceScope(StrEnum):
    """Toàn phường, một số tổ dân phố, or a social group (nhóm xã hội)."""

    WARD = "ward"
    GROUPS = "groups"
    SOCIAL = "social"


class SocialGroup(StrEnum):
    """Thematic sessions' audiences (seed 004 II.2.2)."""

    BUSINESS = "business"
    WORKERS = "workers"
    FARMERS = "farmers"
    YOUTH = "youth"
    WOMEN = "women"
    VETERANS = "veterans"


class RegistrationStatus(StrEnum):
    """Đã đăng ký, danh sách chờ, đã hủy, đã có mặt."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"

    @property
    def active(self) -> bool:
        return self is not RegistrationStatus.CANCELLED


@dataclass(slots=True)
class Session:
    """One dialogue session. ``version`` grows on every change of time, venue, form or link, so
    a reminder or notice prepared for an older version is recognised as stale."""

    title: str
    kind: SessionKind
    starts_at: datetime
    host: Host = Host.CHAIR
    form: SessionForm = SessionForm.DIRECT
    ends_at: datetime | None = None
    venue: str = ""
    latitude: float | None = None
    longitude: float | None = None
    link: str | None = None
    deputy: str | None = None
    audience: AudienceScope = AudienceScope.WARD
    group_codes: tuple[str, ...] = ()
    social_group: SocialGroup | None = None
    capacity: int | None = None
    opinion_deadline: datetime | None = None
    status: SessionStatus = SessionStatus.DRAFT
    version: int = 1
    lead_time_reason: str | None = None
    cancel_reason: str | None = None
    planned_week: str | None = None
    created_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None
    id: int = 0

    @property
    def has_pin(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_open(self) -> bool:
        return self.status is SessionStatus.PUBLISHED


@dataclass(slots=True)
class Registration:
    """A resident's registration (đăng ký dự / đăng ký phát biểu) for one session."""

    session_id: int
    user_id: int
    status: RegistrationStatus
    registered_at: datetime
    updated_at: datetime
    speaks: bool = False
    topic: str | None = None
    speaking_position: int | None = None
    full_name: str | None = field(default=None, compare=False)


class SessionRepository(Protocol):
    async def add(self, session: Session) -> int: ...

    async def save(self, session: Session) -> None: ...

    async def get(self, session_id: int) -> Session | None: ...

    async def open_for_opinions(self, now: datetime) -> Sequence[Session]:
        """Published sessions after ``now`` whose opinion deadline has not passed."""
        ...

    async def upcoming(self, now: datetime, *, include_drafts: bool = False) -> list[Session]: ...

    async def all(self) -> list[Session]: ...

    async def by_planned_week(self, week: str) -> Session | None: ...

    async def starting_between(self, start: datetime, end: datetime) -> list[Session]: ...

    async def registration(self, session_id: int, user_id: int) -> Registration | None: ...

    async def save_registration(self, registration: Registration) -> None: ...

    async def registrations(
        self, session_id: int, statuses: Sequence[RegistrationStatus] = ()
    ) -> list[Registration]:
        """In registration order, with the resident's name."""
        ...

    async def count(self, session_id: int, status: RegistrationStatus) -> int: ...

    async def next_speaking_position(self, session_id: int) -> int: ...

    async def user_registrations(self, user_id: int) -> dict[int, Registration]: ...

    async def cancel_pending_reminders(self, session_id: int) -> int:
        """Drop reminders already queued for an older version of the session."""
        ...

    async def fact(self, key: str) -> str | None: ...

    async def set_fact(self, key: str, value: str) -> None: ...


def deep_link(username: str | None, session_id: int) -> str | None:
    """The link a poster's QR code and a shared invitation open: the session's card."""
    return f"https://t.me/{username}?start=s{session_id}" if username else None


def host_text(session: Session) -> str:
    return label(f"sessions.host.{session.host.value}")

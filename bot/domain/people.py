"""Domain records. Plain dataclasses: no Telegram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.ward import Role

__all__ = [
    "PHONE_CHANNEL",
    "Account",
    "AuditEntry",
    "ChatState",
    "Consent",
    "Resident",
    "Role",
    "StaffRecord",
]


class Consent(StrEnum):
    """The resident's answer to the personal-data notice (thông báo xử lý dữ liệu cá nhân)."""

    PENDING = "pending"
    GIVEN = "given"
    REFUSED = "refused"


@dataclass(slots=True)
class Resident:
    """A person who opened the bot (người dân). Personal fields are None until given;
    ``social_groups`` holds the codes of the social groups (nhóm xã hội) they declared."""

    person_id: int
    consent: Consent = Consent.PENDING
    consent_at: datetime | None = None
    full_name: str | None = None
    group_code: str | None = None
    phone: str | None = None
    onboarded_at: datetime | None = None
    notices_muted: bool = False
    reachable: bool = True
    deleted_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    social_groups: tuple[str, ...] = ()

    @property
    def is_onboarded(self) -> bool:
        return self.consent is Consent.GIVEN and self.onboarded_at is not None


@dataclass(slots=True, frozen=True)
class StaffRecord:
    """Ward staff (cán bộ): secretary, unit official, supervisor or admin."""

    person_id: int
    full_name: str
    role: Role
    unit_code: str | None = None
    active: bool = True


PHONE_CHANNEL = "phone"
"""A pseudo-channel: a phone number known for a person (staff listed by phone in ``ward.toml``).
It identifies the person; nothing is ever delivered to it."""


@dataclass(slots=True, frozen=True)
class Account:
    """One of a person's accounts on a channel (tài khoản): a Telegram user id, a Zalo user id.

    Ids are strings because Zalo's are 19-digit strings; ``reachable`` is False once the channel
    said the person cannot be sent to there (blocked the bot, unfollowed the OA)."""

    channel: str
    external_id: str
    person_id: int
    reachable: bool = True
    last_inbound_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def delivers(self) -> bool:
        """Whether messages can go to this account at all (a phone only identifies)."""
        return self.channel != PHONE_CHANNEL


@dataclass(slots=True)
class ChatState:
    """Where a person is in a multi-step flow; kept in the database so a restart loses nothing."""

    user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(slots=True, frozen=True)
class AuditEntry:
    """One state change: who did what to which record, and when (nhật ký thao tác)."""

    at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

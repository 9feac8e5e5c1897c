"""Petitions (ý kiến, kiến nghị): the record, its timeline, and the pure rules around them.

A petition gets a tracking code (mã theo dõi) such as ``TD-2026-0042`` and enters one workflow
whether a resident sent it through the bot or a secretary filed it on someone's behalf.
Plain dataclasses and pure functions: no Telegram, no SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from messages import label

CONTENT_MAX = 4000
ADDRESS_MAX = 300
DUPLICATE_WINDOW = timedelta(days=30)


class FieldOfConcern(StrEnum):
    """Lĩnh vực (seed 000 II.1); the Vietnamese names are labels ``petitions.fields.<value>``."""

    ECONOMY = "economy"
    CULTURE = "culture"
    SOCIETY = "society"
    LAND = "land"
    CONSTRUCTION = "construction"
    ENVIRONMENT = "environment"
    COMPENSATION = "compensation"
    DEFENCE = "defence"
    PUBLIC_ORDER = "public_order"
    ADMIN_REFORM = "admin_reform"
    GRASSROOTS_DEMOCRACY = "grassroots_democracy"
    ANTI_CORRUPTION = "anti_corruption"
    CITIZEN_RECEPTION = "citizen_reception"
    OTHER = "other"

    @property
    def label(self) -> str:
        return label(f"petitions.fields.{self.value}")


class Channel(StrEnum):
    """How the petition reached the ward (kênh tiếp nhận, seed 004 II.3.3)."""

    TELEGRAM = "telegram"
    ZALO = "zalo"
    WEB = "web"
    CHAT = "chat"
    """Another chat channel the ward runs (a new adapter before it has its own value)."""
    LETTER = "letter"
    EMAIL = "email"
    CULTURE_HOUSE = "culture_house"
    MTTQ = "mttq"
    MASS_ORGANISATION = "mass_organisation"
    AT_SESSION = "at_session"

    @property
    def label(self) -> str:
        return label(f"petitions.channels.{self.value}")

    @classmethod
    def of_chat(cls, channel: str) -> Channel:
        """The reception channel of a petition a person sent themselves from ``channel``."""
        found = {c.value: c for c in CHAT_CHANNELS}.get(channel)
        return found or cls.CHAT


CHAT_CHANNELS = (Channel.TELEGRAM, Channel.ZALO, Channel.WEB, Channel.CHAT)
"""Channels a person uses themselves; the others are how staff received a petition for them."""


class Status(StrEnum):
    """Where the petition is in its workflow; later issues move it past ``received``."""

    RECEIVED = "received"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    IN_CONCLUSION = "in_conclusion"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    TRANSFERRED = "transferred"


class EventKind(StrEnum):
    """One line of the petition's timeline (diễn biến xử lý)."""

    RECEIVED = "received"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    IN_CONCLUSION = "in_conclusion"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    ACCEPTED = "accepted"
    FORWARDED = "forwarded"
    OUT_OF_SCOPE = "out_of_scope"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    TRANSFERRED = "transferred"
    GROUPED = "grouped"
    SATISFIED = "satisfied"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the person sent with the petition, kept as Telegram's ``file_id``."""

    kind: AttachmentKind
    file_id: str

    def data(self) -> dict[str, str]:
        return {"kind": self.kind.value, "file_id": self.file_id}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Attachment:
        return cls(AttachmentKind(data["kind"]), str(data["file_id"]))


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """The person a secretary files for (người có ý kiến) — they may have no Telegram."""

    name: str
    address: str
    phone: str | None
    filed_by: int


@dataclass(slots=True)
class Petition:
    """Ý kiến, kiến nghị. ``author_id`` is the resident's Telegram id, None when filed on behalf."""

    code: str
    content: str
    field: FieldOfConcern
    channel: Channel
    created_at: datetime
    author_id: int | None = None
    on_behalf: OnBehalf | None = None
    session_id: int | None = None
    concerns_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    attachments: tuple[Attachment, ...] = ()
    status: Status = Status.RECEIVED
    named_publicly: bool = False
    content_public: bool = False
    """«Công khai nội dung?»: the author agreed that the text itself appears on public pages."""
    id: int | None = None

    @property
    def for_weekly_programme(self) -> bool:
        return self.session_id is None


@dataclass(frozen=True, slots=True)
class PetitionEvent:
    """A dated step of the timeline; ``details`` holds e.g. the unit code and due date."""

    petition_id: int
    kind: EventKind
    at: datetime
    actor_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


def tracking_code(ward_code: str, year: int, seq: int) -> str:
    """``TD-2026-0042``: ward code, year, sequence within the year (at least four digits)."""
    return f"{ward_code}-{year}-{seq:04d}"


_CODE = re.compile(r"^[A-Z0-9]{1,8}-\d{4}-\d{4,}$")


def is_tracking_code(text: str) -> bool:
    return bool(_CODE.match(text))


_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """The text as compared for duplicates: same letters and words, whatever the case,
    spacing, punctuation or Unicode composition (Vietnamese input methods differ)."""
    composed = unicodedata.normalize("NFC", text).casefold()
    kept = "".join(
        " " if unicodedata.category(ch).startswith(("P", "S")) else ch for ch in composed
    )
    return _SPACES.sub(" ", kept).strip()


def clean_text(text: str) -> str:
    """Trim each line's trailing spaces and the blank lines around the text."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()


def public_label(petition: Petition, *, author_name: str | None = None) -> str:
    """How anything public (conclusion notices, broadcasts, reports) names a petition: by code
    and field, never by the person — unless the resident chose to be named."""
    name = author_name if petition.named_publicly else None
    if name:
        return label(
            "petitions.public_named", code=petition.code, field=petition.field.label, name=name
        )
    return label("petitions.public", code=petition.code, field=petition.field.label)


@dataclass(frozen=True, slots=True)
class NextSteps:
    """The deadlines that apply after filing (design.md §2), as concrete dates when known."""

    session_date: date | None = None
    conclusion_by: date | None = None
    conclusion_complex_by: date | None = None
    report_working_days: int = 7
    weekly_next: date | None = None


def next_friday(today: date) -> date:
    """The next Friday-morning listening session (Ngày thứ Sáu nghe dân nói), today included."""
    return today + timedelta(days=(4 - today.weekday()) % 7)


class PetitionRepository(Protocol):
    async def next_sequence(self, ward_code: str, year: int) -> int:
        """The next number of the year; call only inside a write transaction."""
        ...

    async def add(self, petition: Petition) -> int: ...

    async def get(self, petition_id: int) -> Petition | None: ...

    async def by_code(self, code: str) -> Petition | None: ...

    async def count_by_author_since(self, author_id: int, since: datetime) -> int: ...

    async def duplicate_of(self, author_id: int, content: str, since: datetime) -> Petition | None:
        """The author's petition since ``since`` whose normalised text equals ``content``'s."""
        ...

    async def count_by_author(self, author_id: int) -> int: ...

    async def by_author(self, author_id: int, *, offset: int, limit: int) -> Sequence[Petition]:
        """Newest first."""
        ...

    async def add_event(self, event: PetitionEvent) -> int: ...

    async def events(self, petition_id: int) -> Sequence[PetitionEvent]: ...

    async def undigested(self) -> Sequence[Petition]: ...

    async def mark_digested(self, petition_ids: Sequence[int], at: datetime) -> None: ...

    async def last_digest_at(self) -> datetime | None: ...

    async def add_digest(self, at: datetime, petitions: int) -> int: ...

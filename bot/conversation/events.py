"""The neutral inbound event a channel adapter makes from its own update."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Attachment", "EventKind", "InboundEvent", "Location"]


class EventKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    CONTACT = "contact"
    LOCATION = "location"
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    VIDEO = "video"
    STICKER = "sticker"
    OTHER = "other"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"

    @property
    def is_media(self) -> bool:
        return self in _MEDIA


_MEDIA = frozenset(
    {
        EventKind.LOCATION,
        EventKind.PHOTO,
        EventKind.DOCUMENT,
        EventKind.VOICE,
        EventKind.VIDEO,
        EventKind.STICKER,
        EventKind.OTHER,
    }
)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the person sent, by the channel's own reference (Telegram ``file_id``, a Zalo URL)."""

    ref: str
    kind: str
    size: int | None = None
    mime: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One thing a person did, as every flow sees it whatever the channel.

    ``account_id`` is the person's id on ``channel`` as a string (Zalo ids are 19-digit strings).
    ``display_name`` is already in Vietnamese order (family name first); ``short_name`` is what
    a greeting calls the person. ``text`` is the typed text or a media caption and
    ``text_markup`` the same with its formatting in the neutral HTML subset, when the channel had
    any. ``message_ref`` is the channel's opaque reference to the message a button was on.
    ``contact_owner`` is the account id the shared contact belongs to, when the channel says.
    """

    channel: str
    account_id: str
    kind: EventKind
    display_name: str = ""
    short_name: str = ""
    text: str | None = None
    text_markup: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    payload: str | None = None
    phone: str | None = None
    contact_owner: str | None = None
    location: Location | None = None
    attachments: tuple[Attachment, ...] = ()
    message_ref: str | None = None
    event_id: str | None = None
    """The channel's id of this update, for idempotency keys of replies queued after a failure."""

    @property
    def attachment(self) -> Attachment | None:
        return self.attachments[0] if self.attachments else None

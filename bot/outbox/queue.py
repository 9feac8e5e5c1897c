"""The notification outbox: every message that is not the direct reply to a person's own update.

A use case calls :func:`enqueue` inside its transaction, so the message exists if and only if the
change that caused it was committed; :mod:`bot.outbox.worker` sends the rows later, at the
channel's pace.
The event name is also the template's name (``messages/<event>.html.j2``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.files import StoredFile
from messages import render

if TYPE_CHECKING:
    from bot.domain.ports import UnitOfWork

__all__ = [
    "Audience",
    "AudienceKind",
    "Broadcast",
    "BroadcastRepository",
    "BroadcastStatus",
    "Content",
    "Enqueued",
    "MediaKind",
    "Method",
    "Notification",
    "OutboxMessage",
    "OutboxRepository",
    "Priority",
    "Recipient",
    "Status",
    "Tally",
    "enqueue",
    "inline_keyboard",
    "notify",
    "subscribe",
    "to_plain",
    "unsubscribe",
]


class Priority(IntEnum):
    """Lower goes first: a person's own news never waits behind a mass notice."""

    PERSONAL = 0
    MASS = 1


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Method(StrEnum):
    """The Bot API method that delivers the row."""

    MESSAGE = "sendMessage"
    PHOTO = "sendPhoto"
    DOCUMENT = "sendDocument"
    VENUE = "sendVenue"


class Enqueued(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    MUTED = "muted"
    UNREACHABLE = "unreachable"


_TAG = re.compile(r"<[^<>]*>")


def to_plain(text: str) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded (the parse-error fallback)."""
    return html.unescape(_TAG.sub("", text))


@dataclass(frozen=True, slots=True)
class Content:
    """What to send: rendered Telegram HTML (message text or caption) and the method's extras.

    ``keyboard`` is the Bot API's JSON ``reply_markup``, so a row needs no Telegram library.
    """

    text: str
    method: Method = Method.MESSAGE
    media: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    keyboard: Mapping[str, Any] | None = None
    html: bool = True
    upload: StoredFile | None = field(default=None, compare=False)
    """The bytes behind a ``stored:`` media reference, loaded by the worker; never stored."""

    def as_plain(self) -> Content:
        return replace(self, text=to_plain(self.text), html=False)


def inline_keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> dict[str, Any]:
    """Bot API JSON for rows of (label, callback_data) buttons."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }


@dataclass(frozen=True, slots=True)
class Notification:
    """A row to insert; ``key`` is unique, so enqueueing the same event twice sends it once."""

    event: str
    chat_id: int
    key: str
    content: Content
    priority: Priority = Priority.PERSONAL
    broadcast_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A stored outbox row."""

    id: int
    event: str
    chat_id: int
    key: str
    content: Content
    priority: Priority
    status: Status
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None = None
    telegram_message_id: int | None = None
    plain_text: bool = False
    broadcast_id: int | None = None
    sent_at: datetime | None = None


class AudienceKind(StrEnum):
    """Who a broadcast goes to. SESSION is offered only once sessions exist."""

    WARD = "ward"
    GROUPS = "groups"
    UNITS = "units"
    SESSION = "session"

    @property
    def respects_mute(self) -> bool:
        """General notices to residents honour /thongbao; work messages and session news do not."""
        return self in (AudienceKind.WARD, AudienceKind.GROUPS)


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int
    muted: bool = False
    reachable: bool = True


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(slots=True)
class Broadcast:
    """A secretary's notice to an audience; its rows carry ``broadcast_id``."""

    created_by: int
    created_at: datetime
    audience: Audience
    body: str
    recipients: int
    status: BroadcastStatus = BroadcastStatus.RUNNING
    media_kind: MediaKind | None = None
    media: str | None = None
    skipped_muted: int = 0
    skipped_unreachable: int = 0
    progress_chat_id: int | None = None
    progress_message_id: int | None = None
    progress_done: bool = False
    cancelled_by: int | None = None
    cancelled_at: datetime | None = None
    finished_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    """Where a broadcast's rows are (``recipients`` is the number announced in the preview).

    ``blocked`` also counts the people known to have blocked the bot, who got no row.
    """

    recipients: int
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    skipped_muted: int = 0

    @property
    def done(self) -> bool:
        return self.waiting == 0

    @classmethod
    def of(cls, broadcast: Broadcast, counts: Mapping[Status, int]) -> Tally:
        return cls(
            recipients=broadcast.recipients,
            sent=counts.get(Status.SENT, 0),
            waiting=counts.get(Status.PENDING, 0) + counts.get(Status.SENDING, 0),
            failed=counts.get(Status.FAILED, 0),
            blocked=counts.get(Status.BLOCKED, 0) + broadcast.skipped_unreachable,
            cancelled=counts.get(Status.CANCELLED, 0),
            skipped_muted=broadcast.skipped_muted,
        )


class OutboxRepository(Protocol):
    async def add(
        self,
        notification: Notification,
        *,
        now: datetime,
        status: Status = Status.PENDING,
        last_error: str | None = None,
    ) -> int | None:
        """The new row's id, or None when a row with the same key already exists."""
        ...

    async def add_many(self, notifications: Sequence[Notification], *, now: datetime) -> int:
        """Insert pending rows in one statement; rows whose key exists are skipped."""
        ...

    async def get(self, message_id: int) -> OutboxMessage | None: ...

    async def by_key(self, key: str) -> OutboxMessage | None: ...

    async def due(
        self, now: datetime, limit: int, exclude_chats: Sequence[int] = ()
    ) -> list[OutboxMessage]:
        """Pending rows whose time has come: personal first, then by due time and id."""
        ...

    async def next_due_at(self, exclude_chats: Sequence[int] = ()) -> datetime | None: ...

    async def claim(self, message_id: int) -> bool:
        """pending → sending (attempts + 1); False if it is no longer pending."""
        ...

    async def mark_sent(self, message_id: int, telegram_message_id: int, now: datetime) -> None: ...

    async def reschedule(
        self, message_id: int, at: datetime, error: str, *, plain_text: bool = False
    ) -> None: ...

    async def hold_chat(self, chat_id: int, until: datetime) -> None:
        """No pending row of this chat goes out before ``until`` (keeps a chat's order)."""
        ...

    async def finish(self, message_id: int, status: Status, error: str) -> None:
        """A final state without a Telegram message: failed, blocked or cancelled."""
        ...

    async def block_pending(self, chat_id: int, error: str) -> int: ...

    async def release_in_flight(self) -> int:
        """sending → pending, for the rows a killed process left behind."""
        ...

    async def counts(self, broadcast_id: int) -> dict[Status, int]: ...

    async def cancel_broadcast(self, broadcast_id: int) -> int: ...


class BroadcastRepository(Protocol):
    async def add(self, broadcast: Broadcast) -> int: ...

    async def get(self, broadcast_id: int) -> Broadcast | None: ...

    async def save(self, broadcast: Broadcast) -> None:
        """Update the mutable fields (status, counts, progress message, cancel/finish times)."""
        ...

    async def with_progress_open(self) -> list[Broadcast]:
        """Broadcasts whose final tally has not been shown yet."""
        ...

    async def audience(self, audience: Audience) -> list[Recipient]:
        """The recipients of a ward, groups or units audience (sessions resolve elsewhere)."""
        ...

    async def recipients(self, chat_ids: Sequence[int]) -> list[Recipient]:
        """Mute and reachability of given chats (for audiences resolved outside this store)."""
        ...


_listeners: set[Callable[[Priority], None]] = set()


def subscribe(listener: Callable[[Priority], None]) -> None:
    """A delivery worker in this process asks to be woken when a row is queued."""
    _listeners.add(listener)


def unsubscribe(listener: Callable[[Priority], None]) -> None:
    _listeners.discard(listener)


def notify(priority: Priority) -> None:
    """Wake the workers; they read the row once the enqueuing transaction has committed."""
    for listener in list(_listeners):
        listener(priority)


async def enqueue(
    uow: UnitOfWork,
    *,
    now: datetime,
    event: str,
    chat_id: int,
    key: str,
    context: Mapping[str, Any] | None = None,
    keyboard: Mapping[str, Any] | None = None,
    priority: Priority = Priority.PERSONAL,
    general: bool = False,
    method: Method = Method.MESSAGE,
    media: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Enqueued:
    """Queue the message ``event`` for ``chat_id`` in the caller's transaction.

    ``general`` notices are dropped for residents who muted them (/thongbao); the ones about
    their own petition, registration or session must pass ``general=False``. A recipient known to
    have blocked the bot gets a row already marked blocked, so the sender can count it.
    """
    resident = await uow.residents.get(chat_id)
    if general and resident is not None and resident.notices_muted:
        return Enqueued.MUTED
    content = Content(
        text=render(event, **(context or {})),
        method=method,
        media=media,
        params=dict(params or {}),
        keyboard=keyboard,
    )
    note = Notification(event, chat_id, key, content, priority)
    if resident is not None and not resident.reachable:
        added = await uow.outbox.add(
            note, now=now, status=Status.BLOCKED, last_error="recipient unreachable"
        )
        return Enqueued.UNREACHABLE if added is not None else Enqueued.DUPLICATE
    if await uow.outbox.add(note, now=now) is None:
        return Enqueued.DUPLICATE
    notify(priority)
    return Enqueued.QUEUED

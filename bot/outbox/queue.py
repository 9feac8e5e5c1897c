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

from bot.conversation.replies import Buttons
from bot.domain.addresses import MessageRef
from bot.domain.files import StoredFile
from bot.outbox.news import News, news_of
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
    "ContentKind",
    "Enqueued",
    "MediaKind",
    "Notification",
    "OutboxMessage",
    "OutboxRepository",
    "Priority",
    "Recipient",
    "Status",
    "Tally",
    "enqueue",
    "enqueue_content",
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


class ContentKind(StrEnum):
    """What the row delivers; each channel maps it to its own call."""

    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VENUE = "venue"


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
    """What to say, in neutral terms: text in the neutral markup (message text or caption),
    the kind with its media reference and extras, and neutral buttons; the channel renders it."""

    text: str
    kind: ContentKind = ContentKind.TEXT
    media: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    buttons: Buttons = ()
    html: bool = True
    upload: StoredFile | None = field(default=None, compare=False)
    """The bytes behind a ``stored:`` media reference, loaded by the worker; never stored."""

    def as_plain(self) -> Content:
        return replace(self, text=to_plain(self.text), html=False)


@dataclass(frozen=True, slots=True)
class Notification:
    """A row to insert; ``key`` is unique, so enqueueing the same event twice sends it once."""

    event: str
    person_id: int | None
    channel: str
    address: str
    key: str
    content: Content
    priority: Priority = Priority.PERSONAL
    broadcast_id: int | None = None
    facts: Mapping[str, str] | None = None
    """Transactional news only (bot.domain.news): what a paid template is filled with."""
    about: str | None = None
    """The petition or session the news is about (``petition:<code>``), for staff timelines."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A stored outbox row."""

    id: int
    event: str
    person_id: int | None
    channel: str
    address: str
    key: str
    content: Content
    priority: Priority
    status: Status
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None = None
    delivered_channel: str | None = None
    channel_message_id: str | None = None
    plain_text: bool = False
    broadcast_id: int | None = None
    sent_at: datetime | None = None
    facts: Mapping[str, str] | None = None
    about: str | None = None
    undeliverable_at: datetime | None = None
    """When every route failed and the news must be taken to the person on paper."""
    told_on_paper_at: datetime | None = None


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
    """A person of an audience and the account a notice to them goes to (None: no account)."""

    person_id: int
    channel: str | None = None
    address: str | None = None
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
    progress: MessageRef | None = None
    """The message the worker keeps editing with the tally (the secretary's preview)."""
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
        self, channel: str, now: datetime, limit: int, exclude: Sequence[str] = ()
    ) -> list[OutboxMessage]:
        """Pending rows of ``channel`` whose time has come, not addressed to ``exclude``:
        personal first, then by due time and id."""
        ...

    async def next_due_at(self, channel: str, exclude: Sequence[str] = ()) -> datetime | None: ...

    async def claim(self, message_id: int) -> bool:
        """pending → sending (attempts + 1); False if it is no longer pending."""
        ...

    async def mark_sent(
        self, message_id: int, channel: str, channel_message_id: str, now: datetime
    ) -> None: ...

    async def reschedule(
        self, message_id: int, at: datetime, error: str, *, plain_text: bool = False
    ) -> None: ...

    async def reroute(
        self, message_id: int, channel: str, address: str, at: datetime, error: str
    ) -> None:
        """sending → pending on another of the person's accounts."""
        ...

    async def hold_address(self, channel: str, address: str, until: datetime) -> None:
        """No pending row to this address goes out before ``until`` (keeps a chat's order)."""
        ...

    async def finish(self, message_id: int, status: Status, error: str) -> None:
        """A final state without a sent message: failed, blocked or cancelled."""
        ...

    async def block_pending(self, channel: str, address: str, error: str) -> int: ...

    async def mark_undeliverable(self, message_id: int, error: str, now: datetime) -> None:
        """Failed on every route: the row joins the secretary's list of people to reach on
        paper."""
        ...

    async def on_paper(self) -> list[OutboxMessage]:
        """Undeliverable rows nobody has told on paper yet, oldest first."""
        ...

    async def mark_told_on_paper(self, message_id: int, by: int, now: datetime) -> bool:
        """False when the row is not on the paper list (any more)."""
        ...

    async def about(self, subject: str) -> list[OutboxMessage]:
        """The rows of news about a petition or session (``Notification.about``), oldest first."""
        ...

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

    async def recipients(self, person_ids: Sequence[int]) -> list[Recipient]:
        """Account, mute and reachability of given persons (audiences resolved elsewhere)."""
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
    person_id: int,
    key: str,
    context: Mapping[str, Any] | None = None,
    buttons: Buttons | None = None,
    priority: Priority = Priority.PERSONAL,
    general: bool = False,
    kind: ContentKind = ContentKind.TEXT,
    media: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Enqueued:
    """Queue the message ``event`` for the person in the caller's transaction.

    ``general`` notices are dropped for residents who muted them (/thongbao); the ones about
    their own petition, registration or session must pass ``general=False``. A recipient known to
    be unreachable gets a row already marked blocked, so the sender can count it. A personal
    row of transactional news keeps its facts (:mod:`bot.outbox.news`) for a paid fallback.
    """
    news = news_of(event, context or {}) if priority is Priority.PERSONAL else None
    content = Content(
        text=render(event, **(context or {})),
        kind=kind,
        media=media,
        params=dict(params or {}),
        buttons=buttons or (),
    )
    return await enqueue_content(
        uow,
        now=now,
        event=event,
        person_id=person_id,
        key=key,
        content=content,
        priority=priority,
        general=general,
        news=news,
    )


async def enqueue_content(
    uow: UnitOfWork,
    *,
    now: datetime,
    event: str,
    person_id: int,
    key: str,
    content: Content,
    priority: Priority = Priority.PERSONAL,
    general: bool = False,
    channel: str | None = None,
    address: str | None = None,
    news: News | None = None,
) -> Enqueued:
    """Queue already rendered content; ``channel``/``address`` pin the account (a direct reply
    goes back where the person wrote from), otherwise the person's best account is used."""
    resident = await uow.residents.get(person_id)
    if general and resident is not None and resident.notices_muted:
        return Enqueued.MUTED
    reachable = resident is None or resident.reachable
    if channel is None or address is None:
        accounts = [a for a in await uow.accounts.of_person(person_id) if a.delivers]
        if accounts:
            channel, address = accounts[0].channel, accounts[0].external_id
            reachable = reachable and accounts[0].reachable
        else:
            channel, address, reachable = "", "", False
    note = Notification(
        event,
        person_id,
        channel,
        address,
        key,
        content,
        priority,
        facts=news.facts if news is not None else None,
        about=news.about if news is not None else None,
    )
    if not reachable:
        added = await uow.outbox.add(
            note, now=now, status=Status.BLOCKED, last_error="recipient unreachable"
        )
        return Enqueued.UNREACHABLE if added is not None else Enqueued.DUPLICATE
    if await uow.outbox.add(note, now=now) is None:
        return Enqueued.DUPLICATE
    notify(priority)
    return Enqueued.QUEUED

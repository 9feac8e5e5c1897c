"""A second, minimal channel for the channel-neutrality test: plain text only, no edits, at most
three buttons per message, 2,000 characters per message, payload buttons only.

Everything a real adapter has is here in miniature: the ``Replier`` for direct replies, the
outbox ``Sender`` for notifications, and a simulated resident who types, presses buttons by
label, sends a photo or a location pin, the way ``bot/channels/telegram/inbound.py`` builds its
events. The channel checks its own limits on every message it delivers and keeps what broke
them in ``violations`` (an assertion inside a handler would only reach the router's error
handler), so the test asserts the list is empty.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import handlers
from bot.clock import ManualClock
from bot.conversation.events import Attachment, EventKind, InboundEvent, Location
from bot.conversation.replies import ButtonKind, Buttons, Capabilities, split_text, to_plain
from bot.conversation.router import Router
from bot.conversation.turn import Media, MediaKind, Reply
from bot.domain.addresses import MessageRef
from bot.domain.ward import WardConfig
from bot.outbox.queue import Content, ContentKind
from bot.outbox.sending import BadRequest, SendResult, Sent
from bot.outbox.worker import DeliveryWorker
from bot.usecases import staff as staff_uc
from bot.usecases.broadcast import progress_view
from bot.usecases.common import Services
from storage.sqlite import SqliteStore
from tests.outbox_helpers import FAST, ScriptedSender, eventually

__all__ = [
    "CAPABILITIES",
    "CHANNEL",
    "Delivered",
    "MemoryChannel",
    "MemoryDriver",
    "MemoryReplier",
    "MemoryResident",
    "MemorySender",
    "Shown",
    "layout",
    "memory_run",
]

CHANNEL = "memory"
TELEGRAM = "telegram"
TEXT_LIMIT = 2000
CAPTION_LIMIT = 1000
MAX_BUTTONS = 3
PAYLOAD_BYTES = 1000
MORE = "Xem thêm lựa chọn:"
"""The text of the follow-up messages that carry the buttons past the first three."""

CAPABILITIES = Capabilities(
    name=CHANNEL,
    text_limit=TEXT_LIMIT,
    caption_limit=CAPTION_LIMIT,
    markup=False,
    edits=False,
    max_buttons=MAX_BUTTONS,
    button_payload_bytes=PAYLOAD_BYTES,
    typed_buttons=frozenset({ButtonKind.PAYLOAD}),
)

_MARKUP = re.compile(r"</?(b|i|u|s|code|pre|a|tg-spoiler|span|blockquote)(\s[^<>]*)?>")


@dataclass(frozen=True, slots=True)
class Shown:
    """A button as the person sees it. A suggested answer (``as_text``) comes back as the text
    it stands for, the way quick replies do on channels without reply keyboards."""

    label: str
    value: str
    as_text: bool = False


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message the channel delivered to an account."""

    message_id: str
    address: str
    text: str
    buttons: tuple[Shown, ...] = ()
    media: str | None = None
    """``photo:<name>``, ``document:<name>`` or ``venue``."""
    via: str = "reply"
    """``reply`` (a direct answer), ``outbox`` (a notification) or ``notice`` (a button's toast)."""
    template: str = ""


def layout(text: str, buttons: Buttons) -> list[tuple[str, tuple[Shown, ...]]]:
    """Plain ``text`` and neutral ``buttons`` as messages within the channel's limits.

    Payload buttons and suggested answers can be pressed; a link or a phone number is written
    into the text; contact and location requests are dropped (the person types the number or
    sends a pin). The text is cut at 2,000 characters; the first three buttons go on its last
    piece, the others follow three by three under «Xem thêm lựa chọn:».
    """
    pressable: list[Shown] = []
    extra: list[str] = []
    for button in (b for row in buttons for b in row):
        match button.kind:
            case ButtonKind.PAYLOAD:
                pressable.append(Shown(button.label, button.value))
            case ButtonKind.REPLY:
                pressable.append(Shown(button.label, button.value, as_text=True))
            case ButtonKind.URL | ButtonKind.CALL:
                extra.append(f"{button.label}: {button.value}")
            case ButtonKind.ASK_CONTACT | ButtonKind.ASK_LOCATION:
                pass
    body = "\n".join(part for part in (text.strip(), *extra) if part)
    pieces = split_text(body, TEXT_LIMIT) if body else []
    groups = [tuple(pressable[i : i + MAX_BUTTONS]) for i in range(0, len(pressable), MAX_BUTTONS)]
    if not pieces:
        pieces = [MORE] if groups else []
    messages: list[tuple[str, tuple[Shown, ...]]] = [(piece, ()) for piece in pieces]
    if groups:
        messages[-1] = (messages[-1][0], groups[0])
        messages += [(MORE, group) for group in groups[1:]]
    return messages


class MemoryChannel:
    """The channel's side: every account's messages, in order."""

    def __init__(self) -> None:
        self.inboxes: dict[str, list[Delivered]] = {}
        self.violations: list[str] = []
        self._ids = itertools.count(1)

    def inbox(self, address: str) -> list[Delivered]:
        return self.inboxes.setdefault(address, [])

    def _check(self, message: Delivered) -> None:
        where = f"message {message.message_id} ({message.template or message.via})"
        limit = CAPTION_LIMIT if message.media else TEXT_LIMIT
        if len(message.text) > limit:
            self.violations.append(f"{where}: {len(message.text)} characters")
        if len(message.buttons) > MAX_BUTTONS:
            self.violations.append(f"{where}: {len(message.buttons)} buttons")
        if _MARKUP.search(message.text):
            self.violations.append(f"{where}: markup left in {message.text[:80]!r}")
        for shown in message.buttons:
            if len(shown.value.encode()) > PAYLOAD_BYTES:
                self.violations.append(f"{where}: payload of {shown.label!r} too long")

    def deliver(
        self,
        address: str,
        text: str,
        buttons: Buttons = (),
        *,
        markup: bool = True,
        media: str | None = None,
        via: str = "reply",
        template: str = "",
    ) -> str:
        """Put a message (several when it is long or has many buttons) in the inbox; the id of
        the last. ``media`` goes first, with the text as its caption when it fits."""
        plain = to_plain(text) if markup else text
        inbox = self.inbox(address)
        messages = layout(plain, buttons)
        last = ""
        if media is not None and len(plain) <= CAPTION_LIMIT:
            (caption, first_buttons), *messages = messages or [("", ())]
            last = self._add(inbox, address, caption, first_buttons, media, via, template)
        elif media is not None:
            last = self._add(inbox, address, "", (), media, via, template)
        for piece, shown_buttons in messages:
            last = self._add(inbox, address, piece, shown_buttons, None, via, template)
        return last

    def _add(
        self,
        inbox: list[Delivered],
        address: str,
        text: str,
        buttons: tuple[Shown, ...],
        media: str | None,
        via: str,
        template: str,
    ) -> str:
        message = Delivered(str(next(self._ids)), address, text, buttons, media, via, template)
        self._check(message)
        inbox.append(message)
        return message.message_id


class MemoryReplier:
    """The channel's answer to one event: new messages only (no edits, no keyboards to take
    away, no command menus); a button's toast becomes a short message of its own."""

    def __init__(self, channel: MemoryChannel, address: str, pressed: str | None = None) -> None:
        self._channel = channel
        self._address = address
        self._pressed = pressed

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    @property
    def handle(self) -> str | None:
        return None

    @property
    def pressed(self) -> MessageRef | None:
        if self._pressed is None:
            return None
        return MessageRef(CHANNEL, self._address, self._pressed)

    async def send(self, reply: Reply) -> MessageRef | None:
        media, text, markup = reply.media, reply.text, True
        if media is not None and media.kind is MediaKind.VENUE:
            text = _venue_text(media.title, media.address, media.latitude, media.longitude)
            markup = False
        message_id = self._channel.deliver(
            self._address,
            text,
            reply.buttons,
            markup=markup,
            media=_media_label(media) if media is not None else None,
            template=reply.template,
        )
        return MessageRef(CHANNEL, self._address, message_id)

    async def ack(self, text: str | None = None) -> None:
        if text:
            self._channel.deliver(self._address, text, via="notice", template="ack")

    async def remove_buttons(self) -> None:
        return None

    async def staff_menu(self, is_staff: bool) -> None:
        return None


class MemorySender:
    """The delivery worker's sender for the memory channel: an outbox row as messages."""

    def __init__(self, channel: MemoryChannel) -> None:
        self._channel = channel
        self.sent: list[tuple[str, Content]] = []

    async def send(self, address: str, content: Content) -> SendResult:
        self.sent.append((address, content))
        media = None
        text = content.text
        markup = content.html
        match content.kind:
            case ContentKind.PHOTO | ContentKind.DOCUMENT:
                name = content.upload.name if content.upload is not None else content.media
                media = f"{content.kind.value}:{name}"
            case ContentKind.VENUE:
                params = content.params
                media = "venue"
                text = _venue_text(
                    params.get("title"),
                    params.get("address"),
                    params.get("latitude"),
                    params.get("longitude"),
                )
                markup = False
            case ContentKind.TEXT:
                pass
        message_id = self._channel.deliver(
            address, text, content.buttons, markup=markup, media=media, via="outbox"
        )
        return Sent(message_id)

    async def edit(self, address: str, message_id: str, content: Content) -> SendResult:
        return BadRequest("the memory channel cannot edit messages")


def _media_label(media: Media) -> str:
    if media.kind is MediaKind.VENUE:
        return "venue"
    return f"{media.kind.value}:{media.filename or media.ref or ''}"


def _venue_text(title: object, address: object, latitude: object, longitude: object) -> str:
    return f"📍 {title or ''}\n{address or ''}\n({latitude}, {longitude})"


class MemoryResident:
    """A person on the memory channel, driven by the test one event at a time."""

    def __init__(
        self,
        channel: MemoryChannel,
        router: Router,
        services: Services,
        account_id: str,
        *,
        display_name: str,
        short_name: str,
    ) -> None:
        self.channel = channel
        self.router = router
        self.services = services
        self.account_id = account_id
        self._base = InboundEvent(
            channel=CHANNEL,
            account_id=account_id,
            kind=EventKind.OTHER,
            display_name=display_name,
            short_name=short_name,
        )
        self._events = itertools.count(1)
        self._files = itertools.count(1)

    @property
    def messages(self) -> list[Delivered]:
        return list(self.channel.inbox(self.account_id))

    async def dispatch(self, event: InboundEvent, pressed: str | None = None) -> list[Delivered]:
        """Hand the event to the router; the messages the channel delivered meanwhile."""
        before = len(self.channel.inbox(self.account_id))
        event = replace(event, event_id=str(next(self._events)))
        replier = MemoryReplier(self.channel, self.account_id, pressed)
        await self.router.dispatch(event, replier, self.services)
        return self.channel.inbox(self.account_id)[before:]

    async def say(self, text: str) -> list[Delivered]:
        """Typed text; a leading slash makes it a command, as on Telegram."""
        if text.startswith("/"):
            head, *args = text.split()
            event = replace(
                self._base, kind=EventKind.COMMAND, text=text, command=head[1:], args=tuple(args)
            )
        else:
            event = replace(self._base, kind=EventKind.TEXT, text=text)
        return await self.dispatch(event)

    def button(self, label: str) -> tuple[Delivered, Shown]:
        """The newest message showing a button labelled ``label`` (nothing is ever edited, so
        older buttons stay visible, as on any channel without edits)."""
        for message in reversed(self.channel.inbox(self.account_id)):
            for shown in message.buttons:
                if shown.label == label:
                    return message, shown
        visible = [s.label for m in self.channel.inbox(self.account_id)[-6:] for s in m.buttons]
        raise LookupError(f"no button {label!r} for {self.account_id}; recent: {visible}")

    async def press(self, label: str) -> list[Delivered]:
        message, shown = self.button(label)
        if shown.as_text:
            return await self.say(shown.value)
        event = replace(
            self._base, kind=EventKind.BUTTON, payload=shown.value, message_ref=message.message_id
        )
        return await self.dispatch(event, pressed=message.message_id)

    async def send_photo(self, caption: str | None = None, size: int = 2048) -> list[Delivered]:
        ref = f"memory-photo-{next(self._files)}"
        photo = Attachment(ref, "photo", size, "image/jpeg")
        event = replace(self._base, kind=EventKind.PHOTO, text=caption, attachments=(photo,))
        return await self.dispatch(event)

    async def send_location(self, latitude: float, longitude: float) -> list[Delivered]:
        event = replace(self._base, kind=EventKind.LOCATION, location=Location(latitude, longitude))
        return await self.dispatch(event)

    async def share_contact(self, phone: str) -> list[Delivered]:
        event = replace(
            self._base, kind=EventKind.CONTACT, phone=phone, contact_owner=self.account_id
        )
        return await self.dispatch(event)


class MemoryDriver:
    """The resident as the journey of tests/test_channel_neutral.py drives it: each action
    returns the text of the answer containing ``expect`` (and fails when there is none)."""

    def __init__(self, resident: MemoryResident) -> None:
        self.resident = resident
        self._mark = 0

    @staticmethod
    def _pick(messages: list[Delivered], expect: str, what: str) -> str:
        found = [m.text for m in messages if expect in m.text]
        assert found, f"{what}: no {expect!r} in {[m.text[:60] for m in messages]}"
        return found[-1]

    async def say(self, text: str, expect: str) -> str:
        return self._pick(await self.resident.say(text), expect, f"typing {text!r}")

    async def press(self, label: str, expect: str) -> str:
        return self._pick(await self.resident.press(label), expect, f"pressing {label!r}")

    async def send_photo(self, caption: str, expect: str) -> str:
        return self._pick(await self.resident.send_photo(caption), expect, "a photo")

    async def send_location(self, latitude: float, longitude: float, expect: str) -> str:
        got = await self.resident.send_location(latitude, longitude)
        return self._pick(got, expect, "a location pin")

    async def give_phone(self, phone: str, expect: str) -> str:
        """No contact button on this channel: the resident types the number."""
        return await self.say(phone, expect)

    def mark(self) -> None:
        self._mark = len(self.resident.messages)

    async def notified(self, expect: str) -> str:
        async def arrived() -> bool:
            return any(expect in m.text for m in self.resident.messages[self._mark :])

        await eventually(arrived, what=f"notification {expect!r} on the memory channel")
        return self._pick(self.resident.messages[self._mark :], expect, "the outbox")


@asynccontextmanager
async def memory_run(
    database: Path, ward: WardConfig, clock: ManualClock, display_name: str, short_name: str
) -> AsyncIterator[tuple[MemoryDriver, Services, MemoryChannel]]:
    """The bot on the memory channel: a fresh store with the staff synced from the ward config,
    the flows' router, and one delivery worker per channel — the memory one for the resident, a
    recording one for the staff's Telegram accounts — as ``on_startup`` wires the Telegram app."""
    store = await SqliteStore.open(database)
    services = Services.for_ward(store, clock, ward)
    await staff_uc.sync_from_config(services)
    channel = MemoryChannel()
    workers = [
        DeliveryWorker(store, clock, MemorySender(channel), FAST, channel=CHANNEL),
        DeliveryWorker(
            store,
            clock,
            ScriptedSender(),
            FAST,
            progress_view=progress_view(ward),
            channel="telegram",
        ),
    ]
    for worker in workers:
        await worker.start()
    router = handlers.build_router()
    resident = MemoryResident(
        channel, router, services, "mem-7f3a", display_name=display_name, short_name=short_name
    )
    try:
        yield MemoryDriver(resident), services, channel
    finally:
        for worker in workers:
            await worker.stop()
        await store.close()

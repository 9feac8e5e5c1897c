"""The ``Turn``: one event being handled, and the ways a flow answers it.

A flow never sees the channel. It calls :meth:`Turn.reply` (a template and buttons),
:meth:`Turn.ack` for a button press, :meth:`Turn.remove_buttons`, or sends a file, a photo or a
map pin; the channel's :class:`Replier` renders that within its limits. A reply the channel could
not deliver for a passing reason (network, 5xx, rate limit) is queued in the outbox with the same
content, so it arrives once the channel is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bot.conversation.events import InboundEvent
from bot.conversation.replies import Button, Buttons, Capabilities, rows
from bot.domain.addresses import MessageRef
from messages import render

if TYPE_CHECKING:
    from bot.usecases.common import Services

log = logging.getLogger(__name__)

__all__ = [
    "Media",
    "MediaKind",
    "Replier",
    "Reply",
    "SendFailed",
    "Turn",
]

ButtonSpec = Iterable[Iterable[tuple[str, str] | Button]] | Buttons | None


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VENUE = "venue"


@dataclass(frozen=True, slots=True)
class Media:
    """A photo or document (by the channel's reference, or as bytes to upload), or a map pin."""

    kind: MediaKind
    ref: str | None = None
    data: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    mime: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    title: str | None = None
    address: str | None = None

    @property
    def venue_params(self) -> dict[str, object]:
        """A map pin as the outbox stores it (``params`` of a venue row)."""
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "title": self.title or "",
            "address": self.address or "",
        }


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say: neutral markup, buttons, optional media (the text is then its caption).

    ``replace``: the pressed message should become this one (a channel without edits sends it
    as a new message). ``clear_keyboard``: take away a suggested-answers keyboard.
    """

    text: str
    buttons: Buttons = ()
    media: Media | None = None
    replace: bool = False
    clear_keyboard: bool = False
    template: str = ""


class SendFailed(Exception):
    """The channel could not take the reply now (network, 5xx, rate limit): try again later."""


class Replier(Protocol):
    """A channel's way of answering the event being handled; made by the adapter per event."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def handle(self) -> str | None:
        """The bot's public handle on this channel, for deep links; None where it has none."""
        ...

    @property
    def pressed(self) -> MessageRef | None:
        """The message whose button was pressed, when the channel can address it."""
        ...

    async def send(self, reply: Reply) -> MessageRef | None:
        """Deliver ``reply`` (split to the channel's limits); raise :class:`SendFailed` when the
        channel is unavailable for a passing reason."""
        ...

    async def ack(self, text: str | None = None) -> None:
        """Answer a button press, with a short notice when ``text`` is given."""
        ...

    async def remove_buttons(self) -> None:
        """Take the buttons off the pressed message (nothing where messages cannot be edited)."""
        ...

    async def staff_menu(self, is_staff: bool) -> None:
        """Show the command menu that fits the person, where the channel has one."""
        ...


class Turn:
    """One inbound event, the person it came from, and how to answer."""

    __slots__ = ("_queued", "event", "person_id", "replier", "services")

    def __init__(
        self, event: InboundEvent, person_id: int, services: Services, replier: Replier
    ) -> None:
        self.event = event
        self.person_id = person_id
        self.services = services
        self.replier = replier
        self._queued = 0

    @property
    def text(self) -> str:
        return self.event.text or ""

    @property
    def payload(self) -> str:
        return self.event.payload or ""

    @property
    def handle(self) -> str | None:
        return self.replier.handle

    @property
    def own_contact(self) -> bool:
        """Whether a shared contact is the person's own (when the channel says whose it is)."""
        owner = self.event.contact_owner
        return owner is None or owner == self.event.account_id

    @property
    def pressed(self) -> MessageRef | None:
        return self.replier.pressed

    @property
    def capabilities(self) -> Capabilities:
        return self.replier.capabilities

    async def reply(
        self,
        template: str,
        buttons: ButtonSpec = None,
        /,
        *,
        replace: bool = False,
        clear_keyboard: bool = False,
        **context: Any,
    ) -> MessageRef | None:
        """Answer with one message rendered from ``template``."""
        return await self.send(
            Reply(
                render(template, **context),
                rows(buttons),
                replace=replace,
                clear_keyboard=clear_keyboard,
                template=template,
            )
        )

    async def edit(self, template: str, buttons: ButtonSpec = None, /, **context: Any) -> None:
        """Replace the pressed message (a new message where the channel cannot edit)."""
        await self.reply(template, buttons, replace=True, **context)

    async def send_media(
        self,
        media: Media,
        template: str | None = None,
        buttons: ButtonSpec = None,
        /,
        **context: Any,
    ) -> MessageRef | None:
        caption = render(template, **context) if template else ""
        return await self.send(Reply(caption, rows(buttons), media=media, template=template or ""))

    async def send_file(
        self,
        data: bytes,
        filename: str,
        template: str | None = None,
        /,
        *,
        photo: bool = False,
        **context: Any,
    ) -> MessageRef | None:
        kind = MediaKind.PHOTO if photo else MediaKind.DOCUMENT
        return await self.send_media(
            Media(kind, data=data, filename=filename), template, None, **context
        )

    async def send_venue(
        self, latitude: float, longitude: float, title: str, address: str
    ) -> MessageRef | None:
        media = Media(
            MediaKind.VENUE, latitude=latitude, longitude=longitude, title=title, address=address
        )
        return await self.send(Reply("", media=media, template="venue"))

    async def send(self, reply: Reply) -> MessageRef | None:
        try:
            return await self.replier.send(reply)
        except SendFailed as exc:
            log.warning("reply %s to %s queued: %s", reply.template, self.person_id, exc)
            await self._queue(reply)
            return None

    async def ack(self, template: str | None = None, **context: Any) -> None:
        text = render(template, **context) if template else None
        try:
            await self.replier.ack(text)
        except SendFailed:
            log.info("button answer to %s not delivered", self.person_id)

    async def remove_buttons(self) -> None:
        try:
            await self.replier.remove_buttons()
        except SendFailed:
            log.info("buttons of %s not removed", self.pressed)

    async def staff_menu(self, is_staff: bool) -> None:
        try:
            await self.replier.staff_menu(is_staff)
        except SendFailed:
            log.info("command menu of %s not set", self.person_id)

    async def _queue(self, reply: Reply) -> None:
        """The direct reply as a personal outbox row, to the account the person wrote from."""
        from bot.conversation.fallback import queue_reply

        self._queued += 1
        await queue_reply(self, reply, self._queued)

# ruff: noqa: ASYNC109  -- wait/ask take timeout= by design: it bounds the wait for the bot.
"""Simulated Zalo users: they follow the OA, write to it, press its buttons, answer its forms,
and record everything the OA sends them."""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from typing import Any, Protocol

from .events import (
    EventContext,
    attachment_event,
    follow_event,
    receipt_event,
    submit_info_event,
    text_event,
)
from .media import FILE_TYPES, extension
from .models import Delivery, OaMessage

__all__ = ["UserHost", "ZaloUser", "normalize_phone"]

FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-photo\xff\xd9"
FAKE_PDF = b"%PDF-1.4\n% fake document\n%%EOF\n"
FAKE_AAC = b"\xff\xf1fake-voice"
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42fake-video"
FAKE_WEBP = b"RIFF\x00\x00\x00\x00WEBPfake-sticker"


def normalize_phone(phone: str) -> str:
    """Zalo's form of a Vietnamese number: ``84912345678`` (no plus, no leading zero)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits


class UserHost(Protocol):
    """What a user needs from its server; FakeZaloServer is one.

    A protocol rather than an import, so the server may import this module and not the reverse.
    The underscored members are the package's own hooks, not API for tests.
    """

    def now(self) -> float: ...

    def _event_context(self, user: ZaloUser) -> EventContext: ...

    def _next_msg_id(self) -> str: ...

    def _store_user_media(self, kind: str, name: str, mime_type: str, data: bytes) -> str: ...

    async def _deliver(
        self, user: ZaloUser, event: dict[str, Any], signature: str | None
    ) -> Delivery: ...

    def _delivery_status(self) -> str: ...


class ZaloUser:
    """A Zalo user chatting with the OA, driven by tests, the demo and benchmarks.

    Every ``send_*``/``press``/``follow`` posts one webhook event and returns its
    :class:`Delivery` once the bot has answered the POST (or failed to).
    """

    def __init__(
        self,
        server: UserHost,
        user_id: str,
        display_name: str,
        *,
        follower: bool = True,
        phone: str | None = None,
    ) -> None:
        self.server = server
        self.id = user_id
        self.display_name = display_name
        digest = hashlib.sha256(f"by-app:{user_id}".encode()).hexdigest()
        self.user_id_by_app = str(10**18 + int(digest[:15], 16) % (9 * 10**18))
        self.is_follower = follower
        number = int(user_id) if user_id.isdigit() else int(digest[15:30], 16)
        self.phone = normalize_phone(phone or f"849{number % 100_000_000:08d}")
        self.last_interaction: float | None = None
        """Fake-clock time of the user's last inbound event; the 7-day window counts from it."""
        self.inactive = False
        """True makes every send to this user fail with -227 (inactive for 45 days)."""
        self.shared_info: dict[str, str] | None = None
        self.deliveries: list[Delivery] = []
        self.api_errors: deque[str] = deque(maxlen=20)
        """Recent error answers the bot got for requests about this user."""
        self._messages: list[OaMessage] = []
        self._mark = 0
        self._signal = asyncio.Event()

    def __repr__(self) -> str:
        return f"ZaloUser(id={self.id!r}, display_name={self.display_name!r})"

    # ----- what the user sees -------------------------------------------------------------

    @property
    def messages(self) -> list[OaMessage]:
        """Everything the OA sent this user, in order."""
        return list(self._messages)

    @property
    def last(self) -> OaMessage | None:
        return self._messages[-1] if self._messages else None

    @property
    def info_requests(self) -> list[OaMessage]:
        return [m for m in self._messages if m.kind == "request_user_info"]

    # ----- following ----------------------------------------------------------------------

    async def follow(self, source: str = "oa_profile") -> Delivery:
        self.is_follower = True
        self._touch()
        return await self._emit(follow_event(self._ctx(), "follow", source))

    async def unfollow(self, source: str = "oa_profile") -> Delivery:
        """After this every message to the user fails with -213 until they follow again."""
        self.is_follower = False
        return await self._emit(follow_event(self._ctx(), "unfollow", source))

    # ----- writing ------------------------------------------------------------------------

    async def send_text(self, text: str, *, signature: str | None = "valid") -> Delivery:
        self._touch()
        return await self._emit(text_event(self._ctx(), self._msg_id(), text), signature)

    async def press(self, title: str) -> Delivery:
        """Press the newest ``oa.query.show|hide`` button titled ``title``: its payload arrives
        as a ``user_send_text``. Raises LookupError if no such query button was shown."""
        for message in reversed(self._messages):
            for button in message.buttons:
                if button.title != title:
                    continue
                if not button.is_query:
                    raise LookupError(
                        f"button {title!r} on {message.message_id} is {button.type}, "
                        "which opens something on the phone and sends nothing to the OA"
                    )
                return await self.send_text(str(button.payload))
        shown = [m.describe() for m in self._messages[-5:] if m.buttons]
        raise LookupError(
            f"no button {title!r} in {self!r}; recent messages with buttons:\n  "
            + ("\n  ".join(shown) or "(none)")
        )

    async def send_image(
        self, caption: str | None = None, data: bytes = FAKE_JPEG, name: str = "photo.jpg"
    ) -> Delivery:
        url = self.server._store_user_media("image", name, "image/jpeg", data)
        payload = {"url": url, "thumbnail": url}
        return await self._attachment("user_send_image", "image", payload, caption)

    async def send_file(
        self, name: str = "don_kien_nghi.pdf", data: bytes = FAKE_PDF, mime_type: str = ""
    ) -> Delivery:
        kind = extension(name) or "file"
        mime_type = mime_type or FILE_TYPES.get(kind, "application/octet-stream")
        url = self.server._store_user_media("file", name, mime_type, data)
        payload = {
            "url": url,
            "size": str(len(data)),
            "name": name,
            "checksum": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "type": kind,
        }
        return await self._attachment("user_send_file", "file", payload)

    async def send_location(self, latitude: float, longitude: float) -> Delivery:
        """Coordinates arrive as strings, as Zalo sends them."""
        coordinates = {"latitude": str(latitude), "longitude": str(longitude)}
        return await self._attachment(
            "user_send_location", "location", {"coordinates": coordinates}
        )

    async def send_sticker(self, sticker_id: str = "bfe6d1b5a0f04aaef3e1") -> Delivery:
        url = self.server._store_user_media("sticker", "sticker.webp", "image/webp", FAKE_WEBP)
        return await self._attachment(
            "user_send_sticker", "sticker", {"id": sticker_id, "url": url}
        )

    async def send_audio(self, data: bytes = FAKE_AAC) -> Delivery:
        url = self.server._store_user_media("audio", "voice.aac", "audio/aac", data)
        return await self._attachment("user_send_audio", "audio", {"url": url})

    async def send_video(self, data: bytes = FAKE_MP4, description: str = "") -> Delivery:
        url = self.server._store_user_media("video", "video.mp4", "video/mp4", data)
        payload = {"url": url, "thumbnail": url, "description": description}
        return await self._attachment("user_send_video", "video", payload)

    async def send_link(self, url: str, description: str = "", thumbnail: str = "") -> Delivery:
        payload = {"url": url, "thumbnail": thumbnail, "description": description}
        return await self._attachment("user_send_link", "link", payload, url)

    async def submit_info(
        self,
        name: str | None = None,
        phone: str | None = None,
        address: str = "",
        city: str = "",
        district: str = "",
        *,
        force: bool = False,
    ) -> Delivery:
        """Answer the OA's ``request_user_info`` form with ``user_submit_info``.

        Raises LookupError unless the OA sent such a form (``force=True`` skips the check).
        """
        if not force and not self.info_requests:
            raise LookupError(f"the OA never sent {self!r} a request_user_info form")
        info = {
            "address": address,
            "phone": normalize_phone(phone or self.phone),
            "city": city,
            "district": district,
            "name": name or self.display_name,
        }
        self.shared_info = dict(info)
        self._touch()
        return await self._emit(submit_info_event(self._ctx(), info))

    async def received(self, message: OaMessage) -> Delivery:
        return await self._emit(
            receipt_event(self._ctx(), "user_received_message", [message.message_id])
        )

    async def seen(self, messages: list[OaMessage]) -> Delivery:
        ids = [m.message_id for m in messages]
        return await self._emit(receipt_event(self._ctx(), "user_seen_message", ids))

    # ----- waiting ------------------------------------------------------------------------

    def mark(self) -> None:
        """Forget pending messages: the next wait() only counts what arrives from now on."""
        self._mark = len(self._messages)

    async def wait(
        self, expect: int = 1, timeout: float = 5.0, *, quiet: float = 0.05
    ) -> list[OaMessage]:
        """The OA messages since the last mark: at least ``expect``, then ``quiet`` s of calm."""
        return await self._collect(self._mark, expect, timeout, quiet, "waiting")

    async def ask(
        self, text: str, expect: int = 1, timeout: float = 5.0, *, quiet: float = 0.05
    ) -> list[OaMessage]:
        """Send ``text`` and return what the OA sent in response."""
        start = len(self._messages)
        await self.send_text(text)
        return await self._collect(start, expect, timeout, quiet, f"sending {text!r}")

    # ----- internals used by the server ---------------------------------------------------

    def _add_message(self, message: OaMessage) -> None:
        self._messages.append(message)
        self._signal.set()
        self._signal = asyncio.Event()

    def _touch(self) -> None:
        self.last_interaction = self.server.now()

    def _ctx(self) -> EventContext:
        return self.server._event_context(self)

    def _msg_id(self) -> str:
        return self.server._next_msg_id()

    async def _emit(self, event: dict[str, Any], signature: str | None = "valid") -> Delivery:
        delivery = await self.server._deliver(self, event, signature)
        self.deliveries.append(delivery)
        return delivery

    async def _attachment(
        self,
        event_name: str,
        attachment_type: str,
        payload: dict[str, Any],
        text: str | None = None,
    ) -> Delivery:
        self._touch()
        event = attachment_event(
            self._ctx(), event_name, self._msg_id(), attachment_type, payload, text
        )
        return await self._emit(event)

    async def _wait_signal(self, seconds: float) -> None:
        if seconds <= 0:
            return
        signal = self._signal
        try:
            async with asyncio.timeout(seconds):
                await signal.wait()
        except TimeoutError:
            return

    async def _collect(
        self, start: int, expect: int, timeout: float, quiet: float, what: str
    ) -> list[OaMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._messages) - start < expect:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(start, expect, timeout, what))
            await self._wait_signal(remaining)
        while True:
            seen = len(self._messages)
            await self._wait_signal(min(quiet, deadline - loop.time()))
            if len(self._messages) == seen or loop.time() >= deadline:
                break
        end = len(self._messages)
        self._mark = end
        return self._messages[start:end]

    def _timeout_report(self, start: int, expect: int, timeout: float, what: str) -> str:
        got = len(self._messages) - start
        lines = [
            f"{self!r}: expected {expect} OA message(s) within {timeout:g}s after {what}, "
            f"got {got}."
        ]
        recent = self._messages[-6:]
        if recent:
            lines.append("Last OA messages to this user:")
            lines.extend("  " + m.describe() for m in recent)
        else:
            lines.append("The OA has sent nothing to this user.")
        if self.api_errors:
            lines.append("Recent API errors for this user:")
            lines.extend("  " + e for e in list(self.api_errors)[-5:])
        if self.deliveries:
            last = self.deliveries[-1]
            lines.append(
                f"Last webhook delivery: {last.event_name} -> "
                f"{last.status if last.status is not None else last.error}"
            )
        lines.append(self.server._delivery_status())
        return "\n".join(lines)

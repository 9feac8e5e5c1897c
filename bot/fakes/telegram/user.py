# ruff: noqa: ASYNC109  -- ask/wait take timeout= by design: it bounds the wait for the bot.
"""Simulated Telegram users: they write to the bot and record what the bot sends back."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import Any, Literal, Protocol

from .files import FileStore
from .htmltext import utf16_len
from .models import Button, ChatMessage
from .params import unix_now

__all__ = ["SimUser", "UserHost"]

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-photo\xff\xd9"
_FAKE_PDF = b"%PDF-1.4\n% fake document\n%%EOF\n"
_FAKE_OGG = b"OggS\x00fake-voice"
_FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42fake-video"
_FAKE_MP3 = b"ID3\x03\x00fake-audio"
_FAKE_WEBP = b"RIFF\x00\x00\x00\x00WEBPfake-sticker"


class UserHost(Protocol):
    """What a user needs from the server it lives on; FakeTelegramServer is one.

    A protocol rather than an import, so the server may import this module and not the reverse.
    The underscored members are the package's own hooks, not API for tests.
    """

    @property
    def bot_id(self) -> int: ...

    @property
    def _files(self) -> FileStore: ...

    def _submit_update(
        self, user: SimUser, kind: str, payload: dict[str, Any]
    ) -> dict[str, Any]: ...

    def _next_callback_id(self) -> str: ...

    def _delivery_status(self) -> str: ...


class SimUser:
    """A private-chat user (chat id == user id) driven by tests, the demo and benchmarks.

    All methods must run on the event loop of the server that created the user.
    """

    def __init__(
        self,
        server: UserHost,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        phone: str | None = None,
    ) -> None:
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.phone = phone or f"+849{user_id % 100_000_000:08d}"
        self.default_location = (21.0285, 105.8542)
        self.known = False
        """Whether the chat exists for the bot (the user wrote to it at least once)."""
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[str] = []
        self.api_errors: deque[str] = deque(maxlen=20)
        """Recent error responses the bot got for requests to this chat."""
        self._reply_keyboard: list[list[Button]] | None = None
        self._messages: list[ChatMessage] = []
        self._by_id: dict[int, ChatMessage] = {}
        self._own_message_ids: set[int] = set()
        self._next_message_id = 1
        self._events: list[int] = []
        self._mark = 0
        self._signal = asyncio.Event()

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r})"

    # ----- what the user sees -------------------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        """Every message the bot sent here, in order, current state."""
        return list(self._messages)

    @property
    def last(self) -> ChatMessage | None:
        for message in reversed(self._messages):
            if not message.deleted:
                return message
        return None

    @property
    def reply_keyboard(self) -> list[list[Button]] | None:
        return self._reply_keyboard

    def message(self, message_id: int) -> ChatMessage:
        try:
            return self._by_id[message_id]
        except KeyError:
            raise LookupError(f"chat {self.id} has no bot message {message_id}") from None

    # ----- sending ------------------------------------------------------------------------

    async def send(self, text: str) -> dict[str, Any]:
        """Send a text message; commands in it get bot_command entities, as Telegram adds."""
        content: dict[str, Any] = {"text": text}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
            for match in _COMMAND.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        return self._submit_message(content)

    async def send_command(self, command: str) -> dict[str, Any]:
        if not command.startswith("/"):
            command = "/" + command
        return await self.send(command)

    async def share_contact(
        self,
        phone: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | Literal["self"] | None = "self",
    ) -> dict[str, Any]:
        """Share a contact; by default the user's own (contact.user_id == user id).

        Pass ``user_id=None`` or another id to simulate forwarding someone else's contact.
        """
        contact: dict[str, Any] = {
            "phone_number": phone or self.phone,
            "first_name": first_name or self.first_name,
        }
        surname = last_name if last_name is not None else self.last_name
        if surname:
            contact["last_name"] = surname
        owner = self.id if user_id == "self" else user_id
        if owner is not None:
            contact["user_id"] = owner
        return self._submit_message({"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._submit_message(
            {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
        )

    async def send_photo(
        self, caption: str | None = None, data: bytes = _FAKE_JPEG
    ) -> dict[str, Any]:
        sizes = self.server._files.photo_sizes(data)
        return self._submit_message(self._with_caption({"photo": sizes}, caption))

    async def send_document(
        self,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        data: bytes = _FAKE_PDF,
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self.server._files.store("documents", data, file_name, mime_type)
        document = self.server._files.file_dict(stored)
        return self._submit_message(self._with_caption({"document": document}, caption))

    async def send_voice(
        self, duration: int = 3, data: bytes = _FAKE_OGG, mime_type: str = "audio/ogg"
    ) -> dict[str, Any]:
        stored = self.server._files.store("voice", data, None, mime_type)
        voice = {**self.server._files.file_dict(stored, with_name=False), "duration": duration}
        return self._submit_message({"voice": voice})

    async def send_audio(
        self,
        duration: int = 30,
        title: str | None = None,
        performer: str | None = None,
        caption: str | None = None,
        data: bytes = _FAKE_MP3,
    ) -> dict[str, Any]:
        stored = self.server._files.store("music", data, "audio.mp3", "audio/mpeg")
        audio: dict[str, Any] = {**self.server._files.file_dict(stored), "duration": duration}
        if title:
            audio["title"] = title
        if performer:
            audio["performer"] = performer
        return self._submit_message(self._with_caption({"audio": audio}, caption))

    async def send_video(
        self, duration: int = 5, caption: str | None = None, data: bytes = _FAKE_MP4
    ) -> dict[str, Any]:
        stored = self.server._files.store("videos", data, "video.mp4", "video/mp4")
        video = {
            **self.server._files.file_dict(stored),
            "width": 640,
            "height": 360,
            "duration": duration,
        }
        return self._submit_message(self._with_caption({"video": video}, caption))

    async def send_video_note(self, duration: int = 5, data: bytes = _FAKE_MP4) -> dict[str, Any]:
        stored = self.server._files.store("video_notes", data, None, "video/mp4")
        note = {**self.server._files.file_dict(stored, with_name=False), "length": 240}
        note["duration"] = duration
        return self._submit_message({"video_note": note})

    async def send_sticker(self, emoji: str = "👍", data: bytes = _FAKE_WEBP) -> dict[str, Any]:
        stored = self.server._files.store("stickers", data, None, "image/webp")
        sticker = {
            **self.server._files.file_dict(stored, with_name=False),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._submit_message({"sticker": sticker})

    # ----- buttons ------------------------------------------------------------------------

    async def press(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """Press an inline button (by text or by callback_data) on the newest message having it.

        Raises LookupError if no visible message has such a callback button.
        """
        if (text is None) == (callback_data is None):
            raise ValueError("press() needs exactly one of text or callback_data")
        candidates = self._visible_messages(message_id)
        for message in reversed(candidates):
            for row in message.buttons:
                for button in row:
                    if text is not None and button.text != text:
                        continue
                    if callback_data is not None and button.callback_data != callback_data:
                        continue
                    if button.callback_data is None:
                        kind = "a URL button" if button.url else "not a callback button"
                        raise LookupError(
                            f"button {button.text!r} on message {message.message_id} is {kind}"
                        )
                    return self._submit_callback(message, button.callback_data)
        wanted = f"text {text!r}" if text is not None else f"callback_data {callback_data!r}"
        raise LookupError(
            f"no inline button with {wanted} in chat {self.id}; visible keyboards:\n"
            + self._keyboards_summary(candidates)
        )

    async def send_forged_callback(
        self, data: str, *, message_id: int | None = None
    ) -> dict[str, Any]:
        """A callback query with arbitrary data, as a malicious client could send."""
        candidates = self._visible_messages(message_id)
        if not candidates:
            raise LookupError(f"chat {self.id} has no bot message to attach a callback to")
        return self._submit_callback(candidates[-1], data)

    async def press_reply_button(self, text: str) -> dict[str, Any]:
        """Press a button of the current reply keyboard (contact/location requests honoured)."""
        for row in self._reply_keyboard or []:
            for button in row:
                if button.text != text:
                    continue
                if button.request_contact:
                    return await self.share_contact()
                if button.request_location:
                    return await self.send_location(*self.default_location)
                return await self.send(button.text)
        shown = [b.text for row in self._reply_keyboard or [] for b in row]
        raise LookupError(f"no reply keyboard button {text!r} in chat {self.id}; shown: {shown}")

    # ----- waiting ------------------------------------------------------------------------

    def mark(self) -> None:
        """Forget pending events: the next wait() only counts what happens from now on."""
        self._mark = len(self._events)

    async def ask(
        self, text: str, expect: int = 1, timeout: float = 5.0, *, quiet: float = 0.05
    ) -> list[ChatMessage]:
        """Send ``text`` and return the bot messages created or edited in response."""
        start = len(self._events)
        await self.send(text)
        return await self._collect(start, expect, timeout, quiet, f"sending {text!r}")

    async def press_and_wait(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message_id: int | None = None,
        expect: int = 1,
        timeout: float = 5.0,
        quiet: float = 0.05,
    ) -> list[ChatMessage]:
        start = len(self._events)
        await self.press(text, callback_data=callback_data, message_id=message_id)
        what = f"pressing {text!r}" if text is not None else f"pressing data {callback_data!r}"
        return await self._collect(start, expect, timeout, quiet, what)

    async def wait(
        self, expect: int = 1, timeout: float = 5.0, *, quiet: float = 0.05
    ) -> list[ChatMessage]:
        """Wait for events since the last mark (ask/wait/press_and_wait/mark)."""
        return await self._collect(self._mark, expect, timeout, quiet, "waiting")

    # ----- internals used by the server ---------------------------------------------------

    def _user_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def _chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def _take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def _add_bot_message(self, message: ChatMessage) -> None:
        self._messages.append(message)
        self._by_id[message.message_id] = message
        self._event(message.message_id)

    def _event(self, message_id: int) -> None:
        self._events.append(message_id)
        self._signal.set()
        self._signal = asyncio.Event()

    def _set_reply_keyboard(self, keyboard: list[list[Button]] | None) -> None:
        self._reply_keyboard = keyboard

    def _with_caption(self, content: dict[str, Any], caption: str | None) -> dict[str, Any]:
        if caption:
            content["caption"] = caption
        return content

    def _submit_message(self, content: dict[str, Any]) -> dict[str, Any]:
        message_id = self._take_message_id()
        self._own_message_ids.add(message_id)
        message = {
            "message_id": message_id,
            "from": self._user_dict(),
            "chat": self._chat_dict(),
            "date": unix_now(),
            **content,
        }
        return self.server._submit_update(self, "message", message)

    def _submit_callback(self, message: ChatMessage, data: str) -> dict[str, Any]:
        query = {
            "id": self.server._next_callback_id(),
            "from": self._user_dict(),
            "message": message.raw,
            "chat_instance": str((self.id * 2_654_435_761 + self.server.bot_id) % 10**18),
            "data": data,
        }
        return self.server._submit_update(self, "callback_query", query)

    def _visible_messages(self, message_id: int | None) -> list[ChatMessage]:
        if message_id is None:
            return [m for m in self._messages if not m.deleted]
        message = self._by_id.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"chat {self.id} has no visible bot message {message_id}")
        return [message]

    def _keyboards_summary(self, messages: list[ChatMessage]) -> str:
        lines = [m.describe() for m in messages[-5:] if m.buttons]
        return "\n".join("  " + line for line in lines) or "  (none)"

    async def _wait_signal(self, seconds: float) -> bool:
        if seconds <= 0:
            return False
        signal = self._signal
        try:
            async with asyncio.timeout(seconds):
                await signal.wait()
        except TimeoutError:
            return False
        return True

    async def _collect(
        self, start: int, expect: int, timeout: float, quiet: float, what: str
    ) -> list[ChatMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._events) - start < expect:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_report(start, expect, timeout, what))
            await self._wait_signal(remaining)
        while True:
            seen = len(self._events)
            remaining = deadline - loop.time()
            await self._wait_signal(min(quiet, remaining))
            if len(self._events) == seen or loop.time() >= deadline:
                break
        end = len(self._events)
        self._mark = end
        result: list[ChatMessage] = []
        seen_ids: set[int] = set()
        for message_id in self._events[start:end]:
            if message_id in seen_ids:
                continue
            seen_ids.add(message_id)
            message = self._by_id[message_id]
            if not message.deleted:
                result.append(message)
        return result

    def _timeout_report(self, start: int, expect: int, timeout: float, what: str) -> str:
        got = len(self._events) - start
        lines = [
            f"{self!r}: expected {expect} new/edited bot message(s) within {timeout:g}s "
            f"after {what}, got {got}.",
        ]
        recent = self._messages[-6:]
        if recent:
            lines.append("Last bot messages in this chat:")
            lines.extend("  " + m.describe() for m in recent)
        else:
            lines.append("The bot has sent nothing to this chat.")
        if self.callback_answers:
            lines.append(f"Last callback answer: {self.callback_answers[-1]!r}")
        if self.api_errors:
            lines.append("Recent API errors for this chat:")
            lines.extend("  " + e for e in list(self.api_errors)[-5:])
        lines.append(self.server._delivery_status())
        return "\n".join(lines)

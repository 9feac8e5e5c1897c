"""Plain data the fake server keeps about chats, and the errors it answers with."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "ApiError",
    "Button",
    "ChatMessage",
    "FaultRule",
    "StoredFile",
    "UploadedFile",
    "WebhookConfig",
]


class ApiError(Exception):
    """A Bot API error response; raised inside method handlers, rendered as Telegram JSON."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True, slots=True)
class Button:
    """One keyboard button as a user sees it (inline or reply keyboard)."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False
    request_location: bool = False


@dataclass(eq=False)
class ChatMessage:
    """A message the bot sent, in its current state (edits applied, deletion flagged)."""

    message_id: int
    chat_id: int
    kind: str
    text: str = ""
    plain_text: str = ""
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    edits: int = 0
    deleted: bool = False
    venue: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    photo: bytes | str | None = None
    date: int = 0
    edit_date: int | None = None
    method: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def has_button(self, text: str) -> bool:
        return any(button.text == text for row in self.buttons for button in row)

    def button(self, text: str) -> Button:
        for row in self.buttons:
            for button in row:
                if button.text == text:
                    return button
        raise LookupError(f"message {self.message_id} has no button {text!r}")

    def describe(self) -> str:
        """One line for assertion and timeout messages."""
        flags = []
        if self.deleted:
            flags.append("deleted")
        if self.edits:
            flags.append(f"edited x{self.edits}")
        extra = f" ({', '.join(flags)})" if flags else ""
        body = self.plain_text
        if not body and self.venue:
            body = f"{self.venue.get('title', '')}, {self.venue.get('address', '')}"
        elif not body and self.document:
            body = str(self.document.get("file_name") or "")
        if len(body) > 120:
            body = body[:117] + "..."
        line = f"#{self.message_id} [{self.kind}]{extra} {body!r}"
        if self.buttons:
            line += f" buttons={self.button_texts()!r}"
        return line


class WebhookConfig(NamedTuple):
    url: str
    secret: str | None


@dataclass(slots=True)
class UploadedFile:
    """A multipart file part as received from the bot."""

    file_name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.file_name!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass(slots=True)
class StoredFile:
    """A file the server can hand out by file_id (getFile) and serve by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    data: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    photo_sizes: list[dict[str, Any]] | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass
class FaultRule:
    """One ``FakeTelegramServer.inject`` rule; ``remaining`` None means unlimited."""

    method: str | None
    chat_id: int | None
    status: int
    description: str
    retry_after: int | None
    remaining: int | None
    probability: float | None
    rng: random.Random
    deliver: bool = False
    fired: int = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        if self.chat_id is not None and self.chat_id != chat_id:
            return False
        return self.probability is None or self.rng.random() < self.probability

    def error(self) -> ApiError:
        parameters = {"retry_after": self.retry_after} if self.retry_after is not None else None
        return ApiError(self.status, self.description, parameters)

"""Plain data the fake Zalo server keeps: what the OA sent, webhook deliveries, faults, media."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .codes import message_for

__all__ = [
    "Button",
    "Delivery",
    "FaultRule",
    "MediaItem",
    "OaMessage",
    "ZaloError",
    "ZnsMessage",
]


class ZaloError(Exception):
    """An error answer: raised inside handlers, rendered as ``{"error": code, "message": ...}``.

    ``http_status`` is 200 for every real Zalo API error; other values model gateway failures.
    """

    def __init__(self, code: int, message: str | None = None, http_status: int = 200) -> None:
        self.code = code
        self.message = message or message_for(code)
        self.http_status = http_status
        super().__init__(f"{code} {self.message}")

    def payload(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Button:
    """One OA button as the user sees it; ``payload`` is a string for ``oa.query.*``."""

    title: str
    type: str
    payload: Any = None

    @property
    def is_query(self) -> bool:
        return self.type in ("oa.query.show", "oa.query.hide")

    @property
    def url(self) -> str | None:
        return self.payload.get("url") if isinstance(self.payload, dict) else None

    @property
    def phone(self) -> str | None:
        return self.payload.get("phone_code") if isinstance(self.payload, dict) else None


@dataclass(eq=False)
class OaMessage:
    """A message the OA sent to one user (``/message/cs`` or ``/message/template``).

    ``kind`` is ``text``, ``buttons``, ``image``, ``file``, ``request_user_info``, ``template``
    or another ``template_type`` the fake accepted without modelling it.
    """

    message_id: str
    user_id: str
    kind: str
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    attachment_id: str | None = None
    file_token: str | None = None
    media: MediaItem | None = None
    elements: list[dict[str, Any]] = field(default_factory=list)
    template_id: str | None = None
    template_data: dict[str, Any] | None = None
    sent_at: float = 0.0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def button_titles(self) -> list[str]:
        return [button.title for button in self.buttons]

    def has_button(self, title: str) -> bool:
        return any(button.title == title for button in self.buttons)

    def button(self, title: str) -> Button:
        for button in self.buttons:
            if button.title == title:
                return button
        raise LookupError(f"message {self.message_id} has no button {title!r}")

    def describe(self) -> str:
        """One line for assertion and timeout messages."""
        body = self.text or (self.media.name if self.media else "") or (self.template_id or "")
        if len(body) > 120:
            body = body[:117] + "..."
        line = f"{self.message_id[:8]} [{self.kind}] {body!r}"
        if self.buttons:
            line += f" buttons={self.button_titles()!r}"
        return line


@dataclass(eq=False)
class MediaItem:
    """Bytes the fake can serve under ``/media/<key>``: OA uploads and users' attachments."""

    key: str
    kind: str
    name: str
    mime_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class Delivery:
    """One webhook POST: exactly what was sent, and how the bot answered.

    ``status`` is None when nothing came back (no webhook set, refused, timed out).
    ``latency`` is wall-clock seconds; Zalo wants a 200 within ``timeout`` (2 s).
    """

    event: dict[str, Any]
    body: bytes = field(repr=False)
    headers: dict[str, str]
    url: str | None
    status: int | None = None
    latency: float = 0.0
    error: str | None = None
    timeout: float = 2.0
    response_text: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        """The bot acknowledged in time, as Zalo requires."""
        return self.status == 200 and self.latency <= self.timeout

    @property
    def event_name(self) -> str:
        return str(self.event.get("event_name", ""))

    @property
    def msg_id(self) -> str | None:
        message = self.event.get("message")
        return message.get("msg_id") if isinstance(message, dict) else None


@dataclass(eq=False)
class ZnsMessage:
    """A ZNS template message sent to a phone number (``84…``)."""

    msg_id: str
    phone: str
    template_id: str
    template_data: dict[str, Any]
    tracking_id: str | None
    sent_at: float
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class FaultRule:
    """One :meth:`FakeZaloServer.inject` rule; ``remaining`` None means unlimited.

    ``path`` matches the end of the request path (``"message/cs"``); None matches every API and
    ZNS path but never the OAuth endpoint. ``deliver`` performs the call, then reports the error,
    like a response lost after Zalo acted on it.
    """

    path: str | None
    user_id: str | None
    error: int
    message: str
    http_status: int
    remaining: int | None
    probability: float | None
    rng: random.Random
    drop: bool = False
    deliver: bool = False
    fired: int = 0

    def matches(self, path: str, user_id: str | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.path is not None and not path.rstrip("/").endswith(self.path.strip("/")):
            return False
        if self.user_id is not None and self.user_id != user_id:
            return False
        return self.probability is None or self.rng.random() < self.probability

    def to_error(self) -> ZaloError:
        return ZaloError(self.error, self.message, self.http_status)

"""The send* methods: each validates like Telegram, then records the message in the user's chat."""

from __future__ import annotations

from typing import Any

from .chats import Chats
from .faults import FaultInjector
from .files import FileStore
from .formatting import Formatted, caption_of, format_text
from .keyboards import Markup, inline_rows, parse_markup
from .models import ApiError, ChatMessage
from .params import Params, unix_now
from .user import SimUser

__all__ = ["Messenger"]

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class Messenger:
    def __init__(
        self,
        chats: Chats,
        files: FileStore,
        faults: FaultInjector,
        bot_user: dict[str, Any],
        *,
        strict_html: bool,
    ) -> None:
        self.chats = chats
        self.files = files
        self.faults = faults
        self.bot_user = bot_user
        self.strict_html = strict_html

    # ----- shared with editing ------------------------------------------------------------

    def text(self, p: Params) -> Formatted:
        source = p.text("text") or ""
        plain, entities, mode = format_text(
            source,
            p.text("parse_mode"),
            p.data.get("entities"),
            caption=False,
            strict_html=self.strict_html,
        )
        return source, plain, entities, mode

    def caption(self, p: Params) -> Formatted:
        return caption_of(p, strict_html=self.strict_html)

    def compose(self, user: SimUser, message: ChatMessage, content: dict[str, Any]) -> None:
        """Rebuild the Message object the Bot API returns for ``message`` in its current state."""
        raw: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": user._chat_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            raw["edit_date"] = message.edit_date
        raw.update(content)
        if message.kind == "text":
            raw["text"] = message.plain_text
            if message.entities:
                raw["entities"] = message.entities
        elif message.plain_text:
            raw["caption"] = message.plain_text
            if message.entities:
                raw["caption_entities"] = message.entities
        rows = inline_rows(message.reply_markup)
        if rows:
            raw["reply_markup"] = {"inline_keyboard": rows}
        message.raw = raw

    def _deliver(
        self,
        user: SimUser,
        method: str,
        kind: str,
        formatted: Formatted,
        markup: Markup | None,
        content: dict[str, Any],
        **fields: Any,
    ) -> dict[str, Any]:
        self.faults.throttle(user.id)
        source, plain, entities, mode = formatted
        message = ChatMessage(
            message_id=user._take_message_id(),
            chat_id=user.id,
            kind=kind,
            text=source,
            plain_text=plain,
            parse_mode=mode,
            entities=entities,
            buttons=(markup.inline or []) if markup else [],
            reply_markup=markup.raw if markup else None,
            date=unix_now(),
            method=method,
            **fields,
        )
        if markup is not None:
            if markup.reply_keyboard is not None:
                user._set_reply_keyboard(markup.reply_keyboard)
            elif markup.remove_keyboard:
                user._set_reply_keyboard(None)
        self.compose(user, message, content)
        self.chats.record(user, message, method)
        return message.raw

    # ----- methods ------------------------------------------------------------------------

    async def send_message(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        formatted = self.text(p)
        markup = parse_markup(p)
        return self._deliver(user, "sendMessage", "text", formatted, markup, {})

    async def send_photo(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        stored, uploaded = self.files.input_file(p, "photo")
        formatted = self.caption(p)
        markup = parse_markup(p)
        sizes = stored.photo_sizes or [
            {**self.files.file_dict(stored, with_name=False), "width": 800, "height": 800}
        ]
        photo: bytes | str | None = stored.data if uploaded else p.text("photo")
        return self._deliver(
            user, "sendPhoto", "photo", formatted, markup, {"photo": sizes}, photo=photo
        )

    async def send_document(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        stored, _uploaded = self.files.input_file(p, "document")
        formatted = self.caption(p)
        markup = parse_markup(p)
        document = {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "bytes": stored.data,
            "file_id": stored.file_id,
        }
        return self._deliver(
            user,
            "sendDocument",
            "document",
            formatted,
            markup,
            {"document": self.files.file_dict(stored)},
            document=document,
        )

    @staticmethod
    def _coordinates(p: Params) -> tuple[float, float]:
        latitude = p.required_number("latitude")
        longitude = p.required_number("longitude")
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise ApiError(400, "Bad Request: wrong location specified")
        return latitude, longitude

    async def send_venue(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        latitude, longitude = self._coordinates(p)
        title = p.text("title") or ""
        address = p.text("address") or ""
        if not title:
            raise ApiError(400, "Bad Request: venue title is empty")
        if not address:
            raise ApiError(400, "Bad Request: venue address is empty")
        markup = parse_markup(p)
        location = {"latitude": latitude, "longitude": longitude}
        venue: dict[str, Any] = {"location": location, "title": title, "address": address}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if p.text(key):
                venue[key] = p.text(key)
        return self._deliver(
            user,
            "sendVenue",
            "venue",
            ("", "", [], None),
            markup,
            {"venue": venue, "location": location},
            venue={**location, "title": title, "address": address},
            location=dict(location),
        )

    async def send_location(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        latitude, longitude = self._coordinates(p)
        markup = parse_markup(p)
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        live_period = p.integer("live_period")
        if live_period:
            location["live_period"] = live_period
        return self._deliver(
            user,
            "sendLocation",
            "location",
            ("", "", [], None),
            markup,
            {"location": location},
            location=dict(location),
        )

    async def send_chat_action(self, p: Params) -> Any:
        user = self.chats.resolve(p)
        action = p.text("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        user.chat_actions.append(action)
        return True

    async def copy_message(self, p: Params) -> Any:
        self.chats.resolve(p)
        raise ApiError(400, "Bad Request: message to copy not found")

    async def forward_message(self, p: Params) -> Any:
        self.chats.resolve(p)
        raise ApiError(400, "Bad Request: message to forward not found")

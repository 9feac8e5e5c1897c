"""Editing and deleting the bot's messages, with Telegram's "not modified" and "not found" rules."""

from __future__ import annotations

from typing import Any

from .formatting import Formatted
from .keyboards import Markup, inline_rows, parse_markup
from .models import ApiError, ChatMessage
from .params import Params, as_int, unix_now
from .sending import Messenger
from .user import SimUser

__all__ = ["Editor"]

_CONTENT_KEYS = ("photo", "document", "venue", "location")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class Editor:
    def __init__(self, messenger: Messenger) -> None:
        self.messenger = messenger
        self.chats = messenger.chats

    def _editable(self, p: Params) -> tuple[SimUser, ChatMessage]:
        if p.data.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        user = self.chats.resolve(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = user._by_id.get(message_id)
        if message is None or message.deleted:
            if message_id in user._own_message_ids:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return user, message

    def _apply_edit(
        self,
        user: SimUser,
        message: ChatMessage,
        formatted: Formatted,
        markup: Markup | None,
    ) -> dict[str, Any]:
        source, plain, entities, mode = formatted
        new_markup = markup.raw if markup else None
        old_inline = inline_rows(message.reply_markup)
        if (
            plain == message.plain_text
            and entities == message.entities
            and inline_rows(new_markup) == old_inline
        ):
            raise ApiError(400, _NOT_MODIFIED)
        self.messenger.faults.throttle(user.id)
        message.text = source
        message.plain_text = plain
        message.entities = entities
        message.parse_mode = mode
        message.buttons = (markup.inline or []) if markup else []
        if new_markup is not None or old_inline:
            message.reply_markup = new_markup
        message.edits += 1
        message.edit_date = unix_now()
        content = {key: message.raw[key] for key in _CONTENT_KEYS if key in message.raw}
        self.messenger.compose(user, message, content)
        user._event(message.message_id)
        return message.raw

    async def edit_message_text(self, p: Params) -> Any:
        user, message = self._editable(p)
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        formatted = self.messenger.text(p)
        markup = parse_markup(p, inline_only=True)
        return self._apply_edit(user, message, formatted, markup)

    async def edit_message_caption(self, p: Params) -> Any:
        user, message = self._editable(p)
        if message.kind not in ("photo", "document"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        formatted = self.messenger.caption(p)
        markup = parse_markup(p, inline_only=True)
        return self._apply_edit(user, message, formatted, markup)

    async def edit_message_reply_markup(self, p: Params) -> Any:
        user, message = self._editable(p)
        markup = parse_markup(p, inline_only=True)
        formatted = (message.text, message.plain_text, message.entities, message.parse_mode)
        return self._apply_edit(user, message, formatted, markup)

    @staticmethod
    def _delete_one(user: SimUser, message_id: int) -> bool:
        message = user._by_id.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        if message_id in user._own_message_ids:
            user._own_message_ids.discard(message_id)
            return True
        return False

    async def delete_message(self, p: Params) -> Any:
        user = self.chats.resolve(p, sending=False)
        message_id = p.integer("message_id")
        if message_id is None or not self._delete_one(user, message_id):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def delete_messages(self, p: Params) -> Any:
        user = self.chats.resolve(p, sending=False)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        for message_id in ids:
            parsed = as_int(message_id)
            if parsed is not None:
                self._delete_one(user, parsed)
        return True

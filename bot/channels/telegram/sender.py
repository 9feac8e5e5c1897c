"""The delivery worker's ``Sender`` on python-telegram-bot: one Bot API call per outbox row.

The only module besides the factory that turns Telegram's errors into the worker's results.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram import error as tg_error
from telegram.constants import ParseMode
from telegram.warnings import PTBDeprecationWarning

from bot.outbox.queue import Content, Method
from bot.outbox.worker import (
    BadRequest,
    Blocked,
    ParseError,
    RetryAfter,
    SendResult,
    Sent,
    Transient,
)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def reply_markup(data: Mapping[str, Any] | None) -> Markup | None:
    """A stored Bot API JSON keyboard as the PTB object."""
    if data is None:
        return None
    plain = dict(data)
    if "inline_keyboard" in plain:
        return InlineKeyboardMarkup.de_json(plain)
    if "keyboard" in plain:
        return ReplyKeyboardMarkup.de_json(plain)
    if plain.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    raise ValueError(f"unknown reply_markup: {sorted(plain)}")


def _retry_seconds(exc: tg_error.RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: tg_error.TelegramError) -> SendResult:
    """Telegram's answer as the worker's result (what to do next with the row)."""
    if isinstance(exc, tg_error.RetryAfter):
        return RetryAfter(_retry_seconds(exc))
    if isinstance(exc, tg_error.Forbidden):
        return Blocked(exc.message)
    if isinstance(exc, tg_error.BadRequest):
        if "can't parse" in exc.message.lower():
            return ParseError(exc.message)
        return BadRequest(exc.message)
    if isinstance(exc, tg_error.ChatMigrated):
        return BadRequest(exc.message)
    return Transient(f"{type(exc).__name__}: {exc.message}")


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, content: Content) -> SendResult:
        try:
            message = await self._call(chat_id, content)
        except tg_error.TelegramError as exc:
            return classify(exc)
        return Sent(message.message_id)

    async def edit(self, chat_id: int, message_id: int, content: Content) -> SendResult:
        try:
            edited = await self._bot.edit_message_text(
                content.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML if content.html else None,
                reply_markup=reply_markup(content.keyboard),  # type: ignore[arg-type]
                link_preview_options=NO_PREVIEW,
            )
        except tg_error.TelegramError as exc:
            return classify(exc)
        return Sent(edited.message_id if isinstance(edited, Message) else message_id)

    async def _call(self, chat_id: int, content: Content) -> Message:
        parse_mode = ParseMode.HTML if content.html else None
        markup = reply_markup(content.keyboard)
        match content.method:
            case Method.MESSAGE:
                return await self._bot.send_message(
                    chat_id,
                    content.text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
            case Method.PHOTO:
                return await self._bot.send_photo(
                    chat_id,
                    photo=_media(content),
                    caption=content.text or None,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                )
            case Method.DOCUMENT:
                return await self._bot.send_document(
                    chat_id,
                    document=_media(content),
                    caption=content.text or None,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                )
            case Method.VENUE:
                params = content.params
                return await self._bot.send_venue(
                    chat_id,
                    latitude=float(params["latitude"]),
                    longitude=float(params["longitude"]),
                    title=str(params["title"]),
                    address=str(params["address"]),
                    reply_markup=markup,
                )


def _media(content: Content) -> str | InputFile:
    """A Telegram file_id or URL as is; a stored file as an upload of its bytes."""
    if content.upload is not None:
        return InputFile(content.upload.data, filename=content.upload.name)
    return content.media or ""

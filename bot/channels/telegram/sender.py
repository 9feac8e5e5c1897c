"""The delivery worker's ``Sender`` on python-telegram-bot: one Bot API call per outbox row.

The only module besides the factory that turns Telegram's errors into the worker's results.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, InputFile, LinkPreviewOptions, Message
from telegram import error as tg_error
from telegram.constants import ParseMode
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.markup import CAPABILITIES, Markup, render_markup
from bot.conversation.replies import split_text
from bot.outbox.queue import Content, ContentKind
from bot.outbox.sending import (
    BadRequest,
    Blocked,
    ParseError,
    RetryAfter,
    SendResult,
    Sent,
    Transient,
)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


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

    async def send(self, address: str, content: Content) -> SendResult:
        try:
            message = await self._call(int(address), content)
        except tg_error.TelegramError as exc:
            return classify(exc)
        return Sent(str(message.message_id))

    async def edit(self, address: str, message_id: str, content: Content) -> SendResult:
        markup = render_markup(content.buttons)
        try:
            edited = await self._bot.edit_message_text(
                content.text,
                chat_id=int(address),
                message_id=int(message_id),
                parse_mode=ParseMode.HTML if content.html else None,
                reply_markup=markup,  # type: ignore[arg-type]
                link_preview_options=NO_PREVIEW,
            )
        except tg_error.TelegramError as exc:
            return classify(exc)
        return Sent(str(edited.message_id) if isinstance(edited, Message) else message_id)

    async def _call(self, chat_id: int, content: Content) -> Message:
        """One row as one message, or several when the text is past Telegram's limits: a long
        text in pieces cut at paragraphs (buttons on the last), a long caption after its media.
        A retry after a piece failed may repeat the pieces before it; nothing is cut off."""
        parse_mode = ParseMode.HTML if content.html else None
        markup = render_markup(content.buttons)
        caption = content.text or None
        if content.kind in (ContentKind.PHOTO, ContentKind.DOCUMENT) and caption is not None:
            if len(split_text(caption, CAPABILITIES.caption_limit, markup=content.html)) > 1:
                await self._media_message(chat_id, content, None, None, None)
                return await self._text(chat_id, content, parse_mode, markup)
        match content.kind:
            case ContentKind.TEXT:
                return await self._text(chat_id, content, parse_mode, markup)
            case ContentKind.PHOTO | ContentKind.DOCUMENT:
                return await self._media_message(chat_id, content, caption, parse_mode, markup)
            case ContentKind.VENUE:
                params = content.params
                return await self._bot.send_venue(
                    chat_id,
                    latitude=float(params["latitude"]),
                    longitude=float(params["longitude"]),
                    title=str(params["title"]),
                    address=str(params["address"]),
                    reply_markup=markup,
                )

    async def _text(
        self, chat_id: int, content: Content, parse_mode: str | None, markup: Markup | None
    ) -> Message:
        pieces = split_text(content.text, CAPABILITIES.text_limit, markup=content.html)
        for piece in pieces[:-1]:
            await self._bot.send_message(
                chat_id, piece, parse_mode=parse_mode, link_preview_options=NO_PREVIEW
            )
        return await self._bot.send_message(
            chat_id,
            pieces[-1],
            parse_mode=parse_mode,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )

    async def _media_message(
        self,
        chat_id: int,
        content: Content,
        caption: str | None,
        parse_mode: str | None,
        markup: Markup | None,
    ) -> Message:
        if content.kind is ContentKind.PHOTO:
            return await self._bot.send_photo(
                chat_id,
                photo=_media(content),
                caption=caption,
                parse_mode=parse_mode,
                reply_markup=markup,
            )
        return await self._bot.send_document(
            chat_id,
            document=_media(content),
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
        )


def _media(content: Content) -> str | InputFile:
    """A Telegram file_id or URL as is; a stored file as an upload of its bytes."""
    if content.upload is not None:
        return InputFile(content.upload.data, filename=content.upload.name)
    return content.media or ""

"""The Telegram ``Replier``: answers the update being handled through the Bot API.

Texts past 4,096 characters are split at paragraph boundaries; a caption past 1,024 goes after
its media as text. Telegram's passing failures (network, 5xx, 429) raise ``SendFailed`` so the
turn queues the reply in the outbox; a person who blocked the bot gets nothing, and nothing fails.
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InputFile, LinkPreviewOptions, Message
from telegram import error as tg_error
from telegram.constants import ParseMode

from bot.channels.telegram.commands import set_staff_commands
from bot.channels.telegram.markup import CAPABILITIES, Markup, render_markup
from bot.conversation.replies import Capabilities, split_text, to_plain
from bot.conversation.turn import Media, MediaKind, Reply, SendFailed
from bot.domain.addresses import MessageRef

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CHANNEL = "telegram"


def _transient(exc: tg_error.TelegramError) -> bool:
    if isinstance(exc, tg_error.RetryAfter | tg_error.TimedOut):
        return True
    return isinstance(exc, tg_error.NetworkError) and not isinstance(exc, tg_error.BadRequest)


class TelegramReplier:
    def __init__(self, bot: Bot, chat_id: int, query: CallbackQuery | None = None) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._query = query

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    @property
    def handle(self) -> str | None:
        return self._bot.username

    @property
    def _pressed_message(self) -> Message | None:
        message = self._query.message if self._query is not None else None
        return message if isinstance(message, Message) else None

    @property
    def pressed(self) -> MessageRef | None:
        message = self._pressed_message
        if message is None:
            return None
        return MessageRef(CHANNEL, str(self._chat_id), str(message.message_id))

    def _ref(self, message: Message | bool) -> MessageRef | None:
        if isinstance(message, Message):
            return MessageRef(CHANNEL, str(self._chat_id), str(message.message_id))
        return self.pressed

    async def send(self, reply: Reply) -> MessageRef | None:
        try:
            return await self._send(reply)
        except tg_error.Forbidden as exc:
            log.info("chat %s unreachable: %s", self._chat_id, exc.message)
            return None
        except tg_error.TelegramError as exc:
            if _transient(exc):
                raise SendFailed(f"{type(exc).__name__}: {exc.message}") from exc
            raise

    async def _send(self, reply: Reply) -> MessageRef | None:
        markup = render_markup(reply.buttons, clear_keyboard=reply.clear_keyboard)
        if reply.media is not None:
            return await self._send_media(reply, reply.media, markup)
        chunks = split_text(reply.text, CAPABILITIES.text_limit, markup=True)
        if reply.replace and len(chunks) == 1:
            edited = await self._edit(chunks[0], markup)
            if edited is not None:
                return edited
        return await self._send_chunks(chunks, markup)

    async def _edit(self, text: str, markup: Markup | None) -> MessageRef | None:
        """Edit the pressed text message in place; None when it cannot be (then a new one)."""
        message = self._pressed_message
        if self._query is None or message is None or message.text is None:
            return None
        if markup is not None and not _inline(markup):
            return None
        try:
            edited = await self._query.edit_message_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,  # type: ignore[arg-type]
                link_preview_options=NO_PREVIEW,
            )
        except tg_error.BadRequest as exc:
            if "not modified" in exc.message.lower():
                return self.pressed
            log.info("edit refused (%s); sending a new message", exc.message)
            return None
        return self._ref(edited)

    async def _send_chunks(self, chunks: list[str], markup: Markup | None) -> MessageRef | None:
        ref = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            ref = self._ref(await self._text(chunk, markup if last else None))
        return ref

    async def _text(self, text: str, markup: Markup | None) -> Message:
        try:
            return await self._bot.send_message(
                self._chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
        except tg_error.BadRequest as exc:
            if "can't parse" not in exc.message.lower():
                raise
            log.warning("markup refused (%s); sent as plain text", exc.message)
            return await self._bot.send_message(
                self._chat_id, to_plain(text), reply_markup=markup, link_preview_options=NO_PREVIEW
            )

    async def _send_media(
        self, reply: Reply, media: Media, markup: Markup | None
    ) -> MessageRef | None:
        if media.kind is MediaKind.VENUE:
            sent = await self._bot.send_venue(
                self._chat_id,
                latitude=float(media.latitude or 0),
                longitude=float(media.longitude or 0),
                title=media.title or "",
                address=media.address or "",
                reply_markup=markup,
            )
            return self._ref(sent)
        fits = len(to_plain(reply.text)) <= CAPABILITIES.caption_limit
        caption = reply.text if fits and reply.text else None
        rest = [] if fits or not reply.text else split_text(reply.text, CAPABILITIES.text_limit)
        file: str | InputFile = (
            InputFile(media.data, filename=media.filename)
            if media.data is not None
            else media.ref or ""
        )
        media_markup = None if rest else markup
        if media.kind is MediaKind.PHOTO:
            sent = await self._bot.send_photo(
                self._chat_id,
                photo=file,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=media_markup,
            )
        else:
            sent = await self._bot.send_document(
                self._chat_id,
                document=file,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=media_markup,
            )
        if rest:
            return await self._send_chunks(rest, markup)
        return self._ref(sent)

    async def ack(self, text: str | None = None) -> None:
        if self._query is None:
            return
        try:
            await self._query.answer(text=text[:200] if text else None, show_alert=bool(text))
        except tg_error.BadRequest as exc:
            log.info("button answer refused: %s", exc.message)
        except tg_error.TelegramError as exc:
            if _transient(exc):
                raise SendFailed(exc.message) from exc
            raise

    async def remove_buttons(self) -> None:
        message = self._pressed_message
        if self._query is None or message is None or message.reply_markup is None:
            return
        try:
            await self._query.edit_message_reply_markup(reply_markup=None)
        except tg_error.BadRequest as exc:
            log.info("buttons not removed: %s", exc.message)
        except tg_error.TelegramError as exc:
            if _transient(exc):
                raise SendFailed(exc.message) from exc
            raise

    async def staff_menu(self, is_staff: bool) -> None:
        if is_staff:
            await set_staff_commands(self._bot, self._chat_id)


def _inline(markup: Markup) -> bool:
    from telegram import InlineKeyboardMarkup

    return isinstance(markup, InlineKeyboardMarkup)

"""A python-telegram-bot ``Update`` as the neutral :class:`InboundEvent` (private chats only)."""

from __future__ import annotations

from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatType

from bot.conversation.events import Attachment, EventKind, InboundEvent, Location

CHANNEL = "telegram"


def vietnamese_name(first: str | None, last: str | None) -> str:
    """Family name first, as Vietnamese names are written: Telegram's first name «Minh» and last
    name «Nguyễn Văn» are «Nguyễn Văn Minh»."""
    return " ".join(part.strip() for part in (last, first) if part and part.strip())


def event_from_update(update: Update) -> InboundEvent | None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    base = InboundEvent(
        channel=CHANNEL,
        account_id=str(user.id),
        kind=EventKind.OTHER,
        display_name=vietnamese_name(user.first_name, user.last_name),
        short_name=user.first_name or "",
        event_id=str(update.update_id),
    )
    query = update.callback_query
    if query is not None:
        ref = str(query.message.message_id) if query.message is not None else None
        return replace(base, kind=EventKind.BUTTON, payload=query.data or "", message_ref=ref)
    message = update.effective_message
    if message is None:
        return None
    return _from_message(message, base)


def _from_message(message: Message, base: InboundEvent) -> InboundEvent | None:
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            head, *args = text.split()
            command = head[1:].split("@", 1)[0]
            return replace(
                base, kind=EventKind.COMMAND, text=text, command=command, args=tuple(args)
            )
        return replace(base, kind=EventKind.TEXT, text=text, text_markup=message.text_html)
    caption = replace(base, text=message.caption, text_markup=message.caption_html)
    if message.contact is not None:
        owner = message.contact.user_id
        return replace(
            base,
            kind=EventKind.CONTACT,
            phone=message.contact.phone_number,
            contact_owner=str(owner) if owner is not None else None,
        )
    if message.location is not None:
        where = Location(message.location.latitude, message.location.longitude)
        return replace(base, kind=EventKind.LOCATION, location=where)
    if message.photo:
        largest = message.photo[-1]
        photo = Attachment(largest.file_id, "photo", largest.file_size, "image/jpeg")
        return replace(caption, kind=EventKind.PHOTO, attachments=(photo,))
    if message.document is not None:
        doc = message.document
        attachment = Attachment(
            doc.file_id, "document", doc.file_size, doc.mime_type, doc.file_name
        )
        return replace(caption, kind=EventKind.DOCUMENT, attachments=(attachment,))
    if message.voice is not None:
        voice = Attachment(message.voice.file_id, "voice", message.voice.file_size)
        return replace(base, kind=EventKind.VOICE, attachments=(voice,))
    if message.video is not None:
        video = Attachment(message.video.file_id, "video", message.video.file_size)
        return replace(caption, kind=EventKind.VIDEO, attachments=(video,))
    if message.sticker is not None:
        return replace(base, kind=EventKind.STICKER)
    if _is_status_update(message):
        return None
    return replace(base, kind=EventKind.OTHER)


def _is_status_update(message: Message) -> bool:
    return bool(
        message.new_chat_members
        or message.left_chat_member
        or message.pinned_message
        or message.new_chat_title
        or message.group_chat_created
    )

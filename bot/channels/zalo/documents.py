"""Documents on Zalo: the file upload takes PDF, DOC, DOCX and CSV up to 5 MB (the render sends
JPG/PNG documents as images); any other file (a session's .ics, a spreadsheet) or a larger one
goes as an expiring link on the bot's web server, or, when the bot has no public address, as a
message saying why it is not attached and where to get it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.channels.zalo.render import CAPABILITIES, ZaloMessage
from bot.conversation.replies import extension, to_plain
from bot.usecases.file_links import LINK_TTL
from messages import label, render

__all__ = ["MAX_FILE_BYTES", "LinkPublisher", "as_link", "zalo_takes"]

MAX_FILE_BYTES = 5 * 1024 * 1024

LinkPublisher = Callable[[str, str, bytes, str | None], Awaitable[str]]
"""(file name, MIME type, bytes, media reference) → the public URL of a new link to them; a
``stored:`` reference links the stored file instead of storing the bytes again."""


def zalo_takes(message: ZaloMessage) -> bool:
    size = len(message.media_data or b"")
    return CAPABILITIES.takes_file(message.filename) and size <= MAX_FILE_BYTES


async def as_link(message: ZaloMessage, publish: LinkPublisher | None) -> ZaloMessage:
    """A text message standing for the document: its link and a button, or where to get it."""
    name = message.filename or "tệp"
    if publish is None or message.media_data is None:
        note = render("zalo_file_refused", filename=name, ext=extension(name))
        return ZaloMessage(text=to_plain(note))
    mime = message.mime or "application/octet-stream"
    url = await publish(name, mime, message.media_data, message.media_ref)
    text = to_plain(render("zalo_file_link", name=name, url=url, days=LINK_TTL.days))
    button = {"title": label("zalo.open_file"), "type": "oa.open.url", "payload": {"url": url}}
    return replace(ZaloMessage(text=text), buttons=(button,))

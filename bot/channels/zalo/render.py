"""Neutral replies as Zalo OA messages: plain text of at most 2,000 characters, at most five
buttons per message, no edits, no venue messages.

A reply with more buttons than one message holds goes on in follow-up messages headed «Xem thêm
lựa chọn», five buttons each, so every choice stays one tap away without state on our side. A
map pin becomes the address and a maps link. «Share my phone» becomes Zalo's
``request_user_info`` form, whose answer comes back as a ``user_submit_info`` event. A PNG or
JPG sent as a document goes through the image upload (Zalo's file upload refuses it); a file Zalo
takes in neither way (a calendar ``.ics``, a spreadsheet) is explained in the text instead, so
the person is told rather than the row failing; so is a photo or file known only by another
channel's reference (a Telegram file id), which Zalo cannot fetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.conversation.replies import (
    Button,
    ButtonKind,
    Capabilities,
    extension,
    split_text,
    to_plain,
)
from bot.conversation.turn import MediaKind, Reply
from bot.domain.files import stored_file_id
from messages import render

__all__ = ["CAPABILITIES", "MAX_BUTTONS", "ZaloMessage", "message_body", "messages_for"]

MAX_BUTTONS = 5
TITLE_LIMIT = 100
"""Characters of a button title; Zalo refuses the whole message over it."""
IMAGE_TYPES = frozenset({"jpg", "jpeg", "png"})
"""What Zalo's image upload takes; such a file is sent as an image (Zalo refuses it as a file)."""
CAPABILITIES = Capabilities(
    name="zalo",
    text_limit=2000,
    caption_limit=2000,
    markup=False,
    edits=False,
    max_buttons=MAX_BUTTONS,
    button_payload_bytes=1000,
    typed_buttons=frozenset(
        {ButtonKind.PAYLOAD, ButtonKind.URL, ButtonKind.CALL, ButtonKind.ASK_CONTACT}
    ),
    file_types=frozenset({"pdf", "doc", "docx", "csv"}),
)


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """One message to send: text and buttons, or an image/file to upload first, or the
    request-for-information form."""

    text: str = ""
    buttons: tuple[dict[str, Any], ...] = ()
    media_kind: MediaKind | None = None
    media_ref: str | None = None
    media_data: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    mime: str | None = None
    request_info: bool = False


def _title(label: str) -> str:
    if len(label) <= TITLE_LIMIT:
        return label
    return label[: TITLE_LIMIT - 1].rstrip() + "…"


def _zalo_button(button: Button) -> dict[str, Any] | None:
    title = _title(button.label)
    match button.kind:
        case ButtonKind.PAYLOAD:
            return {"title": title, "type": "oa.query.hide", "payload": button.value}
        case ButtonKind.REPLY:
            return {"title": title, "type": "oa.query.show", "payload": button.value}
        case ButtonKind.URL:
            return {"title": title, "type": "oa.open.url", "payload": {"url": button.value}}
        case ButtonKind.CALL:
            return {
                "title": title,
                "type": "oa.open.phone",
                "payload": {"phone_code": button.value},
            }
        case _:
            return None


def messages_for(reply: Reply) -> list[ZaloMessage]:
    """What Zalo is sent for ``reply``, in order."""
    flat = [b for row in reply.buttons for b in row]
    asks_contact = any(b.kind is ButtonKind.ASK_CONTACT for b in flat)
    buttons = [z for b in flat if (z := _zalo_button(b)) is not None]
    out: list[ZaloMessage] = []
    text = to_plain(reply.text).strip()
    media = reply.media
    if media is not None and media.kind is MediaKind.VENUE:
        pin = render(
            "zalo_map_pin",
            title=media.title or "",
            address=media.address or "",
            latitude=media.latitude,
            longitude=media.longitude,
        )
        text = f"{text}\n\n{to_plain(pin)}".strip()
    elif media is not None and media.data is None and stored_file_id(media.ref) is None:
        note = to_plain(render("zalo_media_missing", photo=media.kind is MediaKind.PHOTO))
        text = f"{text}\n\n{note}".strip()
    elif media is not None:
        kind = media.kind
        if kind is MediaKind.DOCUMENT and extension(media.filename) in IMAGE_TYPES:
            kind = MediaKind.PHOTO
        out.append(
            ZaloMessage(
                media_kind=kind,
                media_ref=media.ref,
                media_data=media.data,
                filename=media.filename,
                mime=media.mime,
            )
        )
    pieces = split_text(text, CAPABILITIES.text_limit) if text else []
    if not pieces and buttons:
        pieces = [to_plain(render("zalo_choose"))]
    for piece in pieces[:-1]:
        out.append(ZaloMessage(text=piece))
    if pieces:
        out.append(ZaloMessage(text=pieces[-1], buttons=tuple(buttons[:MAX_BUTTONS])))
    rest = buttons[MAX_BUTTONS:]
    pages = -(-len(rest) // MAX_BUTTONS)
    for n in range(pages):
        chunk = rest[n * MAX_BUTTONS : (n + 1) * MAX_BUTTONS]
        more = to_plain(render("zalo_more_choices", page=n + 2, pages=pages + 1))
        out.append(ZaloMessage(text=more, buttons=tuple(chunk)))
    if asks_contact:
        out.append(ZaloMessage(request_info=True, text=to_plain(render("zalo_ask_info"))))
    return out


def message_body(message: ZaloMessage, *, attachment_id: str | None = None) -> dict[str, Any]:
    """The ``message`` object of ``/v3.0/oa/message/cs`` (an uploaded image or file by the
    id or token the upload returned)."""
    if message.request_info:
        return {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "request_user_info",
                    "elements": [{"title": message.text, "subtitle": message.text}],
                },
            }
        }
    if message.media_kind is MediaKind.PHOTO and attachment_id is not None:
        return {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "image", "attachment_id": attachment_id}],
                },
            }
        }
    if message.media_kind is MediaKind.DOCUMENT and attachment_id is not None:
        return {"attachment": {"type": "file", "payload": {"token": attachment_id}}}
    body: dict[str, Any] = {"text": message.text}
    if message.buttons:
        body["attachment"] = {"type": "template", "payload": {"buttons": list(message.buttons)}}
    return body

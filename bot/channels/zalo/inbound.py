"""A verified Zalo webhook event as the neutral :class:`InboundEvent`.

A press of an ``oa.query.*`` button arrives as typed text carrying the button's payload, so text
that looks like one of our payloads becomes a button event; the use case re-checks every payload,
since anyone can type one. Zalo has no command menu, so one of our command names typed alone,
with or without its slash (``thongbao``, ``/thongbao``, ``#thongbao``, ``Menu``), is that command:
it is what an OA's own menu sends and what people type. The answer to a ``request_user_info``
form is the person's own phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.channels.zalo.webhook import WebhookEvent
from bot.conversation.events import Attachment, EventKind, InboundEvent, Location
from bot.usecases.onboarding import normalise_phone

__all__ = ["CHANNEL", "IGNORED", "event_from_webhook"]

CHANNEL = "zalo"

IGNORED = frozenset({"user_received_message", "user_seen_message", "user_reacted_message"})
"""Receipts of our own messages: nothing for a flow to do."""

_MEDIA = {
    "user_send_image": (EventKind.PHOTO, "photo"),
    "user_send_gif": (EventKind.PHOTO, "photo"),
    "user_send_file": (EventKind.DOCUMENT, "document"),
    "user_send_audio": (EventKind.VOICE, "voice"),
    "user_send_video": (EventKind.VIDEO, "video"),
    "user_send_sticker": (EventKind.STICKER, "sticker"),
    "user_send_link": (EventKind.OTHER, "link"),
    "user_send_business_card": (EventKind.OTHER, "business_card"),
}


def event_from_webhook(
    event: WebhookEvent,
    *,
    claims_payload: Callable[[str], bool],
    display_name: str = "",
    commands: frozenset[str] = frozenset(),
) -> InboundEvent | None:
    """The neutral event, or None for what no flow handles (our own sends echoed back,
    delivery and seen receipts, events of other kinds)."""
    name = event.name
    if name.startswith("oa_send_") or name in IGNORED or not event.account_id:
        return None
    base = InboundEvent(
        channel=CHANNEL,
        account_id=event.account_id,
        kind=EventKind.OTHER,
        display_name=display_name,
        short_name=display_name.split()[-1] if display_name.split() else "",
        event_id=event.key,
    )
    message = event.data.get("message")
    message = message if isinstance(message, dict) else {}
    if name == "follow":
        return _with(base, kind=EventKind.FOLLOW)
    if name == "unfollow":
        return _with(base, kind=EventKind.UNFOLLOW)
    if name == "user_submit_info":
        info = event.data.get("info")
        info = info if isinstance(info, dict) else {}
        return _with(
            base,
            kind=EventKind.CONTACT,
            phone=normalise_phone(str(info.get("phone") or "")),
            contact_owner=event.account_id,
            text=str(info.get("name") or "") or None,
        )
    if name == "user_send_text":
        return _text(base, str(message.get("text") or ""), claims_payload, commands)
    if name == "user_send_location":
        location = _location(message)
        if location is None:
            return _with(base, kind=EventKind.OTHER)
        return _with(base, kind=EventKind.LOCATION, location=location)
    if name in _MEDIA:
        kind, attachment_kind = _MEDIA[name]
        caption = str(message.get("text") or "") or None
        return _with(
            base, kind=kind, text=caption, attachments=_attachments(message, attachment_kind)
        )
    return None


def _with(base: InboundEvent, **changes: Any) -> InboundEvent:
    return replace(base, **changes)


def _text(
    base: InboundEvent,
    text: str,
    claims_payload: Callable[[str], bool],
    commands: frozenset[str],
) -> InboundEvent:
    stripped = text.strip()
    if stripped and claims_payload(stripped):
        return _with(base, kind=EventKind.BUTTON, payload=stripped)
    keyword = stripped.lstrip("/#").lower()
    if keyword in commands and " " not in stripped:
        return _with(base, kind=EventKind.COMMAND, text=f"/{keyword}", command=keyword)
    if stripped.startswith("/") and len(stripped) > 1:
        head, *args = stripped.split()
        return _with(
            base, kind=EventKind.COMMAND, text=text, command=head[1:].lower(), args=tuple(args)
        )
    return _with(base, kind=EventKind.TEXT, text=text)


def _location(message: dict[str, Any]) -> Location | None:
    for item in message.get("attachments") or []:
        payload = item.get("payload") if isinstance(item, dict) else None
        coordinates = payload.get("coordinates") if isinstance(payload, dict) else None
        if isinstance(coordinates, dict):
            try:
                return Location(float(coordinates["latitude"]), float(coordinates["longitude"]))
            except (KeyError, TypeError, ValueError):
                return None
    return None


def _attachments(message: dict[str, Any], kind: str) -> tuple[Attachment, ...]:
    found = []
    for item in message.get("attachments") or []:
        payload = item.get("payload") if isinstance(item, dict) else None
        if not isinstance(payload, dict):
            continue
        ref = str(payload.get("url") or payload.get("id") or "")
        if not ref:
            continue
        size = payload.get("size")
        found.append(
            Attachment(
                ref=ref,
                kind=kind,
                size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
                mime=str(payload.get("type") or "") or None,
                name=str(payload.get("name") or "") or None,
            )
        )
    return tuple(found)

"""Webhook event bodies as Zalo OA sends them, and the ``X-ZEvent-Signature`` MAC.

Shapes follow chatwoot's Zalo OA integration (``Webhooks::ZaloEventsJob``,
``Zalo::IncomingMessageService``, ``Zalo::DeliveryStatusService``) and ChatbotX's webhook
schema: ids and timestamps are strings, attachments are ``message.attachments[]`` with
``{type, payload}``, follow/unfollow carry ``follower.id`` and no ``sender``, delivery receipts
have the OA as sender. Pure functions: no state, no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SIGNATURE_HEADER",
    "EventContext",
    "attachment_event",
    "dumps",
    "follow_event",
    "receipt_event",
    "sign",
    "signature_header",
    "submit_info_event",
    "text_event",
]

SIGNATURE_HEADER = "X-ZEvent-Signature"


def dumps(event: dict[str, Any]) -> bytes:
    """The raw body as posted; compact UTF-8 JSON like Zalo's."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(app_id: str, body: bytes | str, timestamp: str, secret_key: str) -> str:
    """Hex SHA-256 of ``app_id + raw body + timestamp + OA secret key`` (a plain hash, no HMAC)."""
    raw = body.decode("utf-8") if isinstance(body, bytes) else body
    return hashlib.sha256(f"{app_id}{raw}{timestamp}{secret_key}".encode()).hexdigest()


def signature_header(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    return f"mac={sign(app_id, body, timestamp, secret_key)}"


@dataclass(frozen=True, slots=True)
class EventContext:
    """What every event shares: the app, the OA, the user, and when."""

    app_id: str
    oa_id: str
    user_id: str
    user_id_by_app: str
    timestamp: str


def _base(ctx: EventContext, event_name: str) -> dict[str, Any]:
    return {
        "app_id": ctx.app_id,
        "user_id_by_app": ctx.user_id_by_app,
        "event_name": event_name,
        "timestamp": ctx.timestamp,
        "sender": {"id": ctx.user_id},
        "recipient": {"id": ctx.oa_id},
    }


def text_event(ctx: EventContext, msg_id: str, text: str) -> dict[str, Any]:
    """``user_send_text``; a pressed ``oa.query.*`` button arrives like this with its payload."""
    return {**_base(ctx, "user_send_text"), "message": {"msg_id": msg_id, "text": text}}


def attachment_event(
    ctx: EventContext,
    event_name: str,
    msg_id: str,
    attachment_type: str,
    payload: dict[str, Any],
    text: str | None = None,
) -> dict[str, Any]:
    """``user_send_image|file|location|sticker|audio|video|link``: one attachment, maybe text."""
    message: dict[str, Any] = {"msg_id": msg_id}
    if text is not None:
        message["text"] = text
    message["attachments"] = [{"type": attachment_type, "payload": payload}]
    return {**_base(ctx, event_name), "message": message}


def follow_event(ctx: EventContext, event_name: str, source: str = "oa_profile") -> dict[str, Any]:
    """``follow`` / ``unfollow``: the user is under ``follower.id``; there is no sender."""
    return {
        "app_id": ctx.app_id,
        "oa_id": ctx.oa_id,
        "user_id_by_app": ctx.user_id_by_app,
        "event_name": event_name,
        "timestamp": ctx.timestamp,
        "source": source,
        "follower": {"id": ctx.user_id},
    }


def submit_info_event(ctx: EventContext, info: dict[str, str]) -> dict[str, Any]:
    """``user_submit_info``: the answer to a ``request_user_info`` form."""
    return {**_base(ctx, "user_submit_info"), "info": dict(info)}


def receipt_event(ctx: EventContext, event_name: str, msg_ids: list[str]) -> dict[str, Any]:
    """``user_received_message`` (one ``msg_id``) or ``user_seen_message`` (``msg_ids``).

    The OA is the sender and the user the recipient, as chatwoot expects.
    """
    event = {
        "app_id": ctx.app_id,
        "user_id_by_app": ctx.user_id_by_app,
        "event_name": event_name,
        "timestamp": ctx.timestamp,
        "sender": {"id": ctx.oa_id},
        "recipient": {"id": ctx.user_id},
    }
    if event_name == "user_seen_message":
        event["message"] = {"msg_ids": list(msg_ids)}
    else:
        event["message"] = {"msg_id": msg_ids[0]}
    return event

"""Zalo's webhook: the signature check and the key that makes a retried event count once.

Zalo signs each POST with ``X-ZEvent-Signature: mac=<hex>``, where hex is the SHA-256 of
``app_id + raw body + timestamp + OA secret key`` (``app_id`` and ``timestamp`` are fields of the
body, as strings). Zalo retries an event it got no quick 200 for, so events are stored first and
deduplicated on ``message.msg_id``, or, for events without one (follow, unfollow, a submitted
form), on the event name, timestamp and sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SIGNATURE_HEADER",
    "WebhookEvent",
    "WebhookRejected",
    "account_of",
    "parse",
    "signature",
]

SIGNATURE_HEADER = "X-ZEvent-Signature"


class WebhookRejected(Exception):
    """The request is not a genuine Zalo event: answer 403 and store nothing."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified event: its name, the account it is about, its dedupe key and the body."""

    name: str
    account_id: str
    key: str
    data: dict[str, Any]


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The hex mac Zalo puts after ``mac=`` for this body."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(body)
    digest.update(timestamp.encode())
    digest.update(secret_key.encode())
    return digest.hexdigest()


def parse(body: bytes, header: str | None, secret_key: str, app_id: str) -> WebhookEvent:
    """The verified event, or :class:`WebhookRejected` (bad or missing signature, another app,
    not JSON)."""
    if not header or not header.strip().startswith("mac="):
        raise WebhookRejected("missing signature")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookRejected("body is not JSON") from exc
    if not isinstance(data, dict):
        raise WebhookRejected("body is not an object")
    sent_app = str(data.get("app_id", ""))
    timestamp = str(data.get("timestamp", ""))
    expected = signature(sent_app, body, timestamp, secret_key)
    given = header.strip().removeprefix("mac=").strip().lower()
    if not hmac.compare_digest(expected, given):
        raise WebhookRejected("signature does not match")
    if app_id and sent_app != app_id:
        raise WebhookRejected("event for another app")
    name = str(data.get("event_name", ""))
    return WebhookEvent(name, account_of(data), _key(name, data), data)


def account_of(data: dict[str, Any]) -> str:
    """The person's account id: the follower, the sender, or the user of the event."""
    for field in ("follower", "sender", "user"):
        value = data.get(field)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])
    return str(data.get("user_id_by_app", ""))


def _key(name: str, data: dict[str, Any]) -> str:
    message = data.get("message")
    if isinstance(message, dict) and message.get("msg_id"):
        return f"msg:{message['msg_id']}"
    return f"{name}:{data.get('timestamp', '')}:{account_of(data)}"

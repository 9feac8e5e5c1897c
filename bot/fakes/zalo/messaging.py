"""The OA's sending APIs: consultation (``/v3.0/oa/message/cs``), template messages
(``/v3.0/oa/message/template``), ZNS (``{zns}/message/template``) and the user lookup.

Shapes as zalo-php-sdk's ``MessageBuilder``, chatwoot's ``Channel::ZaloOa`` and the
eSMS/ChatbotX integrations send them: text is ``message.text``; buttons ride in
``message.attachment = {"type": "template", "payload": {"buttons": [...]}}`` next to the text
(no ``template_type``; ``"button"`` is accepted too, an empty list means plain text);
images are a ``media`` template with an ``attachment_id`` from the upload API; files are
``{"type": "file", "payload": {"token"}}``; the phone form is a ``request_user_info`` template.
Limits: text 2,000 characters (-210), at most 5 buttons (-201), button titles 100 and query
payloads 1,000 characters (-210). The 7-day rule answers -230 (Poto_platform's observed code).

Differences from the real API: ``/v3.0/oa/message/template`` is the spec's stand-in for OA
template messages (``{user_id, template_id, template_data}``; the real OA has
``/message/transaction`` and ``/message/promotion``), and an unknown ``user_id`` answers -201.
ZNS templates registered with :meth:`Messenger.zns_template` have their parameters checked
(missing or longer than the template allows: -112; an unregistered id once any is registered:
-109); past the daily quota ZNS answers -115.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from .clock import DAY, FakeClock
from .codes import (
    INVALID_PARAMS,
    NO_INTERACTION_7_DAYS,
    NOT_FOLLOWER,
    TOO_LONG,
    USER_INACTIVE_45_DAYS,
    ZNS_INVALID_PHONE,
    ZNS_INVALID_TEMPLATE,
    ZNS_OUT_OF_QUOTA,
    ZNS_TEMPLATE_DATA_INVALID,
)
from .media import MediaStore
from .models import Button, MediaItem, OaMessage, ZaloError, ZnsMessage
from .user import ZaloUser

__all__ = ["MAX_BUTTONS", "MAX_TEXT", "Messenger"]

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_QUERY_PAYLOAD = 1000
BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone")
TEMPLATE_KINDS = ("request_user_info", "list")
_PHONE = re.compile(r"84\d{9,10}")
_VN = timedelta(hours=7)


def _bad(message: str) -> ZaloError:
    return ZaloError(INVALID_PARAMS, f"Parameters are invalid: {message}")


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} must be an object")
    return value


def parse_buttons(raw: Any) -> list[Button]:
    """Validate ``payload.buttons`` as Zalo does and return them as the user will see them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad("buttons must be an array")
    if len(raw) > MAX_BUTTONS:
        raise _bad(f"at most {MAX_BUTTONS} buttons are allowed, got {len(raw)}")
    buttons = []
    for index, item in enumerate(raw):
        button = _obj(item, f"buttons[{index}]")
        title, kind, payload = button.get("title"), button.get("type"), button.get("payload")
        if not isinstance(title, str) or not title:
            raise _bad(f"buttons[{index}].title is required")
        if len(title) > MAX_TITLE:
            raise ZaloError(TOO_LONG, f"buttons[{index}].title exceeds {MAX_TITLE} characters")
        if kind not in BUTTON_TYPES:
            raise _bad(f"buttons[{index}].type {kind!r} is not supported")
        if kind in ("oa.query.show", "oa.query.hide"):
            if not isinstance(payload, str) or not payload:
                raise _bad(f"buttons[{index}].payload must be a non-empty string")
            if len(payload) > MAX_QUERY_PAYLOAD:
                raise ZaloError(
                    TOO_LONG, f"buttons[{index}].payload exceeds {MAX_QUERY_PAYLOAD} characters"
                )
        else:
            needed = {"oa.open.url": "url", "oa.open.phone": "phone_code"}.get(kind, "phone_code")
            if not isinstance(payload, dict) or not isinstance(payload.get(needed), str):
                raise _bad(f"buttons[{index}].payload.{needed} is required for {kind}")
        buttons.append(Button(title=title, type=kind, payload=payload))
    return buttons


class Messenger:
    """Validates what the OA sends and records it on the recipient (and in ``sent``)."""

    def __init__(self, users: dict[str, ZaloUser], media: MediaStore, clock: FakeClock) -> None:
        self.users = users
        self.media = media
        self.clock = clock
        self.window_days = 7.0
        self.window_code = NO_INTERACTION_7_DAYS
        self.zns_daily_quota = 500
        self.sent: list[OaMessage] = []
        self.templates: list[OaMessage] = []
        self.zns: dict[str, list[ZnsMessage]] = defaultdict(list)
        self.zns_templates: dict[str, dict[str, int]] = {}

    # ----- recipients ---------------------------------------------------------------------

    def recipient(self, body: dict[str, Any]) -> ZaloUser:
        if "user_id" in body and "recipient" not in body:
            user_id = body.get("user_id")
        else:
            user_id = _obj(body.get("recipient"), "recipient").get("user_id")
        if not isinstance(user_id, str | int) or not str(user_id):
            raise _bad("recipient.user_id is required")
        user = self.users.get(str(user_id))
        if user is None:
            raise _bad(f"user_id {user_id} is invalid")
        return user

    def check_reachable(self, user: ZaloUser, *, window: bool) -> None:
        if not user.is_follower:
            raise ZaloError(NOT_FOLLOWER)
        if user.inactive:
            raise ZaloError(USER_INACTIVE_45_DAYS)
        if window:
            last = user.last_interaction
            if last is None or self.clock.now() - last > self.window_days * DAY:
                raise ZaloError(self.window_code)

    def _new_id(self) -> str:
        return secrets.token_hex(16)

    # ----- /v3.0/oa/message/cs ------------------------------------------------------------

    def parse_cs(self, body: dict[str, Any]) -> OaMessage:
        """The message a ``/message/cs`` body describes, before any recipient check."""
        message = _obj(body.get("message"), "message")
        text = message.get("text")
        if text is not None and not isinstance(text, str):
            raise _bad("message.text must be a string")
        text = text or ""
        if len(text) > MAX_TEXT:
            raise ZaloError(TOO_LONG, f"message.text exceeds {MAX_TEXT} characters")
        draft = OaMessage(message_id="", user_id="", kind="text", text=text, raw=body)
        attachment = message.get("attachment")
        if attachment is None:
            if not text:
                raise _bad("message.text or message.attachment is required")
            return draft
        attachment = _obj(attachment, "message.attachment")
        payload = _obj(attachment.get("payload"), "message.attachment.payload")
        kind = attachment.get("type")
        if kind == "file":
            draft.kind = "file"
            draft.file_token = str(payload.get("token") or "")
            draft.media = self.media.by_file_token.get(draft.file_token)
            if draft.media is None:
                raise _bad("payload.token is not a file uploaded by this OA")
            draft.buttons = parse_buttons(payload.get("buttons"))
            return draft
        if kind != "template":
            raise _bad(f"attachment.type {kind!r} is not supported")
        template_type = payload.get("template_type")
        draft.buttons = parse_buttons(payload.get("buttons"))
        if template_type in (None, "button"):
            # zalo-php-sdk's text builder always sends ``"buttons": []``: that is plain text.
            if not draft.buttons and template_type is not None:
                raise _bad("payload.buttons is required")
            draft.kind = "buttons" if draft.buttons else "text"
            draft.text = draft.text or str(payload.get("text") or "")
            if not draft.text:
                raise _bad("message.text is required")
            return draft
        elements = payload.get("elements")
        if not isinstance(elements, list) or not elements:
            raise _bad("payload.elements is required")
        draft.elements = [_obj(e, "payload.elements[]") for e in elements]
        if template_type == "media":
            draft.kind = "image"
            draft.attachment_id, draft.media = self._media_element(draft.elements[0])
        elif template_type == "request_user_info":
            draft.kind = "request_user_info"
            first = draft.elements[0]
            if not first.get("title") or not first.get("subtitle"):
                raise _bad("the first element needs title and subtitle")
            if len(str(first["title"])) > MAX_TITLE:
                raise ZaloError(TOO_LONG, f"elements[0].title exceeds {MAX_TITLE} characters")
            if len(str(first["subtitle"])) > 500:
                raise ZaloError(TOO_LONG, "elements[0].subtitle exceeds 500 characters")
        elif template_type in TEMPLATE_KINDS:
            draft.kind = str(template_type)
        else:
            raise _bad(f"template_type {template_type!r} is not a consultation message")
        return draft

    def _media_element(self, element: dict[str, Any]) -> tuple[str | None, MediaItem | None]:
        if element.get("media_type") != "image":
            raise _bad("elements[0].media_type must be image")
        attachment_id = element.get("attachment_id")
        if attachment_id is not None:
            media = self.media.by_attachment_id.get(str(attachment_id))
            if media is None:
                raise _bad("attachment_id is not an image uploaded by this OA")
            return str(attachment_id), media
        if not isinstance(element.get("url"), str):
            raise _bad("elements[0] needs attachment_id or url")
        return None, None

    def send_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        draft = self.parse_cs(body)
        user = self.recipient(body)
        self.check_reachable(user, window=True)
        draft.message_id = self._new_id()
        draft.user_id = user.id
        draft.sent_at = self.clock.now()
        self.sent.append(draft)
        user._add_message(draft)
        return {"message_id": draft.message_id, "user_id": user.id}

    # ----- /v3.0/oa/message/template ------------------------------------------------------

    def send_template(self, body: dict[str, Any]) -> dict[str, Any]:
        """An OA template message: allowed outside the 7-day window, still only to followers."""
        template_id = body.get("template_id")
        if not isinstance(template_id, str | int) or not str(template_id):
            raise _bad("template_id is required")
        data = body.get("template_data", {})
        data = _obj(data, "template_data")
        user = self.recipient(body)
        self.check_reachable(user, window=False)
        message = OaMessage(
            message_id=self._new_id(),
            user_id=user.id,
            kind="template",
            template_id=str(template_id),
            template_data=dict(data),
            sent_at=self.clock.now(),
            raw=body,
        )
        self.templates.append(message)
        self.sent.append(message)
        user._add_message(message)
        return {"message_id": message.message_id, "user_id": user.id}

    # ----- ZNS ----------------------------------------------------------------------------

    def zns_template(self, template_id: str, limits: dict[str, int]) -> None:
        """Register an approved ZNS template: each parameter and its maximum length."""
        self.zns_templates[template_id] = dict(limits)

    def _check_zns_data(self, template_id: str, data: dict[str, Any]) -> None:
        if not self.zns_templates:
            return
        limits = self.zns_templates.get(template_id)
        if limits is None:
            raise ZaloError(ZNS_INVALID_TEMPLATE)
        for name, limit in limits.items():
            value = data.get(name)
            if not isinstance(value, str | int | float) or not str(value):
                raise ZaloError(ZNS_TEMPLATE_DATA_INVALID, f"Template data invalid: {name}")
            if len(str(value)) > limit:
                raise ZaloError(
                    ZNS_TEMPLATE_DATA_INVALID, f"Template data invalid: {name} exceeds {limit}"
                )

    def send_zns(self, body: dict[str, Any]) -> dict[str, Any]:
        phone = str(body.get("phone") or "")
        if not _PHONE.fullmatch(phone):
            raise ZaloError(ZNS_INVALID_PHONE, "Phone number invalid (expected 84xxxxxxxxx)")
        template_id = body.get("template_id")
        if not isinstance(template_id, str | int) or not str(template_id):
            raise ZaloError(ZNS_INVALID_TEMPLATE)
        data = _obj(body.get("template_data", {}), "template_data")
        self._check_zns_data(str(template_id), data)
        if sum(len(records) for records in self.zns.values()) >= self.zns_daily_quota:
            raise ZaloError(ZNS_OUT_OF_QUOTA)
        tracking = body.get("tracking_id")
        record = ZnsMessage(
            msg_id=self._new_id(),
            phone=phone,
            template_id=str(template_id),
            template_data=dict(data),
            tracking_id=str(tracking) if tracking is not None else None,
            sent_at=self.clock.now(),
            raw=body,
        )
        self.zns[phone].append(record)
        used = sum(len(records) for records in self.zns.values())
        return {
            "msg_id": record.msg_id,
            "sent_time": str(int(record.sent_at * 1000)),
            "quota": {
                "dailyQuota": str(self.zns_daily_quota),
                "remainingQuota": str(max(0, self.zns_daily_quota - used)),
            },
        }

    # ----- /v3.0/oa/user/detail -----------------------------------------------------------

    def user_detail(self, raw_query: str | None) -> dict[str, Any]:
        try:
            query = json.loads(raw_query or "")
        except ValueError:
            raise _bad('data must be JSON like {"user_id":"..."}') from None
        user_id = query.get("user_id") if isinstance(query, dict) else None
        user = self.users.get(str(user_id)) if user_id is not None else None
        if user is None:
            raise _bad(f"user_id {user_id} is invalid")
        avatar = f"https://s120-ava-talk.zadn.vn/fake/{user.id}.jpg"
        detail: dict[str, Any] = {
            "user_id": user.id,
            "user_id_by_app": user.user_id_by_app,
            "user_external_id": "",
            "display_name": user.display_name,
            "user_alias": "",
            "is_sensitive": False,
            "user_last_interaction_date": self._vn_date(user.last_interaction),
            "user_is_follower": user.is_follower,
            "avatar": avatar,
            "avatars": {"120": avatar, "240": avatar.replace("s120", "s240")},
            "tags_and_notes_info": {"notes": [], "tag_names": []},
        }
        if user.shared_info is not None:
            detail["shared_info"] = dict(user.shared_info)
        return detail

    @staticmethod
    def _vn_date(stamp: float | None) -> str:
        if stamp is None:
            return ""
        return (datetime.fromtimestamp(stamp, UTC) + _VN).strftime("%d/%m/%Y")

"""Validating ``reply_markup``: inline keyboards, reply keyboards, removal and force_reply.

Telegram rejects malformed buttons (a text-only inline button, callback data over 64 bytes, a bad
URL); the fake rejects the same ones so the bot learns about them in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .models import ApiError, Button
from .params import Params

__all__ = ["Markup", "inline_rows", "parse_markup"]

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)


@dataclass(slots=True)
class Markup:
    raw: dict[str, Any]
    inline: list[list[Button]] | None = None
    reply_keyboard: list[list[Button]] | None = None
    remove_keyboard: bool = False


def inline_rows(markup: dict[str, Any] | None) -> list[Any]:
    if markup and isinstance(markup.get("inline_keyboard"), list):
        return list(markup["inline_keyboard"])
    return []


def parse_markup(p: Params, *, inline_only: bool = False) -> Markup | None:
    raw = p.obj("reply_markup")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array')
        buttons = [[_inline_button(b) for b in row] for row in rows]
        return Markup({"inline_keyboard": rows}, inline=buttons)
    if inline_only:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, 'Bad Request: field "keyboard" must be an Array')
        keyboard = [[_reply_button(b) for b in row] for row in rows]
        if not any(keyboard):
            raise ApiError(400, "Bad Request: keyboard must be non-empty")
        return Markup(raw, reply_keyboard=keyboard)
    if raw.get("remove_keyboard"):
        return Markup(raw, remove_keyboard=True)
    if raw.get("force_reply"):
        return Markup(raw)
    raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")


def _inline_button(button: Any) -> Button:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(
            400, "Bad Request: can't parse inline keyboard button: Text must be a String"
        )
    if not button["text"]:
        raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
    if not any(button.get(key) is not None for key in _BUTTON_ACTIONS):
        raise ApiError(
            400,
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        )
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not data or len(data.encode("utf-8")) > 64
    ):
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or not (
            (parts.scheme in ("http", "https") and parts.hostname)
            or (parts.scheme == "tg" and len(url) > len("tg://"))
        ):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
    return Button(button["text"], callback_data=data, url=url)


def _reply_button(button: Any) -> Button:
    if isinstance(button, str):
        text = button
        button = {}
    elif isinstance(button, dict) and isinstance(button.get("text"), str):
        text = button["text"]
    else:
        raise ApiError(400, "Bad Request: can't parse keyboard button: Text must be a String")
    if not text:
        raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
    return Button(
        text,
        request_contact=bool(button.get("request_contact")),
        request_location=bool(button.get("request_location")),
    )

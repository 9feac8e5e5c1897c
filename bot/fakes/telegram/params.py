"""Reading a Bot API call off the wire: parameters in any of Telegram's three encodings.

Telegram accepts the same call as a query string, a form, multipart or JSON; the bot under test
uses more than one, so the fake decodes them all into one :class:`Params`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from .models import ApiError, UploadedFile

__all__ = ["Handler", "Params", "as_int", "dumps", "error_response", "read_params", "unix_now"]

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "scope",
        "commands",
        "allowed_updates",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "media",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "duration",
        "live_period",
        "max_connections",
        "width",
        "height",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
    }
)
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy", "timeout"})

Handler = Callable[["Params"], Awaitable[Any]]


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def unix_now() -> int:
    """Telegram dates are whole Unix seconds."""
    return int(time.time())


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """Decode form strings into the JSON types a JSON body would carry."""
    for key, value in raw.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = json.loads(value)
        elif key in _INT_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = int(value)
        elif key in _BOOL_FIELDS:
            lowered = value.lower()
            if lowered in ("true", "1"):
                raw[key] = True
            elif lowered in ("false", "0"):
                raw[key] = False
        elif key in _FLOAT_FIELDS:
            with contextlib.suppress(ValueError):
                raw[key] = float(value)
    return raw


class Params:
    """The parameters of one Bot API call, with Telegram-style validation errors."""

    __slots__ = ("data", "files")

    def __init__(self, data: dict[str, Any], files: dict[str, UploadedFile] | None = None):
        self.data = data
        self.files = files or {}

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        result = as_int(value)
        if result is None:
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        return result

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Number')
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Number') from None

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def required_number(self, name: str) -> float:
        value = self.number(name)
        if value is None:
            raise ApiError(400, f'Bad Request: parameter "{name}" is required')
        return value

    def log_view(self) -> dict[str, Any]:
        return {**self.data, **self.files} if self.files else self.data


async def read_params(request: web.Request) -> Params:
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            if body is not None and not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            raw.update(body or {})
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                    continue
                if part.filename is not None:
                    files[part.name] = UploadedFile(
                        part.filename,
                        part.headers.get("Content-Type", "application/octet-stream"),
                        bytes(await part.read(decode=True)),
                    )
                else:
                    raw[part.name] = await part.text()
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
    return Params(_normalize(raw), files)


def error_response(err: ApiError) -> web.Response:
    return web.Response(status=err.code, body=dumps(err.payload()), content_type="application/json")

"""Turning a text or caption and its ``parse_mode`` into what the user sees, with Telegram's limits.

Formatting errors and over-long texts are the failures a bot meets first in production, so they
are answered with Telegram's own error descriptions.
"""

from __future__ import annotations

import json
from typing import Any

from .htmltext import EntityParseError, parse_html, strip_formatted, unescape_markdown_v2, utf16_len
from .models import ApiError
from .params import Params

__all__ = ["Formatted", "caption_of", "format_text"]

Formatted = tuple[str, str, list[dict[str, Any]], str | None]
"""(source as sent, plain text shown, entities, parse_mode)."""


def format_text(
    source: str, parse_mode: str | None, entities: Any, *, caption: bool, strict_html: bool
) -> tuple[str, list[dict[str, Any]], str | None]:
    mode = parse_mode or None
    lowered = (mode or "").lower()
    if lowered == "html":
        try:
            plain, parsed = parse_html(source, strict=strict_html)
        except EntityParseError as err:
            raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
    elif lowered == "markdownv2":
        plain, parsed = unescape_markdown_v2(source), []
    elif lowered == "markdown":
        plain, parsed = source, []
    elif not lowered:
        plain, parsed = source, _explicit_entities(entities)
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    plain, parsed = strip_formatted(plain, parsed)
    length = utf16_len(plain)
    if caption:
        if length > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
    elif length == 0:
        raise ApiError(400, "Bad Request: message text is empty")
    elif length > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return plain, parsed, mode


def caption_of(p: Params, *, strict_html: bool) -> Formatted:
    source = p.text("caption") or ""
    plain, entities, mode = format_text(
        source,
        p.text("parse_mode"),
        p.data.get("caption_entities"),
        caption=True,
        strict_html=strict_html,
    )
    return source, plain, entities, mode


def _explicit_entities(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse entities JSON object") from None
    if not isinstance(value, list) or not all(
        isinstance(e, dict) and "type" in e and "offset" in e and "length" in e for e in value
    ):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    return [dict(e) for e in value]

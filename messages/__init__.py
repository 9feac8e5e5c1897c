"""Every user-facing text: one Jinja2 template per message, button labels in labels*.toml.

Templates render Telegram HTML: autoescape is on, so user text such as ``<b>`` or ``&`` is always
escaped, and StrictUndefined makes a missing variable an error instead of an empty string.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

SUFFIX = ".html.j2"
SHORT_TEXT = 700
"""Characters of a person's text shown in a summary or a card; the rest is one button away
(«Xem toàn văn»), so a card stays readable and far below every channel's message limit."""
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _weekday(value: date) -> str:
    return _WEEKDAYS[value.weekday()]


def _date_vn(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _datetime_vn(value: datetime, tz: str = "Asia/Ho_Chi_Minh") -> str:
    local = value.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M}, {_weekday(local).lower()} {_date_vn(local.date())}"


def is_long(value: str | None, limit: int = SHORT_TEXT) -> bool:
    """Whether ``value`` is shortened in summaries and cards (flows add «Xem toàn văn» then)."""
    return value is not None and len(value) > limit


def _excerpt(value: str | None, limit: int = SHORT_TEXT) -> str:
    """The start of ``value`` cut at a word boundary, with «…» when it was cut."""
    if value is None or len(value) <= limit:
        return value or ""
    head = value[:limit]
    space = head.rfind(" ")
    if space > limit * 2 // 3:
        head = head[:space]
    return head.rstrip() + " …"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages", ""),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package; no stat() on every render
        cache_size=-1,
    )
    env.filters["date_vn"] = _date_vn
    env.filters["datetime_vn"] = _datetime_vn
    env.filters["weekday"] = _weekday
    env.filters["excerpt"] = _excerpt
    env.tests["long"] = is_long
    return env


def render_page(name: str, /, **context: Any) -> str:
    """A web page ``messages/web/<name>.html.j2`` (HTML for browsers, not for a chat)."""
    return environment().get_template(f"web/{name}{SUFFIX}").render(**context)


def template_names() -> list[str]:
    """Every message name, for the test that renders them all."""
    return sorted(
        entry.name.removesuffix(SUFFIX)
        for entry in resources.files("messages").iterdir()
        if entry.name.endswith(SUFFIX)
    )


def render(name: str, /, **context: Any) -> str:
    """The message ``name`` (its file is ``messages/<name>.html.j2``) as Telegram HTML."""
    return environment().get_template(name + SUFFIX).render(**context).strip()


@cache
def _labels() -> dict[str, Any]:
    """labels.toml plus one ``labels.<flow>.toml`` per flow; a key defined twice is an error."""
    merged: dict[str, Any] = {}
    for entry in sorted(resources.files("messages").iterdir(), key=lambda e: e.name):
        if not (entry.name.startswith("labels") and entry.name.endswith(".toml")):
            continue
        for key, value in tomllib.loads(entry.read_text("utf-8")).items():
            if key in merged:
                raise KeyError(f"label table '{key}' is defined twice ({entry.name})")
            merged[key] = value
    return merged


def label(key: str, /, **values: Any) -> str:
    """A button label or other short UI string, by dotted key (``menu.petition``)."""
    node: Any = _labels()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no label '{key}' in messages/labels.toml")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"label '{key}' is a table, not a text")
    return node.format(**values) if values else node


def labels(key: str) -> dict[str, str]:
    """A whole table of labels, e.g. the command menu descriptions."""
    node: Any = _labels()
    for part in key.split("."):
        node = node[part]
    return dict(node)

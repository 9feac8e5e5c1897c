"""The facts a transactional news row carries, taken from the context its message was rendered
with (see :mod:`bot.domain.news` for which events count and why).

They are stored with the row at enqueue time, so a paid fallback days later fills its template
with what was true when the news happened, and ``about`` ties the row to its petition or
session for the staff timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.domain.news import NEWS_FACTS
from messages import label

__all__ = ["News", "news_of", "petition_about"]


@dataclass(frozen=True, slots=True)
class News:
    facts: dict[str, str] = field(default_factory=dict)
    about: str | None = None


def petition_about(code: str) -> str:
    return f"petition:{code}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _resident_update(c: Mapping[str, Any]) -> News | None:
    code = str(c["code"])
    return News(
        {
            "petition_code": code,
            "status": label(f"news.status.{c['step_kind']}"),
            "unit": _text(c.get("unit_name")),
            "due_on": _text(c.get("due_on")),
            "note": _text(c.get("note")),
        },
        petition_about(code),
    )


def _conclusion(c: Mapping[str, Any]) -> News | None:
    code = str(c["petition_code"])
    return News(
        {
            "petition_code": code,
            "session_title": _text(c.get("session_title")),
            "session_date": _text(c.get("session_date")),
            "answer": _text(c.get("answer")),
            "unit": _text(c.get("unit")),
            "due_on": _text(c.get("due")),
        },
        petition_about(code),
    )


def _session(c: Mapping[str, Any]) -> News | None:
    card = c["card"]
    if not c.get("registered", True):
        return None
    return News(
        {
            "session_title": _text(card.get("title")),
            "session_starts_at": _text(card.get("starts_at")),
            "session_venue": _text(card.get("venue")),
            "change_reason": _text(c.get("change_reason")),
        },
        f"session:{card.get('id')}",
    )


def _unit_alert(c: Mapping[str, Any]) -> News | None:
    code = str(c["code"])
    return News(
        {
            "petition_code": code,
            "field": _text(c.get("field_label")),
            "unit": _text(c.get("unit_name")),
            "due_on": _text(c.get("due_on")),
        },
        petition_about(code),
    )


def _extension(c: Mapping[str, Any]) -> News | None:
    code = str(c["code"])
    decision = "approved" if c.get("approved") else "refused"
    return News(
        {
            "petition_code": code,
            "decision": label(f"news.extension.{decision}"),
            "due_on": _text(c.get("due_on")),
        },
        petition_about(code),
    )


def _deadline_digest(c: Mapping[str, Any]) -> News | None:
    items = list(c.get("deadline_items") or [])
    first = items[0] if items and isinstance(items[0], Mapping) else {}
    return News(
        {
            "unit": _text(c.get("unit_name")),
            "deadline_day": _text(c.get("deadline_day")),
            "item_count": str(len(items)),
            "first_item": _text(first.get("subject")),
        }
    )


_EXTRACTORS: dict[str, Callable[[Mapping[str, Any]], News | None]] = {
    "workflow_resident_update": _resident_update,
    "conclusion_personal": _conclusion,
    "session_changed": _session,
    "session_cancelled": _session,
    "session_promoted": _session,
    "workflow_unit_alert": _unit_alert,
    "workflow_unit_extension_decided": _extension,
    "deadline_digest": _deadline_digest,
}
assert _EXTRACTORS.keys() == NEWS_FACTS.keys()


def news_of(event: str, context: Mapping[str, Any]) -> News | None:
    """The facts of a transactional news row; None for any other event (and for a session
    change sent to someone who did not register)."""
    extract = _EXTRACTORS.get(event)
    return None if extract is None else extract(context)

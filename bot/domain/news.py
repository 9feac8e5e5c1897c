"""Transactional news: the outbox events that may fall back to paid messages.

Zalo delivers a customer-service message only within 7 days of the person's last interaction.
Past that, only news about the person's own matter may go as an OA template message or a ZNS
(both cost the ward money and Zalo allows them only for transactions): a petition's answer or
status, a change to a session the person registered for, an assignment or deadline for an
official. Everything else (mass notices, broadcasts, invitations, reminders, digests for
secretaries, surveys) is never sent paid; it goes to another free account or not at all.

Each event names the facts its row carries (stored at enqueue time, so a template is filled with
what was true when the news happened). A fact whose name ends in ``_at`` is a time, shown in the
ward's timezone; ``_on`` facts are dates already in ``dd/mm/yyyy``.
"""

from __future__ import annotations

__all__ = ["NEWS_FACTS", "ROUTES", "is_news_event"]

_SESSION = frozenset({"session_title", "session_starts_at", "session_venue", "change_reason"})

NEWS_FACTS: dict[str, frozenset[str]] = {
    "workflow_resident_update": frozenset({"petition_code", "status", "unit", "due_on", "note"}),
    "conclusion_personal": frozenset(
        {"petition_code", "session_title", "session_date", "answer", "unit", "due_on"}
    ),
    "session_changed": _SESSION,
    "session_cancelled": _SESSION,
    "session_promoted": _SESSION,
    "workflow_unit_alert": frozenset({"petition_code", "field", "unit", "due_on"}),
    "workflow_unit_extension_decided": frozenset({"petition_code", "decision", "due_on"}),
    "deadline_digest": frozenset({"unit", "deadline_day", "item_count", "first_item"}),
}
"""Event → the facts its rows carry. Session events count only for a registrant (the row says)."""

ROUTES = ("zalo", "zalo_template", "zns", "telegram")
"""How a row can be delivered: a Zalo message, an OA template message, a ZNS, Telegram."""


def is_news_event(event: str) -> bool:
    return event in NEWS_FACTS

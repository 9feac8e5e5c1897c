"""Dialogue sessions: create, publish, change, cancel, the weekly rotation, registrations and
reminders.

Every state change commits with its audit entry and its outbox rows in one transaction; the
bot's handlers and the CLI call the same functions, so both get the same validation and notices.
Rules: lead time ≥ 7 working days except urgent sessions (001 IV.1.1, 004 IV.1(1)); opinions
collected until 7 days before (001 III.1); the weekly Friday programme rotates over the
residential groups' culture houses and may move for force majeure (000 II.2).
"""

from __future__ import annotations

from bot.usecases.sessions._shared import (
    BOT_USERNAME_FACT,
    DEPUTY_MAX,
    LEAD_WORKING_DAYS,
    OPINION_DAYS_BEFORE,
    REASON_MAX,
    TITLE_MAX,
    VENUE_MAX,
    Change,
    LeadTime,
    Outcome,
    Problem,
    Result,
    SessionDraft,
    audience_of,
    audience_text,
    card,
    deep_link,
    default_opinion_deadline,
    lead_time,
    registrant_keyboard,
    resident_keyboard,
    validate,
)
from bot.usecases.sessions.changes import ChangesMixin
from bot.usecases.sessions.planning import PlanningMixin, parse_iso_local, parse_vn_time
from bot.usecases.sessions.registrations import (
    TOPIC_MAX,
    Listed,
    RegistrationsMixin,
    RegOutcome,
    RegResult,
    Roster,
    SessionRegistrants,
)
from bot.usecases.sessions.reminders import (
    DEFAULT_REMINDERS,
    MIN_NOTICE,
    QUIET_END,
    QUIET_START,
    RemindersMixin,
    reminder_time,
    reminder_windows,
)
from bot.usecases.sessions.weekly import (
    FRIDAY,
    WEEKLY_END,
    WEEKLY_START,
    WeeklyMixin,
    weekly_fridays,
)

__all__ = [
    "BOT_USERNAME_FACT",
    "DEFAULT_REMINDERS",
    "DEPUTY_MAX",
    "FRIDAY",
    "LEAD_WORKING_DAYS",
    "MIN_NOTICE",
    "OPINION_DAYS_BEFORE",
    "QUIET_END",
    "QUIET_START",
    "REASON_MAX",
    "TITLE_MAX",
    "TOPIC_MAX",
    "VENUE_MAX",
    "WEEKLY_END",
    "WEEKLY_START",
    "Change",
    "LeadTime",
    "Listed",
    "Outcome",
    "Problem",
    "RegOutcome",
    "RegResult",
    "Result",
    "Roster",
    "SessionDraft",
    "SessionRegistrants",
    "Sessions",
    "audience_of",
    "audience_text",
    "card",
    "deep_link",
    "default_opinion_deadline",
    "lead_time",
    "parse_iso_local",
    "parse_vn_time",
    "registrant_keyboard",
    "reminder_time",
    "reminder_windows",
    "resident_keyboard",
    "validate",
    "weekly_fridays",
]


class Sessions(WeeklyMixin, PlanningMixin, ChangesMixin, RegistrationsMixin, RemindersMixin):
    """One use case composed of its seams; ``WeeklyMixin`` builds on ``PlanningMixin`` (it
    publishes what it generates), so it comes first in the method resolution order."""

"""Xử lý ý kiến: the secretary's inbox and outcomes, the unit's work, the resident's verdict.

Every change is one transaction: the petition's status and handling row, its timeline event,
the deadline in the registry (bot/deadlines.py), the audit entry and the outbox notifications.
Permissions are checked inside the transaction against the stored staff record and the unit that
holds the item, so a forged button changes nothing. Typed texts (answers, reasons, notes) wait in
``chat_states`` (flow "workflow") until the person confirms them.
"""

from __future__ import annotations

from bot.usecases.workflow._shared import Change, Result, Similar, TextKind, unit_keyboard
from bot.usecases.workflow.answers import AnswersMixin, UnitList
from bot.usecases.workflow.assignment import AssignmentMixin, InboxPage, find_similar
from bot.usecases.workflow.extensions import EXTENSION_REVIEW_DAYS, ExtensionsMixin
from bot.usecases.workflow.feedback import FeedbackMixin
from bot.usecases.workflow.oversight import (
    TRAIL_FLOW,
    Oversight,
    OversightMixin,
    Trail,
    TrailLine,
    trail_label,
)
from bot.usecases.workflow.texts import FLOW, SECRETARY_TEXTS, UNIT_TEXTS, TextsMixin, parse_day

__all__ = [
    "EXTENSION_REVIEW_DAYS",
    "FLOW",
    "SECRETARY_TEXTS",
    "TRAIL_FLOW",
    "UNIT_TEXTS",
    "Change",
    "InboxPage",
    "Oversight",
    "Result",
    "Similar",
    "TextKind",
    "Trail",
    "TrailLine",
    "UnitList",
    "Workflow",
    "find_similar",
    "parse_day",
    "trail_label",
    "unit_keyboard",
]


class Workflow(
    AssignmentMixin,
    TextsMixin,
    AnswersMixin,
    ExtensionsMixin,
    FeedbackMixin,
    OversightMixin,
):
    """One use case composed of its seams; ``TextsMixin`` comes before the mixins it confirms
    texts into (answers, extensions, feedback), as the method resolution order requires."""

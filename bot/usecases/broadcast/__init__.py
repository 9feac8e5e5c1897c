"""Broadcast notices (Gửi thông báo): compose, pick the audience, preview, confirm, stop.

The draft lives in ``chat_states`` (flow "broadcast"), so a restart mid-compose loses nothing.
On confirm the audience is resolved and every row is inserted in one transaction; the delivery
worker sends them at Telegram's pace and keeps the secretary's progress message current.
"""

from __future__ import annotations

from bot.usecases.broadcast._shared import (
    FLOW,
    NOTICE_EVENT,
    Draft,
    Option,
    Outcome,
    Result,
    Selection,
    Step,
    describe_audience,
    notice_content,
)
from bot.usecases.broadcast.audience import SessionAudience, provide_session_audience, select
from bot.usecases.broadcast.drafting import CAPTION_LIMIT, TEXT_LIMIT, DraftingMixin
from bot.usecases.broadcast.sending import (
    CALLBACK_PREFIX,
    STOP_CALLBACK,
    SendingMixin,
    progress_view,
)

__all__ = [
    "CALLBACK_PREFIX",
    "CAPTION_LIMIT",
    "FLOW",
    "NOTICE_EVENT",
    "STOP_CALLBACK",
    "TEXT_LIMIT",
    "Broadcasts",
    "Draft",
    "Option",
    "Outcome",
    "Result",
    "Selection",
    "SessionAudience",
    "Step",
    "describe_audience",
    "notice_content",
    "progress_view",
    "provide_session_audience",
    "select",
]


class Broadcasts(DraftingMixin, SendingMixin):
    """One use case composed of its parts; both build on the audience part."""

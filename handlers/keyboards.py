"""Keyboards the onboarding and the profile share: residential groups and the phone question."""

from __future__ import annotations

from typing import Any

from bot.conversation.replies import Button
from bot.conversation.turn import Turn
from handlers.common import Rows, ask_contact, suggested
from messages import label


def group_markup(turn: Turn, prefix: str) -> Rows:
    rows = [[(group.name, f"{prefix}g:{group.code}")] for group in turn.services.ward.groups]
    rows.append([(label("onboarding.no_group"), f"{prefix}g:-")])
    return rows


def phone_keyboard() -> list[list[Button]]:
    """Share the phone in one tap (where the channel can ask for it), or skip."""
    return [
        [ask_contact(label("onboarding.share_phone"))],
        [suggested(label("onboarding.skip_phone"))],
    ]


def phone_labels() -> dict[str, Any]:
    return {
        "share_label": label("onboarding.share_phone"),
        "skip_label": label("onboarding.skip_phone"),
    }

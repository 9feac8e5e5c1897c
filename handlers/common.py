"""What every flow module shares: where paper petitions go, the two home keyboards, typed buttons.

Flows answer through the ``Turn`` (bot.conversation.turn); nothing here knows a channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from bot.conversation.replies import Button, ButtonKind, Buttons, rows
from bot.conversation.turn import Turn
from bot.usecases.common import Services
from messages import label

__all__ = [
    "MAX_TEXT",
    "Rows",
    "ask_contact",
    "ask_location",
    "buttons",
    "home_markup",
    "main_menu_markup",
    "office",
    "suggested",
]

MAX_TEXT = 4096
"""The longest typed text a flow takes (longer is refused with a clear message)."""

Rows = list[list[tuple[str, str]]]


def office(turn: Turn | Services) -> dict[str, Any]:
    """Where paper petitions and complaints go, for the templates that mention it."""
    services = turn.services if isinstance(turn, Turn) else turn
    ward = services.ward.ward
    return {
        "office": ward.complaints_office,
        "address": ward.office_address,
        "hours": ward.office_hours,
    }


def buttons(spec: Sequence[Sequence[tuple[str, str] | Button]]) -> Buttons:
    """Rows of (label, payload) pairs (or typed buttons) as neutral buttons."""
    return rows(spec)


def ask_contact(text: str) -> Button:
    """A button that asks the person to share their own phone number."""
    return Button(text, "", ButtonKind.ASK_CONTACT)


def ask_location(text: str) -> Button:
    return Button(text, "", ButtonKind.ASK_LOCATION)


def suggested(text: str) -> Button:
    """A suggested answer: pressing it types ``text`` for the person."""
    return Button(text, text, ButtonKind.REPLY)


@cache
def main_menu_markup() -> Buttons:
    return rows(
        [
            [(label("menu.petition"), "m:petition")],
            [(label("menu.sessions"), "m:sessions"), (label("menu.mine"), "m:mine")],
            [(label("menu.profile"), "m:profile"), (label("menu.help"), "m:help")],
        ]
    )


@cache
def home_markup() -> Buttons:
    return rows([[(label("menu.back"), "m:home")]])

"""Neutral buttons as Telegram keyboards, and what Telegram can do (its capabilities)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.conversation.replies import Button, ButtonKind, Buttons, Capabilities

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

CAPABILITIES = Capabilities(
    name="telegram",
    text_limit=4096,
    caption_limit=1024,
    markup=True,
    edits=True,
    max_buttons=None,
    button_payload_bytes=64,
    typed_buttons=frozenset(ButtonKind),
    command_menu=True,
)

_REPLY_KINDS = frozenset({ButtonKind.REPLY, ButtonKind.ASK_CONTACT, ButtonKind.ASK_LOCATION})


def render_markup(buttons: Buttons, *, clear_keyboard: bool = False) -> Markup | None:
    """Inline buttons as an inline keyboard; suggested answers and contact/location requests as
    a one-time reply keyboard (Telegram cannot mix the two in one message: a reply keyboard
    wins)."""
    if any(b.kind in _REPLY_KINDS for row in buttons for b in row):
        return ReplyKeyboardMarkup(
            [[_reply_button(b) for b in row] for row in buttons],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    inline = [[btn for b in row if (btn := _inline_button(b)) is not None] for row in buttons]
    inline = [row for row in inline if row]
    if inline:
        return InlineKeyboardMarkup(inline)
    return ReplyKeyboardRemove() if clear_keyboard else None


def _inline_button(button: Button) -> InlineKeyboardButton | None:
    match button.kind:
        case ButtonKind.PAYLOAD:
            return InlineKeyboardButton(button.label, callback_data=button.value)
        case ButtonKind.URL:
            return InlineKeyboardButton(button.label, url=button.value)
        case ButtonKind.CALL if button.value.startswith(("http://", "https://")):
            return InlineKeyboardButton(button.label, url=button.value)
    return None


def _reply_button(button: Button) -> KeyboardButton:
    return KeyboardButton(
        button.label,
        request_contact=button.kind is ButtonKind.ASK_CONTACT or None,
        request_location=button.kind is ButtonKind.ASK_LOCATION or None,
    )

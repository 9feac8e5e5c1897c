"""What every flow module shares: the services, replying with a template, keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.usecases.common import Services
from messages import label, render

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
SERVICES_KEY = "services"
MAX_TEXT = 4096
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found: Services = context.application.bot_data[SERVICES_KEY]
    return found


def office(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    """Where paper petitions and complaints go, for the templates that mention it."""
    ward = services(context).ward.ward
    return {
        "office": ward.complaints_office,
        "address": ward.office_address,
        "hours": ward.office_hours,
    }


def buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def reply(
    update: Update,
    template: str,
    markup: ReplyMarkup | None = None,
    /,
    **context: Any,
) -> Message | None:
    """Answer in the chat the update came from, with one message rendered from ``template``."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(
        render(template, **context),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=NO_PREVIEW,
    )


async def ack(update: Update, template: str | None = None, **context: Any) -> None:
    """Answer a button press (stops the spinner); optionally with a short toast."""
    query = update.callback_query
    if query is None:
        return
    text = render(template, **context) if template else None
    await query.answer(text=text[:200] if text else None, show_alert=bool(text))


async def remove_buttons(update: Update) -> None:
    """Take the buttons off the message that was pressed, so it cannot be pressed twice."""
    query = update.callback_query
    if query is not None and query.message is not None and isinstance(query.message, Message):
        if query.message.reply_markup is not None:
            await query.edit_message_reply_markup(reply_markup=None)


@cache
def main_menu_markup() -> InlineKeyboardMarkup:
    return buttons(
        [
            [(label("menu.petition"), "m:petition")],
            [(label("menu.sessions"), "m:sessions"), (label("menu.mine"), "m:mine")],
            [(label("menu.profile"), "m:profile"), (label("menu.help"), "m:help")],
        ]
    )


@cache
def home_markup() -> InlineKeyboardMarkup:
    return buttons([[(label("menu.back"), "m:home")]])

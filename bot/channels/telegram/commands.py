"""Telegram's command menus: the default one for residents, a per-chat one for each staff member."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from messages import labels

log = logging.getLogger(__name__)


def _commands(kind: str) -> list[BotCommand]:
    return [BotCommand(name, text) for name, text in labels(f"commands.{kind}").items()]


async def register_commands(bot: Bot, staff_ids: Iterable[int]) -> None:
    await bot.set_my_commands(_commands("resident"), scope=BotCommandScopeDefault())
    for chat_id in staff_ids:
        await set_staff_commands(bot, chat_id)


async def set_staff_commands(bot: Bot, chat_id: int) -> None:
    """A staff member who never opened the bot has no chat yet; their /start sets it then."""
    try:
        await bot.set_my_commands(_commands("staff"), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.info("staff %s has not opened the bot yet (%s)", chat_id, exc)

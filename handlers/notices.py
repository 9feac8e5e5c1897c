"""/thongbao: a resident sees whether general notices are on, and turns them off or on."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.usecases.notices import Notices, Outcome, Result
from handlers.common import ack, buttons, reply, services
from messages import label, render

PREFIX = "nt:"


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Notices:
    return Notices(services(context))


def _toggle(muted: bool) -> InlineKeyboardMarkup:
    if muted:
        return buttons([[(label("notices.turn_on"), PREFIX + "on")]])
    return buttons([[(label("notices.turn_off"), PREFIX + "off")]])


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    result = await _use_case(context).show(user.id)
    if result.outcome is Outcome.NOT_REGISTERED:
        await reply(update, "not_registered")
        return
    await reply(update, "notices_status", _toggle(result.muted), notices_off=result.muted)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edit the status message in place, so the chat keeps one current answer."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    action = query.data.removeprefix(PREFIX)
    if action not in ("on", "off"):
        await ack(update, "button_expired")
        return
    result: Result = await _use_case(context).set_muted(user.id, action == "off")
    if result.outcome is Outcome.NOT_REGISTERED:
        await ack(update)
        await reply(update, "not_registered")
        return
    await ack(update)
    if result.outcome is Outcome.CHANGED:
        await query.edit_message_text(
            render("notices_status", notices_off=result.muted),
            parse_mode=ParseMode.HTML,
            reply_markup=_toggle(result.muted),
        )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("thongbao", show))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

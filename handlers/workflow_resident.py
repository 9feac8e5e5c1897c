"""The resident's verdict on a result: «Hài lòng» closes it, «Chưa thỏa đáng» asks why and
reopens it (seed 004 IV.2(6))."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.usecases.workflow import TextKind
from handlers.common import ack, home_markup, remove_buttons, reply
from handlers.workflow_common import ask_text, parse_id, refuse_or_explain, use_case

PREFIX = "wr:"


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    parts = query.data.split(":")
    pid = parse_id(query.data, 2)
    if len(parts) != 3 or parts[1] not in ("y", "n") or pid is None:
        await ack(update, "button_expired")
        return
    wf = use_case(context)
    if parts[1] == "n":
        await ask_text(update, context, await wf.begin_text(user.id, pid, TextKind.REOPEN))
        return
    change = await wf.satisfied(user.id, pid)
    if await refuse_or_explain(update, change) or change.item is None:
        return
    await ack(update)
    await remove_buttons(update)
    await reply(
        update,
        "workflow_done",
        home_markup(),
        done_kind="satisfied",
        code=change.item.petition.code,
        codes=[],
        due_on=None,
        proposed_due=None,
        unit_name=None,
        field_label="",
    )


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

"""Giám sát (supervisor, read-only): overdue items, per-unit on-time rate, audit trails."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.people import ChatState
from bot.usecases.workflow import Result, Trail
from handlers.common import ack, buttons, reply, services
from handlers.workflow_common import parse_id, use_case
from messages import label

PREFIX = "ws:"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The staff menu's «Việc quá hạn»."""
    user = update.effective_user
    if user is None:
        return
    view = await use_case(context).oversight(user.id)
    if view.result is Result.NOT_ALLOWED:
        await ack(update, "workflow_refused")
        return
    await ack(update)
    ward = services(context).ward

    def unit_name(code: str | None) -> str:
        unit = ward.unit(code or "")
        return unit.name if unit else (code or "")

    rows = [
        [(label("workflow.oversight.trail", code=i.petition.code), f"{PREFIX}t:{i.petition.id}")]
        for i in view.overdue[:20]
    ]
    rows.append([(label("workflow.lookup.button"), f"{PREFIX}l")])
    rows.append([(label("menu.back"), "m:home")])
    await reply(
        update,
        "workflow_oversight",
        buttons(rows),
        overdue_rows=[
            {
                "code": i.petition.code,
                "unit_name": unit_name(i.handling.unit_code if i.handling else None),
                "due_on": i.due_on,
            }
            for i in view.overdue
            if i.due_on is not None
        ],
        rate_rows=[
            {
                "unit_name": unit_name(r.unit_code),
                "answered": r.answered,
                "on_time": r.on_time,
                "percent": r.percent,
                "open": r.open,
                "overdue": r.overdue,
            }
            for r in view.rates
        ],
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    if query.data == f"{PREFIX}l":
        if await use_case(context).begin_trail_lookup(user.id) is not Result.DONE:
            await ack(update, "workflow_refused")
            return
        await ack(update)
        await reply(update, "workflow_trail_ask_code")
        return
    pid = parse_id(query.data, 2)
    if not query.data.startswith(f"{PREFIX}t:") or pid is None:
        await ack(update, "button_expired")
        return
    trail = await use_case(context).trail(user.id, pid)
    if trail.result is not Result.DONE or trail.item is None:
        await ack(update, "workflow_refused")
        return
    await ack(update)
    await show_trail(update, context, trail)


async def on_code(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """The typed tracking code after «Tra cứu nhật ký theo mã»."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    code = message.text.strip()[:40]
    trail = await use_case(context).trail_by_code(user.id, code)
    if trail.result is Result.NOT_FOUND:
        await reply(update, "workflow_trail_not_found", code=code)
    elif trail.result is not Result.DONE or trail.item is None:
        await reply(update, "workflow_refused")
    else:
        await show_trail(update, context, trail)


async def show_trail(update: Update, context: ContextTypes.DEFAULT_TYPE, trail: Trail) -> None:
    assert trail.item is not None
    petition = trail.item.petition
    await reply(
        update,
        "workflow_trail",
        buttons([[(label("menu.back"), "m:home")]]),
        code=petition.code,
        status_label=label(f"petitions.statuses.{petition.status.value}"),
        trail_rows=[
            {"at": line.at, "actor": line.actor, "action": line.action, "detail": line.detail}
            for line in trail.lines
        ],
        tz=services(context).ward.ward.timezone,
    )


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

"""Việc của đơn vị (unit official): the open items, accept, answer with an optional file,
request an extension, transfer back; also the typed-text steps of every workflow flow."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.people import ChatState
from bot.domain.workflow import is_overdue
from bot.usecases.workflow import Change, Result, TextKind
from handlers.common import MAX_TEXT, ack, buttons, home_markup, remove_buttons, reply, services
from handlers.workflow_common import ask_text, parse_id, refuse_or_explain, use_case
from handlers.workflow_inbox import _done as secretary_done
from messages import label

PREFIX = "wu:"
_TEXT_VERBS = {"ans": TextKind.ANSWER, "ext": TextKind.EXT_REASON, "tr": TextKind.TRANSFER}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The staff menu's «Việc của đơn vị»: overdue first, then by due date."""
    user = update.effective_user
    if user is None:
        return
    found = await use_case(context).unit_list(user.id)
    if found.result is Result.NOT_ALLOWED or found.today is None:
        await ack(update, "workflow_refused")
        return
    await ack(update)
    unit = services(context).ward.unit(found.unit_code or "")
    rows = []
    for item in found.items:
        due = item.due_on
        due_text = f"{due:%d/%m/%Y}" if due else "—"
        key = "workflow.unit.open_overdue" if is_overdue(due, found.today) else "workflow.unit.open"
        rows.append(
            [(label(key, code=item.petition.code, due=due_text), f"{PREFIX}o:{item.petition.id}")]
        )
    rows.append([(label("menu.back"), "m:home")])
    await reply(
        update,
        "workflow_unit_list",
        buttons(rows),
        unit_name=unit.name if unit else found.unit_code,
        unit_rows=[
            {
                "code": i.petition.code,
                "field": i.petition.field.label,
                "due_on": i.due_on,
                "overdue": is_overdue(i.due_on, found.today),
            }
            for i in found.items
            if i.due_on is not None
        ],
    )


def _unit_markup(petition_id: int, accepted: bool) -> list[list[tuple[str, str]]]:
    first = [(label("workflow.unit.answer"), f"{PREFIX}ans:{petition_id}")]
    if not accepted:
        first.insert(0, (label("workflow.unit.accept"), f"{PREFIX}acc:{petition_id}"))
    return [
        first,
        [
            (label("workflow.unit.extend"), f"{PREFIX}ext:{petition_id}"),
            (label("workflow.unit.transfer"), f"{PREFIX}tr:{petition_id}"),
        ],
        [(label("workflow.unit.list"), "st:unit")],
    ]


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    verb = query.data.removeprefix(PREFIX).split(":")[0]
    pid = parse_id(query.data, 2)
    wf = use_case(context)
    if pid is None:
        await ack(update, "button_expired")
        return
    if verb == "o":
        change = await wf.unit_card(user.id, pid)
        if await refuse_or_explain(update, change) or change.item is None:
            return
        await ack(update)
        item = change.item
        accepted = bool(item.handling and item.handling.accepted_at)
        await reply(
            update,
            "workflow_unit_card",
            buttons(_unit_markup(pid, accepted)),
            code=item.petition.code,
            codes=[m.petition.code for m in change.members],
            field_label=item.petition.field.label,
            status_label=label(f"petitions.statuses.{item.petition.status.value}"),
            place=item.petition.concerns_address,
            content=item.petition.content,
            due_on=item.due_on,
            accepted=accepted,
        )
    elif verb == "acc":
        change = await wf.accept(user.id, pid)
        if await refuse_or_explain(update, change) or change.item is None:
            return
        await ack(update)
        await reply(
            update,
            "workflow_done",
            buttons(_unit_markup(pid, True)),
            **_done_context("accepted", change),
        )
    elif verb in _TEXT_VERBS:
        await ask_text(update, context, await wf.begin_text(user.id, pid, _TEXT_VERBS[verb]))
    else:
        await ack(update, "button_expired")


def _done_context(kind: str, change: Change) -> dict[str, object]:
    item = change.item
    return {
        "done_kind": kind,
        "code": item.petition.code if item else "",
        "codes": [m.petition.code for m in change.members],
        "due_on": change.due_on if change.due_on else (item.due_on if item else None),
        "proposed_due": change.proposed_due,
        "unit_name": None,
        "field_label": item.petition.field.label if item else "",
    }


async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``wf:ok`` applies the kept text (answer, note, reason); ``wf:no`` drops it."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    wf = use_case(context)
    if query.data == "wf:no":
        if not await wf.drop_text(user.id):
            await ack(update, "button_expired")
            return
        await ack(update)
        await remove_buttons(update)
        await reply(update, "cancelled", home_markup())
        return
    if query.data != "wf:ok":
        await ack(update, "button_expired")
        return
    change = await wf.confirm_text(user.id)
    if change.result is Result.NOT_EXPECTED:
        await ack(update, "button_expired")
        return
    if change.kind in (TextKind.DIRECT, TextKind.FORWARD, TextKind.SCOPE):
        await secretary_done(update, change)
        return
    if await refuse_or_explain(update, change):
        return
    if change.result is Result.BAD_DATE:
        await ack(update)
        await reply(
            update, "workflow_text_problem", problem="bad_date", limit=0, due_on=change.due_on
        )
        return
    await ack(update)
    ctx = _done_context((change.kind or TextKind.ANSWER).value, change)
    if change.kind is TextKind.REOPEN:
        unit = services(context).ward.unit(change.unit_code or "")
        ctx["unit_name"] = unit.name if unit else None
    await reply(update, "workflow_done", home_markup(), **ctx)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    text = message.text[:MAX_TEXT]
    await ask_text(update, context, await use_case(context).on_text(user.id, text))


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """A unit's answer may carry one document or photo; anything else is refused clearly."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if message.document is not None:
        kind, file_id = "document", message.document.file_id
    elif message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    else:
        await reply(update, "workflow_text_problem", problem="empty", limit=0, due_on=None)
        return
    change = await use_case(context).on_file(user.id, kind, file_id)
    if change.result is Result.NOT_EXPECTED:
        await reply(update, "workflow_text_problem", problem="empty", limit=0, due_on=None)
        return
    await ask_text(update, context, change)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))
    app.add_handler(CallbackQueryHandler(on_confirm, pattern=r"^wf:"))

"""What the workflow handlers share: the use case, refusals, texts and confirmations.

Callback data: ``wi:`` secretary inbox, ``wx:`` extension decisions, ``wu:`` unit official,
``wr:`` resident verdict, ``ws:`` supervisor, ``wf:`` confirm/cancel a typed text.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.usecases.workflow import Change, Result, TextKind, Workflow
from handlers.common import NO_PREVIEW, ack, buttons, reply, services
from messages import label, render


def use_case(context: ContextTypes.DEFAULT_TYPE) -> Workflow:
    return Workflow(services(context))


def parse_id(data: str, index: int) -> int | None:
    parts = data.split(":")
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None


async def show(
    update: Update, template: str, markup: InlineKeyboardMarkup | None = None, **ctx: Any
) -> None:
    """Edit the pressed message in place (one message that edits itself), else send one."""
    query = update.callback_query
    text = render(template, **ctx)
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await reply(update, template, markup, **ctx)


async def refuse_or_explain(update: Update, change: Change) -> bool:
    """Map the refusals to a clear message; True when the change did not happen."""
    if change.result in (Result.NOT_ALLOWED, Result.NOT_FOUND):
        await ack(update, "workflow_refused")
        if update.callback_query is None:
            await reply(update, "workflow_refused")
        return True
    if change.result is Result.WRONG_STATE:
        item = change.item
        ctx = {
            "code": item.petition.code if item else "",
            "status_label": label(f"petitions.statuses.{item.petition.status.value}")
            if item
            else "",
        }
        await ack(update)
        await reply(update, "workflow_wrong_state", **ctx)
        return True
    return False


def confirm_markup() -> InlineKeyboardMarkup:
    return buttons([[(label("workflow.confirm"), "wf:ok"), (label("workflow.cancel"), "wf:no")]])


def cancel_markup() -> InlineKeyboardMarkup:
    """Under a typed-text prompt: leave without typing /cancel."""
    return buttons([[(label("workflow.cancel"), "wf:no")]])


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE, change: Change) -> None:
    """After begin_text or a step of the text flow: refusal, prompt, problem or preview."""
    if await refuse_or_explain(update, change):
        return
    await ack(update)
    item = change.item
    code = item.petition.code if item else ""
    if change.result is Result.ASK:
        await reply(
            update,
            "workflow_ask_text",
            cancel_markup(),
            code=code,
            text_kind=(change.kind or TextKind.DIRECT).value,
            limit=change.limit,
            due_on=change.due_on,
        )
    elif change.result in (Result.EMPTY, Result.TOO_LONG, Result.BAD_DATE):
        await reply(
            update,
            "workflow_text_problem",
            cancel_markup(),
            problem=change.result.value,
            limit=change.limit,
            due_on=change.due_on,
        )
    elif change.result is Result.PREVIEW:
        await reply(
            update,
            "workflow_preview",
            confirm_markup(),
            code=code,
            text_kind=(change.kind or TextKind.DIRECT).value,
            text=change.text or "",
            file_kind=change.file_kind,
            proposed_due=change.proposed_due,
            due_on=change.due_on,
        )

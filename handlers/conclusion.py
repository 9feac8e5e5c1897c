"""Thông báo kết luận (secretary): list the sessions waiting, preview the draft, edit the free
text, mark complex / beyond authority, publish. Callback data ``cn:<verb>:<session id>``."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.people import ChatState
from bot.usecases.conclusion import ConclusionOutcome, ConclusionResult, Conclusions, Draft
from handlers.common import MAX_TEXT, ack, buttons, home_markup, reply, services
from messages import label

PREFIX = "cn:"
VERBS = ("open", "edit", "complex", "publish", "list")
_PROBLEMS = {
    ConclusionOutcome.NOT_ALLOWED: "not_allowed",
    ConclusionOutcome.NOT_FOUND: "conclusion_not_found",
    ConclusionOutcome.NOT_HELD: "conclusion_not_held",
    ConclusionOutcome.ALREADY_PUBLISHED: "conclusion_already",
    ConclusionOutcome.TOO_LONG: "conclusion_too_long",
    ConclusionOutcome.EMPTY: "conclusion_empty_text",
}


def use_case(context: ContextTypes.DEFAULT_TYPE) -> Conclusions:
    return Conclusions(services(context))


def draft_markup(draft: Draft) -> InlineKeyboardMarkup:
    sid = draft.session.id
    rows = [
        [(label("conclusion.edit"), f"{PREFIX}edit:{sid}")],
        [(label("conclusion.complex"), f"{PREFIX}complex:{sid}")],
        [(label("conclusion.publish"), f"{PREFIX}publish:{sid}")],
        [(label("conclusion.back"), f"{PREFIX}list:0")],
    ]
    if draft.notice.complex_reason:
        rows.pop(1)
    return buttons(rows)


async def show_draft(update: Update, draft: Draft) -> None:
    await reply(
        update,
        "conclusion_draft",
        draft_markup(draft),
        **draft.context(),
        notice_due=f"{draft.due_on:%d/%m/%Y}" if draft.due_on else None,
        complex_reason=draft.notice.complex_reason,
        unclassified_codes=draft.unclassified,
    )


async def show_problem(update: Update, result: ConclusionResult) -> None:
    if result.outcome is ConclusionOutcome.UNCLASSIFIED:
        await reply(update, "conclusion_unclassified", unclassified_codes=list(result.unclassified))
        return
    await reply(update, _PROBLEMS[result.outcome], home_markup())


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The staff menu's «Thông báo kết luận»: the sessions waiting for their notice."""
    user = update.effective_user
    if user is None:
        return
    pending = await use_case(context).pending(user.id)
    if pending is None:
        await ack(update, "not_allowed")
        return
    await ack(update)
    tz = services(context).ward.tz
    rows = [
        [
            (
                label(
                    "conclusion.session_item",
                    date=f"{p.session.starts_at.astimezone(tz):%d/%m}",
                    title=p.session.title[:40],
                ),
                f"{PREFIX}open:{p.session.id}",
            )
        ]
        for p in pending[:20]
    ]
    rows.append([(label("menu.back"), "m:home")])
    await reply(
        update,
        "conclusion_list",
        buttons(rows),
        pending_sessions=[
            {
                "title": p.session.title,
                "date": f"{p.session.starts_at.astimezone(tz):%d/%m/%Y}",
                "due": f"{p.due_on:%d/%m/%Y}",
            }
            for p in pending
        ],
    )


def _parse(data: str) -> tuple[str, int] | None:
    parts = data.split(":")
    if len(parts) != 3 or parts[1] not in VERBS or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    parsed = _parse(query.data)
    if parsed is None:
        await ack(update, "button_expired")
        return
    verb, sid = parsed
    uc = use_case(context)
    if verb == "list":
        await start(update, context)
        return
    if verb == "open":
        result = await uc.preview(user.id, sid)
    elif verb == "edit":
        result = await uc.begin(user.id, sid, "text")
    elif verb == "complex":
        result = await uc.begin(user.id, sid, "reason")
    else:
        result = await uc.publish(user.id, sid)
    if result.outcome is ConclusionOutcome.NOT_ALLOWED:
        await ack(update, "not_allowed")
        return
    await ack(update)
    if result.outcome is not ConclusionOutcome.DONE:
        await show_problem(update, result)
    elif verb == "open" and result.draft is not None:
        await show_draft(update, result.draft)
    elif verb == "edit":
        await reply(update, "conclusion_ask_text")
    elif verb == "complex":
        await reply(update, "conclusion_ask_reason")
    elif result.draft is not None:
        await reply(
            update,
            "conclusion_published",
            home_markup(),
            session_title=result.draft.session.title,
            sent_count=result.sent,
        )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """The typed free text (step "text") or complexity reason (step "reason")."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    sid = int(state.data.get("session_id", 0))
    text = message.text[: MAX_TEXT + 1]
    uc = use_case(context)
    if state.step == "reason":
        result = await uc.mark_complex(user.id, sid, text)
    else:
        result = await uc.set_text(user.id, sid, text)
    if result.outcome is ConclusionOutcome.DONE and result.draft is not None:
        await show_draft(update, result.draft)
    else:
        await show_problem(update, result)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

"""Gửi thông báo: a secretary writes a notice, picks the audience, previews, sends and may stop it.

Entered from the staff menu (``st:broadcast``); typed text and media reach it through the
conversation router while the draft is in ``chat_states``. Button data: ``bc:<action>``.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.channels.telegram.sender import reply_markup
from bot.domain.people import ChatState
from bot.outbox.queue import Content, MediaKind, Method, Status, Tally
from bot.usecases.broadcast import (
    CALLBACK_PREFIX,
    CAPTION_LIMIT,
    STOP_CALLBACK,
    TEXT_LIMIT,
    Broadcasts,
    Outcome,
    Result,
    progress_view,
)
from handlers.common import NO_PREVIEW, ack, buttons, remove_buttons, reply, services
from messages import label


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Broadcasts:
    return Broadcasts(services(context))


def _abort_button() -> tuple[str, str]:
    return label("broadcast.abort"), CALLBACK_PREFIX + "x"


def _kinds_markup(result: Result) -> InlineKeyboardMarkup:
    rows = [
        [(label(f"broadcast.{kind.value}"), f"{CALLBACK_PREFIX}k:{kind.value}")]
        for kind in result.kinds
    ]
    rows.append([_abort_button()])
    return buttons(rows)


def _codes_markup(result: Result) -> InlineKeyboardMarkup:
    rows = [
        [
            (
                label(
                    "broadcast.checked" if option.chosen else "broadcast.unchecked",
                    name=option.name,
                ),
                f"{CALLBACK_PREFIX}c:{option.code}",
            )
        ]
        for option in result.options
    ]
    rows.append([(label("broadcast.done"), CALLBACK_PREFIX + "ok")])
    rows.append([(label("broadcast.back"), CALLBACK_PREFIX + "back"), _abort_button()])
    return buttons(rows)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The staff menu's «Gửi thông báo» button."""
    user = update.effective_user
    if user is None:
        return
    await present(update, context, await _use_case(context).begin(user.id))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    await present(update, context, await _use_case(context).set_content(user.id, message.text_html))


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """A photo or a document (with its caption) as the notice; other media are refused."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    if message.photo:
        kind, file_id = MediaKind.PHOTO, message.photo[-1].file_id
    elif message.document:
        kind, file_id = MediaKind.DOCUMENT, message.document.file_id
    else:
        await reply(update, "broadcast_media_kinds", media=label(f"media.{_media_kind(message)}"))
        return
    caption = message.caption_html if message.caption else ""
    result = await _use_case(context).set_content(user.id, caption, media_kind=kind, media=file_id)
    await present(update, context, result)


def _media_kind(message: Message) -> str:
    for kind in ("sticker", "voice", "video", "location", "contact"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    action = query.data.removeprefix(CALLBACK_PREFIX)
    use_case = _use_case(context)
    if action.startswith("k:"):
        result = await use_case.choose_audience(user.id, action.removeprefix("k:"))
    elif action.startswith("c:"):
        result = await use_case.toggle(user.id, action.removeprefix("c:"))
    elif action == "ok":
        result = await use_case.codes_done(user.id)
    elif action == "back":
        result = await use_case.back(user.id)
    elif action == "x":
        result = await use_case.abort(user.id)
    elif action == "send" and isinstance(query.message, Message):
        result = await use_case.confirm(
            user.id,
            progress_chat_id=query.message.chat_id,
            progress_message_id=query.message.message_id,
        )
    elif query.data.startswith(STOP_CALLBACK) and query.data.removeprefix(STOP_CALLBACK).isdigit():
        result = await use_case.stop(user.id, int(query.data.removeprefix(STOP_CALLBACK)))
    else:
        await ack(update, "button_expired")
        return
    await present(update, context, result)


async def present(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    """Map the outcome to what the secretary sees; a button press is answered exactly once."""
    pressed = update.callback_query is not None
    match result.outcome:
        case Outcome.NOT_ALLOWED:
            if pressed:
                await ack(update, "not_allowed")
            else:
                await reply(update, "not_allowed")
            return
        case Outcome.NOT_EXPECTED:
            if pressed:
                await ack(update, "button_expired")
            else:
                await reply(update, "use_buttons")
            return
        case Outcome.NOTHING_CHOSEN:
            await ack(update, "broadcast_nothing_chosen")
            return
        case Outcome.ALREADY_OVER:
            await ack(update, "broadcast_already_over")
            return
        case Outcome.STOPPED:
            await ack(update, "broadcast_stopping")
            await remove_buttons(update)
            return
        case Outcome.CODES_CHANGED:
            await ack(update)
            assert update.callback_query is not None
            await update.callback_query.edit_message_reply_markup(_codes_markup(result))
            return
        case Outcome.STARTED:
            await ack(update)
            await _show_started(update, context, result)
            return
    await ack(update)
    await remove_buttons(update)
    await _answer(update, result)


async def _answer(update: Update, result: Result) -> None:
    match result.outcome:
        case Outcome.ASK_CONTENT:
            await reply(
                update,
                "broadcast_ask_content",
                buttons([[_abort_button()]]),
                limit=TEXT_LIMIT,
                caption_limit=CAPTION_LIMIT,
            )
        case Outcome.ASK_AUDIENCE:
            await reply(update, "broadcast_ask_audience", _kinds_markup(result))
        case Outcome.ASK_CODES:
            assert result.draft is not None and result.draft.kind is not None
            await reply(update, f"broadcast_ask_{result.draft.kind.value}", _codes_markup(result))
        case Outcome.PREVIEW:
            assert result.notice is not None and result.selection is not None
            await _show_notice(update, result.notice)
            await reply(
                update,
                "broadcast_preview",
                buttons(
                    [
                        [
                            (
                                label("broadcast.send", count=len(result.selection.recipients)),
                                CALLBACK_PREFIX + "send",
                            )
                        ],
                        [(label("broadcast.back"), CALLBACK_PREFIX + "back"), _abort_button()],
                    ]
                ),
                audience=result.audience_text,
                recipients=len(result.selection.recipients),
                muted=result.selection.muted,
                unreachable=result.selection.unreachable,
            )
        case Outcome.NO_RECIPIENTS:
            assert result.selection is not None
            await reply(
                update,
                "broadcast_no_recipients",
                _kinds_markup(result),
                audience=result.audience_text,
                muted=result.selection.muted,
                unreachable=result.selection.unreachable,
            )
        case Outcome.EMPTY:
            await reply(update, "broadcast_empty")
        case Outcome.TOO_LONG:
            await reply(update, "broadcast_too_long", length=result.length, limit=result.limit)
        case Outcome.ABORTED:
            await reply(update, "cancelled")


async def _show_notice(update: Update, notice: Content) -> None:
    """The notice exactly as recipients will get it (a direct reply, not an outbox row)."""
    chat = update.effective_chat
    if chat is None:
        return
    match notice.method:
        case Method.PHOTO:
            await chat.send_photo(
                notice.media or "", caption=notice.text, parse_mode=ParseMode.HTML
            )
        case Method.DOCUMENT:
            await chat.send_document(
                notice.media or "", caption=notice.text, parse_mode=ParseMode.HTML
            )
        case _:
            await chat.send_message(
                notice.text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )


async def _show_started(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    """The preview message becomes the progress message; the delivery worker edits it on."""
    query = update.callback_query
    broadcast = result.broadcast
    if query is None or broadcast is None:
        return
    view = progress_view(services(context).ward)
    progress = view(broadcast, Tally.of(broadcast, {Status.PENDING: broadcast.recipients}))
    await query.edit_message_text(
        progress.text,
        parse_mode=ParseMode.HTML,
        reply_markup=reply_markup(progress.keyboard),  # type: ignore[arg-type]
        link_preview_options=NO_PREVIEW,
    )


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{CALLBACK_PREFIX}"))

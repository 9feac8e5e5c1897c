"""Residents and sessions: "Lịch đối thoại", the session card, registering to attend or speak,
cancelling, the map pin, the .ics file, and the deep link ``/start s<id>``."""

from __future__ import annotations

from datetime import datetime

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.documents.ics import ics_filename, session_ics
from bot.domain.deeplink import DeepLink
from bot.domain.people import ChatState
from bot.domain.sessions import SessionStatus
from bot.usecases.sessions import TOPIC_MAX, Listed, RegOutcome, RegResult, Sessions, card
from handlers.common import ack, buttons, home_markup, reply, services
from messages import label, render

PREFIX = "ss:"
FLOW = "session_speak"


def _uc(context: ContextTypes.DEFAULT_TYPE) -> Sessions:
    return Sessions(services(context))


def _card(context: ContextTypes.DEFAULT_TYPE, listed: Listed) -> dict[str, object]:
    username = context.bot.username if context.bot else None
    return card(
        services(context), listed.session, username=username, places_left=listed.places_left
    )


def card_markup(listed: Listed) -> list[list[tuple[str, str]]]:
    session = listed.session
    reg = listed.registration
    sid = session.id
    rows: list[list[tuple[str, str]]] = []
    if session.status is SessionStatus.PUBLISHED:
        active = reg is not None and reg.status.active
        if not active:
            rows.append([(label("sessions.register"), f"ss:reg:{sid}")])
        if reg is None or not reg.speaks or not active:
            rows.append([(label("sessions.speak"), f"ss:spk:{sid}")])
        if active:
            rows.append([(label("sessions.unregister"), f"ss:unreg:{sid}")])
        if session.has_pin:
            rows.append([(label("sessions.map"), f"ss:map:{sid}")])
        rows.append([(label("sessions.ics"), f"ss:ics:{sid}")])
    rows.append([(label("sessions.list"), "ss:list"), (label("menu.back"), "m:home")])
    return rows


async def show_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Main-menu entry "Lịch đối thoại"."""
    user = update.effective_user
    if user is None:
        return
    await ack(update)
    found = await _uc(context).upcoming_for(user.id)
    if not found:
        await reply(update, "session_list_empty", home_markup())
        return
    items = [
        {
            "card": _card(context, item),
            "my_status": item.registration.status.value if item.registration else None,
        }
        for item in found
    ]
    rows = [
        [(f"{i}. {item.session.title[:50]}", f"ss:open:{item.session.id}")]
        for i, item in enumerate(found, 1)
    ]
    rows.append([(label("menu.back"), "m:home")])
    await reply(update, "session_list", buttons(rows), session_items=items)


async def show_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, user_id: int
) -> None:
    listed = await _uc(context).view(session_id, user_id)
    if listed is None:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return
    reg = listed.registration
    await reply(
        update,
        "session_card",
        buttons(card_markup(listed)),
        card=_card(context, listed),
        my_status=reg.status.value if reg and reg.status.active else None,
        speaking_rank=listed.speaking_rank,
        waitlist_rank=listed.waitlist_rank,
        speak_topic=reg.topic if reg else None,
    )


async def open_link(update: Update, context: ContextTypes.DEFAULT_TYPE, link: DeepLink) -> None:
    """``/start s<id>`` after onboarding: straight to that session's card."""
    user = update.effective_user
    if user is None:
        return
    await show_card(update, context, int(link.ref), user.id)


async def _registered(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: RegResult
) -> None:
    session = result.session
    view = card(services(context), session) if session else None
    reg = result.registration
    match result.outcome:
        case RegOutcome.REGISTERED | RegOutcome.SPEAKER:
            await reply(
                update,
                "session_registered",
                home_markup(),
                card=view,
                speaking_rank=result.speaking_rank,
                speak_topic=reg.topic if reg else None,
            )
        case RegOutcome.WAITLISTED:
            await reply(
                update,
                "session_waitlisted",
                home_markup(),
                card=view,
                waitlist_rank=result.waitlist_rank,
                speak_topic=reg.topic if reg else None,
            )
        case RegOutcome.ALREADY:
            await reply(
                update,
                "session_already",
                home_markup(),
                card=view,
                speaking_rank=result.speaking_rank,
                waitlist_rank=result.waitlist_rank,
            )
        case RegOutcome.CANCELLED:
            await reply(update, "session_unregistered", home_markup(), card=view)
        case RegOutcome.CONFIRMED:
            await reply(update, "session_confirmed", home_markup(), card=view)
        case RegOutcome.TOPIC_INVALID:
            await reply(update, "session_topic_invalid", max_length=TOPIC_MAX)
        case RegOutcome.NOT_ONBOARDED:
            await reply(update, "not_registered")
        case _:
            await reply(update, "session_closed", home_markup(), closed=result.outcome.value)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    parts = query.data.removeprefix(PREFIX).split(":")
    action = parts[0]
    if action == "list":
        await show_list(update, context)
        return
    if len(parts) != 2 or not parts[1].isdigit():
        await ack(update, "button_expired")
        return
    sid = int(parts[1])
    uc = _uc(context)
    await ack(update)
    match action:
        case "open":
            await show_card(update, context, sid, user.id)
        case "reg":
            await _registered(update, context, await uc.register(user.id, sid))
        case "spk":
            await _ask_topic(update, context, sid, user.id)
        case "unreg":
            await _registered(update, context, await uc.cancel_registration(user.id, sid))
        case "ok":
            await _registered(update, context, await uc.confirm(user.id, sid))
        case "map":
            await _send_map(update, context, sid, user.id)
        case "ics":
            await _send_ics(update, context, sid, user.id)
        case _:
            await reply(update, "button_expired")


async def _ask_topic(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, user_id: int
) -> None:
    listed = await _uc(context).view(session_id, user_id)
    if listed is None or listed.session.status is not SessionStatus.PUBLISHED:
        closed = "not_found" if listed is None else "session_cancelled"
        await reply(update, "session_closed", home_markup(), closed=closed)
        return
    now = services(context).clock.now()
    if listed.session.starts_at <= now:
        await reply(update, "session_closed", home_markup(), closed="past")
        return
    async with services(context).store.transaction() as uow:
        await uow.chat_states.put(ChatState(user_id, FLOW, "topic", {"session": session_id}, now))
    await reply(update, "session_ask_topic", card=_card(context, listed), max_length=TOPIC_MAX)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """The speaking topic (nội dung phát biểu), typed."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    result = await _uc(context).register(user.id, int(state.data["session"]), topic=message.text)
    if result.outcome is not RegOutcome.TOPIC_INVALID:
        async with services(context).store.transaction() as uow:
            await uow.chat_states.clear(user.id)
    await _registered(update, context, result)


async def _send_map(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, user_id: int
) -> None:
    listed = await _uc(context).view(session_id, user_id)
    chat = update.effective_chat
    if listed is None or chat is None or not listed.session.has_pin:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return
    session = listed.session
    assert session.latitude is not None and session.longitude is not None
    await chat.send_venue(
        latitude=session.latitude,
        longitude=session.longitude,
        title=session.title[:100],
        address=(session.venue or session.title)[:100],
    )


async def _send_ics(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, user_id: int
) -> None:
    listed = await _uc(context).view(session_id, user_id)
    chat = update.effective_chat
    if listed is None or chat is None:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return
    await send_ics(update, context, listed.session.id)


async def send_ics(update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int) -> None:
    chat = update.effective_chat
    session = await _uc(context).get(session_id)
    if chat is None or session is None:
        return
    now: datetime = services(context).clock.now()
    data = session_ics(services(context), session, username=context.bot.username, now=now)
    await chat.send_document(
        InputFile(data, filename=ics_filename(session)),
        caption=render("session_file_caption", card=card(services(context), session)),
        parse_mode=ParseMode.HTML,
    )


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

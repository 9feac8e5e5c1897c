"""Routing of free input (text, contacts, media) to the flow the person is in; /cancel; the rest.

Registered last, so every update that no flow claimed still gets a clear answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.domain.people import ChatState, Consent
from bot.usecases import broadcast as broadcast_uc
from bot.usecases import conclusion as conclusion_uc
from bot.usecases import dossier as dossier_uc
from bot.usecases import onboarding as onboarding_uc
from bot.usecases import petitions as petitions_uc
from bot.usecases import profile as profile_uc
from bot.usecases import survey as survey_uc
from bot.usecases import workflow as workflow_uc
from bot.usecases.conversation import CancelOutcome, Conversation
from handlers import (
    broadcast,
    conclusion,
    onboarding,
    petitions,
    profile,
    reports,
    sessions_admin,
    sessions_resident,
    survey,
    workflow_supervisor,
    workflow_unit,
)
from handlers.common import MAX_TEXT, ack, buttons, reply, services
from messages import label

FlowHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, ChatState], Awaitable[None]]

TEXT_HANDLERS: dict[str, FlowHandler] = {
    onboarding_uc.FLOW: onboarding.on_text,
    profile_uc.FLOW: profile.on_text,
    broadcast_uc.FLOW: broadcast.on_text,
    petitions_uc.FLOW: petitions.on_text,
    petitions_uc.STAFF_FLOW: petitions.on_text,
    sessions_admin.FLOW: sessions_admin.on_text,
    sessions_resident.FLOW: sessions_resident.on_text,
}
TEXT_HANDLERS[workflow_uc.FLOW] = workflow_unit.on_text
TEXT_HANDLERS[workflow_uc.TRAIL_FLOW] = workflow_supervisor.on_code
TEXT_HANDLERS[conclusion_uc.FLOW] = conclusion.on_text
TEXT_HANDLERS[survey_uc.FLOW] = survey.on_text
TEXT_HANDLERS[dossier_uc.FLOW] = reports.on_text
CONTACT_HANDLERS: dict[str, FlowHandler] = {
    onboarding_uc.FLOW: onboarding.on_contact,
    profile_uc.FLOW: profile.on_contact,
}
MEDIA_HANDLERS: dict[str, FlowHandler] = {
    broadcast_uc.FLOW: broadcast.on_media,
    petitions_uc.FLOW: petitions.on_media,
    sessions_admin.FLOW: sessions_admin.on_location,
    petitions_uc.STAFF_FLOW: petitions.on_media,
}
MEDIA_HANDLERS[workflow_uc.FLOW] = workflow_unit.on_media


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    outcome = await Conversation(services(context)).cancel(user.id)
    template = {
        CancelOutcome.CANCELLED: "cancelled",
        CancelOutcome.ONBOARDING_PAUSED: "cancelled_onboarding",
        CancelOutcome.NOTHING: "nothing_to_cancel",
    }[outcome]
    await reply(update, template, ReplyKeyboardRemove())


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return
    if len(message.text) > MAX_TEXT:
        await reply(update, "text_too_long", length=len(message.text), limit=MAX_TEXT)
        return
    state = await Conversation(services(context)).current(user.id)
    if state is not None and state.flow in TEXT_HANDLERS:
        await TEXT_HANDLERS[state.flow](update, context, state)
        return
    await _not_understood(update, context, user.id)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    state = await Conversation(services(context)).current(user.id)
    if state is not None and state.flow in CONTACT_HANDLERS:
        await CONTACT_HANDLERS[state.flow](update, context, state)
        return
    await _not_understood(update, context, user.id)


async def on_other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice, photos... where no flow asked for them."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    state = await Conversation(services(context)).current(user.id)
    if state is not None and state.flow in MEDIA_HANDLERS:
        await MEDIA_HANDLERS[state.flow](update, context, state)
        return
    await reply(update, "unsupported_media", media=label(f"media.{_media_kind(message)}"))


def _media_kind(message: Message) -> str:
    for kind in ("sticker", "voice", "photo", "video", "document", "location", "contact"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def _not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    async with services(context).store.read() as uow:
        resident = await uow.residents.get(user_id)
        staff = await uow.staff.get(user_id)
    if staff is None and resident is not None and resident.consent is Consent.REFUSED:
        await reply(
            update,
            "consent_refused_reminder",
            buttons([[(label("consent.review"), "ob:review")]]),
        )
    elif staff is None and (resident is None or not resident.is_onboarded):
        await reply(update, "not_registered")
    else:
        await reply(update, "unknown_input")


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data no flow recognises: forged, or from an old version of the bot."""
    await ack(update, "button_expired")


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("cancel", cancel))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(private & filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(private & filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, on_other_message))
    app.add_handler(CallbackQueryHandler(on_unknown_button))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, "unknown_input")

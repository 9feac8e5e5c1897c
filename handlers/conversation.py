"""Routing of free input (text, contacts, media) to the flow the person is in; /cancel; the rest.

Registered as the router's fallbacks, so every event that no flow claimed still gets a clear
answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation.events import EventKind
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState, Consent
from bot.usecases import broadcast as broadcast_uc
from bot.usecases import conclusion as conclusion_uc
from bot.usecases import dossier as dossier_uc
from bot.usecases import linking as linking_uc
from bot.usecases import onboarding as onboarding_uc
from bot.usecases import petitions as petitions_uc
from bot.usecases import profile as profile_uc
from bot.usecases import survey as survey_uc
from bot.usecases import workflow as workflow_uc
from bot.usecases.conversation import CancelOutcome, Conversation
from handlers import (
    broadcast,
    conclusion,
    linking,
    onboarding,
    petitions,
    profile,
    reports,
    sessions_admin,
    sessions_resident,
    survey,
    web_login,
    workflow_supervisor,
    workflow_unit,
)
from handlers.common import MAX_TEXT
from messages import label

FlowHandler = Callable[[Turn, ChatState], Awaitable[None]]

TEXT_HANDLERS: dict[str, FlowHandler] = {
    onboarding_uc.FLOW: onboarding.on_text,
    profile_uc.FLOW: profile.on_text,
    broadcast_uc.FLOW: broadcast.on_text,
    petitions_uc.FLOW: petitions.on_text,
    petitions_uc.STAFF_FLOW: petitions.on_text,
    sessions_admin.FLOW: sessions_admin.on_text,
    sessions_resident.FLOW: sessions_resident.on_text,
    workflow_uc.FLOW: workflow_unit.on_text,
    workflow_uc.TRAIL_FLOW: workflow_supervisor.on_code,
    conclusion_uc.FLOW: conclusion.on_text,
    survey_uc.FLOW: survey.on_text,
    dossier_uc.FLOW: reports.on_text,
    linking_uc.FLOW: linking.on_text,
}
CONTACT_HANDLERS: dict[str, FlowHandler] = {
    onboarding_uc.FLOW: onboarding.on_contact,
    profile_uc.FLOW: profile.on_contact,
}
MEDIA_HANDLERS: dict[str, FlowHandler] = {
    broadcast_uc.FLOW: broadcast.on_media,
    petitions_uc.FLOW: petitions.on_media,
    sessions_admin.FLOW: sessions_admin.on_location,
    petitions_uc.STAFF_FLOW: petitions.on_media,
    workflow_uc.FLOW: workflow_unit.on_media,
}


async def cancel(turn: Turn) -> None:
    outcome = await Conversation(turn.services).cancel(turn.person_id)
    template = {
        CancelOutcome.CANCELLED: "cancelled",
        CancelOutcome.ONBOARDING_PAUSED: "cancelled_onboarding",
        CancelOutcome.NOTHING: "nothing_to_cancel",
    }[outcome]
    await turn.reply(template, clear_keyboard=True)


async def on_text(turn: Turn) -> None:
    if len(turn.text) > MAX_TEXT:
        await turn.reply("text_too_long", length=len(turn.text), limit=MAX_TEXT)
        return
    state = await Conversation(turn.services).current(turn.person_id)
    if state is not None and state.flow in TEXT_HANDLERS:
        await TEXT_HANDLERS[state.flow](turn, state)
        return
    if web_login.is_request(turn.text):
        await web_login.send_link(turn)
        return
    await _not_understood(turn)


async def on_contact(turn: Turn) -> None:
    state = await Conversation(turn.services).current(turn.person_id)
    if state is not None and state.flow in CONTACT_HANDLERS:
        await CONTACT_HANDLERS[state.flow](turn, state)
        return
    await _not_understood(turn)


async def on_other_message(turn: Turn) -> None:
    """Stickers, voice, photos... where no flow asked for them."""
    state = await Conversation(turn.services).current(turn.person_id)
    if state is not None and state.flow in MEDIA_HANDLERS:
        await MEDIA_HANDLERS[state.flow](turn, state)
        return
    await turn.reply("unsupported_media", media=label(f"media.{turn.event.kind.value}"))


async def _not_understood(turn: Turn) -> None:
    async with turn.services.store.read() as uow:
        resident = await uow.residents.get(turn.person_id)
        staff = await uow.staff.get(turn.person_id)
    if staff is None and resident is not None and resident.consent is Consent.REFUSED:
        await turn.reply("consent_refused_reminder", [[(label("consent.review"), "ob:review")]])
    elif staff is None and (resident is None or not resident.is_onboarded):
        await turn.reply("not_registered")
    else:
        await turn.reply("unknown_input")


async def on_unknown_button(turn: Turn) -> None:
    """A payload no flow recognises: forged, typed by hand, or from an old version of the bot."""
    await turn.ack("button_expired")


async def on_unknown_command(turn: Turn) -> None:
    await turn.reply("unknown_input")


def register(router: Router) -> None:
    router.command("cancel", cancel)
    router.fallback(EventKind.TEXT, on_text)
    router.fallback(EventKind.CONTACT, on_contact)
    router.fallback(EventKind.COMMAND, on_unknown_command)
    router.fallback(EventKind.BUTTON, on_unknown_button)
    router.fallback(EventKind.OTHER, on_other_message)

"""«Gửi ý kiến, kiến nghị»: the guided petition flow (residents, and secretaries on behalf).

Both flows share the steps and their presentation (handlers/petitions_view.py); the draft is in
``chat_states``, typed text and media reach it through the conversation router. Button data:
``pe:<action>[:<value>]``; a button from an older step is refused because the use case checks
the step it belongs to.
"""

from __future__ import annotations

from bot.conversation.events import EventKind
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.petitions import AttachmentKind
from bot.usecases.petitions import FLOW, Outcome, Petitions, Result, Step
from handlers.petitions_view import PREFIX, confirm_rows, present, summary_context
from messages import label

_ATTACHMENT_KINDS = {
    EventKind.PHOTO: AttachmentKind.PHOTO,
    EventKind.DOCUMENT: AttachmentKind.DOCUMENT,
    EventKind.VOICE: AttachmentKind.VOICE,
}


def _use_case(turn: Turn) -> Petitions:
    return Petitions(turn.services)


async def start(turn: Turn) -> None:
    """The main menu's «Gửi ý kiến, kiến nghị»: a draft in progress resumes."""
    await turn.ack()
    await present(turn, await _use_case(turn).begin(turn.person_id))


async def on_button(turn: Turn) -> None:
    action, _, value = turn.payload.removeprefix(PREFIX).partition(":")
    use_case = _use_case(turn)
    person = turn.person_id
    result: Result
    match action:
        case "k":
            result = await use_case.choose_kind(person, value)
        case "s":
            result = await use_case.choose_session(person, value)
        case "f":
            result = await use_case.choose_field(person, value)
        case "c":
            result = await use_case.choose_channel(person, value)
        case "next":
            result = await use_case.proceed(person)
        case "skip":
            result = await use_case.skip(person, value)
        case "back":
            result = await use_case.back(person, value)
        case "e":
            result = await use_case.edit(person, value)
        case "named" | "public":
            if action == "named":
                result = await use_case.toggle_named(person)
            else:
                result = await use_case.toggle_public(person)
            if result.outcome is Outcome.ASK:
                await turn.ack()
                await turn.edit(
                    "petition_summary", confirm_rows(result), **summary_context(turn, result)
                )
                return
        case "send":
            result = await use_case.submit(person, via=turn.event.channel)
        case "x":
            result = await use_case.cancel(person)
        case _:
            result = Result(Outcome.NOT_EXPECTED)
    if result.outcome is Outcome.NOT_EXPECTED:
        await turn.ack("button_expired")
        return
    if result.outcome is Outcome.NOT_ALLOWED:
        await turn.ack("not_allowed")
        return
    if result.outcome is Outcome.EMPTY_CONTENT:
        await turn.ack("petition_empty_content")
        return
    await turn.ack()
    if result.outcome is not Outcome.LIMIT_REACHED:
        await turn.remove_buttons()
    await present(turn, result)


async def on_text(turn: Turn, state: ChatState) -> None:
    """Typed text: the answer of a text step, or one of the address step's suggested answers."""
    use_case = _use_case(turn)
    person = turn.person_id
    text = turn.text.strip()
    at_address = state.flow == FLOW and state.step == Step.ADDRESS
    if at_address and text == label("petitions.skip_address"):
        result, noted = await use_case.skip(person, Step.ADDRESS.value), "none"
    elif at_address and text == label("petitions.back"):
        result, noted = await use_case.back(person, Step.ADDRESS.value), "back"
    elif at_address and text == label("petitions.cancel"):
        result, noted = await use_case.cancel(person), ""
    elif state.step in (Step.CONTENT, Step.ADDRESS, Step.NAME, Step.PERSON_ADDRESS, Step.PHONE):
        result, noted = await use_case.write(person, turn.text), "address"
    else:
        await present(turn, Result(Outcome.NOT_EXPECTED))
        return
    if at_address and result.outcome is Outcome.CANCELLED:
        await turn.reply("cancelled", clear_keyboard=True)
        return
    await _leave_address(turn, state, result, noted)
    await present(turn, result)


async def _leave_address(turn: Turn, state: ChatState, result: Result, noted: str) -> None:
    """The location keyboard of the address step goes away once the step is done."""
    if state.flow != FLOW or state.step != Step.ADDRESS or result.step is Step.ADDRESS:
        return
    await turn.reply("petition_address_noted", clear_keyboard=True, noted=noted)


async def on_media(turn: Turn, state: ChatState) -> None:
    """Photos, documents and voice notes are attachments; a location pin gives the place."""
    use_case = _use_case(turn)
    event = turn.event
    if event.location is not None:
        result = await use_case.locate(
            turn.person_id, event.location.latitude, event.location.longitude
        )
        if result.outcome is Outcome.NOT_EXPECTED:
            await turn.reply("petition_media_not_accepted", media=label("media.location"))
            return
        await _leave_address(turn, state, result, "location")
        await present(turn, result)
        return
    kind = _ATTACHMENT_KINDS.get(event.kind)
    attachment = event.attachment
    if kind is None or attachment is None or state.step != Step.CONTENT:
        await turn.reply("petition_media_not_accepted", media=label(f"media.{event.kind.value}"))
        return
    result = await use_case.attach(turn.person_id, kind, attachment.ref)
    if result.outcome is Outcome.CONTENT_SAVED and turn.text:
        result = await use_case.write(turn.person_id, turn.text)
    await present(turn, result)


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

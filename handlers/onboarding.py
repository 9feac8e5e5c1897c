"""/start and the resident's first steps: consent, name, residential group, phone."""

from __future__ import annotations

from bot.conversation.events import EventKind
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.usecases.accounts import account_left
from bot.usecases.onboarding import NAME_MAX, Onboarding, Outcome, Result, Step
from handlers import menu
from handlers.common import Rows, office
from handlers.keyboards import group_markup, phone_keyboard, phone_labels
from messages import label

PREFIX = "ob:"


def _use_case(turn: Turn) -> Onboarding:
    return Onboarding(turn.services)


async def start(turn: Turn) -> None:
    payload = turn.event.args[0] if turn.event.args else None
    result = await _use_case(turn).start(turn.person_id, turn.event.display_name, payload)
    ward_name = turn.services.ward.ward.name
    if result.outcome is Outcome.READY:
        if result.staff is not None:
            await turn.staff_menu(True)
        await menu.show_home(turn, result.staff)
        await menu.hand_off(turn, result.link)
        return
    if result.first_time or result.outcome is Outcome.ASK_CONSENT:
        name = turn.event.short_name or turn.event.display_name
        await turn.reply("welcome", name=name, ward_name=ward_name)
    await show_step(turn, result)


async def show_step(turn: Turn, result: Result) -> None:
    """Ask for what the outcome says is missing, or finish onboarding."""
    ward_name = turn.services.ward.ward.name
    match result.outcome:
        case Outcome.ASK_CONSENT:
            await turn.reply(
                "consent_notice",
                [[(label("consent.yes"), "ob:yes"), (label("consent.no"), "ob:no")]],
                ward_name=ward_name,
            )
        case Outcome.ASK_NAME:
            rows: Rows = []
            if result.suggested_name:
                rows.append(
                    [(label("onboarding.use_name", name=result.suggested_name), "ob:tgname")]
                )
            await turn.reply("ask_name", rows, suggested_name=result.suggested_name)
        case Outcome.ASK_GROUP:
            await turn.reply("ask_group", group_markup(turn, PREFIX))
        case Outcome.ASK_PHONE:
            await turn.reply("ask_phone", phone_keyboard(), **phone_labels())
        case Outcome.INVALID_NAME:
            await turn.reply("name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await turn.reply("phone_invalid", **phone_labels())
        case Outcome.NOT_OWN_CONTACT:
            await turn.reply("phone_not_own", **phone_labels())
        case Outcome.UNKNOWN_GROUP | Outcome.NOT_EXPECTED:
            await turn.reply("button_expired")
        case Outcome.REFUSED:
            await turn.reply(
                "consent_refused", [[(label("consent.review"), "ob:review")]], **office(turn)
            )
        case Outcome.READY:
            resident = result.resident
            assert resident is not None and resident.full_name is not None
            group = turn.services.ward.group(resident.group_code or "")
            await turn.reply(
                "onboarding_done",
                clear_keyboard=True,
                name=resident.full_name,
                group_name=group.name if group else None,
                ward_name=ward_name,
            )
            await menu.show_home(turn, None)
            await menu.hand_off(turn, result.link)


async def on_button(turn: Turn) -> None:
    action = turn.payload.removeprefix(PREFIX)
    use_case = _use_case(turn)
    if action == "review":
        await turn.ack()
        await turn.remove_buttons()
        await show_step(turn, Result(Outcome.ASK_CONSENT))
        return
    if action in ("yes", "no"):
        result = await use_case.answer_consent(turn.person_id, accepted=action == "yes")
    elif action == "tgname":
        result = await use_case.use_telegram_name(turn.person_id)
    elif action.startswith("g:"):
        code = action.removeprefix("g:")
        result = await use_case.set_group(turn.person_id, None if code == "-" else code)
    else:
        result = Result(Outcome.NOT_EXPECTED)
    if result.outcome in (Outcome.NOT_EXPECTED, Outcome.UNKNOWN_GROUP):
        await turn.ack("button_expired")
        return
    await turn.ack()
    await turn.remove_buttons()
    await show_step(turn, result)


async def on_text(turn: Turn, state: ChatState) -> None:
    """Typed text while onboarding: the name, or the phone at the phone step."""
    use_case = _use_case(turn)
    if state.step == Step.NAME:
        await show_step(turn, await use_case.set_name(turn.person_id, turn.text))
    elif state.step == Step.PHONE:
        skip = turn.text.strip() == label("onboarding.skip_phone")
        phone = None if skip else turn.text
        await show_step(turn, await use_case.set_phone(turn.person_id, phone))
    else:
        await turn.reply("use_buttons")


async def on_contact(turn: Turn, state: ChatState) -> None:
    if state.step != Step.PHONE:
        await turn.reply("use_buttons")
        return
    result = await _use_case(turn).set_phone(
        turn.person_id, turn.event.phone, own_contact=turn.own_contact
    )
    await show_step(turn, result)


async def on_unfollow(turn: Turn) -> None:
    """The person left the channel (Zalo's unfollow): no answer is possible there."""
    event = turn.event
    await account_left(turn.services, turn.person_id, event.channel, event.account_id)


def register(router: Router) -> None:
    router.command("start", start)
    router.fallback(EventKind.FOLLOW, start)
    router.fallback(EventKind.UNFOLLOW, on_unfollow)
    router.button(PREFIX, on_button)

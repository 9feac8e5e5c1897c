"""/start and the resident's first steps: consent, name, residential group, phone."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.domain.people import ChatState
from bot.usecases.onboarding import NAME_MAX, Onboarding, Outcome, Result, Step
from handlers import menu
from handlers.commands import set_staff_commands
from handlers.common import ack, buttons, office, remove_buttons, reply, services
from messages import label

PREFIX = "ob:"


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Onboarding:
    return Onboarding(services(context))


def group_markup(context: ContextTypes.DEFAULT_TYPE, prefix: str) -> list[list[tuple[str, str]]]:
    rows = [[(group.name, f"{prefix}g:{group.code}")] for group in services(context).ward.groups]
    rows.append([(label("onboarding.no_group"), f"{prefix}g:-")])
    return rows


def phone_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(label("onboarding.share_phone"), request_contact=True)],
            [KeyboardButton(label("onboarding.skip_phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=label("onboarding.phone_placeholder"),
    )


def phone_labels() -> dict[str, str]:
    return {
        "share_label": label("onboarding.share_phone"),
        "skip_label": label("onboarding.skip_phone"),
    }


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    payload = context.args[0] if context.args else None
    result = await _use_case(context).start(user.id, user.full_name, payload)
    ward_name = services(context).ward.ward.name
    if result.outcome is Outcome.READY:
        if result.staff is not None:
            await set_staff_commands(context.bot, user.id)
        await menu.show_home(update, context, result.staff)
        await menu.hand_off(update, context, result.link)
        return
    if result.first_time or result.outcome is Outcome.ASK_CONSENT:
        await reply(update, "welcome", name=user.first_name, ward_name=ward_name)
    await show_step(update, context, result)


async def show_step(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    """Ask for what the outcome says is missing, or finish onboarding."""
    ward_name = services(context).ward.ward.name
    match result.outcome:
        case Outcome.ASK_CONSENT:
            await reply(
                update,
                "consent_notice",
                buttons([[(label("consent.yes"), "ob:yes"), (label("consent.no"), "ob:no")]]),
                ward_name=ward_name,
            )
        case Outcome.ASK_NAME:
            rows = []
            if result.suggested_name:
                rows.append(
                    [(label("onboarding.use_name", name=result.suggested_name), "ob:tgname")]
                )
            await reply(
                update,
                "ask_name",
                buttons(rows) if rows else None,
                suggested_name=result.suggested_name,
            )
        case Outcome.ASK_GROUP:
            await reply(update, "ask_group", buttons(group_markup(context, PREFIX)))
        case Outcome.ASK_PHONE:
            await reply(update, "ask_phone", phone_keyboard(), **phone_labels())
        case Outcome.INVALID_NAME:
            await reply(update, "name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await reply(update, "phone_invalid", **phone_labels())
        case Outcome.NOT_OWN_CONTACT:
            await reply(update, "phone_not_own", **phone_labels())
        case Outcome.UNKNOWN_GROUP | Outcome.NOT_EXPECTED:
            await reply(update, "button_expired")
        case Outcome.REFUSED:
            await reply(
                update,
                "consent_refused",
                buttons([[(label("consent.review"), "ob:review")]]),
                **office(context),
            )
        case Outcome.READY:
            resident = result.resident
            assert resident is not None and resident.full_name is not None
            group = services(context).ward.group(resident.group_code or "")
            await reply(
                update,
                "onboarding_done",
                ReplyKeyboardRemove(),
                name=resident.full_name,
                group_name=group.name if group else None,
                ward_name=ward_name,
            )
            await menu.show_home(update, context, None)
            await menu.hand_off(update, context, result.link)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None or query.data is None:
        return
    action = query.data.removeprefix(PREFIX)
    use_case = _use_case(context)
    if action == "review":
        await ack(update)
        await remove_buttons(update)
        await show_step(update, context, Result(Outcome.ASK_CONSENT))
        return
    if action in ("yes", "no"):
        result = await use_case.answer_consent(user.id, accepted=action == "yes")
    elif action == "tgname":
        result = await use_case.use_telegram_name(user.id)
    elif action.startswith("g:"):
        code = action.removeprefix("g:")
        result = await use_case.set_group(user.id, None if code == "-" else code)
    else:
        result = Result(Outcome.NOT_EXPECTED)
    if result.outcome in (Outcome.NOT_EXPECTED, Outcome.UNKNOWN_GROUP):
        await ack(update, "button_expired")
        return
    await ack(update)
    await remove_buttons(update)
    await show_step(update, context, result)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """Typed text while onboarding: the name, or the phone at the phone step."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    use_case = _use_case(context)
    if state.step == Step.NAME:
        await show_step(update, context, await use_case.set_name(user.id, message.text))
    elif state.step == Step.PHONE:
        skip = message.text.strip() == label("onboarding.skip_phone")
        phone = None if skip else message.text
        await show_step(update, context, await use_case.set_phone(user.id, phone))
    else:
        await reply(update, "use_buttons")


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.contact is None:
        return
    if state.step != Step.PHONE:
        await reply(update, "use_buttons")
        return
    result = await _use_case(context).set_phone(
        user.id, message.contact.phone_number, contact_owner=message.contact.user_id
    )
    await show_step(update, context, result)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

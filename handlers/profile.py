"""/hoso (see and edit the profile) and /xoadulieu (delete personal data)."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.domain.people import ChatState
from bot.domain.sessions import SocialGroup
from bot.usecases.onboarding import NAME_MAX
from bot.usecases.profile import Field, Outcome, Profile, Result, social_order
from handlers.common import ack, buttons, home_markup, remove_buttons, reply, services
from handlers.onboarding import group_markup, phone_keyboard, phone_labels
from messages import label

PREFIX = "pf:"


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Profile:
    return Profile(services(context))


def _group_name(context: ContextTypes.DEFAULT_TYPE, code: str | None) -> str | None:
    group = services(context).ward.group(code or "")
    return group.name if group else None


def _social_names(codes: tuple[str, ...]) -> list[str]:
    return [label(f"sessions.social.{code}") for code in social_order(codes)]


def social_markup(chosen: tuple[str, ...]) -> list[list[tuple[str, str]]]:
    """One toggle per social group (nhóm xã hội) and "Xong"; the message is edited in place."""
    rows = [
        [
            (
                label(
                    "social_groups.checked" if g.value in chosen else "social_groups.unchecked",
                    name=label(f"sessions.social.{g.value}"),
                ),
                f"pf:s:{g.value}",
            )
        ]
        for g in SocialGroup
    ]
    rows.append([(label("social_groups.done"), "pf:sdone")])
    return rows


def _field_label(field: Field) -> str:
    if field is Field.SOCIAL_GROUPS:
        return label("social_groups.field")
    return label(f"fields.{field.value}")


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    await present(update, context, await _use_case(context).show(user.id))


async def present(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    resident = result.resident
    match result.outcome:
        case Outcome.NOT_REGISTERED:
            await reply(update, "not_registered")
        case Outcome.SHOWN:
            assert resident is not None
            await reply(
                update,
                "profile",
                buttons(
                    [
                        [(label("profile.edit_name"), "pf:name")],
                        [(label("profile.edit_group"), "pf:group")],
                        [(label("social_groups.mine"), "pf:social")],
                        [(label("profile.edit_phone"), "pf:phone")],
                        [(label("profile.delete"), "pf:delete")],
                        [(label("menu.back"), "m:home")],
                    ]
                ),
                name=resident.full_name,
                group_name=_group_name(context, resident.group_code),
                social_names=_social_names(resident.social_groups),
                phone=resident.phone,
                consent_at=resident.consent_at,
                tz=services(context).ward.ward.timezone,
            )
        case Outcome.ASK_NAME:
            assert resident is not None
            await reply(update, "profile_ask_name", name=resident.full_name)
        case Outcome.ASK_GROUP:
            assert resident is not None
            await reply(
                update,
                "profile_ask_group",
                buttons(group_markup(context, PREFIX)),
                group_name=_group_name(context, resident.group_code),
            )
        case Outcome.ASK_SOCIAL_GROUPS:
            await reply(
                update,
                "profile_ask_social_groups",
                buttons(social_markup(result.chosen)),
                done_label=label("social_groups.done"),
            )
        case Outcome.ASK_PHONE:
            assert resident is not None
            await reply(
                update,
                "profile_ask_phone",
                phone_keyboard(),
                phone=resident.phone,
                **phone_labels(),
            )
        case Outcome.UPDATED:
            assert result.field is not None
            await reply(
                update,
                "profile_updated",
                ReplyKeyboardRemove(),
                field_label=_field_label(result.field),
            )
            await show(update, context)
        case Outcome.INVALID_NAME:
            await reply(update, "name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await reply(update, "phone_invalid", **phone_labels())
        case Outcome.NOT_OWN_CONTACT:
            await reply(update, "phone_not_own", **phone_labels())
        case Outcome.CONFIRM_DELETE:
            await reply(
                update,
                "delete_confirm",
                buttons(
                    [[(label("delete.confirm"), "pf:del:yes"), (label("delete.keep"), "pf:del:no")]]
                ),
            )
        case Outcome.DELETED:
            await reply(update, "delete_done", ReplyKeyboardRemove())
        case Outcome.NOTHING_TO_DELETE:
            await reply(update, "nothing_to_delete")
        case Outcome.UNKNOWN_GROUP | Outcome.NOT_EXPECTED | Outcome.SOCIAL_TOGGLED:
            await reply(update, "button_expired", home_markup())


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    await present(update, context, await _use_case(context).ask_delete(user.id))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    action = query.data.removeprefix(PREFIX)
    use_case = _use_case(context)
    if action in ("name", "group", "phone"):
        result = await use_case.begin_edit(user.id, Field(action))
    elif action == "social":
        result = await use_case.begin_edit(user.id, Field.SOCIAL_GROUPS)
    elif action.startswith("s:"):
        result = await use_case.toggle_social_group(user.id, action.removeprefix("s:"))
        if result.outcome is Outcome.SOCIAL_TOGGLED and query.message is not None:
            await ack(update)
            await query.edit_message_reply_markup(buttons(social_markup(result.chosen)))
            return
    elif action == "sdone":
        result = await use_case.save_social_groups(user.id)
    elif action.startswith("g:"):
        code = action.removeprefix("g:")
        result = await use_case.set_group(user.id, None if code == "-" else code)
    elif action == "delete":
        result = await use_case.ask_delete(user.id)
    elif action == "del:yes":
        result = await use_case.delete_personal_data(user.id)
    elif action == "del:no":
        await ack(update)
        await remove_buttons(update)
        await reply(update, "delete_kept", home_markup())
        return
    else:
        result = Result(Outcome.NOT_EXPECTED)
    if result.outcome in (Outcome.NOT_EXPECTED, Outcome.UNKNOWN_GROUP):
        await ack(update, "button_expired")
        return
    await ack(update)
    await remove_buttons(update)
    await present(update, context, result)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    use_case = _use_case(context)
    if state.step == Field.NAME:
        result = await use_case.set_name(user.id, message.text)
    elif state.step == Field.PHONE:
        skip = message.text.strip() == label("onboarding.skip_phone")
        result = await use_case.set_phone(user.id, None if skip else message.text)
    else:
        await reply(update, "use_buttons")
        return
    await present(update, context, result)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.contact is None:
        return
    if state.step != Field.PHONE:
        await reply(update, "use_buttons")
        return
    result = await _use_case(context).set_phone(
        user.id, message.contact.phone_number, contact_owner=message.contact.user_id
    )
    await present(update, context, result)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("hoso", show))
    app.add_handler(CommandHandler("xoadulieu", delete_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

"""/hoso (see and edit the profile) and /xoadulieu (delete personal data)."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.sessions import SocialGroup
from bot.usecases.onboarding import NAME_MAX
from bot.usecases.profile import Field, Outcome, Profile, Result, social_order
from handlers.common import Rows, home_markup
from handlers.keyboards import group_markup, phone_keyboard, phone_labels
from messages import label

PREFIX = "pf:"


def _use_case(turn: Turn) -> Profile:
    return Profile(turn.services)


def _group_name(turn: Turn, code: str | None) -> str | None:
    group = turn.services.ward.group(code or "")
    return group.name if group else None


def _social_names(codes: tuple[str, ...]) -> list[str]:
    return [label(f"sessions.social.{code}") for code in social_order(codes)]


def social_markup(chosen: tuple[str, ...]) -> Rows:
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


async def show(turn: Turn) -> None:
    await present(turn, await _use_case(turn).show(turn.person_id))


async def present(turn: Turn, result: Result) -> None:
    resident = result.resident
    match result.outcome:
        case Outcome.NOT_REGISTERED:
            await turn.reply("not_registered")
        case Outcome.SHOWN:
            assert resident is not None
            await turn.reply(
                "profile",
                [
                    [(label("profile.edit_name"), "pf:name")],
                    [(label("profile.edit_group"), "pf:group")],
                    [(label("social_groups.mine"), "pf:social")],
                    [(label("profile.edit_phone"), "pf:phone")],
                    [(label("link.button"), "lk:new")],
                    [(label("profile.delete"), "pf:delete")],
                    [(label("menu.back"), "m:home")],
                ],
                name=resident.full_name,
                group_name=_group_name(turn, resident.group_code),
                social_names=_social_names(resident.social_groups),
                phone=resident.phone,
                consent_at=resident.consent_at,
                tz=turn.services.ward.ward.timezone,
            )
        case Outcome.ASK_NAME:
            assert resident is not None
            await turn.reply("profile_ask_name", name=resident.full_name)
        case Outcome.ASK_GROUP:
            assert resident is not None
            await turn.reply(
                "profile_ask_group",
                group_markup(turn, PREFIX),
                group_name=_group_name(turn, resident.group_code),
            )
        case Outcome.ASK_SOCIAL_GROUPS:
            await _ask_social_groups(turn, result.chosen)
        case Outcome.ASK_PHONE:
            assert resident is not None
            await turn.reply(
                "profile_ask_phone", phone_keyboard(), phone=resident.phone, **phone_labels()
            )
        case Outcome.UPDATED:
            assert result.field is not None
            await turn.reply(
                "profile_updated", clear_keyboard=True, field_label=_field_label(result.field)
            )
            await show(turn)
        case Outcome.INVALID_NAME:
            await turn.reply("name_invalid", max_length=NAME_MAX)
        case Outcome.INVALID_PHONE:
            await turn.reply("phone_invalid", **phone_labels())
        case Outcome.NOT_OWN_CONTACT:
            await turn.reply("phone_not_own", **phone_labels())
        case Outcome.CONFIRM_DELETE:
            await turn.reply(
                "delete_confirm",
                [[(label("delete.confirm"), "pf:del:yes"), (label("delete.keep"), "pf:del:no")]],
            )
        case Outcome.DELETED:
            await turn.reply("delete_done", clear_keyboard=True)
        case Outcome.NOTHING_TO_DELETE:
            await turn.reply("nothing_to_delete")
        case Outcome.UNKNOWN_GROUP | Outcome.NOT_EXPECTED | Outcome.SOCIAL_TOGGLED:
            await turn.reply("button_expired", home_markup())


async def _ask_social_groups(turn: Turn, chosen: tuple[str, ...], *, edit: bool = False) -> None:
    """The toggles; a toggle puts the same question with its new ticks in place of the old."""
    template, markup, done = (
        "profile_ask_social_groups",
        social_markup(chosen),
        label("social_groups.done"),
    )
    if edit:
        await turn.edit(template, markup, done_label=done)
    else:
        await turn.reply(template, markup, done_label=done)


async def delete_command(turn: Turn) -> None:
    await present(turn, await _use_case(turn).ask_delete(turn.person_id))


async def on_button(turn: Turn) -> None:
    action = turn.payload.removeprefix(PREFIX)
    use_case = _use_case(turn)
    person = turn.person_id
    if action in ("name", "group", "phone"):
        result = await use_case.begin_edit(person, Field(action))
    elif action == "social":
        result = await use_case.begin_edit(person, Field.SOCIAL_GROUPS)
    elif action.startswith("s:"):
        result = await use_case.toggle_social_group(person, action.removeprefix("s:"))
        if result.outcome is Outcome.SOCIAL_TOGGLED:
            await turn.ack()
            await _ask_social_groups(turn, result.chosen, edit=True)
            return
    elif action == "sdone":
        result = await use_case.save_social_groups(person)
    elif action.startswith("g:"):
        code = action.removeprefix("g:")
        result = await use_case.set_group(person, None if code == "-" else code)
    elif action == "delete":
        result = await use_case.ask_delete(person)
    elif action == "del:yes":
        result = await use_case.delete_personal_data(person)
    elif action == "del:no":
        await turn.ack()
        await turn.remove_buttons()
        await turn.reply("delete_kept", home_markup())
        return
    else:
        result = Result(Outcome.NOT_EXPECTED)
    if result.outcome in (Outcome.NOT_EXPECTED, Outcome.UNKNOWN_GROUP):
        await turn.ack("button_expired")
        return
    await turn.ack()
    await turn.remove_buttons()
    await present(turn, result)


async def on_text(turn: Turn, state: ChatState) -> None:
    use_case = _use_case(turn)
    if state.step == Field.NAME:
        result = await use_case.set_name(turn.person_id, turn.text)
    elif state.step == Field.PHONE:
        skip = turn.text.strip() == label("onboarding.skip_phone")
        result = await use_case.set_phone(turn.person_id, None if skip else turn.text)
    else:
        await turn.reply("use_buttons")
        return
    await present(turn, result)


async def on_contact(turn: Turn, state: ChatState) -> None:
    if state.step != Field.PHONE or turn.event.phone is None:
        await turn.reply("use_buttons")
        return
    result = await _use_case(turn).set_phone(
        turn.person_id, turn.event.phone, own_contact=turn.own_contact
    )
    await present(turn, result)


def register(router: Router) -> None:
    router.command("hoso", show)
    router.command("xoadulieu", delete_command)
    router.button(PREFIX, on_button)

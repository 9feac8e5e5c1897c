"""/menu, /help, the main menu buttons, the staff menu and deep-link hand-off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.domain.deeplink import DeepLink, LinkKind
from bot.domain.people import StaffRecord
from bot.domain.permissions import Action, actions_for, can
from handlers import (
    broadcast,
    conclusion,
    petitions,
    petitions_mine,
    petitions_staff,
    reports,
    sessions_admin,
    sessions_resident,
    workflow_inbox,
    workflow_supervisor,
    workflow_unit,
)
from handlers.common import ack, buttons, home_markup, main_menu_markup, office, reply, services
from messages import label

Entry = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
LinkEntry = Callable[[Update, ContextTypes.DEFAULT_TYPE, DeepLink], Awaitable[None]]

# Staff menu entries: the action that allows it, its label, and where its flow starts.
STAFF_ENTRIES: dict[str, tuple[Action, str, Entry]] = {
    "inbox": (Action.VIEW_INBOX, "staff_menu.inbox", workflow_inbox.start),
    "onbehalf": (Action.FILE_ON_BEHALF, "petitions.menu.onbehalf", petitions_staff.start),
    "sessions": (Action.MANAGE_SESSIONS, "staff_menu.sessions", sessions_admin.start),
    "broadcast": (Action.BROADCAST, "staff_menu.broadcast", broadcast.start),
    "unit": (Action.VIEW_UNIT_TASKS, "staff_menu.unit_tasks", workflow_unit.start),
    "overdue": (Action.VIEW_OVERDUE, "staff_menu.overdue", workflow_supervisor.start),
    "reports": (Action.VIEW_REPORTS, "staff_menu.reports", reports.start),
    "conclusion": (Action.PUBLISH_CONCLUSION, "conclusion.menu", conclusion.start),
}
# Main-menu buttons and deep links; each entry answers the button press itself.
RESIDENT_FLOWS: dict[str, Entry] = {
    "petition": petitions.start,
    "mine": petitions_mine.show,
    "sessions": sessions_resident.show_list,
}
LINK_FLOWS: dict[LinkKind, LinkEntry] = {
    LinkKind.PETITION: petitions_mine.open_link,
    LinkKind.SESSION: sessions_resident.open_link,
}


async def _staff(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> StaffRecord | None:
    async with services(context).store.read() as uow:
        return await uow.staff.get(user_id)


def staff_markup(member: StaffRecord) -> list[list[tuple[str, str]]]:
    allowed = set(actions_for(member.role))
    return [
        [(label(text_key), f"st:{key}")]
        for key, (action, text_key, _) in STAFF_ENTRIES.items()
        if action in allowed
    ]


async def show_home(
    update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffRecord | None
) -> None:
    """The staff menu for staff, the main menu for residents."""
    if staff is not None:
        ward = services(context).ward
        unit = ward.unit(staff.unit_code or "")
        await reply(
            update,
            "staff_menu",
            buttons(staff_markup(staff)),
            name=staff.full_name,
            role_label=label(f"roles.{staff.role.value}"),
            unit_name=unit.name if unit else None,
            ward_name=ward.ward.name,
        )
        return
    await reply(update, "main_menu", main_menu_markup())


async def hand_off(
    update: Update, context: ContextTypes.DEFAULT_TYPE, link: DeepLink | None
) -> None:
    """Open the flow a deep link points to, once the person is ready for it."""
    if link is not None:
        await LINK_FLOWS[link.kind](update, context, link)


async def menu_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    staff = await _staff(context, user.id)
    if staff is None and not await _is_registered(context, user.id):
        await reply(update, "not_registered")
        return
    await show_home(update, context, staff)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, "help", home_markup(), **office(context))


async def _is_registered(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    async with services(context).store.read() as uow:
        resident = await uow.residents.get(user_id)
    return resident is not None and resident.is_onboarded


async def on_menu_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    key = query.data.removeprefix("m:")
    staff = await _staff(context, user.id)
    if key == "help":
        await ack(update)
        await help_command(update, context)
        return
    if staff is None and not await _is_registered(context, user.id):
        await ack(update)
        await reply(update, "not_registered")
        return
    if key == "home":
        await ack(update)
        await show_home(update, context, staff)
    elif key == "profile":
        from handlers import profile

        await ack(update)
        await profile.show(update, context)
    elif key in RESIDENT_FLOWS:
        await RESIDENT_FLOWS[key](update, context)
    else:
        await ack(update, "button_expired")


async def on_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    key = query.data.removeprefix("st:")
    entry = STAFF_ENTRIES.get(key)
    if entry is None:
        await ack(update, "button_expired")
        return
    action, _, start = entry
    staff = await _staff(context, user.id)
    if not can(staff.role if staff else None, action):
        await ack(update, "not_allowed")
        return
    await start(update, context)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("menu", menu_command))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CallbackQueryHandler(on_menu_button, pattern=r"^m:"))
    app.add_handler(CallbackQueryHandler(on_staff_button, pattern=r"^st:"))

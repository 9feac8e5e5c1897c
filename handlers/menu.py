"""/menu, /help, the main menu buttons, the staff menu and deep-link hand-off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.deeplink import DeepLink, LinkKind
from bot.domain import StaffRecord
from bot.permissions import Action, actions_for, can
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

# Staff menu entries: the action that allows it, its label and the feature's name.
STAFF_ENTRIES: dict[str, tuple[Action, str, str]] = {
    "inbox": (Action.VIEW_INBOX, "staff_menu.inbox", "features.inbox"),
    "onbehalf": (Action.FILE_ON_BEHALF, "petitions.menu.onbehalf", "petitions.features.onbehalf"),
    "sessions": (Action.MANAGE_SESSIONS, "staff_menu.sessions", "features.manage_sessions"),
    "broadcast": (Action.BROADCAST, "staff_menu.broadcast", "features.broadcast"),
    "unit": (Action.VIEW_UNIT_TASKS, "staff_menu.unit_tasks", "features.unit_tasks"),
    "overdue": (Action.VIEW_OVERDUE, "staff_menu.overdue", "features.overdue"),
    "reports": (Action.VIEW_REPORTS, "staff_menu.reports", "features.reports"),
    "conclusion": (Action.PUBLISH_CONCLUSION, "conclusion.menu", "conclusion.features"),
}
RESIDENT_FEATURES = {
    "petition": "features.petition",
    "sessions": "features.sessions",
    "mine": "features.mine",
}
Entry = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
LinkEntry = Callable[[Update, ContextTypes.DEFAULT_TYPE, DeepLink], Awaitable[None]]

# Where each built flow starts. A key missing here says "sắp có" honestly (RESIDENT_FEATURES,
# STAFF_ENTRIES, LINK_FEATURES). Flow entries answer the button press themselves.
STAFF_FLOWS: dict[str, Entry] = {"broadcast": broadcast.start}
RESIDENT_FLOWS: dict[str, Entry] = {}
LINK_FLOWS: dict[LinkKind, LinkEntry] = {}
RESIDENT_FLOWS["petition"] = petitions.start
RESIDENT_FLOWS["mine"] = petitions_mine.show
STAFF_FLOWS["onbehalf"] = petitions_staff.start
LINK_FLOWS[LinkKind.PETITION] = petitions_mine.open_link
RESIDENT_FLOWS["sessions"] = sessions_resident.show_list
STAFF_FLOWS["sessions"] = sessions_admin.start
LINK_FLOWS[LinkKind.SESSION] = sessions_resident.open_link
STAFF_FLOWS["inbox"] = workflow_inbox.start
STAFF_FLOWS["unit"] = workflow_unit.start
STAFF_FLOWS["overdue"] = workflow_supervisor.start
STAFF_FLOWS["conclusion"] = conclusion.start
STAFF_FLOWS["reports"] = reports.start

LINK_FEATURES = {
    LinkKind.SESSION: "features.session_link",
    LinkKind.PETITION: "features.petition_link",
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
    if link is None:
        return
    if link.kind in LINK_FLOWS:
        await LINK_FLOWS[link.kind](update, context, link)
        return
    await reply(
        update,
        "deep_link_pending",
        home_markup(),
        feature=label(LINK_FEATURES[link.kind]),
        ref=link.ref,
    )


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
    elif key in RESIDENT_FEATURES:
        await ack(update)
        await reply(
            update,
            "coming_soon",
            home_markup(),
            feature=label(RESIDENT_FEATURES[key]),
            **office(context),
        )
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
    action, _, feature_key = entry
    staff = await _staff(context, user.id)
    if not can(staff.role if staff else None, action):
        await ack(update, "not_allowed")
        return
    if key in STAFF_FLOWS:
        await STAFF_FLOWS[key](update, context)
        return
    await ack(update)
    await reply(update, "staff_coming_soon", home_markup(), feature=label(feature_key))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("menu", menu_command))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CallbackQueryHandler(on_menu_button, pattern=r"^m:"))
    app.add_handler(CallbackQueryHandler(on_staff_button, pattern=r"^st:"))

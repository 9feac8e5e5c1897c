"""/menu, /help, the main menu buttons, the staff menu and deep-link hand-off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.deeplink import DeepLink, LinkKind
from bot.domain.people import StaffRecord
from bot.domain.permissions import Action, actions_for, can
from handlers import (
    broadcast,
    conclusion,
    paper,
    petitions,
    petitions_mine,
    petitions_staff,
    profile,
    reports,
    sessions_admin,
    sessions_resident,
    workflow_inbox,
    workflow_supervisor,
    workflow_unit,
)
from handlers.common import Rows, home_markup, main_menu_markup, office
from messages import label

Entry = Callable[[Turn], Awaitable[None]]
LinkEntry = Callable[[Turn, DeepLink], Awaitable[None]]

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
    "paper": (Action.REACH_ON_PAPER, "news.menu.paper", paper.start),
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


async def _staff(turn: Turn) -> StaffRecord | None:
    async with turn.services.store.read() as uow:
        return await uow.staff.get(turn.person_id)


def staff_markup(member: StaffRecord) -> Rows:
    allowed = set(actions_for(member.role))
    return [
        [(label(text_key), f"st:{key}")]
        for key, (action, text_key, _) in STAFF_ENTRIES.items()
        if action in allowed
    ]


async def show_home(turn: Turn, staff: StaffRecord | None) -> None:
    """The staff menu for staff, the main menu for residents."""
    if staff is not None:
        ward = turn.services.ward
        unit = ward.unit(staff.unit_code or "")
        await turn.reply(
            "staff_menu",
            staff_markup(staff),
            name=staff.full_name,
            role_label=label(f"roles.{staff.role.value}"),
            unit_name=unit.name if unit else None,
            ward_name=ward.ward.name,
            command_menu=turn.capabilities.command_menu,
        )
        return
    await turn.reply("main_menu", main_menu_markup())


async def hand_off(turn: Turn, link: DeepLink | None) -> None:
    """Open the flow a deep link points to, once the person is ready for it."""
    if link is not None:
        await LINK_FLOWS[link.kind](turn, link)


async def menu_command(turn: Turn) -> None:
    staff = await _staff(turn)
    if staff is None and not await _is_registered(turn):
        await turn.reply("not_registered")
        return
    await show_home(turn, staff)


async def help_command(turn: Turn) -> None:
    await turn.reply("help", home_markup(), **office(turn))


async def _is_registered(turn: Turn) -> bool:
    async with turn.services.store.read() as uow:
        resident = await uow.residents.get(turn.person_id)
    return resident is not None and resident.is_onboarded


async def on_menu_button(turn: Turn) -> None:
    key = turn.payload.removeprefix("m:")
    staff = await _staff(turn)
    if key == "help":
        await turn.ack()
        await help_command(turn)
        return
    if staff is None and not await _is_registered(turn):
        await turn.ack()
        await turn.reply("not_registered")
        return
    if key == "home":
        await turn.ack()
        await show_home(turn, staff)
    elif key == "profile":
        await turn.ack()
        await profile.show(turn)
    elif key in RESIDENT_FLOWS:
        await RESIDENT_FLOWS[key](turn)
    else:
        await turn.ack("button_expired")


async def on_staff_button(turn: Turn) -> None:
    key = turn.payload.removeprefix("st:")
    entry = STAFF_ENTRIES.get(key)
    if entry is None:
        await turn.ack("button_expired")
        return
    action, _, start = entry
    staff = await _staff(turn)
    if not can(staff.role if staff else None, action):
        await turn.ack("not_allowed")
        return
    await start(turn)


def register(router: Router) -> None:
    router.command("menu", menu_command)
    router.command("help", help_command)
    router.button("m:", on_menu_button)
    router.button("st:", on_staff_button)

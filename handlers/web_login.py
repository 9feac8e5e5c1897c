"""``/web`` and «🌐 Đăng nhập web» (a staff-menu button, also typed on Zalo): a one-time link
to the staff dashboard. The use case checks the person is active staff and that the web
server is published; the link itself is checked again when it is opened."""

from __future__ import annotations

import unicodedata

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.usecases.web_login import IssueOutcome, WebLogin
from handlers.common import home_markup
from messages import label

PREFIX = "wl:"
PAYLOAD = f"{PREFIX}new"
COMMAND = "/web"


def _words(text: str) -> str:
    """Letters and spaces only, composed and case-folded: «🌐 Đăng nhập web» → «đăng nhập web»."""
    composed = unicodedata.normalize("NFC", text).casefold()
    kept = "".join(ch if ch.isalpha() or ch.isspace() else " " for ch in composed)
    return " ".join(kept.split())


def is_request(text: str) -> bool:
    """Typed text asking for the link (Zalo has no command menu, so people type the label)."""
    return _words(text) == _words(label("web_login.button"))


async def send_link(turn: Turn) -> None:
    issued = await WebLogin(turn.services).issue(turn.person_id)
    if issued.outcome is IssueOutcome.NOT_STAFF:
        await turn.reply("web_login_not_staff", home_markup(), mine_label=label("menu.mine"))
        return
    if issued.outcome is IssueOutcome.NOT_PUBLISHED:
        await turn.reply("web_login_not_published", home_markup(), command=COMMAND)
        return
    async with turn.services.store.read() as uow:
        staff = await uow.staff.get(turn.person_id)
    await turn.reply(
        "web_login_link",
        home_markup(),
        url=issued.url,
        expires_at=issued.expires_at,
        tz=turn.services.ward.ward.timezone,
        name=staff.full_name if staff else "",
        command=COMMAND,
        button_label=label("web_login.button"),
    )


async def on_button(turn: Turn) -> None:
    if turn.payload != PAYLOAD:
        await turn.ack("button_expired")
        return
    await turn.ack()
    await send_link(turn)


def register(router: Router) -> None:
    router.command("web", send_link)
    router.button(PREFIX, on_button)

"""/thongbao: a resident sees whether general notices are on, and turns them off or on."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.usecases.notices import Notices, Outcome, Result
from handlers.common import Rows
from messages import label

PREFIX = "nt:"


def _use_case(turn: Turn) -> Notices:
    return Notices(turn.services)


def _toggle(muted: bool) -> Rows:
    if muted:
        return [[(label("notices.turn_on"), PREFIX + "on")]]
    return [[(label("notices.turn_off"), PREFIX + "off")]]


async def show(turn: Turn) -> None:
    result = await _use_case(turn).show(turn.person_id)
    if result.outcome is Outcome.NOT_REGISTERED:
        await turn.reply("not_registered")
        return
    await turn.reply("notices_status", _toggle(result.muted), notices_off=result.muted)


async def on_button(turn: Turn) -> None:
    """Edit the status message in place, so the chat keeps one current answer."""
    action = turn.payload.removeprefix(PREFIX)
    if action not in ("on", "off"):
        await turn.ack("button_expired")
        return
    result: Result = await _use_case(turn).set_muted(turn.person_id, action == "off")
    await turn.ack()
    if result.outcome is Outcome.NOT_REGISTERED:
        await turn.reply("not_registered")
        return
    if result.outcome is Outcome.CHANGED:
        await turn.edit("notices_status", _toggle(result.muted), notices_off=result.muted)


def register(router: Router) -> None:
    router.command("thongbao", show)
    router.button(PREFIX, on_button)

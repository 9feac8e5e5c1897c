"""The last resort: tell the person, in Vietnamese, that nothing was lost (the router logs)."""

from __future__ import annotations

from bot.conversation.events import EventKind
from bot.conversation.turn import Turn


async def on_error(turn: Turn) -> None:
    if turn.event.kind is EventKind.BUTTON:
        await turn.ack()
    await turn.reply("error")

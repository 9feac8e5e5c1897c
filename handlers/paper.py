"""«Cần báo trên giấy» (secretary): news no route delivered, and marking one as told on paper.

The use case re-checks the role and the row on every press, so a resident's forged payload or
a stale button is refused.
"""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.usecases.paper import OnPaper, PaperList, PaperOutcome
from handlers.common import Rows
from messages import label

PREFIX = "pp:"


async def start(turn: Turn) -> None:
    """The staff menu's «Cần báo trên giấy»."""
    await _show(turn, await OnPaper(turn.services).list(turn.person_id))


async def on_button(turn: Turn) -> None:
    parts = turn.payload.removeprefix(PREFIX).split(":")
    use_case = OnPaper(turn.services)
    if parts == ["l"]:
        await _show(turn, await use_case.list(turn.person_id))
        return
    if len(parts) != 2 or parts[0] != "d" or not parts[1].isdigit():
        await turn.ack("button_expired")
        return
    await _show(turn, await use_case.mark_told(turn.person_id, int(parts[1])))


async def _show(turn: Turn, result: PaperList) -> None:
    if result.outcome is PaperOutcome.NOT_ALLOWED:
        await turn.ack("not_allowed")
        return
    if result.outcome is PaperOutcome.NOT_FOUND:
        await turn.ack()
        await turn.reply("paper_not_found", [[(label("news.paper.refresh"), f"{PREFIX}l")]])
        return
    await turn.ack()
    rows: Rows = [
        [(label("news.paper.done", name=e.name), f"{PREFIX}d:{e.row_id}")]
        for e in result.entries[:20]
    ]
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply(
        "paper_list",
        rows,
        entries=result.entries,
        marked=result.marked,
        tz=turn.services.ward.ward.timezone,
    )


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

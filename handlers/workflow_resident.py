"""The resident's verdict on a result: «Hài lòng» closes it, «Chưa thỏa đáng» asks why and
reopens it (seed 004 IV.2(6))."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.usecases.workflow import TextKind
from handlers.common import home_markup
from handlers.workflow_common import ask_text, parse_id, refuse_or_explain, use_case

PREFIX = "wr:"


async def on_button(turn: Turn) -> None:
    parts = turn.payload.split(":")
    pid = parse_id(turn.payload, 2)
    if len(parts) != 3 or parts[1] not in ("y", "n") or pid is None:
        await turn.ack("button_expired")
        return
    wf = use_case(turn)
    if parts[1] == "n":
        await ask_text(turn, await wf.begin_text(turn.person_id, pid, TextKind.REOPEN))
        return
    change = await wf.satisfied(turn.person_id, pid)
    if await refuse_or_explain(turn, change) or change.item is None:
        return
    await turn.ack()
    await turn.remove_buttons()
    await turn.reply(
        "workflow_done",
        home_markup(),
        done_kind="satisfied",
        code=change.item.petition.code,
        codes=[],
        due_on=None,
        proposed_due=None,
        unit_name=None,
        field_label="",
    )


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

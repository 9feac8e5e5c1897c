"""Giám sát (supervisor, read-only): overdue items, per-unit on-time rate, audit trails."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.usecases.workflow import Result, Trail
from handlers.common import Rows
from handlers.workflow_common import parse_id, use_case
from messages import label

PREFIX = "ws:"


async def start(turn: Turn) -> None:
    """The staff menu's «Việc quá hạn»."""
    view = await use_case(turn).oversight(turn.person_id)
    if view.result is Result.NOT_ALLOWED:
        await turn.ack("workflow_refused")
        return
    await turn.ack()
    ward = turn.services.ward

    def unit_name(code: str | None) -> str:
        unit = ward.unit(code or "")
        return unit.name if unit else (code or "")

    rows: Rows = [
        [(label("workflow.oversight.trail", code=i.petition.code), f"{PREFIX}t:{i.petition.id}")]
        for i in view.overdue[:20]
    ]
    rows.append([(label("workflow.lookup.button"), f"{PREFIX}l")])
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply(
        "workflow_oversight",
        rows,
        overdue_rows=[
            {
                "code": i.petition.code,
                "unit_name": unit_name(i.handling.unit_code if i.handling else None),
                "due_on": i.due_on,
            }
            for i in view.overdue
            if i.due_on is not None
        ],
        rate_rows=[
            {
                "unit_name": unit_name(r.unit_code),
                "answered": r.answered,
                "on_time": r.on_time,
                "percent": r.percent,
                "open": r.open,
                "overdue": r.overdue,
            }
            for r in view.rates
        ],
    )


async def on_button(turn: Turn) -> None:
    data = turn.payload
    if data == f"{PREFIX}l":
        if await use_case(turn).begin_trail_lookup(turn.person_id) is not Result.DONE:
            await turn.ack("workflow_refused")
            return
        await turn.ack()
        await turn.reply("workflow_trail_ask_code")
        return
    pid = parse_id(data, 2)
    if not data.startswith(f"{PREFIX}t:") or pid is None:
        await turn.ack("button_expired")
        return
    trail = await use_case(turn).trail(turn.person_id, pid)
    if trail.result is not Result.DONE or trail.item is None:
        await turn.ack("workflow_refused")
        return
    await turn.ack()
    await show_trail(turn, trail)


async def on_code(turn: Turn, state: ChatState) -> None:
    """The typed tracking code after «Tra cứu nhật ký theo mã»."""
    code = turn.text.strip()[:40]
    trail = await use_case(turn).trail_by_code(turn.person_id, code)
    if trail.result is Result.NOT_FOUND:
        await turn.reply("workflow_trail_not_found", code=code)
    elif trail.result is not Result.DONE or trail.item is None:
        await turn.reply("workflow_refused")
    else:
        await show_trail(turn, trail)


async def show_trail(turn: Turn, trail: Trail) -> None:
    assert trail.item is not None
    petition = trail.item.petition
    await turn.reply(
        "workflow_trail",
        [[(label("menu.back"), "m:home")]],
        code=petition.code,
        status_label=label(f"petitions.statuses.{petition.status.value}"),
        trail_rows=[
            {"at": line.at, "actor": line.actor, "action": line.action, "detail": line.detail}
            for line in trail.lines
        ],
        delivery_rows=[
            {"at": d.at, "recipient": d.recipient, "news": d.news, "route": d.route}
            for d in trail.deliveries
        ],
        tz=turn.services.ward.ward.timezone,
    )


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

"""Việc của đơn vị (unit official): the open items, accept, answer with an optional file,
request an extension, transfer back; also the typed-text steps of every workflow flow."""

from __future__ import annotations

from typing import Any

from bot.conversation.events import EventKind
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.workflow import is_overdue
from bot.usecases.workflow import Change, Result, TextKind
from handlers.common import MAX_TEXT, Rows, home_markup
from handlers.petitions_full import full_text_rows
from handlers.workflow_common import (
    ask_text,
    parse_id,
    refuse_or_explain,
    secretary_done,
    use_case,
)
from messages import label

PREFIX = "wu:"
_TEXT_VERBS = {"ans": TextKind.ANSWER, "ext": TextKind.EXT_REASON, "tr": TextKind.TRANSFER}
_FILE_KINDS = {EventKind.DOCUMENT: "document", EventKind.PHOTO: "photo"}


async def start(turn: Turn) -> None:
    """The staff menu's «Việc của đơn vị»: overdue first, then by due date."""
    found = await use_case(turn).unit_list(turn.person_id)
    if found.result is Result.NOT_ALLOWED or found.today is None:
        await turn.ack("workflow_refused")
        return
    await turn.ack()
    unit = turn.services.ward.unit(found.unit_code or "")
    rows: Rows = []
    for item in found.items:
        due = item.due_on
        due_text = f"{due:%d/%m/%Y}" if due else "—"
        key = "workflow.unit.open_overdue" if is_overdue(due, found.today) else "workflow.unit.open"
        rows.append(
            [(label(key, code=item.petition.code, due=due_text), f"{PREFIX}o:{item.petition.id}")]
        )
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply(
        "workflow_unit_list",
        rows,
        unit_name=unit.name if unit else found.unit_code,
        unit_rows=[
            {
                "code": i.petition.code,
                "field": i.petition.field.label,
                "due_on": i.due_on,
                "overdue": is_overdue(i.due_on, found.today),
            }
            for i in found.items
            if i.due_on is not None
        ],
    )


def _unit_markup(petition_id: int, accepted: bool) -> Rows:
    first = [(label("workflow.unit.answer"), f"{PREFIX}ans:{petition_id}")]
    if not accepted:
        first.insert(0, (label("workflow.unit.accept"), f"{PREFIX}acc:{petition_id}"))
    return [
        first,
        [
            (label("workflow.unit.extend"), f"{PREFIX}ext:{petition_id}"),
            (label("workflow.unit.transfer"), f"{PREFIX}tr:{petition_id}"),
        ],
        [(label("workflow.unit.list"), "st:unit")],
    ]


async def on_button(turn: Turn) -> None:
    verb = turn.payload.removeprefix(PREFIX).split(":")[0]
    pid = parse_id(turn.payload, 2)
    wf = use_case(turn)
    if pid is None:
        await turn.ack("button_expired")
        return
    if verb == "o":
        change = await wf.unit_card(turn.person_id, pid)
        if await refuse_or_explain(turn, change) or change.item is None:
            return
        await turn.ack()
        item = change.item
        accepted = bool(item.handling and item.handling.accepted_at)
        await turn.reply(
            "workflow_unit_card",
            [
                *full_text_rows(item.petition.code, item.petition.content),
                *_unit_markup(pid, accepted),
            ],
            code=item.petition.code,
            codes=[m.petition.code for m in change.members],
            field_label=item.petition.field.label,
            status_label=label(f"petitions.statuses.{item.petition.status.value}"),
            place=item.petition.concerns_address,
            content=item.petition.content,
            due_on=item.due_on,
            accepted=accepted,
        )
    elif verb == "acc":
        change = await wf.accept(turn.person_id, pid)
        if await refuse_or_explain(turn, change) or change.item is None:
            return
        await turn.ack()
        await turn.reply(
            "workflow_done", _unit_markup(pid, True), **_done_context("accepted", change)
        )
    elif verb in _TEXT_VERBS:
        await ask_text(turn, await wf.begin_text(turn.person_id, pid, _TEXT_VERBS[verb]))
    else:
        await turn.ack("button_expired")


def _done_context(kind: str, change: Change) -> dict[str, Any]:
    item = change.item
    return {
        "done_kind": kind,
        "code": item.petition.code if item else "",
        "codes": [m.petition.code for m in change.members],
        "due_on": change.due_on if change.due_on else (item.due_on if item else None),
        "proposed_due": change.proposed_due,
        "unit_name": None,
        "field_label": item.petition.field.label if item else "",
    }


async def on_confirm(turn: Turn) -> None:
    """``wf:ok`` applies the kept text (answer, note, reason); ``wf:no`` drops it."""
    wf = use_case(turn)
    if turn.payload == "wf:no":
        if not await wf.drop_text(turn.person_id):
            await turn.ack("button_expired")
            return
        await turn.ack()
        await turn.remove_buttons()
        await turn.reply("cancelled", home_markup())
        return
    if turn.payload != "wf:ok":
        await turn.ack("button_expired")
        return
    change = await wf.confirm_text(turn.person_id)
    if change.result is Result.NOT_EXPECTED:
        await turn.ack("button_expired")
        return
    if change.kind in (TextKind.DIRECT, TextKind.FORWARD, TextKind.SCOPE):
        await secretary_done(turn, change)
        return
    if await refuse_or_explain(turn, change):
        return
    if change.result is Result.BAD_DATE:
        await turn.ack()
        await turn.reply("workflow_text_problem", problem="bad_date", limit=0, due_on=change.due_on)
        return
    await turn.ack()
    ctx = _done_context((change.kind or TextKind.ANSWER).value, change)
    if change.kind is TextKind.REOPEN:
        unit = turn.services.ward.unit(change.unit_code or "")
        ctx["unit_name"] = unit.name if unit else None
    await turn.reply("workflow_done", home_markup(), **ctx)


async def on_text(turn: Turn, state: ChatState) -> None:
    text = turn.text[:MAX_TEXT]
    await ask_text(turn, await use_case(turn).on_text(turn.person_id, text))


async def on_media(turn: Turn, state: ChatState) -> None:
    """A unit's answer may carry one document or photo; anything else is refused clearly."""
    kind = _FILE_KINDS.get(turn.event.kind)
    attachment = turn.event.attachment
    if kind is None or attachment is None:
        await turn.reply("workflow_text_problem", problem="empty", limit=0, due_on=None)
        return
    change = await use_case(turn).on_file(turn.person_id, kind, attachment.ref)
    if change.result is Result.NOT_EXPECTED:
        await turn.reply("workflow_text_problem", problem="empty", limit=0, due_on=None)
        return
    await ask_text(turn, change)


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
    router.button("wf:", on_confirm)

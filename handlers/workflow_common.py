"""What the workflow handlers share: the use case, refusals, texts and confirmations, and the
secretary's «done» message (reached from the inbox and from a confirmed typed text).

Button payloads: ``wi:`` secretary inbox, ``wx:`` extension decisions, ``wu:`` unit official,
``wr:`` resident verdict, ``ws:`` supervisor, ``wf:`` confirm/cancel a typed text.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.events import EventKind
from bot.conversation.turn import Turn
from bot.domain.workflow import InboxFilter
from bot.usecases.workflow import Change, Result, TextKind, Workflow
from handlers.common import Rows
from messages import label

INBOX_PREFIX = "wi:"


def use_case(turn: Turn) -> Workflow:
    return Workflow(turn.services)


def parse_id(data: str, index: int) -> int | None:
    parts = data.split(":")
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None


def to_list_row() -> list[tuple[str, str]]:
    """Back to the first page of the unfiltered inbox."""
    return [(label("workflow.inbox.to_list"), f"{INBOX_PREFIX}l:{InboxFilter().encode()}")]


async def refuse_or_explain(turn: Turn, change: Change) -> bool:
    """Map the refusals to a clear message; True when the change did not happen."""
    if change.result in (Result.NOT_ALLOWED, Result.NOT_FOUND):
        await turn.ack("workflow_refused")
        if turn.event.kind is not EventKind.BUTTON:
            await turn.reply("workflow_refused")
        return True
    if change.result is Result.WRONG_STATE:
        item = change.item
        ctx: dict[str, Any] = {
            "code": item.petition.code if item else "",
            "status_label": label(f"petitions.statuses.{item.petition.status.value}")
            if item
            else "",
        }
        await turn.ack()
        await turn.reply("workflow_wrong_state", **ctx)
        return True
    return False


def confirm_markup() -> Rows:
    return [[(label("workflow.confirm"), "wf:ok"), (label("workflow.cancel"), "wf:no")]]


def cancel_markup() -> Rows:
    """Under a typed-text prompt: leave without typing /cancel."""
    return [[(label("workflow.cancel"), "wf:no")]]


async def ask_text(turn: Turn, change: Change) -> None:
    """After begin_text or a step of the text flow: refusal, prompt, problem or preview."""
    if await refuse_or_explain(turn, change):
        return
    await turn.ack()
    item = change.item
    code = item.petition.code if item else ""
    if change.result is Result.ASK:
        await turn.reply(
            "workflow_ask_text",
            cancel_markup(),
            code=code,
            text_kind=(change.kind or TextKind.DIRECT).value,
            limit=change.limit,
            due_on=change.due_on,
        )
    elif change.result in (Result.EMPTY, Result.TOO_LONG, Result.BAD_DATE):
        await turn.reply(
            "workflow_text_problem",
            cancel_markup(),
            problem=change.result.value,
            limit=change.limit,
            due_on=change.due_on,
        )
    elif change.result is Result.PREVIEW:
        await turn.reply(
            "workflow_preview",
            confirm_markup(),
            code=code,
            text_kind=(change.kind or TextKind.DIRECT).value,
            text=change.text or "",
            file_kind=change.file_kind,
            proposed_due=change.proposed_due,
            due_on=change.due_on,
        )


async def secretary_done(turn: Turn, change: Change) -> None:
    """The secretary chose an outcome (assigned, answered, forwarded, out of scope)."""
    if await refuse_or_explain(turn, change) or change.item is None:
        return
    await turn.ack()
    outcome_key = {
        TextKind.DIRECT: "answered_directly",
        TextKind.FORWARD: "forwarded_higher",
        TextKind.SCOPE: "out_of_scope",
    }.get(change.kind or TextKind.ANSWER, "assigned" if change.unit_code else "answered_at_session")
    await turn.reply(
        "workflow_secretary_done",
        [to_list_row()],
        code=change.item.petition.code,
        codes=[m.petition.code for m in change.members],
        outcome_label=label(f"workflow.outcomes.{outcome_key}"),
        unit_name=change.unit_code or None,
        due_on=change.due_on,
        notified=change.notified,
        unreachable=change.unreachable,
    )

"""Thông báo kết luận (secretary): list the sessions waiting, preview the draft, edit the free
text, mark complex / beyond authority, publish. Button payloads ``cn:<verb>:<session id>``."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.usecases.conclusion import ConclusionOutcome, ConclusionResult, Conclusions, Draft
from handlers.common import MAX_TEXT, Rows, home_markup
from messages import label

PREFIX = "cn:"
VERBS = ("open", "edit", "complex", "publish", "list")
_PROBLEMS = {
    ConclusionOutcome.NOT_ALLOWED: "not_allowed",
    ConclusionOutcome.NOT_FOUND: "conclusion_not_found",
    ConclusionOutcome.NOT_HELD: "conclusion_not_held",
    ConclusionOutcome.ALREADY_PUBLISHED: "conclusion_already",
    ConclusionOutcome.TOO_LONG: "conclusion_too_long",
    ConclusionOutcome.EMPTY: "conclusion_empty_text",
}


def use_case(turn: Turn) -> Conclusions:
    return Conclusions(turn.services)


def draft_markup(draft: Draft) -> Rows:
    sid = draft.session.id
    rows = [
        [(label("conclusion.edit"), f"{PREFIX}edit:{sid}")],
        [(label("conclusion.complex"), f"{PREFIX}complex:{sid}")],
        [(label("conclusion.publish"), f"{PREFIX}publish:{sid}")],
        [(label("conclusion.back"), f"{PREFIX}list:0")],
    ]
    if draft.notice.complex_reason:
        rows.pop(1)
    return rows


async def show_draft(turn: Turn, draft: Draft) -> None:
    await turn.reply(
        "conclusion_draft",
        draft_markup(draft),
        **draft.context(),
        notice_due=f"{draft.due_on:%d/%m/%Y}" if draft.due_on else None,
        complex_reason=draft.notice.complex_reason,
        unclassified_codes=draft.unclassified,
    )


async def show_problem(turn: Turn, result: ConclusionResult) -> None:
    if result.outcome is ConclusionOutcome.UNCLASSIFIED:
        await turn.reply("conclusion_unclassified", unclassified_codes=list(result.unclassified))
        return
    await turn.reply(_PROBLEMS[result.outcome], home_markup())


async def start(turn: Turn) -> None:
    """The staff menu's «Thông báo kết luận»: the sessions waiting for their notice."""
    pending = await use_case(turn).pending(turn.person_id)
    if pending is None:
        await turn.ack("not_allowed")
        return
    await turn.ack()
    tz = turn.services.ward.tz
    rows: Rows = [
        [
            (
                label(
                    "conclusion.session_item",
                    date=f"{p.session.starts_at.astimezone(tz):%d/%m}",
                    title=p.session.title[:40],
                ),
                f"{PREFIX}open:{p.session.id}",
            )
        ]
        for p in pending[:20]
    ]
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply(
        "conclusion_list",
        rows,
        pending_sessions=[
            {
                "title": p.session.title,
                "date": f"{p.session.starts_at.astimezone(tz):%d/%m/%Y}",
                "due": f"{p.due_on:%d/%m/%Y}",
            }
            for p in pending
        ],
    )


def _parse(data: str) -> tuple[str, int] | None:
    parts = data.split(":")
    if len(parts) != 3 or parts[1] not in VERBS or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


async def on_button(turn: Turn) -> None:
    parsed = _parse(turn.payload)
    if parsed is None:
        await turn.ack("button_expired")
        return
    verb, sid = parsed
    uc = use_case(turn)
    if verb == "list":
        await start(turn)
        return
    if verb == "open":
        result = await uc.preview(turn.person_id, sid)
    elif verb == "edit":
        result = await uc.begin(turn.person_id, sid, "text")
    elif verb == "complex":
        result = await uc.begin(turn.person_id, sid, "reason")
    else:
        result = await uc.publish(turn.person_id, sid)
    if result.outcome is ConclusionOutcome.NOT_ALLOWED:
        await turn.ack("not_allowed")
        return
    await turn.ack()
    if result.outcome is not ConclusionOutcome.DONE:
        await show_problem(turn, result)
    elif verb == "open" and result.draft is not None:
        await show_draft(turn, result.draft)
    elif verb == "edit":
        await turn.reply("conclusion_ask_text")
    elif verb == "complex":
        await turn.reply("conclusion_ask_reason")
    elif result.draft is not None:
        await turn.reply(
            "conclusion_published",
            home_markup(),
            session_title=result.draft.session.title,
            sent_count=result.sent,
        )


async def on_text(turn: Turn, state: ChatState) -> None:
    """The typed free text (step "text") or complexity reason (step "reason")."""
    sid = int(state.data.get("session_id", 0))
    text = turn.text[: MAX_TEXT + 1]
    uc = use_case(turn)
    if state.step == "reason":
        result = await uc.mark_complex(turn.person_id, sid, text)
    else:
        result = await uc.set_text(turn.person_id, sid, text)
    if result.outcome is ConclusionOutcome.DONE and result.draft is not None:
        await show_draft(turn, result.draft)
    else:
        await show_problem(turn, result)


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

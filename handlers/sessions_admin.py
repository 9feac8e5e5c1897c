"""The secretary's sessions: the entry, the buttons and the typed answers. Create with buttons
step by step, publish, change time / venue / form / link, cancel, registrations and speaking
order, attendance, poster and .ics, the weekly Friday programme. The screens live in
``sessions_admin_card``, the questions of the step-by-step flow in ``sessions_admin_create``."""

from __future__ import annotations

from typing import Any

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.sessions import SessionForm, SessionStatus
from bot.usecases.sessions import (
    REASON_MAX,
    TITLE_MAX,
    VENUE_MAX,
    Outcome,
    Problem,
    parse_vn_time,
)
from handlers.common import home_markup
from handlers.sessions_admin_card import (
    present,
    send_poster,
    show_admin_card,
    show_admin_list,
    show_roster,
)
from handlers.sessions_admin_common import (
    FLOW,
    PREFIX,
    allowed,
    clear_step,
    current_step,
    example_time,
    problem_labels,
    sessions,
)
from handlers.sessions_admin_create import (
    after_capacity,
    after_pin,
    after_start,
    apply_venue,
    ask,
    flow_button,
)
from handlers.sessions_resident import send_ics
from messages import label

__all__ = ["FLOW", "PREFIX", "on_button", "on_location", "on_text", "register", "start"]

# Actions on a saved session carry its id (and, for attendance, the person's).
SESSION_ACTIONS = frozenset(
    {"open", "pb", "et", "ev", "ef", "el", "cx", "ro", "png", "pdf", "ics", "att"}
)


async def start(turn: Turn) -> None:
    """Staff menu entry "Quản lý buổi đối thoại"."""
    await turn.ack()
    await show_admin_list(turn)


async def on_button(turn: Turn) -> None:
    if not await allowed(turn):
        await turn.ack("not_allowed")
        return
    parts = turn.payload.removeprefix(PREFIX).split(":")
    action, args = parts[0], parts[1:]
    if action in SESSION_ACTIONS:
        if not args or not all(a.isdigit() for a in args):
            await turn.ack("button_expired")
            return
        await turn.ack()
        await _session_action(turn, action, [int(a) for a in args])
        return
    if action == "list":
        await turn.ack()
        await show_admin_list(turn)
        return
    if action == "new":
        await turn.ack()
        await ask(turn, "kind", {})
        return
    if action == "weekly":
        await turn.ack()
        await _weekly(turn)
        return
    if action == "abort":
        await turn.ack()
        await turn.remove_buttons()
        await clear_step(turn)
        await turn.reply("cancelled")
        return
    state = await current_step(turn)
    if state is None:
        await turn.ack("button_expired")
        return
    await turn.ack()
    await turn.remove_buttons()
    await flow_button(turn, state, action, args)


async def _weekly(turn: Turn) -> None:
    """The next four Friday sessions of the weekly programme, holidays skipped."""
    result = await sessions(turn).generate_weekly(turn.person_id, 4)
    tz = turn.services.ward.ward.timezone
    await turn.reply(
        "session_weekly_done",
        [[(label("sessions.back"), "sa:list")]],
        session_items=[
            {"starts_at": s.starts_at, "venue": s.venue, "tz": tz} for s in result.created
        ],
        skipped=list(result.skipped_holidays),
    )


async def _session_action(turn: Turn, action: str, args: list[int]) -> None:
    sid = args[0]
    uc = sessions(turn)
    session = await uc.get(sid)
    if session is None:
        await turn.reply("session_closed", home_markup(), closed="not_found")
        return
    editable = session.status in (SessionStatus.DRAFT, SessionStatus.PUBLISHED)
    data = {"session": sid, "kind": session.kind.value, "form": session.form.value}
    match action:
        case "open":
            await show_admin_card(turn, sid)
        case "pb":
            result = await uc.publish(turn.person_id, sid)
            if result.outcome is Outcome.NEEDS_REASON:
                await ask(turn, "reason", {"session": sid, "publish_existing": True})
            else:
                await present(turn, result)
        case "et" | "ev" | "ef" | "el" | "cx" if not editable:
            await turn.reply("session_admin_closed", home_markup())
        case "et":
            await ask(turn, "edit_time", data)
        case "ev":
            await ask(turn, "edit_venue", data)
        case "ef":
            await ask(turn, "edit_form", data)
        case "el":
            await ask(turn, "edit_link", data)
        case "cx":
            await ask(turn, "cancel_reason", data)
        case "ro":
            await show_roster(turn, sid)
        case "att" if len(args) == 2:
            await uc.mark_attended(turn.person_id, sid, args[1])
            await show_roster(turn, sid)
        case "png" | "pdf":
            await send_poster(turn, sid, action)
        case "ics":
            await send_ics(turn, sid)
        case _:
            await turn.reply("button_expired")


async def _invalid(turn: Turn, problem: Problem) -> None:
    await turn.reply("session_invalid", session_problems=problem_labels([problem]))


async def on_text(turn: Turn, state: ChatState) -> None:
    """The typed answer to the saved step's question."""
    if not await allowed(turn):
        await clear_step(turn)
        await turn.reply("not_allowed")
        return
    text = turn.text.strip()
    data = dict(state.data)
    tz = turn.services.ward.tz
    uc = sessions(turn)
    person = turn.person_id
    match state.step:
        case "title":
            if not text or len(text) > TITLE_MAX:
                await _invalid(turn, Problem.TITLE_TOO_LONG if text else Problem.TITLE_MISSING)
                return
            data["title"] = text
            await ask(turn, "summary" if data.get("starts_at") else "host", data)
        case "deputy":
            data["deputy"] = text[:120]
            await ask(turn, "form", data)
        case "link" | "edit_link":
            if not text.lower().startswith(("http://", "https://")) or " " in text:
                await _invalid(turn, Problem.LINK_INVALID)
                return
            if state.step == "link":
                data["link"] = text
                await ask(turn, "start", data)
            else:
                await clear_step(turn)
                fields: dict[str, Any] = {"link": text}
                if data.get("form") == "online":
                    fields["form"] = SessionForm.ONLINE
                await present(turn, await uc.update(person, int(data["session"]), **fields))
        case "start" | "edit_time":
            parsed = parse_vn_time(text, tz)
            if parsed is None:
                await turn.reply(
                    "session_bad_time", typed_text=text[:60], example=example_time(turn)
                )
                return
            start, end = parsed
            if state.step == "edit_time":
                await clear_step(turn)
                fields = {"starts_at": start}
                if end is not None:
                    fields["ends_at"] = end
                await present(turn, await uc.update(person, int(data["session"]), **fields))
                return
            data["starts_at"] = start.isoformat()
            data["ends_at"] = end.isoformat() if end else None
            await ask(turn, after_start(data), data)
        case "venue_text" | "edit_venue_text":
            if len(text) > VENUE_MAX:
                await _invalid(turn, Problem.VENUE_TOO_LONG)
                return
            data["venue"] = text
            await ask(turn, "pin" if state.step == "venue_text" else "edit_pin", data)
        case "capacity":
            if not text.isdigit() or int(text) < 1:
                await _invalid(turn, Problem.CAPACITY_INVALID)
                return
            data["capacity"] = int(text)
            await ask(turn, after_capacity(data), data)
        case "deadline":
            parsed = parse_vn_time(text, tz)
            if parsed is None:
                await turn.reply(
                    "session_bad_time", typed_text=text[:60], example=example_time(turn)
                )
                return
            data["deadline"] = parsed[0].isoformat()
            await ask(turn, "summary", data)
        case "reason":
            if len(text) > REASON_MAX:
                await _invalid(turn, Problem.REASON_TOO_LONG)
                return
            if data.get("publish_existing"):
                await clear_step(turn)
                await present(turn, await uc.publish(person, int(data["session"]), reason=text))
                return
            data["reason"] = text
            await ask(turn, "summary", data)
        case "cancel_reason":
            await clear_step(turn)
            await present(turn, await uc.cancel(person, int(data["session"]), text))
        case _:
            await turn.reply("use_buttons")


async def on_location(turn: Turn, state: ChatState) -> None:
    """The map pin (vị trí trên bản đồ) of the venue."""
    location = turn.event.location
    if location is None or state.step not in ("pin", "edit_pin"):
        await turn.reply("use_buttons")
        return
    data = dict(state.data)
    data["lat"], data["lon"] = location.latitude, location.longitude
    if state.step == "pin":
        await ask(turn, after_pin(data), data)
    else:
        await apply_venue(turn, data)


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

"""The secretary's sessions: create with buttons step by step, publish, change time / venue /
form / link, cancel, registrations and speaking order, attendance, poster and .ics, the weekly
Friday programme. The draft lives in ``chat_states`` so a restart resumes it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.documents.poster import poster, poster_filename
from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.sessions import (
    AudienceScope,
    Host,
    SessionForm,
    SessionKind,
    SessionStatus,
    SocialGroup,
)
from bot.usecases.sessions import (
    REASON_MAX,
    TITLE_MAX,
    VENUE_MAX,
    Outcome,
    Problem,
    Result,
    SessionDraft,
    Sessions,
    card,
    deep_link,
    default_opinion_deadline,
    parse_vn_time,
)
from handlers.common import ack, buttons, home_markup, remove_buttons, reply, services
from handlers.sessions_resident import send_ics
from messages import label

PREFIX = "sa:"
FLOW = "session_admin"
Rows = list[list[tuple[str, str]]]


def _uc(context: ContextTypes.DEFAULT_TYPE) -> Sessions:
    return Sessions(services(context))


async def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    if user is None:
        return False
    async with services(context).store.read() as uow:
        member = await uow.staff.get(user.id)
    return member is not None and can(member.role, Action.MANAGE_SESSIONS)


async def _put(context: ContextTypes.DEFAULT_TYPE, user_id: int, step: str, data: dict[str, Any]):
    async with services(context).store.transaction() as uow:
        await uow.chat_states.put(
            ChatState(user_id, FLOW, step, data, services(context).clock.now())
        )


async def _clear(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    async with services(context).store.transaction() as uow:
        await uow.chat_states.clear(user_id)


async def _state(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> ChatState | None:
    async with services(context).store.read() as uow:
        state = await uow.chat_states.get(user_id)
    return state if state is not None and state.flow == FLOW else None


def _example(context: ContextTypes.DEFAULT_TYPE) -> str:
    s = services(context)
    day = (s.clock.now() + timedelta(days=14)).astimezone(s.ward.tz)
    return f"{day:%d/%m/%Y} 08:00"


def _problems(problems: tuple[Problem, ...] | list[Problem]) -> list[str]:
    return [label(f"sessions.problem.{p.value}") for p in problems]


def _abort_row() -> list[tuple[str, str]]:
    return [(label("sessions.cancel_flow"), "sa:abort")]


# ----- entry: the list of sessions --------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Staff menu entry "Quản lý buổi đối thoại"."""
    await ack(update)
    await show_admin_list(update, context)


async def show_admin_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    sessions = await _uc(context).list_for_staff()
    items = [
        {"card": card(services(context), s), "status": label(f"sessions.status.{s.status}")}
        for s in sessions
    ]
    rows: Rows = [[(f"#{s.id} {s.title[:45]}", f"sa:open:{s.id}")] for s in sessions[:20]]
    rows.append([(label("sessions.new"), "sa:new")])
    rows.append([(label("sessions.weekly"), "sa:weekly")])
    rows.append([(label("menu.back"), "m:home")])
    await reply(update, "session_admin_list", buttons(rows), session_items=items)


async def show_admin_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int
) -> None:
    roster = await _uc(context).roster(session_id)
    if roster is None:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return
    session = roster.session
    sid = session.id
    rows: Rows = []
    if session.status is SessionStatus.DRAFT:
        rows.append([(label("sessions.publish"), f"sa:pb:{sid}")])
    if session.status in (SessionStatus.DRAFT, SessionStatus.PUBLISHED):
        rows.append(
            [
                (label("sessions.change_time"), f"sa:et:{sid}"),
                (label("sessions.change_venue"), f"sa:ev:{sid}"),
            ]
        )
        rows.append(
            [
                (label("sessions.change_form"), f"sa:ef:{sid}"),
                (label("sessions.change_link"), f"sa:el:{sid}"),
            ]
        )
    rows.append([(label("sessions.roster"), f"sa:ro:{sid}")])
    rows.append(
        [
            (label("sessions.poster"), f"sa:png:{sid}"),
            (label("sessions.poster_pdf"), f"sa:pdf:{sid}"),
            (label("sessions.ics"), f"sa:ics:{sid}"),
        ]
    )
    if session.status in (SessionStatus.DRAFT, SessionStatus.PUBLISHED):
        rows.append([(label("sessions.cancel_session"), f"sa:cx:{sid}")])
    rows.append(
        [
            (label("dossier.minutes_button"), f"ds:min:{sid}"),
            (label("dossier.button"), f"ds:get:{sid}"),
        ]
    )
    rows.append([(label("sessions.back"), "sa:list")])
    await reply(
        update,
        "session_admin_card",
        buttons(rows),
        card=card(services(context), session, username=context.bot.username),
        my_status=None,
        speaking_rank=None,
        waitlist_rank=None,
        speak_topic=None,
        status_label=label(f"sessions.status.{session.status}"),
        session_version=session.version,
        registered_count=len(roster.registered),
        waitlist_count=len(roster.waitlist),
        speaker_count=len(roster.speakers),
        lead_time_reason=session.lead_time_reason,
    )


async def show_roster(update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int) -> None:
    roster = await _uc(context).roster(session_id)
    if roster is None:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return

    def who(r: Any) -> str:
        return r.full_name or str(r.user_id)

    registered = [
        {"name": who(r), "attended": r.status.value == "attended"} for r in roster.registered
    ]
    rows: Rows = [
        [(label("sessions.attended", name=who(r)[:40]), f"sa:att:{session_id}:{r.user_id}")]
        for r in roster.registered
        if r.status.value == "registered"
    ][:40]
    rows.append([(label("sessions.back"), f"sa:open:{session_id}")])
    await reply(
        update,
        "session_roster",
        buttons(rows),
        card=card(services(context), roster.session),
        seated=registered,
        waitlist=[{"name": who(r)} for r in roster.waitlist],
        speakers=[{"name": who(r), "topic": r.topic or ""} for r in roster.speakers],
    )


# ----- the creation flow ------------------------------------------------------------------


def _draft(data: dict[str, Any], tz: Any) -> SessionDraft:
    def when(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(value) if value else None

    starts = when("starts_at")
    assert starts is not None
    return SessionDraft(
        kind=SessionKind(data["kind"]),
        title=data.get("title", ""),
        starts_at=starts,
        ends_at=when("ends_at"),
        host=Host(data.get("host", "chair")),
        deputy=data.get("deputy"),
        form=SessionForm(data.get("form", "direct")),
        link=data.get("link"),
        venue=data.get("venue", ""),
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        audience=AudienceScope(data.get("audience", "ward")),
        group_codes=tuple(data.get("groups", [])),
        social_group=SocialGroup(data["social"]) if data.get("social") else None,
        capacity=data.get("capacity"),
        opinion_deadline=when("deadline"),
        reason=data.get("reason"),
    )


async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step: str, data: dict[str, Any]
) -> None:
    """Save the step and show its question."""
    user = update.effective_user
    assert user is not None
    await _put(context, user.id, step, data)
    ward = services(context).ward
    match step:
        case "kind":
            rows: Rows = [[(label(f"sessions.kind.{k}"), f"sa:k:{k}")] for k in SessionKind]
            await reply(update, "session_ask_kind", buttons([*rows, _abort_row()]))
        case "social":
            rows = [[(label(f"sessions.social.{g}"), f"sa:soc:{g}")] for g in SocialGroup]
            await reply(update, "session_ask_social", buttons([*rows, _abort_row()]))
        case "title":
            await reply(update, "session_ask_title", max_length=TITLE_MAX)
        case "host":
            rows = [[(label(f"sessions.host.{h}"), f"sa:h:{h}")] for h in Host]
            await reply(update, "session_ask_host", buttons([*rows, _abort_row()]))
        case "deputy":
            await reply(
                update, "session_ask_deputy", buttons([[(label("sessions.skip"), "sa:skip")]])
            )
        case "form" | "edit_form":
            rows = [[(label(f"sessions.form.{f}"), f"sa:f:{f}")] for f in SessionForm]
            await reply(update, "session_ask_form", buttons([*rows, _abort_row()]))
        case "link" | "edit_link":
            await reply(update, "session_ask_link")
        case "start" | "edit_time":
            await reply(update, "session_ask_start", example=_example(context))
        case "venue" | "edit_venue":
            rows = [[(g.culture_house or g.name, f"sa:v:{g.code}")] for g in ward.groups]
            rows.append([(label("sessions.typed_venue"), "sa:vt")])
            await reply(update, "session_ask_venue", buttons([*rows, _abort_row()]))
        case "venue_text" | "edit_venue_text":
            await reply(update, "session_ask_venue_text", max_length=VENUE_MAX)
        case "pin" | "edit_pin":
            await reply(
                update, "session_ask_pin", buttons([[(label("sessions.no_pin"), "sa:nopin")]])
            )
        case "audience":
            rows = [
                [(label("sessions.ward_all"), "sa:a:ward")],
                [(label("sessions.some_groups"), "sa:a:groups")],
                [(label("sessions.social_group"), "sa:a:social")],
            ]
            await reply(update, "session_ask_audience", buttons([*rows, _abort_row()]))
        case "groups":
            chosen = set(data.get("groups", []))
            rows = [
                [
                    (
                        label(
                            "sessions.checked" if g.code in chosen else "sessions.unchecked",
                            name=g.name,
                        ),
                        f"sa:g:{g.code}",
                    )
                ]
                for g in ward.groups
            ]
            rows.append([(label("sessions.done"), "sa:gdone")])
            await reply(update, "session_ask_groups", buttons(rows))
        case "capacity":
            await reply(
                update,
                "session_ask_capacity",
                buttons([[(label("sessions.no_capacity"), "sa:cap:none")]]),
            )
        case "deadline":
            starts = datetime.fromisoformat(data["starts_at"])
            await reply(
                update,
                "session_ask_deadline",
                buttons([[(label("sessions.default"), "sa:dl:default")]]),
                default_deadline=default_opinion_deadline(starts),
                tz=ward.ward.timezone,
            )
        case "summary":
            await show_summary(update, context, data)
        case "reason":
            await reply(update, "session_ask_reason", max_length=REASON_MAX)
        case "cancel_reason":
            session = await _uc(context).get(int(data["session"]))
            if session is None:
                await reply(update, "session_closed", home_markup(), closed="not_found")
                return
            await reply(update, "session_ask_cancel_reason", card=card(services(context), session))


async def show_summary(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict[str, Any]
) -> None:
    s = services(context)
    draft = _draft(data, s.ward.tz)
    problems, lead = _uc(context).check(draft)
    preview = _preview(context, draft)
    rows: Rows = []
    if not problems:
        rows.append([(label("sessions.save_draft"), "sa:save")])
        if lead.short and not draft.reason:
            rows.append([(label("sessions.publish"), "sa:why")])
        else:
            rows.append([(label("sessions.publish"), "sa:pub")])
    rows.append(_abort_row())
    await reply(
        update,
        "session_summary",
        buttons(rows),
        card=preview,
        my_status=None,
        speaking_rank=None,
        waitlist_rank=None,
        speak_topic=None,
        session_problems=_problems(problems),
        lead_short=lead.short,
        earliest=lead.earliest,
        working_days=lead.working_days,
        change_reason=draft.reason,
    )


def _preview(context: ContextTypes.DEFAULT_TYPE, draft: SessionDraft) -> dict[str, Any]:
    from bot.domain.sessions import Session

    session = Session(
        title=draft.title,
        kind=draft.kind,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        host=draft.host,
        deputy=draft.deputy,
        form=draft.form,
        link=draft.link,
        venue=draft.venue,
        audience=draft.audience,
        group_codes=draft.group_codes,
        social_group=draft.social_group,
        capacity=draft.capacity,
        opinion_deadline=draft.opinion_deadline or default_opinion_deadline(draft.starts_at),
    )
    return card(services(context), session)


def _after_form(data: dict[str, Any]) -> str:
    return "link" if data.get("form") == "online" else "start"


def _after_start(data: dict[str, Any]) -> str:
    return "venue" if data.get("form") == "direct" else _after_pin(data)


def _after_pin(data: dict[str, Any]) -> str:
    if data.get("kind") == "thematic":
        return "capacity"
    if data.get("kind") == "weekly":
        return "groups"
    return "audience"


async def _finish(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict[str, Any], publish: bool
) -> None:
    user = update.effective_user
    assert user is not None
    uc = _uc(context)
    draft = _draft(data, services(context).ward.tz)
    result = await uc.create(user.id, draft, publish=publish)
    await _result(update, context, result)
    if result.outcome in (Outcome.CREATED, Outcome.PUBLISHED):
        await _clear(context, user.id)


async def _result(update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result) -> None:
    session = result.session
    match result.outcome:
        case Outcome.CREATED | Outcome.PUBLISHED:
            assert session is not None
            await reply(
                update,
                "session_saved",
                buttons([[(label("sessions.back"), "sa:list")]]),
                card=card(services(context), session),
                published=result.outcome is Outcome.PUBLISHED,
                notified=result.notified,
                social_name=(
                    label(f"sessions.social.{session.social_group.value}")
                    if session.audience is AudienceScope.SOCIAL and session.social_group
                    else None
                ),
                broadcast_label=label("staff_menu.broadcast"),
            )
            await show_admin_card(update, context, session.id)
        case Outcome.UPDATED | Outcome.UNCHANGED:
            assert session is not None
            await reply(
                update,
                "session_updated",
                card=card(services(context), session),
                changes=[c.field for c in result.changes],
                notified=result.notified,
            )
            await show_admin_card(update, context, session.id)
        case Outcome.CANCELLED:
            assert session is not None
            await reply(
                update,
                "session_cancel_done",
                buttons([[(label("sessions.back"), "sa:list")]]),
                card=card(services(context), session),
                notified=result.notified,
            )
        case Outcome.INVALID:
            await reply(update, "session_invalid", session_problems=_problems(result.problems))
        case Outcome.NEEDS_REASON:
            await reply(update, "session_ask_reason", max_length=REASON_MAX)
        case Outcome.NOT_ALLOWED:
            await reply(update, "not_allowed")
        case Outcome.ALREADY_CANCELLED | Outcome.PAST:
            await reply(update, "session_admin_closed", home_markup())
        case _:
            await reply(update, "session_closed", home_markup(), closed="not_found")


# ----- buttons ----------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    if not await _allowed(update, context):
        await ack(update, "not_allowed")
        return
    parts = query.data.removeprefix(PREFIX).split(":")
    action, args = parts[0], parts[1:]
    uc = _uc(context)
    # Actions on a saved session carry its id.
    if action in ("open", "pb", "et", "ev", "ef", "el", "cx", "ro", "png", "pdf", "ics", "att"):
        if not args or not all(a.isdigit() for a in args):
            await ack(update, "button_expired")
            return
        await ack(update)
        await _session_action(update, context, action, [int(a) for a in args])
        return
    if action == "list":
        await ack(update)
        await show_admin_list(update, context)
        return
    if action == "new":
        await ack(update)
        await ask(update, context, "kind", {})
        return
    if action == "weekly":
        await ack(update)
        result = await uc.generate_weekly(user.id, 4)
        await reply(
            update,
            "session_weekly_done",
            buttons([[(label("sessions.back"), "sa:list")]]),
            session_items=[
                {
                    "starts_at": s.starts_at,
                    "venue": s.venue,
                    "tz": services(context).ward.ward.timezone,
                }
                for s in result.created
            ],
            skipped=list(result.skipped_holidays),
        )
        return
    if action == "abort":
        await ack(update)
        await remove_buttons(update)
        await _clear(context, user.id)
        await reply(update, "cancelled")
        return
    state = await _state(context, user.id)
    if state is None:
        await ack(update, "button_expired")
        return
    await ack(update)
    await remove_buttons(update)
    await _flow_button(update, context, state, action, args)


async def _flow_button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    state: ChatState,
    action: str,
    args: list[str],
) -> None:
    data = dict(state.data)
    step = state.step
    value = args[0] if args else ""
    ward = services(context).ward
    uc = _uc(context)
    user = update.effective_user
    assert user is not None
    if step == "kind" and action == "k" and value in SessionKind.__members__.values():
        data["kind"] = value
        await ask(update, context, "social" if value == "thematic" else "title", data)
    elif step == "social" and action == "soc" and value in SocialGroup.__members__.values():
        data["social"], data["audience"] = value, "social"
        await ask(update, context, "capacity" if data.get("title") else "title", data)
    elif step == "host" and action == "h" and value in Host.__members__.values():
        data["host"] = value
        await ask(update, context, "deputy", data)
    elif step == "deputy" and action == "skip":
        await ask(update, context, "form", data)
    elif step == "form" and action == "f" and value in SessionForm.__members__.values():
        data["form"] = value
        await ask(update, context, _after_form(data), data)
    elif step == "edit_form" and action == "f" and value in SessionForm.__members__.values():
        if value == "online":
            data["form"] = value
            await ask(update, context, "edit_link", data)
        else:
            await _clear(context, user.id)
            result = await uc.update(user.id, int(data["session"]), form=SessionForm(value))
            await _result(update, context, result)
    elif step in ("venue", "edit_venue") and action == "v" and ward.group(value):
        group = ward.group(value)
        assert group is not None
        data["venue"] = group.culture_house or group.name
        await ask(update, context, "pin" if step == "venue" else "edit_pin", data)
    elif step in ("venue", "edit_venue") and action == "vt":
        await ask(update, context, step.replace("venue", "venue_text"), data)
    elif step in ("pin", "edit_pin") and action == "nopin":
        data["lat"] = data["lon"] = None
        if step == "pin":
            await ask(update, context, _after_pin(data), data)
        else:
            await _apply_venue(update, context, data)
    elif step == "audience" and action == "a" and value in AudienceScope.__members__.values():
        data["audience"] = value
        if value == "groups":
            await ask(update, context, "groups", data)
        elif value == "social":
            await ask(update, context, "social", data)
        else:
            await ask(update, context, "capacity", data)
    elif step == "groups" and action == "g" and ward.group(value):
        chosen = list(data.get("groups", []))
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        data["groups"], data["audience"] = chosen, "groups"
        await ask(update, context, "groups", data)
    elif step == "groups" and action == "gdone":
        if not data.get("groups"):
            await ask(update, context, "groups", data)
        else:
            await ask(update, context, "capacity", data)
    elif step == "capacity" and action == "cap":
        data["capacity"] = None
        await ask(update, context, _after_capacity(data), data)
    elif step == "deadline" and action == "dl":
        data["deadline"] = None
        await ask(update, context, "summary", data)
    elif step == "summary" and action == "save":
        await _finish(update, context, data, publish=False)
    elif step == "summary" and action == "pub":
        await _finish(update, context, data, publish=True)
    elif step == "summary" and action == "why":
        await ask(update, context, "reason", data)
    else:
        await reply(update, "button_expired")


def _after_capacity(data: dict[str, Any]) -> str:
    return "summary" if data.get("kind") == "weekly" else "deadline"


async def _apply_venue(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict[str, Any]
) -> None:
    user = update.effective_user
    assert user is not None
    await _clear(context, user.id)
    result = await _uc(context).update(
        user.id,
        int(data["session"]),
        venue=data["venue"],
        latitude=data.get("lat"),
        longitude=data.get("lon"),
    )
    await _result(update, context, result)


async def _session_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, args: list[int]
) -> None:
    user = update.effective_user
    assert user is not None
    sid = args[0]
    uc = _uc(context)
    session = await uc.get(sid)
    if session is None:
        await reply(update, "session_closed", home_markup(), closed="not_found")
        return
    editable = session.status in (SessionStatus.DRAFT, SessionStatus.PUBLISHED)
    data = {"session": sid, "kind": session.kind.value, "form": session.form.value}
    match action:
        case "open":
            await show_admin_card(update, context, sid)
        case "pb":
            result = await uc.publish(user.id, sid)
            if result.outcome is Outcome.NEEDS_REASON:
                await ask(update, context, "reason", {"session": sid, "publish_existing": True})
            else:
                await _result(update, context, result)
        case "et" | "ev" | "ef" | "el" | "cx" if not editable:
            await reply(update, "session_admin_closed", home_markup())
        case "et":
            await ask(update, context, "edit_time", data)
        case "ev":
            await ask(update, context, "edit_venue", data)
        case "ef":
            await ask(update, context, "edit_form", data)
        case "el":
            await ask(update, context, "edit_link", data)
        case "cx":
            await ask(update, context, "cancel_reason", data)
        case "ro":
            await show_roster(update, context, sid)
        case "att" if len(args) == 2:
            await uc.mark_attended(user.id, sid, args[1])
            await show_roster(update, context, sid)
        case "png" | "pdf":
            await _send_poster(update, context, sid, action)
        case "ics":
            await send_ics(update, context, sid)
        case _:
            await reply(update, "button_expired")


async def _send_poster(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session_id: int, fmt: str
) -> None:
    session = await _uc(context).get(session_id)
    chat = update.effective_chat
    if session is None or chat is None:
        return
    username = context.bot.username
    link = deep_link(username, session.id) or ""
    view = card(services(context), session, username=username)
    ward_name = services(context).ward.ward.name
    data = await asyncio.to_thread(
        poster, view, link, ward_name=ward_name, fmt="pdf" if fmt == "pdf" else "png"
    )
    await chat.send_document(
        InputFile(data, filename=poster_filename(session.id, fmt)),
        caption=session.title[:200],
    )


# ----- typed input ------------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return
    if not await _allowed(update, context):
        await _clear(context, user.id)
        await reply(update, "not_allowed")
        return
    text = message.text.strip()
    data = dict(state.data)
    tz = services(context).ward.tz
    uc = _uc(context)
    match state.step:
        case "title":
            if not text or len(text) > TITLE_MAX:
                await reply(
                    update,
                    "session_invalid",
                    session_problems=_problems(
                        [Problem.TITLE_TOO_LONG if text else Problem.TITLE_MISSING]
                    ),
                )
                return
            data["title"] = text
            await ask(update, context, "summary" if data.get("starts_at") else "host", data)
        case "deputy":
            data["deputy"] = text[:120]
            await ask(update, context, "form", data)
        case "link" | "edit_link":
            if not text.lower().startswith(("http://", "https://")) or " " in text:
                await reply(
                    update, "session_invalid", session_problems=_problems([Problem.LINK_INVALID])
                )
                return
            if state.step == "link":
                data["link"] = text
                await ask(update, context, "start", data)
            else:
                await _clear(context, user.id)
                fields: dict[str, Any] = {"link": text}
                if data.get("form") == "online":
                    fields["form"] = SessionForm.ONLINE
                await _result(
                    update, context, await uc.update(user.id, int(data["session"]), **fields)
                )
        case "start" | "edit_time":
            parsed = parse_vn_time(text, tz)
            if parsed is None:
                await reply(
                    update, "session_bad_time", typed_text=text[:60], example=_example(context)
                )
                return
            start, end = parsed
            if state.step == "edit_time":
                await _clear(context, user.id)
                fields = {"starts_at": start}
                if end is not None:
                    fields["ends_at"] = end
                await _result(
                    update, context, await uc.update(user.id, int(data["session"]), **fields)
                )
                return
            data["starts_at"] = start.isoformat()
            data["ends_at"] = end.isoformat() if end else None
            await ask(update, context, _after_start(data), data)
        case "venue_text" | "edit_venue_text":
            if len(text) > VENUE_MAX:
                await reply(
                    update, "session_invalid", session_problems=_problems([Problem.VENUE_TOO_LONG])
                )
                return
            data["venue"] = text
            await ask(update, context, "pin" if state.step == "venue_text" else "edit_pin", data)
        case "capacity":
            if not text.isdigit() or int(text) < 1:
                await reply(
                    update,
                    "session_invalid",
                    session_problems=_problems([Problem.CAPACITY_INVALID]),
                )
                return
            data["capacity"] = int(text)
            await ask(update, context, _after_capacity(data), data)
        case "deadline":
            parsed = parse_vn_time(text, tz)
            if parsed is None:
                await reply(
                    update, "session_bad_time", typed_text=text[:60], example=_example(context)
                )
                return
            data["deadline"] = parsed[0].isoformat()
            await ask(update, context, "summary", data)
        case "reason":
            if len(text) > REASON_MAX:
                await reply(
                    update, "session_invalid", session_problems=_problems([Problem.REASON_TOO_LONG])
                )
                return
            if data.get("publish_existing"):
                await _clear(context, user.id)
                await _result(
                    update, context, await uc.publish(user.id, int(data["session"]), reason=text)
                )
                return
            data["reason"] = text
            await ask(update, context, "summary", data)
        case "cancel_reason":
            await _clear(context, user.id)
            await _result(update, context, await uc.cancel(user.id, int(data["session"]), text))
        case _:
            await reply(update, "use_buttons")


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> None:
    """The map pin (vị trí trên bản đồ) of the venue."""
    message = update.effective_message
    if message is None or message.location is None or state.step not in ("pin", "edit_pin"):
        await reply(update, "use_buttons")
        return
    data = dict(state.data)
    data["lat"], data["lon"] = message.location.latitude, message.location.longitude
    if state.step == "pin":
        await ask(update, context, _after_pin(data), data)
    else:
        await _apply_venue(update, context, data)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

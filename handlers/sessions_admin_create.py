"""Creating a session with buttons step by step, and the questions a change of time / venue /
form / link or a cancellation asks: each step is saved before its question is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.sessions import (
    AudienceScope,
    Host,
    Session,
    SessionForm,
    SessionKind,
    SocialGroup,
)
from bot.usecases.sessions import (
    REASON_MAX,
    TITLE_MAX,
    VENUE_MAX,
    Outcome,
    SessionDraft,
    card,
    default_opinion_deadline,
)
from handlers.common import Rows, home_markup
from handlers.sessions_admin_card import present
from handlers.sessions_admin_common import (
    abort_row,
    clear_step,
    example_time,
    problem_labels,
    save_step,
    sessions,
)
from messages import label


def _draft(data: dict[str, Any]) -> SessionDraft:
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


async def ask(turn: Turn, step: str, data: dict[str, Any]) -> None:
    """Save the step and show its question."""
    await save_step(turn, step, data)
    ward = turn.services.ward
    match step:
        case "kind":
            rows: Rows = [[(label(f"sessions.kind.{k}"), f"sa:k:{k}")] for k in SessionKind]
            await turn.reply("session_ask_kind", [*rows, abort_row()])
        case "social":
            rows = [[(label(f"sessions.social.{g}"), f"sa:soc:{g}")] for g in SocialGroup]
            await turn.reply("session_ask_social", [*rows, abort_row()])
        case "title":
            await turn.reply("session_ask_title", max_length=TITLE_MAX)
        case "host":
            rows = [[(label(f"sessions.host.{h}"), f"sa:h:{h}")] for h in Host]
            await turn.reply("session_ask_host", [*rows, abort_row()])
        case "deputy":
            await turn.reply("session_ask_deputy", [[(label("sessions.skip"), "sa:skip")]])
        case "form" | "edit_form":
            rows = [[(label(f"sessions.form.{f}"), f"sa:f:{f}")] for f in SessionForm]
            await turn.reply("session_ask_form", [*rows, abort_row()])
        case "link" | "edit_link":
            await turn.reply("session_ask_link")
        case "start" | "edit_time":
            await turn.reply("session_ask_start", example=example_time(turn))
        case "venue" | "edit_venue":
            rows = [[(g.culture_house or g.name, f"sa:v:{g.code}")] for g in ward.groups]
            rows.append([(label("sessions.typed_venue"), "sa:vt")])
            await turn.reply("session_ask_venue", [*rows, abort_row()])
        case "venue_text" | "edit_venue_text":
            await turn.reply("session_ask_venue_text", max_length=VENUE_MAX)
        case "pin" | "edit_pin":
            await turn.reply("session_ask_pin", [[(label("sessions.no_pin"), "sa:nopin")]])
        case "audience":
            rows = [
                [(label("sessions.ward_all"), "sa:a:ward")],
                [(label("sessions.some_groups"), "sa:a:groups")],
                [(label("sessions.social_group"), "sa:a:social")],
            ]
            await turn.reply("session_ask_audience", [*rows, abort_row()])
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
            await turn.reply("session_ask_groups", rows)
        case "capacity":
            await turn.reply(
                "session_ask_capacity", [[(label("sessions.no_capacity"), "sa:cap:none")]]
            )
        case "deadline":
            starts = datetime.fromisoformat(data["starts_at"])
            await turn.reply(
                "session_ask_deadline",
                [[(label("sessions.default"), "sa:dl:default")]],
                default_deadline=default_opinion_deadline(starts),
                tz=ward.ward.timezone,
            )
        case "summary":
            await show_summary(turn, data)
        case "reason":
            await turn.reply("session_ask_reason", max_length=REASON_MAX)
        case "cancel_reason":
            session = await sessions(turn).get(int(data["session"]))
            if session is None:
                await turn.reply("session_closed", home_markup(), closed="not_found")
                return
            await turn.reply("session_ask_cancel_reason", card=card(turn.services, session))


async def show_summary(turn: Turn, data: dict[str, Any]) -> None:
    draft = _draft(data)
    problems, lead = sessions(turn).check(draft)
    rows: Rows = []
    if not problems:
        rows.append([(label("sessions.save_draft"), "sa:save")])
        if lead.short and not draft.reason:
            rows.append([(label("sessions.publish"), "sa:why")])
        else:
            rows.append([(label("sessions.publish"), "sa:pub")])
    rows.append(abort_row())
    await turn.reply(
        "session_summary",
        rows,
        card=_preview(turn, draft),
        my_status=None,
        speaking_rank=None,
        waitlist_rank=None,
        speak_topic=None,
        session_problems=problem_labels(problems),
        lead_short=lead.short,
        earliest=lead.earliest,
        working_days=lead.working_days,
        change_reason=draft.reason,
    )


def _preview(turn: Turn, draft: SessionDraft) -> dict[str, Any]:
    """The card of the session as it would be saved, before it has an id."""
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
    return card(turn.services, session)


def after_form(data: dict[str, Any]) -> str:
    return "link" if data.get("form") == "online" else "start"


def after_start(data: dict[str, Any]) -> str:
    return "venue" if data.get("form") == "direct" else after_pin(data)


def after_pin(data: dict[str, Any]) -> str:
    if data.get("kind") == "thematic":
        return "capacity"
    if data.get("kind") == "weekly":
        return "groups"
    return "audience"


def after_capacity(data: dict[str, Any]) -> str:
    return "summary" if data.get("kind") == "weekly" else "deadline"


async def _finish(turn: Turn, data: dict[str, Any], publish: bool) -> None:
    result = await sessions(turn).create(turn.person_id, _draft(data), publish=publish)
    await present(turn, result)
    if result.outcome in (Outcome.CREATED, Outcome.PUBLISHED):
        await clear_step(turn)


async def apply_venue(turn: Turn, data: dict[str, Any]) -> None:
    """The new venue (and pin, if any) of a saved session."""
    await clear_step(turn)
    result = await sessions(turn).update(
        turn.person_id,
        int(data["session"]),
        venue=data["venue"],
        latitude=data.get("lat"),
        longitude=data.get("lon"),
    )
    await present(turn, result)


async def flow_button(turn: Turn, state: ChatState, action: str, args: list[str]) -> None:
    """A button answering the question of the saved step; anything else has expired."""
    data = dict(state.data)
    step = state.step
    value = args[0] if args else ""
    ward = turn.services.ward
    if step == "kind" and action == "k" and value in SessionKind.__members__.values():
        data["kind"] = value
        await ask(turn, "social" if value == "thematic" else "title", data)
    elif step == "social" and action == "soc" and value in SocialGroup.__members__.values():
        data["social"], data["audience"] = value, "social"
        await ask(turn, "capacity" if data.get("title") else "title", data)
    elif step == "host" and action == "h" and value in Host.__members__.values():
        data["host"] = value
        await ask(turn, "deputy", data)
    elif step == "deputy" and action == "skip":
        await ask(turn, "form", data)
    elif step == "form" and action == "f" and value in SessionForm.__members__.values():
        data["form"] = value
        await ask(turn, after_form(data), data)
    elif step == "edit_form" and action == "f" and value in SessionForm.__members__.values():
        if value == "online":
            data["form"] = value
            await ask(turn, "edit_link", data)
        else:
            await clear_step(turn)
            result = await sessions(turn).update(
                turn.person_id, int(data["session"]), form=SessionForm(value)
            )
            await present(turn, result)
    elif step in ("venue", "edit_venue") and action == "v" and ward.group(value):
        group = ward.group(value)
        assert group is not None
        data["venue"] = group.culture_house or group.name
        await ask(turn, "pin" if step == "venue" else "edit_pin", data)
    elif step in ("venue", "edit_venue") and action == "vt":
        await ask(turn, step.replace("venue", "venue_text"), data)
    elif step in ("pin", "edit_pin") and action == "nopin":
        data["lat"] = data["lon"] = None
        if step == "pin":
            await ask(turn, after_pin(data), data)
        else:
            await apply_venue(turn, data)
    elif step == "audience" and action == "a" and value in AudienceScope.__members__.values():
        data["audience"] = value
        if value == "groups":
            await ask(turn, "groups", data)
        elif value == "social":
            await ask(turn, "social", data)
        else:
            await ask(turn, "capacity", data)
    elif step == "groups" and action == "g" and ward.group(value):
        chosen = list(data.get("groups", []))
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        data["groups"], data["audience"] = chosen, "groups"
        await ask(turn, "groups", data)
    elif step == "groups" and action == "gdone":
        await ask(turn, "capacity" if data.get("groups") else "groups", data)
    elif step == "capacity" and action == "cap":
        data["capacity"] = None
        await ask(turn, after_capacity(data), data)
    elif step == "deadline" and action == "dl":
        data["deadline"] = None
        await ask(turn, "summary", data)
    elif step == "summary" and action == "save":
        await _finish(turn, data, publish=False)
    elif step == "summary" and action == "pub":
        await _finish(turn, data, publish=True)
    elif step == "summary" and action == "why":
        await ask(turn, "reason", data)
    else:
        await turn.reply("button_expired")

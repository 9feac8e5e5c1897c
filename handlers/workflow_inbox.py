"""Hộp ý kiến mới (secretary): filter, open, classify, similar and group, choose an outcome;
decide a unit's extension request. The inbox is one message that edits itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.petitions import FieldOfConcern, Status
from bot.domain.workflow import INBOX_STATUSES, InboxFilter, Item
from bot.usecases.workflow import Change, Result, TextKind
from handlers.common import Rows, home_markup
from handlers.petitions_full import full_text_rows
from handlers.workflow_common import (
    INBOX_PREFIX,
    ask_text,
    parse_id,
    refuse_or_explain,
    secretary_done,
    to_list_row,
    use_case,
)
from messages import label

PREFIX = INBOX_PREFIX


def _filter_text(flt: InboxFilter) -> str:
    parts = [
        label(f"petitions.statuses.{flt.status.value}")
        if flt.status
        else label("workflow.inbox.all_statuses"),
        flt.field.label if flt.field else label("workflow.inbox.all_fields"),
    ]
    if flt.weekly:
        parts.append(label("workflow.inbox.weekly"))
    elif flt.session_id:
        parts.append(f"#{flt.session_id}")
    else:
        parts.append(label("workflow.inbox.all_sessions"))
    return " · ".join(parts)


async def start(turn: Turn) -> None:
    """The staff menu's «Ý kiến mới»."""
    await _list(turn, InboxFilter(), new_message=True)


async def _list(turn: Turn, flt: InboxFilter, new_message: bool = False) -> None:
    page = await use_case(turn).inbox(turn.person_id, flt)
    if page.result is Result.NOT_ALLOWED:
        await turn.ack("workflow_refused")
        return
    await turn.ack()
    flt = page.filter
    rows: Rows = [
        [(f"{i.petition.code} · {i.petition.field.label}", f"{PREFIX}o:{i.petition.id}")]
        for i in page.items
    ]
    nav = []
    if flt.page > 0:
        nav.append((label("workflow.inbox.prev"), f"{PREFIX}l:{flt.encode(flt.page - 1)}"))
    if flt.page + 1 < page.pages:
        nav.append((label("workflow.inbox.next"), f"{PREFIX}l:{flt.encode(flt.page + 1)}"))
    if nav:
        rows.append(nav)
    rows.append(
        [
            (label("workflow.inbox.filter_status"), f"{PREFIX}fs:{flt.encode(0)}"),
            (label("workflow.inbox.filter_field"), f"{PREFIX}ff:{flt.encode(0)}"),
            (label("workflow.inbox.filter_session"), f"{PREFIX}fd:{flt.encode(0)}"),
        ]
    )
    rows.append([(label("menu.back"), "m:home")])
    ctx: dict[str, Any] = {
        "total": page.total,
        "filter_text": _filter_text(flt),
        "inbox_rows": [
            {
                "code": i.petition.code,
                "field": i.petition.field.label,
                "status": label(f"petitions.statuses.{i.petition.status.value}"),
                "grouped": bool(i.handling and i.handling.group_id),
            }
            for i in page.items
        ],
        "page": flt.page + 1,
        "pages": page.pages,
    }
    if new_message:
        await turn.reply("workflow_inbox", rows, **ctx)
    else:
        await turn.edit("workflow_inbox", rows, **ctx)


async def _filter_menu(turn: Turn, kind: str, flt: InboxFilter) -> None:
    if (await use_case(turn).inbox(turn.person_id, flt)).result is Result.NOT_ALLOWED:
        await turn.ack("workflow_refused")
        return
    await turn.ack()
    options: list[tuple[str, InboxFilter]]
    if kind == "fs":
        options = [(label("workflow.inbox.all_statuses"), replace(flt, status=None))]
        options += [
            (label(f"petitions.statuses.{s.value}"), replace(flt, status=s)) for s in INBOX_STATUSES
        ]
        pick = "status"
    elif kind == "ff":
        options = [(label("workflow.inbox.all_fields"), replace(flt, field=None))]
        options += [(f.label, replace(flt, field=f)) for f in FieldOfConcern]
        pick = "filter_field"
    else:
        async with turn.services.store.read() as uow:
            sessions = (await uow.sessions.all())[-8:]
        options = [
            (label("workflow.inbox.all_sessions"), replace(flt, session_id=None, weekly=False)),
            (label("workflow.inbox.weekly"), replace(flt, session_id=None, weekly=True)),
        ]
        options += [(s.title[:40], replace(flt, session_id=s.id, weekly=False)) for s in sessions]
        pick = "session"
    rows = [[(text, f"{PREFIX}l:{f.encode(0)}")] for text, f in options]
    await turn.edit("workflow_pick", rows, pick_kind=pick, code="")


def _card_markup(item: Item) -> Rows:
    pid = item.petition.id
    return [
        [
            (label("workflow.inbox.classify"), f"{PREFIX}f:{pid}"),
            (label("workflow.inbox.similar"), f"{PREFIX}s:{pid}"),
        ],
        [(label("workflow.inbox.assign"), f"{PREFIX}a:{pid}")],
        [
            (label("workflow.inbox.direct"), f"{PREFIX}t:{TextKind.DIRECT.value}:{pid}"),
            (label("workflow.inbox.at_session"), f"{PREFIX}as:{pid}"),
        ],
        [
            (label("workflow.inbox.forward"), f"{PREFIX}t:{TextKind.FORWARD.value}:{pid}"),
            (label("workflow.inbox.scope"), f"{PREFIX}t:{TextKind.SCOPE.value}:{pid}"),
        ],
        to_list_row(),
    ]


async def _card(turn: Turn, petition_id: int) -> None:
    change = await use_case(turn).card(turn.person_id, petition_id)
    if await refuse_or_explain(turn, change) or change.item is None:
        return
    await turn.ack()
    item = change.item
    petition = item.petition
    session_title = None
    if petition.session_id is not None:
        async with turn.services.store.read() as uow:
            session = await uow.sessions.get(petition.session_id)
        session_title = session.title if session else None
    name = petition.on_behalf.name if petition.on_behalf else None
    if name is None and petition.author_id is not None:
        async with turn.services.store.read() as uow:
            resident = await uow.residents.get(petition.author_id)
        name = resident.full_name if resident and resident.full_name else str(petition.author_id)
    markup = _card_markup(item) if petition.status in INBOX_STATUSES else []
    if change.extension is not None:
        markup.insert(
            0,
            [
                (label("workflow.extension.approve"), f"wx:y:{change.extension.id}"),
                (label("workflow.extension.refuse"), f"wx:n:{change.extension.id}"),
            ],
        )
    if not markup:
        markup = [to_list_row()]
    markup = [*full_text_rows(petition.code, petition.content), *markup]
    await turn.edit(
        "workflow_card",
        markup,
        code=petition.code,
        field_label=petition.field.label,
        status_label=label(f"petitions.statuses.{petition.status.value}"),
        name=name or "",
        channel_label=petition.channel.label,
        session_title=session_title,
        place=petition.concerns_address,
        content=petition.content,
        codes=[m.petition.code for m in change.members],
        note=item.handling.reason if item.handling else None,
        proposed_due=change.extension.proposed_due if change.extension else None,
    )


async def on_button(turn: Turn) -> None:
    data = turn.payload.removeprefix(PREFIX)
    verb, _, rest = data.partition(":")
    wf = use_case(turn)
    ward = turn.services.ward
    user_id = turn.person_id
    if verb == "l":
        flt = InboxFilter.decode(rest)
        if flt is None:
            await turn.ack("button_expired")
            return
        await _list(turn, flt)
    elif verb in ("fs", "ff", "fd"):
        flt = InboxFilter.decode(rest)
        if flt is None:
            await turn.ack("button_expired")
            return
        await _filter_menu(turn, verb, flt)
    elif verb == "o" and (pid := parse_id(data, 1)) is not None:
        await _card(turn, pid)
    elif verb == "f" and (pid := parse_id(data, 1)) is not None:
        change = await wf.card(user_id, pid)
        if (await wf.similar(user_id, pid)).result is Result.NOT_ALLOWED:
            change = Change(Result.NOT_ALLOWED)
        if await refuse_or_explain(turn, change) or change.item is None:
            return
        await turn.ack()
        rows = [[(f.label, f"{PREFIX}fc:{pid}:{f.value}")] for f in FieldOfConcern]
        await turn.edit(
            "workflow_pick",
            rows,
            pick_kind="field",
            code=change.item.petition.code,
        )
    elif verb == "fc" and (pid := parse_id(data, 1)) is not None:
        try:
            field = FieldOfConcern(data.split(":")[2])
        except (IndexError, ValueError):
            await turn.ack("button_expired")
            return
        change = await wf.classify(user_id, pid, field)
        if await refuse_or_explain(turn, change):
            return
        await _card(turn, pid)
    elif verb == "s" and (pid := parse_id(data, 1)) is not None:
        change = await wf.similar(user_id, pid)
        if await refuse_or_explain(turn, change) or change.item is None:
            return
        await turn.ack()
        statuses = {}
        async with turn.services.store.read() as uow:
            for s in change.similar:
                p = await uow.petitions.get(s.petition_id)
                statuses[s.petition_id] = p.status if p else Status.RECEIVED
        rows = [
            [
                (
                    label("workflow.inbox.group_with", code=s.code, score=s.score),
                    f"{PREFIX}g:{pid}:{s.petition_id}",
                )
            ]
            for s in change.similar
            if statuses[s.petition_id] in INBOX_STATUSES
        ]
        rows.append([(label("workflow.back"), f"{PREFIX}o:{pid}")])
        await turn.edit(
            "workflow_similar",
            rows,
            code=change.item.petition.code,
            similar_rows=[
                {
                    "code": s.code,
                    "score": s.score,
                    "status": label(f"petitions.statuses.{statuses[s.petition_id].value}"),
                }
                for s in change.similar
            ],
        )
    elif verb == "g" and (pid := parse_id(data, 1)) is not None and (other := parse_id(data, 2)):
        change = await wf.group(user_id, pid, other)
        if await refuse_or_explain(turn, change):
            return
        await _card(turn, pid)
    elif verb == "a" and (pid := parse_id(data, 1)) is not None:
        change = await wf.card(user_id, pid)
        if (await wf.similar(user_id, pid)).result is Result.NOT_ALLOWED:
            change = Change(Result.NOT_ALLOWED)
        if await refuse_or_explain(turn, change) or change.item is None:
            return
        await turn.ack()
        rows = [[(u.name, f"{PREFIX}au:{pid}:{u.code}")] for u in ward.units]
        rows.append([(label("workflow.back"), f"{PREFIX}o:{pid}")])
        await turn.edit("workflow_pick", rows, pick_kind="unit", code=change.item.petition.code)
    elif verb in ("au", "ac") and (pid := parse_id(data, 1)) is not None:
        unit_code = data.split(":")[2] if len(data.split(":")) > 2 else ""
        if verb == "au":
            change = await wf.preview_assign(user_id, pid, unit_code)
            if await refuse_or_explain(turn, change) or change.item is None:
                return
            await turn.ack()
            unit = ward.unit(unit_code)
            await turn.edit(
                "workflow_confirm_assign",
                [
                    [
                        (label("workflow.confirm"), f"{PREFIX}ac:{pid}:{unit_code}"),
                        (label("workflow.back"), f"{PREFIX}a:{pid}"),
                    ]
                ],
                code=change.item.petition.code,
                codes=[m.petition.code for m in change.members],
                unit_name=unit.name if unit else unit_code,
                due_on=change.due_on,
                working_days=wf.answer_days,
                officials=change.officials,
            )
        else:
            change = await wf.assign(user_id, pid, unit_code)
            if change.result is Result.DONE:
                unit = ward.unit(unit_code)
                change = replace(change, unit_code=unit.name if unit else unit_code)
            await secretary_done(turn, change)
    elif verb == "as" and (pid := parse_id(data, 1)) is not None:
        await secretary_done(turn, await wf.answered_at_session(user_id, pid))
    elif verb == "t" and (pid := parse_id(data, 2)) is not None:
        try:
            kind = TextKind(data.split(":")[1])
        except ValueError:
            await turn.ack("button_expired")
            return
        if kind not in (TextKind.DIRECT, TextKind.FORWARD, TextKind.SCOPE):
            await turn.ack("workflow_refused")
            return
        await ask_text(turn, await wf.begin_text(user_id, pid, kind))
    else:
        await turn.ack("button_expired")


async def on_extension(turn: Turn) -> None:
    """``wx:y:<id>`` / ``wx:n:<id>``: approve or refuse a unit's extension request."""
    parts = turn.payload.split(":")
    request_id = parse_id(turn.payload, 2)
    if len(parts) != 3 or parts[1] not in ("y", "n") or request_id is None:
        await turn.ack("button_expired")
        return
    change = await use_case(turn).decide_extension(turn.person_id, request_id, parts[1] == "y")
    if await refuse_or_explain(turn, change) or change.item is None:
        return
    await turn.ack()
    await turn.reply(
        "workflow_done",
        home_markup(),
        done_kind="ext_approved" if parts[1] == "y" else "ext_refused",
        code=change.item.petition.code,
        codes=[],
        due_on=change.due_on,
        proposed_due=None,
        unit_name=None,
        field_label="",
    )


def register(router: Router) -> None:
    router.button(PREFIX, on_button)
    router.button("wx:", on_extension)

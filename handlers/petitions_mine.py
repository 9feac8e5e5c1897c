"""«Ý kiến của tôi»: the resident's petitions, newest first, in one message that edits itself.

Button data carries only page numbers and petition ids (``pm:p:<page>``, ``pm:o:<id>:<page>``);
the use case shows a timeline only to the petition's author, so a forged id shows nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.conversation.replies import Buttons
from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.domain.deeplink import DeepLink
from bot.domain.petitions import EventKind, PetitionEvent
from bot.usecases.petitions import Page, Petitions, Timeline, TimelineOutcome
from handlers.common import Rows, buttons, home_markup
from handlers.petitions_full import full_text_rows
from messages import label

PREFIX = "pm:"


View = tuple[str, Buttons, dict[str, Any]]
"""A template, its buttons and its context: sent as a new message or put in place of the old."""


def _use_case(turn: Turn) -> Petitions:
    return Petitions(turn.services)


def _page_view(page: Page, tz: str) -> View:
    if not page.petitions:
        return "petition_mine_empty", home_markup(), {}
    context = {
        "petition_rows": [
            {
                "code": p.code,
                "field": p.field.label,
                "status": label(f"petitions.statuses.{p.status.value}"),
                "created_at": p.created_at,
            }
            for p in page.petitions
        ],
        "page": page.page + 1,
        "pages": page.pages,
        "total": page.total,
        "tz": tz,
    }
    rows: Rows = [
        [
            (
                label("petitions.item", code=p.code, field=p.field.label),
                f"{PREFIX}o:{p.id}:{page.page}",
            )
        ]
        for p in page.petitions
    ]
    paging = []
    if page.page > 0:
        paging.append((label("petitions.prev_page"), f"{PREFIX}p:{page.page - 1}"))
    if page.page + 1 < page.pages:
        paging.append((label("petitions.next_page"), f"{PREFIX}p:{page.page + 1}"))
    if paging:
        rows.append(paging)
    rows.append([(label("menu.back"), "m:home")])
    return "petition_mine", buttons(rows), context


def _timeline_view(turn: Turn, timeline: Timeline, page: str) -> View:
    rows = [[(label("petitions.to_list"), f"{PREFIX}p:{page}")], [(label("menu.back"), "m:home")]]
    petition = timeline.petition
    markup = buttons([*full_text_rows(petition.code, petition.content), *rows])
    return "petition_timeline", markup, _timeline_context(turn, timeline)


def _event_detail(turn: Turn, event: PetitionEvent) -> str | None:
    details = event.details
    if event.kind is EventKind.ASSIGNED and details.get("unit"):
        unit = turn.services.ward.unit(str(details["unit"]))
        due = details.get("due")
        name = unit.name if unit else str(details["unit"])
        if due:
            day = date.fromisoformat(str(due)[:10])
            return label(
                "petitions.events.assigned_detail",
                unit=name,
                due=f"{day.day:02d}/{day.month:02d}/{day.year}",
            )
        return name
    if event.kind is EventKind.RECEIVED and details.get("channel"):
        return label(f"petitions.channels.{details['channel']}")
    note = details.get("note")
    return str(note) if note else None


async def show(turn: Turn) -> None:
    """The main menu's «Ý kiến của tôi»: a new message with the first page."""
    await turn.ack()
    page = await _use_case(turn).mine(turn.person_id, 0)
    template, markup, context = _page_view(page, turn.services.ward.ward.timezone)
    await turn.reply(template, markup, **context)


async def open_link(turn: Turn, link: DeepLink) -> None:
    """``/start p<code>``: the petition's timeline, for its author only."""
    result = await _use_case(turn).timeline(turn.person_id, code=link.ref)
    if result.outcome is TimelineOutcome.NOT_YOURS or result.timeline is None:
        await turn.reply("petition_not_yours", home_markup())
        return
    template, markup, context = _timeline_view(turn, result.timeline, "0")
    await turn.reply(template, markup, **context)


def _timeline_context(turn: Turn, timeline: Timeline) -> dict[str, Any]:
    petition = timeline.petition
    return {
        "code": petition.code,
        "field_label": petition.field.label,
        "status_label": label(f"petitions.statuses.{petition.status.value}"),
        "session_title": timeline.session.title if timeline.session else None,
        "content": petition.content,
        "petition_events": [
            {
                "at": e.at,
                "label": label(f"petitions.events.{e.kind.value}"),
                "detail": _event_detail(turn, e),
            }
            for e in timeline.events
        ],
        "tz": turn.services.ward.ward.timezone,
    }


async def on_button(turn: Turn) -> None:
    """A page or a petition of the list: the message is edited in place."""
    parts = turn.payload.removeprefix(PREFIX).split(":")
    use_case = _use_case(turn)
    view: View
    if len(parts) == 2 and parts[0] == "p" and parts[1].isdigit():
        page = await use_case.mine(turn.person_id, int(parts[1]))
        view = _page_view(page, turn.services.ward.ward.timezone)
    elif len(parts) == 3 and parts[0] == "o" and parts[1].isdigit() and parts[2].isdigit():
        result = await use_case.timeline(turn.person_id, petition_id=int(parts[1]))
        if result.timeline is None:
            await turn.ack("petition_not_yours")
            return
        view = _timeline_view(turn, result.timeline, parts[2])
    else:
        await turn.ack("button_expired")
        return
    await turn.ack()
    template, markup, context = view
    await turn.edit(template, markup, **context)


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

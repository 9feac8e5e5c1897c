"""«Ý kiến của tôi»: the resident's petitions, newest first, in one message that edits itself.

Button data carries only page numbers and petition ids (``pm:p:<page>``, ``pm:o:<id>:<page>``);
the use case shows a timeline only to the petition's author, so a forged id shows nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.domain.deeplink import DeepLink
from bot.domain.petitions import EventKind, PetitionEvent
from bot.usecases.petitions import Page, Petitions, Timeline, TimelineOutcome
from handlers.common import NO_PREVIEW, ack, buttons, home_markup, reply, services
from messages import label, render

PREFIX = "pm:"


def _use_case(context: ContextTypes.DEFAULT_TYPE) -> Petitions:
    return Petitions(services(context))


def _page_view(page: Page, tz: str) -> tuple[str, InlineKeyboardMarkup]:
    if not page.petitions:
        return render("petition_mine_empty"), home_markup()
    text = render(
        "petition_mine",
        petition_rows=[
            {
                "code": p.code,
                "field": p.field.label,
                "status": label(f"petitions.statuses.{p.status.value}"),
                "created_at": p.created_at,
            }
            for p in page.petitions
        ],
        page=page.page + 1,
        pages=page.pages,
        total=page.total,
        tz=tz,
    )
    rows = [
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
    return text, buttons(rows)


def _event_detail(event: PetitionEvent, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    details = event.details
    if event.kind is EventKind.ASSIGNED and details.get("unit"):
        unit = services(context).ward.unit(str(details["unit"]))
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


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The main menu's «Ý kiến của tôi»: a new message with the first page."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    await ack(update)
    page = await _use_case(context).mine(user.id, 0)
    text, markup = _page_view(page, services(context).ward.ward.timezone)
    await chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
    )


async def open_link(update: Update, context: ContextTypes.DEFAULT_TYPE, link: DeepLink) -> None:
    """``/start p<code>``: the petition's timeline, for its author only."""
    user = update.effective_user
    if user is None:
        return
    result = await _use_case(context).timeline(user.id, code=link.ref)
    if result.outcome is TimelineOutcome.NOT_YOURS or result.timeline is None:
        await reply(update, "petition_not_yours", home_markup())
        return
    await reply(
        update,
        "petition_timeline",
        buttons([[(label("petitions.to_list"), f"{PREFIX}p:0")], [(label("menu.back"), "m:home")]]),
        **_timeline_context(result.timeline, context),
    )


def _timeline_context(timeline: Timeline, context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
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
                "detail": _event_detail(e, context),
            }
            for e in timeline.events
        ],
        "tz": services(context).ward.ward.timezone,
    }


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    parts = query.data.removeprefix(PREFIX).split(":")
    use_case = _use_case(context)
    if len(parts) == 2 and parts[0] == "p" and parts[1].isdigit():
        page = await use_case.mine(user.id, int(parts[1]))
        text, markup = _page_view(page, services(context).ward.ward.timezone)
    elif len(parts) == 3 and parts[0] == "o" and parts[1].isdigit() and parts[2].isdigit():
        result = await use_case.timeline(user.id, petition_id=int(parts[1]))
        if result.timeline is None:
            await ack(update, "petition_not_yours")
            return
        text = render("petition_timeline", **_timeline_context(result.timeline, context))
        markup = buttons(
            [
                [(label("petitions.to_list"), f"{PREFIX}p:{parts[2]}")],
                [(label("menu.back"), "m:home")],
            ]
        )
    else:
        await ack(update, "button_expired")
        return
    await ack(update)
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"))

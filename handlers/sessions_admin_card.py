"""The secretary's view of sessions: the list, one session's card with its actions, the
registrations and speaking order, the poster, and what a create / change / cancel came to."""

from __future__ import annotations

import asyncio
import html
from typing import Any

from bot.conversation.turn import Media, MediaKind, Reply, Turn
from bot.documents.poster import poster, poster_filename
from bot.domain.sessions import AudienceScope, SessionStatus
from bot.usecases.sessions import REASON_MAX, Outcome, Result, card, deep_link
from handlers.common import Rows, home_markup
from handlers.sessions_admin_common import problem_labels, sessions
from messages import label


def _back_to_list() -> Rows:
    return [[(label("sessions.back"), "sa:list")]]


async def show_admin_list(turn: Turn) -> None:
    found = await sessions(turn).list_for_staff()
    items = [
        {"card": card(turn.services, s), "status": label(f"sessions.status.{s.status}")}
        for s in found
    ]
    rows: Rows = [[(f"#{s.id} {s.title[:45]}", f"sa:open:{s.id}")] for s in found[:20]]
    rows.append([(label("sessions.new"), "sa:new")])
    rows.append([(label("sessions.weekly"), "sa:weekly")])
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply("session_admin_list", rows, session_items=items)


def _card_rows(sid: int, status: SessionStatus) -> Rows:
    editable = status in (SessionStatus.DRAFT, SessionStatus.PUBLISHED)
    rows: Rows = []
    if status is SessionStatus.DRAFT:
        rows.append([(label("sessions.publish"), f"sa:pb:{sid}")])
    if editable:
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
    if editable:
        rows.append([(label("sessions.cancel_session"), f"sa:cx:{sid}")])
    rows.append(
        [
            (label("dossier.minutes_button"), f"ds:min:{sid}"),
            (label("dossier.button"), f"ds:get:{sid}"),
        ]
    )
    rows.append([(label("sessions.back"), "sa:list")])
    return rows


async def show_admin_card(turn: Turn, session_id: int) -> None:
    roster = await sessions(turn).roster(session_id)
    if roster is None:
        await turn.reply("session_closed", home_markup(), closed="not_found")
        return
    session = roster.session
    await turn.reply(
        "session_admin_card",
        _card_rows(session.id, session.status),
        card=card(turn.services, session, username=turn.handle),
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


async def show_roster(turn: Turn, session_id: int) -> None:
    roster = await sessions(turn).roster(session_id)
    if roster is None:
        await turn.reply("session_closed", home_markup(), closed="not_found")
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
    await turn.reply(
        "session_roster",
        rows,
        card=card(turn.services, roster.session),
        seated=registered,
        waitlist=[{"name": who(r)} for r in roster.waitlist],
        speakers=[{"name": who(r), "topic": r.topic or ""} for r in roster.speakers],
    )


async def send_poster(turn: Turn, session_id: int, fmt: str) -> None:
    """The A4 poster (PNG or PDF) with a QR code of the session's deep link, as a file."""
    session = await sessions(turn).get(session_id)
    if session is None:
        return
    link = deep_link(turn.handle, session.id) or ""
    view = card(turn.services, session, username=turn.handle)
    ward_name = turn.services.ward.ward.name
    data = await asyncio.to_thread(
        poster, view, link, ward_name=ward_name, fmt="pdf" if fmt == "pdf" else "png"
    )
    # The caption is the title as typed, shown as plain text.
    document = Media(MediaKind.DOCUMENT, data=data, filename=poster_filename(session.id, fmt))
    await turn.send(
        Reply(html.escape(session.title[:200]), media=document, template="session_poster")
    )


async def present(turn: Turn, result: Result) -> None:
    """What a create, publish, change or cancel came to; the card again after a change."""
    session = result.session
    match result.outcome:
        case Outcome.CREATED | Outcome.PUBLISHED:
            assert session is not None
            await turn.reply(
                "session_saved",
                _back_to_list(),
                card=card(turn.services, session),
                published=result.outcome is Outcome.PUBLISHED,
                notified=result.notified,
                social_name=(
                    label(f"sessions.social.{session.social_group.value}")
                    if session.audience is AudienceScope.SOCIAL and session.social_group
                    else None
                ),
                broadcast_label=label("staff_menu.broadcast"),
            )
            await show_admin_card(turn, session.id)
        case Outcome.UPDATED | Outcome.UNCHANGED:
            assert session is not None
            await turn.reply(
                "session_updated",
                card=card(turn.services, session),
                changes=[c.field for c in result.changes],
                notified=result.notified,
            )
            await show_admin_card(turn, session.id)
        case Outcome.CANCELLED:
            assert session is not None
            await turn.reply(
                "session_cancel_done",
                _back_to_list(),
                card=card(turn.services, session),
                notified=result.notified,
            )
        case Outcome.INVALID:
            await turn.reply("session_invalid", session_problems=problem_labels(result.problems))
        case Outcome.NEEDS_REASON:
            await turn.reply("session_ask_reason", max_length=REASON_MAX)
        case Outcome.NOT_ALLOWED:
            await turn.reply("not_allowed")
        case Outcome.ALREADY_CANCELLED | Outcome.PAST:
            await turn.reply("session_admin_closed", home_markup())
        case _:
            await turn.reply("session_closed", home_markup(), closed="not_found")

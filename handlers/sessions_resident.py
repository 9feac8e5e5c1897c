"""Residents and sessions: "Lịch đối thoại", the session card, registering to attend or speak,
cancelling, the map pin, the .ics file, and the deep link ``/start s<id>``."""

from __future__ import annotations

from bot.conversation.router import Router
from bot.conversation.turn import Turn
from bot.documents.ics import ics_filename, session_ics
from bot.domain.deeplink import DeepLink
from bot.domain.people import ChatState
from bot.domain.sessions import SessionStatus
from bot.usecases.sessions import TOPIC_MAX, Listed, RegOutcome, RegResult, Sessions, card
from handlers.common import Rows, home_markup
from messages import label

PREFIX = "ss:"
FLOW = "session_speak"


def _uc(turn: Turn) -> Sessions:
    return Sessions(turn.services)


def _card(turn: Turn, listed: Listed) -> dict[str, object]:
    return card(turn.services, listed.session, username=turn.handle, places_left=listed.places_left)


def card_markup(listed: Listed) -> Rows:
    session = listed.session
    reg = listed.registration
    sid = session.id
    rows: Rows = []
    if session.status is SessionStatus.PUBLISHED:
        active = reg is not None and reg.status.active
        if not active:
            rows.append([(label("sessions.register"), f"ss:reg:{sid}")])
        if reg is None or not reg.speaks or not active:
            rows.append([(label("sessions.speak"), f"ss:spk:{sid}")])
        if active:
            rows.append([(label("sessions.unregister"), f"ss:unreg:{sid}")])
        if session.has_pin:
            rows.append([(label("sessions.map"), f"ss:map:{sid}")])
        rows.append([(label("sessions.ics"), f"ss:ics:{sid}")])
    rows.append([(label("sessions.list"), "ss:list"), (label("menu.back"), "m:home")])
    return rows


async def show_list(turn: Turn) -> None:
    """Main-menu entry "Lịch đối thoại"."""
    await turn.ack()
    found = await _uc(turn).upcoming_for(turn.person_id)
    if not found:
        await turn.reply("session_list_empty", home_markup())
        return
    items = [
        {
            "card": _card(turn, item),
            "my_status": item.registration.status.value if item.registration else None,
        }
        for item in found
    ]
    rows: Rows = [
        [(f"{i}. {item.session.title[:50]}", f"ss:open:{item.session.id}")]
        for i, item in enumerate(found, 1)
    ]
    rows.append([(label("menu.back"), "m:home")])
    await turn.reply("session_list", rows, session_items=items)


async def show_card(turn: Turn, session_id: int) -> None:
    listed = await _uc(turn).view(session_id, turn.person_id)
    if listed is None:
        await turn.reply("session_closed", home_markup(), closed="not_found")
        return
    reg = listed.registration
    await turn.reply(
        "session_card",
        card_markup(listed),
        card=_card(turn, listed),
        my_status=reg.status.value if reg and reg.status.active else None,
        speaking_rank=listed.speaking_rank,
        waitlist_rank=listed.waitlist_rank,
        speak_topic=reg.topic if reg else None,
    )


async def open_link(turn: Turn, link: DeepLink) -> None:
    """``/start s<id>`` after onboarding: straight to that session's card."""
    await show_card(turn, int(link.ref))


async def _registered(turn: Turn, result: RegResult) -> None:
    session = result.session
    view = card(turn.services, session) if session else None
    reg = result.registration
    match result.outcome:
        case RegOutcome.REGISTERED | RegOutcome.SPEAKER:
            await turn.reply(
                "session_registered",
                home_markup(),
                card=view,
                speaking_rank=result.speaking_rank,
                speak_topic=reg.topic if reg else None,
            )
        case RegOutcome.WAITLISTED:
            await turn.reply(
                "session_waitlisted",
                home_markup(),
                card=view,
                waitlist_rank=result.waitlist_rank,
                speak_topic=reg.topic if reg else None,
            )
        case RegOutcome.ALREADY:
            await turn.reply(
                "session_already",
                home_markup(),
                card=view,
                speaking_rank=result.speaking_rank,
                waitlist_rank=result.waitlist_rank,
            )
        case RegOutcome.CANCELLED:
            await turn.reply("session_unregistered", home_markup(), card=view)
        case RegOutcome.CONFIRMED:
            await turn.reply("session_confirmed", home_markup(), card=view)
        case RegOutcome.TOPIC_INVALID:
            await turn.reply("session_topic_invalid", max_length=TOPIC_MAX)
        case RegOutcome.NOT_ONBOARDED:
            await turn.reply("not_registered")
        case _:
            await turn.reply("session_closed", home_markup(), closed=result.outcome.value)


async def on_button(turn: Turn) -> None:
    parts = turn.payload.removeprefix(PREFIX).split(":")
    action = parts[0]
    if action == "list":
        await show_list(turn)
        return
    if len(parts) != 2 or not parts[1].isdigit():
        await turn.ack("button_expired")
        return
    sid = int(parts[1])
    uc = _uc(turn)
    person = turn.person_id
    await turn.ack()
    match action:
        case "open":
            await show_card(turn, sid)
        case "reg":
            await _registered(turn, await uc.register(person, sid))
        case "spk":
            await _ask_topic(turn, sid)
        case "unreg":
            await _registered(turn, await uc.cancel_registration(person, sid))
        case "ok":
            await _registered(turn, await uc.confirm(person, sid))
        case "map":
            await _send_map(turn, sid)
        case "ics":
            await _send_ics(turn, sid)
        case _:
            await turn.reply("button_expired")


async def _ask_topic(turn: Turn, session_id: int) -> None:
    listed = await _uc(turn).view(session_id, turn.person_id)
    if listed is None or listed.session.status is not SessionStatus.PUBLISHED:
        closed = "not_found" if listed is None else "session_cancelled"
        await turn.reply("session_closed", home_markup(), closed=closed)
        return
    now = turn.services.clock.now()
    if listed.session.starts_at <= now:
        await turn.reply("session_closed", home_markup(), closed="past")
        return
    async with turn.services.store.transaction() as uow:
        await uow.chat_states.put(
            ChatState(turn.person_id, FLOW, "topic", {"session": session_id}, now)
        )
    await turn.reply("session_ask_topic", card=_card(turn, listed), max_length=TOPIC_MAX)


async def on_text(turn: Turn, state: ChatState) -> None:
    """The speaking topic (nội dung phát biểu), typed."""
    result = await _uc(turn).register(turn.person_id, int(state.data["session"]), topic=turn.text)
    if result.outcome is not RegOutcome.TOPIC_INVALID:
        async with turn.services.store.transaction() as uow:
            await uow.chat_states.clear(turn.person_id)
    await _registered(turn, result)


async def _send_map(turn: Turn, session_id: int) -> None:
    listed = await _uc(turn).view(session_id, turn.person_id)
    if listed is None or not listed.session.has_pin:
        await turn.reply("session_closed", home_markup(), closed="not_found")
        return
    session = listed.session
    assert session.latitude is not None and session.longitude is not None
    await turn.send_venue(
        session.latitude,
        session.longitude,
        session.title[:100],
        (session.venue or session.title)[:100],
    )


async def _send_ics(turn: Turn, session_id: int) -> None:
    listed = await _uc(turn).view(session_id, turn.person_id)
    if listed is None:
        await turn.reply("session_closed", home_markup(), closed="not_found")
        return
    await send_ics(turn, listed.session.id)


async def send_ics(turn: Turn, session_id: int) -> None:
    """The session as an .ics file for the person's calendar (staff send it from the card too)."""
    session = await _uc(turn).get(session_id)
    if session is None:
        return
    services = turn.services
    data = session_ics(services, session, username=turn.handle, now=services.clock.now())
    await turn.send_file(
        data, ics_filename(session), "session_file_caption", card=card(services, session)
    )


def register(router: Router) -> None:
    router.button(PREFIX, on_button)

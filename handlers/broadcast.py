"""Gửi thông báo: a secretary writes a notice, picks the audience, previews, sends and may stop it.

Entered from the staff menu (``st:broadcast``); typed text and media reach it through the
conversation router while the draft is in ``chat_states``. Button payloads: ``bc:<action>``.
"""

from __future__ import annotations

import html

from bot.conversation.events import EventKind
from bot.conversation.router import Router
from bot.conversation.turn import Media, MediaKind, Reply, Turn
from bot.domain.people import ChatState
from bot.outbox.queue import MediaKind as NoticeMedia
from bot.outbox.queue import Status, Tally
from bot.usecases.broadcast import (
    CALLBACK_PREFIX,
    CAPTION_LIMIT,
    NOTICE_EVENT,
    STOP_CALLBACK,
    TEXT_LIMIT,
    Broadcasts,
    Outcome,
    Result,
    progress_view,
)
from handlers.common import Rows, home_markup
from messages import label

_REFUSED_MEDIA = frozenset(
    {EventKind.STICKER, EventKind.VOICE, EventKind.VIDEO, EventKind.LOCATION, EventKind.CONTACT}
)
_PREVIEW_MEDIA = {NoticeMedia.PHOTO: MediaKind.PHOTO, NoticeMedia.DOCUMENT: MediaKind.DOCUMENT}


def _abort_button() -> tuple[str, str]:
    return label("broadcast.abort"), CALLBACK_PREFIX + "x"


def _kinds_markup(result: Result) -> Rows:
    spec = [
        [(label(f"broadcast.{kind.value}"), f"{CALLBACK_PREFIX}k:{kind.value}")]
        for kind in result.kinds
    ]
    spec.append([_abort_button()])
    return spec


def _codes_markup(result: Result) -> Rows:
    spec = [
        [
            (
                label(
                    "broadcast.checked" if option.chosen else "broadcast.unchecked",
                    name=option.name,
                ),
                f"{CALLBACK_PREFIX}c:{option.code}",
            )
        ]
        for option in result.options
    ]
    spec.append([(label("broadcast.done"), CALLBACK_PREFIX + "ok")])
    spec.append([(label("broadcast.back"), CALLBACK_PREFIX + "back"), _abort_button()])
    return spec


async def start(turn: Turn) -> None:
    """The staff menu's «Gửi thông báo» button. The live progress of a notice is one message
    edited as it goes out, so a channel without edits points to one that has them."""
    if not turn.capabilities.edits:
        await turn.ack()
        await turn.reply("staff_tool_elsewhere", home_markup(), tool=label("staff_menu.broadcast"))
        return
    await present(turn, await Broadcasts(turn.services).begin(turn.person_id))


async def on_text(turn: Turn, state: ChatState) -> None:
    if turn.event.text is None:
        return
    body = turn.event.text_markup or html.escape(turn.text)
    await present(turn, await Broadcasts(turn.services).set_content(turn.person_id, body))


async def on_media(turn: Turn, state: ChatState) -> None:
    """A photo or a document (with its caption) as the notice; other media are refused."""
    kind = turn.event.kind
    attachment = turn.event.attachment
    if kind is EventKind.PHOTO and attachment is not None:
        media_kind = NoticeMedia.PHOTO
    elif kind is EventKind.DOCUMENT and attachment is not None:
        media_kind = NoticeMedia.DOCUMENT
    else:
        refused = kind.value if kind in _REFUSED_MEDIA else "other"
        await turn.reply("broadcast_media_kinds", media=label(f"media.{refused}"))
        return
    caption = (turn.event.text_markup or html.escape(turn.text)) if turn.text else ""
    result = await Broadcasts(turn.services).set_content(
        turn.person_id, caption, media_kind=media_kind, media=attachment.ref
    )
    await present(turn, result)


async def on_button(turn: Turn) -> None:
    payload = turn.payload
    action = payload.removeprefix(CALLBACK_PREFIX)
    use_case = Broadcasts(turn.services)
    if action.startswith("k:"):
        result = await use_case.choose_audience(turn.person_id, action.removeprefix("k:"))
    elif action.startswith("c:"):
        result = await use_case.toggle(turn.person_id, action.removeprefix("c:"))
    elif action == "ok":
        result = await use_case.codes_done(turn.person_id)
    elif action == "back":
        result = await use_case.back(turn.person_id)
    elif action == "x":
        result = await use_case.abort(turn.person_id)
    elif action == "send":
        result = await use_case.confirm(turn.person_id, progress=turn.pressed)
    elif payload.startswith(STOP_CALLBACK) and payload.removeprefix(STOP_CALLBACK).isdigit():
        result = await use_case.stop(turn.person_id, int(payload.removeprefix(STOP_CALLBACK)))
    else:
        await turn.ack("button_expired")
        return
    await present(turn, result)


async def present(turn: Turn, result: Result) -> None:
    """Map the outcome to what the secretary sees; a button press is answered exactly once."""
    pressed = turn.event.kind is EventKind.BUTTON
    match result.outcome:
        case Outcome.NOT_ALLOWED:
            if pressed:
                await turn.ack("not_allowed")
            else:
                await turn.reply("not_allowed")
            return
        case Outcome.NOT_EXPECTED:
            if pressed:
                await turn.ack("button_expired")
            else:
                await turn.reply("use_buttons")
            return
        case Outcome.NOTHING_CHOSEN:
            await turn.ack("broadcast_nothing_chosen")
            return
        case Outcome.ALREADY_OVER:
            await turn.ack("broadcast_already_over")
            return
        case Outcome.STOPPED:
            await turn.ack("broadcast_stopping")
            await turn.remove_buttons()
            return
        case Outcome.CODES_CHANGED:
            await turn.ack()
            assert result.draft is not None and result.draft.kind is not None
            await turn.edit(f"broadcast_ask_{result.draft.kind.value}", _codes_markup(result))
            return
        case Outcome.STARTED:
            await turn.ack()
            await _show_started(turn, result)
            return
    await turn.ack()
    await turn.remove_buttons()
    await _answer(turn, result)


async def _answer(turn: Turn, result: Result) -> None:
    match result.outcome:
        case Outcome.ASK_CONTENT:
            await turn.reply(
                "broadcast_ask_content",
                [[_abort_button()]],
                limit=TEXT_LIMIT,
                caption_limit=CAPTION_LIMIT,
            )
        case Outcome.ASK_AUDIENCE:
            await turn.reply("broadcast_ask_audience", _kinds_markup(result))
        case Outcome.ASK_CODES:
            assert result.draft is not None and result.draft.kind is not None
            await turn.reply(f"broadcast_ask_{result.draft.kind.value}", _codes_markup(result))
        case Outcome.PREVIEW:
            assert result.selection is not None
            await _show_notice(turn, result)
            await turn.reply(
                "broadcast_preview",
                [
                    [
                        (
                            label("broadcast.send", count=len(result.selection.recipients)),
                            CALLBACK_PREFIX + "send",
                        )
                    ],
                    [(label("broadcast.back"), CALLBACK_PREFIX + "back"), _abort_button()],
                ],
                audience=result.audience_text,
                recipients=len(result.selection.recipients),
                muted=result.selection.muted,
                unreachable=result.selection.unreachable,
            )
        case Outcome.NO_RECIPIENTS:
            assert result.selection is not None
            await turn.reply(
                "broadcast_no_recipients",
                _kinds_markup(result),
                audience=result.audience_text,
                muted=result.selection.muted,
                unreachable=result.selection.unreachable,
            )
        case Outcome.EMPTY:
            await turn.reply("broadcast_empty")
        case Outcome.TOO_LONG:
            await turn.reply("broadcast_too_long", length=result.length, limit=result.limit)
        case Outcome.ABORTED:
            await turn.reply("cancelled")


async def _show_notice(turn: Turn, result: Result) -> None:
    """The notice exactly as recipients will get it (a direct reply, not an outbox row): its
    rendered text, and the photo or document the secretary sent, by the channel's reference."""
    notice, draft = result.notice, result.draft
    assert notice is not None and draft is not None
    media = None
    if draft.media_kind is not None:
        media = Media(_PREVIEW_MEDIA[draft.media_kind], ref=draft.media or "")
    await turn.send(Reply(notice.text, media=media, template=NOTICE_EVENT))


async def _show_started(turn: Turn, result: Result) -> None:
    """The preview message becomes the progress message; the delivery worker edits it on."""
    broadcast = result.broadcast
    if broadcast is None:
        return
    view = progress_view(turn.services.ward)
    progress = view(broadcast, Tally.of(broadcast, {Status.PENDING: broadcast.recipients}))
    await turn.send(
        Reply(
            progress.text,
            progress.buttons,
            replace=True,
            template="broadcast_progress",
        )
    )


def register(router: Router) -> None:
    router.button(CALLBACK_PREFIX, on_button)

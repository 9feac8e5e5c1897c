"""Broadcast notices (Gửi thông báo): compose, pick the audience, preview, confirm, stop.

The draft lives in ``chat_states`` (flow "broadcast"), so a restart mid-compose loses nothing.
On confirm the audience is resolved and every row is inserted in one transaction; the delivery
worker sends them at Telegram's pace and keeps the secretary's progress message current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from markupsafe import Markup

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.ports import UnitOfWork
from bot.domain.ward import WardConfig
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    BroadcastStatus,
    Content,
    MediaKind,
    Method,
    Notification,
    Priority,
    Recipient,
    Tally,
    inline_keyboard,
    notify,
    to_plain,
)
from bot.outbox.worker import ProgressView
from bot.usecases.common import Services, audit
from messages import label, render

FLOW = "broadcast"
NOTICE_EVENT = "broadcast_notice"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_PREFIX = "bc:"
STOP_CALLBACK = CALLBACK_PREFIX + "stop:"


class Step(StrEnum):
    CONTENT = "content"
    AUDIENCE = "audience"
    CODES = "codes"
    PREVIEW = "preview"


class Outcome(StrEnum):
    ASK_CONTENT = "ask_content"
    ASK_AUDIENCE = "ask_audience"
    ASK_CODES = "ask_codes"
    CODES_CHANGED = "codes_changed"
    PREVIEW = "preview"
    STARTED = "started"
    NO_RECIPIENTS = "no_recipients"
    NOTHING_CHOSEN = "nothing_chosen"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    ABORTED = "aborted"
    STOPPED = "stopped"
    ALREADY_OVER = "already_over"
    NOT_ALLOWED = "not_allowed"
    NOT_EXPECTED = "not_expected"


class SessionAudience(Protocol):
    """What the sessions module provides so a notice can go to a session's registrants.

    Until one is registered with :func:`provide_session_audience`, the audience is not offered.
    """

    async def choices(self, uow: UnitOfWork) -> list[tuple[str, str]]:
        """(session id, title) of the sessions whose registrants may be notified."""
        ...

    async def registrants(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[int]: ...


_session_audience: SessionAudience | None = None


def provide_session_audience(provider: SessionAudience | None) -> None:
    global _session_audience
    _session_audience = provider


@dataclass(frozen=True, slots=True)
class Draft:
    """The notice being written: body (Telegram HTML), optional media, chosen audience."""

    body: str = ""
    media_kind: MediaKind | None = None
    media: str | None = None
    kind: AudienceKind | None = None
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> Draft:
        return cls(
            body=str(data.get("body") or ""),
            media_kind=MediaKind(data["media_kind"]) if data.get("media_kind") else None,
            media=data.get("media") or None,
            kind=AudienceKind(data["kind"]) if data.get("kind") else None,
            codes=tuple(data.get("codes") or ()),
        )

    def data(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "media_kind": self.media_kind.value if self.media_kind else None,
            "media": self.media,
            "kind": self.kind.value if self.kind else None,
            "codes": list(self.codes),
        }


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    name: str
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class Selection:
    """Who gets the notice, and who is left out (muted general notices, blocked the bot)."""

    recipients: tuple[int, ...]
    muted: int = 0
    unreachable: int = 0


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    draft: Draft | None = None
    kinds: tuple[AudienceKind, ...] = ()
    options: tuple[Option, ...] = ()
    selection: Selection | None = None
    notice: Content | None = None
    audience_text: str = ""
    broadcast: Broadcast | None = None
    length: int = 0
    limit: int = 0


def select(recipients: Sequence[Recipient], kind: AudienceKind) -> Selection:
    chosen: list[int] = []
    muted = unreachable = 0
    for recipient in recipients:
        if recipient.muted and kind.respects_mute:
            muted += 1
        elif not recipient.reachable:
            unreachable += 1
        else:
            chosen.append(recipient.chat_id)
    return Selection(tuple(dict.fromkeys(chosen)), muted, unreachable)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def notice_content(ward: WardConfig, draft: Draft) -> Content:
    """The notice exactly as every recipient receives it."""
    text = render(NOTICE_EVENT, ward_name=ward.ward.name, body=Markup(draft.body))
    match draft.media_kind:
        case MediaKind.PHOTO:
            return Content(text, Method.PHOTO, media=draft.media)
        case MediaKind.DOCUMENT:
            return Content(text, Method.DOCUMENT, media=draft.media)
        case None:
            return Content(text)


def describe_audience(ward: WardConfig, audience: Audience) -> str:
    names: list[str] = []
    for code in audience.codes:
        if audience.kind is AudienceKind.GROUPS:
            group = ward.group(code)
            names.append(group.name if group else code)
        elif audience.kind is AudienceKind.UNITS:
            unit = ward.unit(code)
            names.append(unit.name if unit else code)
        else:
            names.append(code)
    return label(f"broadcast_audience.{audience.kind.value}", names=", ".join(names))


def progress_view(ward: WardConfig) -> ProgressView:
    """How the delivery worker shows a broadcast's progress, then its final tally."""

    def view(broadcast: Broadcast, tally: Tally) -> Content:
        common = {
            "audience": describe_audience(ward, broadcast.audience),
            "recipients": tally.recipients,
            "sent": tally.sent,
            "failed": tally.failed,
            "blocked": tally.blocked,
        }
        stopped = broadcast.status is BroadcastStatus.CANCELLED
        if tally.done:
            text = render(
                "broadcast_tally",
                **common,
                cancelled=tally.cancelled,
                muted=tally.skipped_muted,
                stopped=stopped,
            )
            return Content(text)
        text = render("broadcast_progress", **common, waiting=tally.waiting, stopped=stopped)
        keyboard = (
            None
            if stopped
            else inline_keyboard([[(label("broadcast.stop"), f"{STOP_CALLBACK}{broadcast.id}")]])
        )
        return Content(text, keyboard=keyboard)

    return view


class Broadcasts:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- compose ------------------------------------------------------------------------------

    async def begin(self, actor_id: int) -> Result:
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            await uow.chat_states.put(
                ChatState(actor_id, FLOW, Step.CONTENT, {}, self.s.clock.now())
            )
        return Result(Outcome.ASK_CONTENT, limit=TEXT_LIMIT)

    async def set_content(
        self,
        actor_id: int,
        body: str,
        *,
        media_kind: MediaKind | None = None,
        media: str | None = None,
    ) -> Result:
        """``body`` is Telegram HTML (PTB's ``text_html``/``caption_html``), already escaped."""
        draft = Draft(body=body.strip(), media_kind=media_kind if media else None, media=media)
        if not draft.body and draft.media is None:
            return Result(Outcome.EMPTY)
        limit = CAPTION_LIMIT if draft.media else TEXT_LIMIT
        length = _utf16_len(to_plain(notice_content(self.s.ward, draft).text))
        if length > limit:
            return Result(Outcome.TOO_LONG, length=length, limit=limit)
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.CONTENT)
            if isinstance(found, Result):
                return found
            await self._put(uow, found, Step.AUDIENCE, draft)
            kinds = await self._kinds(uow)
        return Result(Outcome.ASK_AUDIENCE, draft, kinds=kinds)

    async def choose_audience(self, actor_id: int, kind_value: str) -> Result:
        try:
            kind = AudienceKind(kind_value)
        except ValueError:
            return Result(Outcome.NOT_EXPECTED)
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.AUDIENCE)
            if isinstance(found, Result):
                return found
            if kind not in await self._kinds(uow):
                return Result(Outcome.NOT_EXPECTED)
            draft = replace(Draft.of(found.data), kind=kind, codes=())
            if kind is AudienceKind.WARD:
                await self._put(uow, found, Step.PREVIEW, draft)
                return await self._preview(uow, draft)
            await self._put(uow, found, Step.CODES, draft)
            options = await self._options(uow, draft)
        return Result(Outcome.ASK_CODES, draft, options=options)

    async def toggle(self, actor_id: int, code: str) -> Result:
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.CODES)
            if isinstance(found, Result):
                return found
            draft = Draft.of(found.data)
            options = await self._options(uow, draft)
            if code not in {option.code for option in options}:
                return Result(Outcome.NOT_EXPECTED)
            chosen = set(draft.codes) ^ {code}
            draft = replace(draft, codes=tuple(o.code for o in options if o.code in chosen))
            await self._put(uow, found, Step.CODES, draft)
            options = await self._options(uow, draft)
        return Result(Outcome.CODES_CHANGED, draft, options=options)

    async def codes_done(self, actor_id: int) -> Result:
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.CODES)
            if isinstance(found, Result):
                return found
            draft = Draft.of(found.data)
            if not draft.codes:
                return Result(Outcome.NOTHING_CHOSEN, draft)
            await self._put(uow, found, Step.PREVIEW, draft)
            return await self._preview(uow, draft)

    async def back(self, actor_id: int) -> Result:
        """From the group list or the preview back to choosing the audience."""
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.CODES, Step.PREVIEW)
            if isinstance(found, Result):
                return found
            draft = replace(Draft.of(found.data), kind=None, codes=())
            await self._put(uow, found, Step.AUDIENCE, draft)
            kinds = await self._kinds(uow)
        return Result(Outcome.ASK_AUDIENCE, draft, kinds=kinds)

    async def abort(self, actor_id: int) -> Result:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(actor_id)
            if state is None or state.flow != FLOW:
                return Result(Outcome.NOT_EXPECTED)
            await uow.chat_states.clear(actor_id)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="conversation.cancelled",
                subject_type="chat_state",
                subject_id=actor_id,
                flow=FLOW,
            )
        return Result(Outcome.ABORTED)

    # -- send and stop ------------------------------------------------------------------------

    async def confirm(
        self, actor_id: int, *, progress_chat_id: int, progress_message_id: int
    ) -> Result:
        """Resolve the audience and queue every row in one transaction; a second press is a no-op.

        The preview message becomes the progress message the worker keeps editing.
        """
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.PREVIEW)
            if isinstance(found, Result):
                return found
            draft = Draft.of(found.data)
            if draft.kind is None:
                return Result(Outcome.NOT_EXPECTED)
            selection = await self._select(uow, draft)
            audience = Audience(draft.kind, draft.codes)
            if not selection.recipients:
                await self._put(uow, found, Step.AUDIENCE, replace(draft, kind=None, codes=()))
                return Result(
                    Outcome.NO_RECIPIENTS,
                    draft,
                    kinds=await self._kinds(uow),
                    selection=selection,
                    audience_text=describe_audience(self.s.ward, audience),
                )
            broadcast = Broadcast(
                created_by=actor_id,
                created_at=now,
                audience=audience,
                body=draft.body,
                recipients=len(selection.recipients),
                media_kind=draft.media_kind,
                media=draft.media,
                skipped_muted=selection.muted,
                skipped_unreachable=selection.unreachable,
                progress_chat_id=progress_chat_id,
                progress_message_id=progress_message_id,
            )
            broadcast_id = await uow.broadcasts.add(broadcast)
            notice = notice_content(self.s.ward, draft)
            queued = await uow.outbox.add_many(
                [
                    Notification(
                        NOTICE_EVENT,
                        chat_id,
                        f"broadcast:{broadcast_id}:{chat_id}",
                        notice,
                        Priority.MASS,
                        broadcast_id,
                    )
                    for chat_id in selection.recipients
                ],
                now=now,
            )
            await uow.chat_states.clear(actor_id)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="broadcast.created",
                subject_type="broadcast",
                subject_id=broadcast_id,
                audience=audience.kind.value,
                codes=list(audience.codes),
                queued=queued,
                skipped_muted=selection.muted,
                skipped_unreachable=selection.unreachable,
                media=draft.media_kind.value if draft.media_kind else None,
            )
        notify(Priority.MASS)
        return Result(
            Outcome.STARTED,
            draft,
            selection=selection,
            broadcast=broadcast,
            audience_text=describe_audience(self.s.ward, audience),
        )

    async def stop(self, actor_id: int, broadcast_id: int) -> Result:
        """Cancel the rows not yet sent; those already delivered stay delivered."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None:
                return Result(Outcome.NOT_EXPECTED)
            if broadcast.status is not BroadcastStatus.RUNNING:
                return Result(Outcome.ALREADY_OVER, broadcast=broadcast)
            cancelled = await uow.outbox.cancel_broadcast(broadcast_id)
            broadcast.status = BroadcastStatus.CANCELLED
            broadcast.cancelled_by = actor_id
            broadcast.cancelled_at = now
            await uow.broadcasts.save(broadcast)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="broadcast.cancelled",
                subject_type="broadcast",
                subject_id=broadcast_id,
                rows_cancelled=cancelled,
            )
        notify(Priority.MASS)
        return Result(Outcome.STOPPED, broadcast=broadcast)

    # -- helpers ------------------------------------------------------------------------------

    async def _allowed(self, uow: UnitOfWork, actor_id: int) -> bool:
        staff = await uow.staff.get(actor_id)
        return staff is not None and staff.active and can(staff.role, Action.BROADCAST)

    async def _state(self, uow: UnitOfWork, actor_id: int, *steps: Step) -> ChatState | Result:
        """The actor's draft at one of ``steps``, or the outcome that says why there is none."""
        if not await self._allowed(uow, actor_id):
            return Result(Outcome.NOT_ALLOWED)
        state = await uow.chat_states.get(actor_id)
        if state is None or state.flow != FLOW or state.step not in steps:
            return Result(Outcome.NOT_EXPECTED)
        return state

    async def _put(self, uow: UnitOfWork, state: ChatState, step: Step, draft: Draft) -> None:
        state.step = step
        state.data = draft.data()
        state.updated_at = self.s.clock.now()
        await uow.chat_states.put(state)

    async def _kinds(self, uow: UnitOfWork) -> tuple[AudienceKind, ...]:
        kinds = [AudienceKind.WARD, AudienceKind.GROUPS]
        if self.s.ward.units:
            kinds.append(AudienceKind.UNITS)
        if _session_audience is not None and await _session_audience.choices(uow):
            kinds.append(AudienceKind.SESSION)
        return tuple(kinds)

    async def _options(self, uow: UnitOfWork, draft: Draft) -> tuple[Option, ...]:
        match draft.kind:
            case AudienceKind.GROUPS:
                pairs = [(g.code, g.name) for g in self.s.ward.groups]
            case AudienceKind.UNITS:
                pairs = [(u.code, u.name) for u in self.s.ward.units]
            case AudienceKind.SESSION if _session_audience is not None:
                pairs = await _session_audience.choices(uow)
            case _:
                pairs = []
        return tuple(Option(code, name, code in draft.codes) for code, name in pairs)

    async def _select(self, uow: UnitOfWork, draft: Draft) -> Selection:
        assert draft.kind is not None
        if draft.kind is AudienceKind.SESSION:
            if _session_audience is None:
                return Selection(())
            ids = await _session_audience.registrants(uow, draft.codes)
            found = await uow.broadcasts.recipients(ids)
        else:
            found = await uow.broadcasts.audience(Audience(draft.kind, draft.codes))
        return select(found, draft.kind)

    async def _preview(self, uow: UnitOfWork, draft: Draft) -> Result:
        assert draft.kind is not None
        return Result(
            Outcome.PREVIEW,
            draft,
            selection=await self._select(uow, draft),
            notice=notice_content(self.s.ward, draft),
            audience_text=describe_audience(self.s.ward, Audience(draft.kind, draft.codes)),
        )

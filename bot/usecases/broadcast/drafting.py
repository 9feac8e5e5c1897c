"""Composing a notice: its text or media (within Telegram's limits), the audience, the
preview; back and abort."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.people import ChatState
from bot.domain.ports import UnitOfWork
from bot.outbox.queue import Audience, AudienceKind, MediaKind, to_plain
from bot.usecases.broadcast._shared import (
    FLOW,
    Draft,
    Outcome,
    Result,
    Step,
    describe_audience,
    notice_content,
)
from bot.usecases.broadcast.audience import AudienceMixin
from bot.usecases.common import audit

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class DraftingMixin(AudienceMixin):
    """Begin, set the content, choose and toggle the audience, preview; back or abort."""

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

    async def _preview(self, uow: UnitOfWork, draft: Draft) -> Result:
        assert draft.kind is not None
        return Result(
            Outcome.PREVIEW,
            draft,
            selection=await self._select(uow, draft),
            notice=notice_content(self.s.ward, draft),
            audience_text=describe_audience(self.s.ward, Audience(draft.kind, draft.codes)),
        )

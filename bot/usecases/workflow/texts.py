"""Typed texts (answers, reasons, notes, proposed dates): asked for, kept in ``chat_states``
until confirmed, then applied as the outcome, answer, extension, transfer or reopening they
were for — hence the mixins this one builds on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can, can_act_on
from bot.domain.petitions import Status, clean_text
from bot.domain.ports import UnitOfWork
from bot.domain.ward import Role
from bot.domain.workflow import ANSWER_MAX, INBOX_STATUSES, REASON_MAX, UNIT_STATUSES, Item, Outcome
from bot.usecases.workflow._shared import Change, Result, TextKind
from bot.usecases.workflow.answers import AnswersMixin
from bot.usecases.workflow.extensions import ExtensionsMixin
from bot.usecases.workflow.feedback import FeedbackMixin

FLOW = "workflow"

SECRETARY_TEXTS = (TextKind.DIRECT, TextKind.FORWARD, TextKind.SCOPE)
UNIT_TEXTS = (TextKind.ANSWER, TextKind.EXT_REASON, TextKind.TRANSFER)


class TextsMixin(AnswersMixin, ExtensionsMixin, FeedbackMixin):
    """Begin, check, preview, confirm or drop the text a person is typing for an item."""

    # ----- typed texts (answers, reasons, notes) ------------------------------------------------

    async def begin_text(self, user_id: int, petition_id: int, kind: TextKind) -> Change:
        """Ask for the text of an answer, note or reason; checks the right before asking."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            refusal = await self._may_write(uow, user_id, petition_id, kind)
            if refusal is not None:
                return refusal
            await uow.chat_states.put(
                ChatState(user_id, FLOW, kind.value, {"petition_id": petition_id}, now)
            )
            item = await self._item(uow, petition_id)
        return Change(Result.ASK, item, kind=kind, limit=self._limit(kind))

    def _limit(self, kind: TextKind) -> int:
        return ANSWER_MAX if kind in (TextKind.DIRECT, TextKind.ANSWER) else REASON_MAX

    async def _may_write(
        self, uow: UnitOfWork, user_id: int, petition_id: int, kind: TextKind
    ) -> Change | None:
        item = await self._item(uow, petition_id)
        if kind is TextKind.REOPEN:
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            return None
        staff = await self._staff(uow, user_id)
        role = staff.role if staff else None
        own = staff.unit_code if staff else None
        if kind in SECRETARY_TEXTS:
            action = Action.ANSWER_PETITION if kind is TextKind.DIRECT else Action.ASSIGN_PETITION
            if not can(role, action) or role is Role.OFFICIAL:
                return Change(Result.NOT_ALLOWED)
            if item is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            return None
        action = {
            TextKind.ANSWER: Action.ANSWER_PETITION,
            TextKind.EXT_REASON: Action.REQUEST_EXTENSION,
            TextKind.EXT_DATE: Action.REQUEST_EXTENSION,
            TextKind.TRANSFER: Action.TRANSFER_PETITION,
        }[kind]
        if item is None:
            return Change(Result.NOT_ALLOWED if not can(role, action) else Result.NOT_FOUND)
        unit = item.handling.unit_code if item.handling else None
        if unit is None or not can_act_on(role, own, action, unit):
            return Change(Result.NOT_ALLOWED)
        if item.petition.status not in UNIT_STATUSES:
            return Change(Result.WRONG_STATE, item)
        if kind is TextKind.EXT_REASON:
            if await uow.workflow.pending_extension(petition_id) is not None:
                return Change(Result.WRONG_STATE, item)
        return None

    async def on_text(self, user_id: int, text: str) -> Change:
        """The typed text for the step the person is at: checked, kept, then previewed."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW:
                return Change(Result.NOT_EXPECTED)
            kind = TextKind(state.step)
            petition_id = int(state.data["petition_id"])
            item = await self._item(uow, petition_id)
            text = clean_text(text)
            if kind is TextKind.EXT_DATE:
                proposed = parse_day(text)
                current = item.due_on if item else None
                if proposed is None or current is None or proposed <= max(current, self.today()):
                    return Change(Result.BAD_DATE, item, kind=kind, due_on=current)
                data = {**state.data, "proposed": proposed.isoformat()}
                await uow.chat_states.put(ChatState(user_id, FLOW, kind.value, data, now))
                return self._preview(item, kind, data)
            if not text:
                return Change(Result.EMPTY, item, kind=kind)
            if len(text) > self._limit(kind):
                return Change(Result.TOO_LONG, item, kind=kind, limit=self._limit(kind))
            data = {**state.data, "text": text}
            if kind is TextKind.EXT_REASON:
                await uow.chat_states.put(
                    ChatState(user_id, FLOW, TextKind.EXT_DATE.value, data, now)
                )
                return Change(
                    Result.ASK, item, kind=TextKind.EXT_DATE, due_on=item.due_on if item else None
                )
            await uow.chat_states.put(ChatState(user_id, FLOW, kind.value, data, now))
        return self._preview(item, kind, data)

    async def on_file(self, user_id: int, file_kind: str, file_id: str) -> Change:
        """A document or photo attached to a unit's answer (kept as Telegram's file_id)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW or state.step != TextKind.ANSWER:
                return Change(Result.NOT_EXPECTED)
            item = await self._item(uow, int(state.data["petition_id"]))
            data = {**state.data, "file_kind": file_kind, "file_id": file_id}
            await uow.chat_states.put(ChatState(user_id, FLOW, state.step, data, now))
        return self._preview(item, TextKind.ANSWER, data)

    def _preview(self, item: Item | None, kind: TextKind, data: dict[str, Any]) -> Change:
        proposed = data.get("proposed")
        return Change(
            Result.PREVIEW,
            item,
            kind=kind,
            text=data.get("text"),
            file_kind=data.get("file_kind"),
            proposed_due=date.fromisoformat(proposed) if proposed else None,
            due_on=item.due_on if item else None,
        )

    async def confirm_text(self, user_id: int) -> Change:
        """«Xác nhận»: apply what the kept text was for."""
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
        if state is None or state.flow != FLOW or "text" not in state.data:
            return Change(Result.NOT_EXPECTED)
        kind = TextKind(state.step)
        data = state.data
        petition_id = int(data["petition_id"])
        text = str(data["text"])
        if kind is TextKind.DIRECT:
            done = await self._close_out(
                user_id, petition_id, Outcome.ANSWERED_DIRECTLY, text, Status.ANSWERED
            )
        elif kind is TextKind.FORWARD:
            done = await self._close_out(
                user_id, petition_id, Outcome.FORWARDED_HIGHER, text, Status.CLOSED
            )
        elif kind is TextKind.SCOPE:
            done = await self._close_out(
                user_id, petition_id, Outcome.OUT_OF_SCOPE, text, Status.CLOSED
            )
        elif kind is TextKind.ANSWER:
            done = await self.unit_answer(
                user_id, petition_id, text, data.get("file_kind"), data.get("file_id")
            )
        elif kind is TextKind.EXT_DATE and data.get("proposed"):
            done = await self.request_extension(
                user_id, petition_id, text, date.fromisoformat(str(data["proposed"]))
            )
        elif kind is TextKind.TRANSFER:
            done = await self.transfer(user_id, petition_id, text)
        elif kind is TextKind.REOPEN:
            done = await self.reopen(user_id, petition_id, text)
        else:
            return Change(Result.NOT_EXPECTED)
        async with self.s.store.transaction() as uow:
            await uow.chat_states.clear(user_id)
        return replace(done, kind=kind)

    async def apply_text(
        self,
        user_id: int,
        petition_id: int,
        kind: TextKind,
        text: str,
        *,
        proposed: date | None = None,
        file_kind: str | None = None,
        file_id: str | None = None,
    ) -> Change:
        """A page's one-step form of ask → type → confirm: the same checks and the same
        outcome, answer, extension (``proposed`` is its date) or transfer as the chat's."""
        async with self.s.store.read() as uow:
            refusal = await self._may_write(uow, user_id, petition_id, kind)
            item = await self._item(uow, petition_id)
        if refusal is not None:
            return replace(refusal, kind=kind)
        text = clean_text(text)
        if not text:
            return Change(Result.EMPTY, item, kind=kind)
        if len(text) > self._limit(kind):
            return Change(Result.TOO_LONG, item, kind=kind, limit=self._limit(kind))
        if kind is TextKind.DIRECT:
            done = await self._close_out(
                user_id, petition_id, Outcome.ANSWERED_DIRECTLY, text, Status.ANSWERED
            )
        elif kind is TextKind.FORWARD:
            done = await self._close_out(
                user_id, petition_id, Outcome.FORWARDED_HIGHER, text, Status.CLOSED
            )
        elif kind is TextKind.SCOPE:
            done = await self._close_out(
                user_id, petition_id, Outcome.OUT_OF_SCOPE, text, Status.CLOSED
            )
        elif kind is TextKind.ANSWER:
            done = await self.unit_answer(user_id, petition_id, text, file_kind, file_id)
        elif kind is TextKind.EXT_REASON:
            if proposed is None:
                due = item.due_on if item else None
                return Change(Result.BAD_DATE, item, kind=kind, due_on=due)
            done = await self.request_extension(user_id, petition_id, text, proposed)
        elif kind is TextKind.TRANSFER:
            done = await self.transfer(user_id, petition_id, text)
        else:
            return Change(Result.NOT_EXPECTED, item, kind=kind)
        return replace(done, kind=kind)

    async def drop_text(self, user_id: int) -> bool:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW:
                return False
            await uow.chat_states.clear(user_id)
        return True


def parse_day(text: str) -> date | None:
    """``dd/mm/yyyy`` (or with dashes or dots) as a date; None when it is not one."""
    cleaned = text.strip().replace("-", "/").replace(".", "/")
    parts = cleaned.split("/")
    if len(parts) != 3:
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        return None

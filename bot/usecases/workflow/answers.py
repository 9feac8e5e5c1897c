"""Answers: the secretary's outcomes that need no unit (answered at the session or directly,
sent to the higher level, out of scope) and the unit's list, acceptance and answer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.domain.deadlines import DeadlineStatus
from bot.domain.permissions import Action, can_act_on
from bot.domain.petitions import EventKind, Status
from bot.domain.workflow import (
    INBOX_STATUSES,
    UNIT_STATUSES,
    Item,
    Outcome,
    is_overdue,
    unit_sort_key,
)
from bot.usecases.workflow._shared import Change, Result, WorkflowBase


@dataclass(frozen=True, slots=True)
class UnitList:
    result: Result
    unit_code: str | None = None
    items: tuple[Item, ...] = ()
    today: date | None = None


class AnswersMixin(WorkflowBase):
    """Close-outs by the secretary; acceptance and answers by the unit holding the item."""

    async def answered_at_session(self, user_id: int, petition_id: int) -> Change:
        """Đã trả lời tại buổi đối thoại."""
        return await self._close_out(
            user_id, petition_id, Outcome.ANSWERED_AT_SESSION, None, Status.ANSWERED
        )

    async def _close_out(
        self,
        user_id: int,
        petition_id: int,
        outcome: Outcome,
        text: str | None,
        status: Status,
    ) -> Change:
        """The secretary's outcomes that need no unit: at the session, direct, higher, scope."""
        action = (
            Action.ANSWER_PETITION
            if outcome is Outcome.ANSWERED_DIRECTLY
            else Action.ASSIGN_PETITION
        )
        async with self.s.store.transaction() as uow:
            staff = await self._allowed(uow, user_id, action)
            if staff is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            held_by = item.handling.unit_code if item.handling else None
            if not can_act_on(staff.role, staff.unit_code, action, held_by):
                return Change(Result.NOT_ALLOWED)
            members = await self._members(uow, item, INBOX_STATUSES)
            now = self.s.clock.now()
            notified = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member), outcome=outcome, unit_code=None, due_on=None
                )
                kind = EventKind.ANSWERED
                step = outcome.value
                if outcome in (Outcome.ANSWERED_DIRECTLY, Outcome.ANSWERED_AT_SESSION):
                    handling = replace(
                        handling, answer_text=text, answered_at=now, answered_by=user_id
                    )
                elif outcome is Outcome.FORWARDED_HIGHER:
                    handling = replace(handling, forward_note=text)
                    kind = EventKind.FORWARDED
                else:
                    handling = replace(handling, reason=text)
                    kind = EventKind.OUT_OF_SCOPE
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, status)
                await self._close_deadline(uow, petition, DeadlineStatus.CANCELLED)
                eid = await self._event(
                    uow, petition, kind, user_id, note=text, outcome=outcome.value
                )
                await self._audit(uow, user_id, f"petition.{outcome.value}", petition, text=text)
                notified += await self._tell_resident(
                    uow, petition, eid, step, rate=status is Status.ANSWERED, note=text
                )
        return Change(
            Result.DONE,
            item,
            tuple(members),
            notified=notified,
            unreachable=len(members) - notified,
        )

    # ----- unit official ------------------------------------------------------------------------

    async def unit_list(self, user_id: int) -> UnitList:
        async with self.s.store.read() as uow:
            staff = await self._allowed(uow, user_id, Action.VIEW_UNIT_TASKS)
            if staff is None or not staff.unit_code:
                return UnitList(Result.NOT_ALLOWED)
            items = list(await uow.workflow.unit_items(staff.unit_code))
        today = self.today()
        items.sort(key=lambda i: unit_sort_key(i, today))
        return UnitList(Result.DONE, staff.unit_code, tuple(items), today)

    async def unit_card(self, user_id: int, petition_id: int) -> Change:
        async with self.s.store.read() as uow:
            staff = await self._staff(uow, user_id)
            item = await self._item(uow, petition_id)
            unit = item.handling.unit_code if item and item.handling else None
            if (
                staff is None
                or not can_act_on(staff.role, staff.unit_code, Action.ANSWER_PETITION, unit)
                or unit is None
            ):
                return Change(Result.NOT_ALLOWED)
            assert item is not None
            if item.petition.status not in UNIT_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, UNIT_STATUSES)
        return Change(Result.DONE, item, tuple(members), due_on=item.due_on)

    async def accept(self, user_id: int, petition_id: int) -> Change:
        """Tiếp nhận: the unit confirms it handles the item; the resident hears who does."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.ANSWER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, _staff = checked
            if item.handling and item.handling.accepted_at is not None:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, UNIT_STATUSES)
            notified = 0
            for member in members:
                petition = member.petition
                handling = replace(self._handling(member), accepted_at=self.s.clock.now())
                await uow.workflow.save_handling(handling)
                eid = await self._event(
                    uow, petition, EventKind.ACCEPTED, user_id, unit=handling.unit_code
                )
                await self._audit(
                    uow, user_id, "petition.accepted", petition, unit=handling.unit_code
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "accepted",
                    unit_name=self._unit_name(handling.unit_code),
                    due_on=handling.due_on,
                )
        return Change(Result.DONE, item, tuple(members), notified=notified)

    async def unit_answer(
        self,
        user_id: int,
        petition_id: int,
        text: str,
        file_kind: str | None = None,
        file_id: str | None = None,
    ) -> Change:
        """Trả lời / báo cáo kết quả: the answer reaches each resident; deadlines close."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.ANSWER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, _staff = checked
            members = await self._members(uow, item, UNIT_STATUSES)
            now = self.s.clock.now()
            today = self.today()
            notified = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = self._handling(member)
                handling = replace(
                    handling,
                    answer_text=text,
                    answer_file_kind=file_kind,
                    answer_file_id=file_id,
                    answered_at=now,
                    answered_by=user_id,
                    answered_on_time=not is_overdue(handling.due_on, today),
                    accepted_at=handling.accepted_at or now,
                    satisfied=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.ANSWERED)
                await self._close_deadline(uow, petition)
                eid = await self._event(
                    uow, petition, EventKind.ANSWERED, user_id, unit=handling.unit_code, note=text
                )
                await self._audit(
                    uow,
                    user_id,
                    "petition.unit_answered",
                    petition,
                    unit=handling.unit_code,
                    on_time=handling.answered_on_time,
                    file=file_kind,
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "unit_answer",
                    rate=True,
                    file_kind=file_kind,
                    file_id=file_id,
                    unit_name=self._unit_name(handling.unit_code),
                    note=text,
                )
        return Change(Result.DONE, item, tuple(members), notified=notified)

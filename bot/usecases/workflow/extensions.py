"""The unit asks for more time (the secretary decides) or hands the item back to be reassigned."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.conversation.replies import rows as button_rows
from bot.domain.deadlines import DeadlineKind, DeadlineStatus
from bot.domain.permissions import Action
from bot.domain.petitions import EventKind, Status
from bot.domain.ward import Role
from bot.domain.workflow import UNIT_STATUSES, ExtensionRequest, ExtensionStatus
from bot.usecases.workflow._shared import Change, Result, WorkflowBase, unit_keyboard
from messages import label

EXTENSION_REVIEW_DAYS = 2


class ExtensionsMixin(WorkflowBase):
    """Extension requests and decisions, and transfers back to the secretaries."""

    async def request_extension(
        self, user_id: int, petition_id: int, reason: str, proposed: date
    ) -> Change:
        """Đề nghị gia hạn: waits for the secretary's decision (its own deadline)."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.REQUEST_EXTENSION)
            if isinstance(checked, Change):
                return checked
            item, staff = checked
            current = item.due_on
            if current is None or proposed <= max(current, self.today()):
                return Change(Result.BAD_DATE, item, due_on=current)
            if await uow.workflow.pending_extension(petition_id) is not None:
                return Change(Result.WRONG_STATE, item)
            request = ExtensionRequest(
                petition_id=petition_id,
                unit_code=str(staff.unit_code),
                requested_by=user_id,
                reason=reason,
                current_due=current,
                proposed_due=proposed,
                created_at=self.s.clock.now(),
            )
            request_id = await uow.workflow.add_extension(request)
            await uow.deadlines.open(
                kind=DeadlineKind.EXTENSION_REVIEW,
                subject_type="extension",
                subject_id=str(request_id),
                unit_code=None,
                due_on=self.s.calendar.add_working_days(self.today(), EXTENSION_REVIEW_DAYS),
                now=self.s.clock.now(),
            )
            eid = await self._event(
                uow,
                item.petition,
                EventKind.EXTENSION_REQUESTED,
                user_id,
                note=reason,
                due=proposed.isoformat(),
            )
            await self._audit(
                uow,
                user_id,
                "petition.extension_requested",
                item.petition,
                request_id=request_id,
                proposed=proposed.isoformat(),
                reason=reason,
            )
            await self._notify(
                uow,
                await self._role_ids(uow, Role.SECRETARY),
                now=self.s.clock.now(),
                event="workflow_secretary_extension",
                event_id=eid,
                context={
                    "code": item.petition.code,
                    "unit_name": self._unit_name(staff.unit_code),
                    "note": reason,
                    "due_on": current,
                    "proposed_due": proposed,
                },
                buttons=button_rows(
                    [
                        [
                            (label("workflow.extension.approve"), f"wx:y:{request_id}"),
                            (label("workflow.extension.refuse"), f"wx:n:{request_id}"),
                        ]
                    ]
                ),
            )
        return Change(Result.DONE, item, due_on=current, proposed_due=proposed, extension=request)

    async def decide_extension(self, user_id: int, request_id: int, approve: bool) -> Change:
        """The secretary approves (new due date for the unit and its group) or refuses."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.DECIDE_EXTENSION) is None:
                return Change(Result.NOT_ALLOWED)
            request = await uow.workflow.extension(request_id)
            if request is None:
                return Change(Result.NOT_FOUND)
            item = await self._item(uow, request.petition_id)
            assert item is not None
            if request.status is not ExtensionStatus.PENDING:
                return Change(Result.WRONG_STATE, item, extension=request)
            now = self.s.clock.now()
            request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
            request.decided_by = user_id
            request.decided_at = now
            await uow.workflow.save_extension(request)
            await uow.deadlines.close(
                kind=DeadlineKind.EXTENSION_REVIEW,
                subject_type="extension",
                subject_id=str(request_id),
                now=now,
            )
            still_held = (
                item.petition.status in UNIT_STATUSES
                and item.handling is not None
                and item.handling.unit_code == request.unit_code
            )
            members = await self._members(uow, item, UNIT_STATUSES) if still_held else [item]
            kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
            due = request.proposed_due if approve else request.current_due
            event_id = 0
            for member in members:
                petition = member.petition
                if approve and still_held:
                    await uow.workflow.save_handling(replace(self._handling(member), due_on=due))
                    await self._open_deadline(uow, petition, request.unit_code, due)
                eid = await self._event(uow, petition, kind, user_id, due=due.isoformat())
                event_id = event_id or eid
                await self._audit(
                    uow,
                    user_id,
                    f"petition.{kind.value}",
                    petition,
                    request_id=request_id,
                    due=due.isoformat(),
                )
                if approve and still_held:
                    await self._tell_resident(
                        uow,
                        petition,
                        eid,
                        "extended",
                        due_on=due,
                        unit_name=self._unit_name(request.unit_code),
                    )
            await self._notify(
                uow,
                await self._officials(uow, request.unit_code),
                now=now,
                event="workflow_unit_extension_decided",
                event_id=event_id,
                context={
                    "code": item.petition.code,
                    "approved": approve,
                    "due_on": due,
                },
                buttons=unit_keyboard(int(item.petition.id or 0)) if still_held else None,
            )
        return Change(Result.DONE, item, tuple(members), due_on=due, extension=request)

    async def transfer(self, user_id: int, petition_id: int, reason: str) -> Change:
        """Trả lại: not this unit's matter; back to the secretaries to assign again."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.TRANSFER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, staff = checked
            members = await self._members(uow, item, UNIT_STATUSES)
            event_id = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member),
                    unit_code=None,
                    due_on=None,
                    reason=reason,
                    accepted_at=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.TRANSFERRED)
                await self._close_deadline(uow, petition, DeadlineStatus.CANCELLED)
                eid = await self._event(
                    uow, petition, EventKind.TRANSFERRED, user_id, unit=staff.unit_code, note=reason
                )
                event_id = event_id or eid
                await self._audit(
                    uow,
                    user_id,
                    "petition.transferred",
                    petition,
                    unit=staff.unit_code,
                    reason=reason,
                )
            await self._notify(
                uow,
                await self._role_ids(uow, Role.SECRETARY),
                now=self.s.clock.now(),
                event="workflow_secretary_transferred",
                event_id=event_id,
                context={
                    "code": item.petition.code,
                    "unit_name": self._unit_name(staff.unit_code),
                    "note": reason,
                },
                buttons=button_rows([[(label("workflow.inbox.open"), f"wi:o:{item.petition.id}")]]),
            )
        return Change(Result.DONE, item, tuple(members))

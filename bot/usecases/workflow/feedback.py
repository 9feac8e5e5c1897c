"""The resident's verdict on an answer: satisfied (resolved) or not (reopened, 004 IV.2(6))."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain.petitions import EventKind, Status
from bot.domain.ward import Role
from bot.domain.workflow import Item
from bot.usecases.workflow._shared import Change, Result, WorkflowBase


class FeedbackMixin(WorkflowBase):
    """«Hài lòng» and «Chưa thỏa đáng» on an answered petition, by its author only."""

    # ----- resident ---------------------------------------------------------------------------

    async def satisfied(self, user_id: int, petition_id: int) -> Change:
        """«Hài lòng»: the item is resolved."""
        async with self.s.store.transaction() as uow:
            item = await self._item(uow, petition_id)
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            await uow.workflow.save_handling(replace(self._handling(item), satisfied=True))
            await uow.workflow.set_status(petition_id, Status.RESOLVED)
            await self._event(uow, item.petition, EventKind.SATISFIED, user_id)
            await self._audit(uow, user_id, "petition.satisfied", item.petition)
        return Change(Result.DONE, item)

    async def reopen(self, user_id: int, petition_id: int, reason: str) -> Change:
        """«Chưa thỏa đáng» (004 IV.2(6)): back to the same unit with a new due date, or to the
        secretaries when no unit held it; the supervisors are informed."""
        async with self.s.store.transaction() as uow:
            item = await self._item(uow, petition_id)
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            petition = item.petition
            handling = self._handling(item)
            unit = handling.unit_code
            due = self.due_from_today() if unit else None
            handling = replace(
                handling,
                satisfied=False,
                reopen_count=handling.reopen_count + 1,
                due_on=due,
                accepted_at=None,
                reason=reason,
            )
            await uow.workflow.save_handling(handling)
            await uow.workflow.set_status(petition_id, Status.REOPENED)
            details: dict[str, Any] = {"note": reason}
            if unit and due:
                await self._open_deadline(uow, petition, unit, due)
                details.update(unit=unit, due=due.isoformat())
            eid = await self._event(uow, petition, EventKind.REOPENED, user_id, **details)
            await self._audit(uow, user_id, "petition.reopened", petition, unit=unit, reason=reason)
            if unit and due:
                await self._alert_unit(
                    uow, [Item(petition, handling)], unit, due, eid, reopened=reason
                )
            watchers = await self._role_ids(uow, Role.SUPERVISOR)
            if unit is None:
                watchers += await self._role_ids(uow, Role.SECRETARY)
            await self._notify(
                uow,
                watchers,
                now=self.s.clock.now(),
                event="workflow_supervisor_reopened",
                event_id=eid,
                context={
                    "code": petition.code,
                    "unit_name": self._unit_name(unit) if unit else None,
                    "due_on": due,
                    "note": reason,
                },
            )
        return Change(Result.DONE, item, due_on=due, unit_code=unit)

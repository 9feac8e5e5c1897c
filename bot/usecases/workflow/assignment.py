"""The secretary's inbox: read, classify, find similar petitions, group them, assign a unit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz, process

from bot.domain.permissions import Action
from bot.domain.petitions import EventKind, FieldOfConcern, Status, normalise_text
from bot.domain.workflow import (
    INBOX_PAGE,
    INBOX_STATUSES,
    SIMILAR_LIMIT,
    SIMILAR_POOL,
    SIMILAR_THRESHOLD,
    InboxFilter,
    Item,
    Outcome,
)
from bot.usecases.workflow._shared import Change, Result, Similar, WorkflowBase


@dataclass(frozen=True, slots=True)
class InboxPage:
    result: Result
    items: tuple[Item, ...] = ()
    filter: InboxFilter = field(default_factory=InboxFilter)
    total: int = 0
    pages: int = 1


class AssignmentMixin(WorkflowBase):
    """Inbox, card, classification, similar petitions, groups and the assignment to a unit."""

    # ----- secretary: inbox, classify, similar, group -----------------------------------------

    async def inbox(self, user_id: int, flt: InboxFilter, page_size: int = INBOX_PAGE) -> InboxPage:
        """A page of the inbox (the chat shows a few per message, a web table more)."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_INBOX) is None:
                return InboxPage(Result.NOT_ALLOWED)
            total = await uow.workflow.count_inbox(flt)
            pages = max(1, -(-total // page_size))
            flt = replace(flt, page=max(0, min(flt.page, pages - 1)))
            items = await uow.workflow.inbox(flt, offset=flt.page * page_size, limit=page_size)
        return InboxPage(Result.DONE, tuple(items), flt, total, pages)

    async def card(self, user_id: int, petition_id: int) -> Change:
        """One petition as the secretary handles it, with its group and any pending request."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_INBOX) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            members = await self._members(uow, item, tuple(Status))
            pending = await uow.workflow.pending_extension(petition_id)
        return Change(Result.DONE, item, tuple(members), extension=pending)

    async def classify(self, user_id: int, petition_id: int, field: FieldOfConcern) -> Change:
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            petition = item.petition
            if petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            old = petition.field
            await uow.workflow.set_field(petition_id, field)
            if petition.status is Status.RECEIVED:
                await uow.workflow.set_status(petition_id, Status.CLASSIFIED)
            await self._event(uow, petition, EventKind.CLASSIFIED, user_id, note=field.label)
            await self._audit(
                uow, user_id, "petition.classified", petition, old=old.value, new=field.value
            )
            item = await self._item(uow, petition_id)
        return Change(Result.DONE, item)

    async def similar(self, user_id: int, petition_id: int) -> Change:
        """Petitions already filed whose text resembles this one (staff only, top 5)."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            pool = await uow.workflow.similar_pool(petition_id, SIMILAR_POOL)
            group = item.handling.group_id if item.handling else None
            grouped = (
                {m.petition.id for m in await uow.workflow.group_members(group)} if group else set()
            )
        # Those already in this petition's group are shown on its card, not offered again.
        pool = [entry for entry in pool if entry[0] not in grouped]
        found = find_similar(item.petition.content, pool)
        return Change(Result.DONE, item, similar=tuple(found))

    async def group(self, user_id: int, petition_id: int, other_id: int) -> Change:
        """Gộp: ``other`` joins this petition's group, so one outcome serves both."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            other = await self._item(uow, other_id)
            if item is None or other is None or petition_id == other_id:
                return Change(Result.NOT_FOUND)
            if (
                item.petition.status not in INBOX_STATUSES
                or other.petition.status not in INBOX_STATUSES
            ):
                return Change(Result.WRONG_STATE, item)
            lead = self._handling(item)
            group_id = lead.group_id or petition_id
            old_group = other.handling.group_id if other.handling else None
            if old_group == group_id:
                return Change(Result.WRONG_STATE, item)
            if lead.group_id is None:
                await uow.workflow.save_handling(replace(lead, group_id=group_id))
            # A petition already grouped brings its whole group along (one answer serves all).
            joining = [other]
            if old_group is not None:
                joining += [
                    m
                    for m in await uow.workflow.group_members(old_group)
                    if m.petition.id != other_id
                ]
            for member in joining:
                await uow.workflow.save_handling(replace(self._handling(member), group_id=group_id))
                await self._event(
                    uow, member.petition, EventKind.GROUPED, user_id, note=item.petition.code
                )
                await self._audit(
                    uow,
                    user_id,
                    "petition.grouped",
                    member.petition,
                    group_with=item.petition.code,
                )
            item = await self._item(uow, petition_id)
            assert item is not None
            members = await self._members(uow, item, tuple(Status))
        return Change(Result.DONE, item, tuple(members))

    # ----- secretary: outcomes ------------------------------------------------------------------

    async def preview_assign(self, user_id: int, petition_id: int, unit_code: str) -> Change:
        """The due date the unit would get, shown before the secretary confirms."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.ASSIGN_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None or self.s.ward.unit(unit_code) is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, INBOX_STATUSES)
            officials = await self._officials(uow, unit_code)
        return Change(
            Result.DONE,
            item,
            tuple(members),
            due_on=self.due_from_today(),
            unit_code=unit_code,
            officials=len(officials),
        )

    async def assign(self, user_id: int, petition_id: int, unit_code: str) -> Change:
        """Giao đơn vị: each member gets the unit, the due date, its deadline and the news."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.ASSIGN_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None or self.s.ward.unit(unit_code) is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, INBOX_STATUSES)
            due = self.due_from_today()
            notified = 0
            event_id = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member),
                    outcome=Outcome.ASSIGNED,
                    unit_code=unit_code,
                    due_on=due,
                    accepted_at=None,
                    reason=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.ASSIGNED)
                await self._open_deadline(uow, petition, unit_code, due)
                eid = await self._event(
                    uow, petition, EventKind.ASSIGNED, user_id, unit=unit_code, due=due.isoformat()
                )
                event_id = event_id or eid
                action = (
                    "petition.reassigned"
                    if member.petition.status is Status.TRANSFERRED
                    else "petition.assigned"
                )
                await self._audit(
                    uow, user_id, action, petition, unit=unit_code, due=due.isoformat()
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "assigned",
                    unit_name=self._unit_name(unit_code),
                    due_on=due,
                )
            officials = await self._alert_unit(uow, members, unit_code, due, event_id)
        return Change(
            Result.DONE,
            item,
            tuple(members),
            due_on=due,
            unit_code=unit_code,
            notified=notified,
            unreachable=len(members) - notified,
            officials=officials,
        )


def find_similar(content: str, pool: Any) -> list[Similar]:
    """token_set_ratio over normalised text; top SIMILAR_LIMIT at or above the threshold."""
    query = normalise_text(content)
    choices = {pid: text for pid, _code, text in pool}
    codes = {pid: code for pid, code, _text in pool}
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_set_ratio,
        limit=SIMILAR_LIMIT,
        score_cutoff=SIMILAR_THRESHOLD,
    )
    return [Similar(int(key), codes[key], round(score)) for _text, score, key in found]

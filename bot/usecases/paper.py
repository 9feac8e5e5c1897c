"""The secretary's list of people to reach on paper: transactional news that no route delivered
(Zalo outside its 7-day window with no template, phone or other account that worked).

Each entry says who (name, phone, tổ dân phố or unit), what the news was and since when; the
secretary marks one «đã báo trên giấy» once the letter or visit is done, which is audited.
A forged or stale button is re-checked here: the role, and that the row is still on the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.people import PHONE_CHANNEL
from bot.domain.permissions import Action, can
from bot.domain.ports import UnitOfWork
from bot.outbox.queue import OutboxMessage
from bot.usecases.common import Services, audit
from messages import label

__all__ = ["OnPaper", "PaperEntry", "PaperList", "PaperOutcome"]


class PaperOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class PaperEntry:
    row_id: int
    name: str
    phone: str | None
    place: str | None
    """The person's tổ dân phố, or an official's unit."""
    news: str
    subject: str | None
    """The petition code or session title the news was about."""
    since: datetime


@dataclass(frozen=True, slots=True)
class PaperList:
    outcome: PaperOutcome
    entries: tuple[PaperEntry, ...] = ()
    marked: PaperEntry | None = None


class OnPaper:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _allowed(self, uow: UnitOfWork, user_id: int) -> bool:
        staff = await uow.staff.get(user_id)
        return staff is not None and staff.active and can(staff.role, Action.REACH_ON_PAPER)

    async def list(self, user_id: int) -> PaperList:
        async with self.s.store.read() as uow:
            if not await self._allowed(uow, user_id):
                return PaperList(PaperOutcome.NOT_ALLOWED)
            entries = await self._entries(uow)
        return PaperList(PaperOutcome.DONE, entries)

    async def pending(self) -> tuple[PaperEntry, ...]:
        """The list for ``python -m bot paper``, whose user already holds the database."""
        async with self.s.store.read() as uow:
            return await self._entries(uow)

    async def _entries(self, uow: UnitOfWork) -> tuple[PaperEntry, ...]:
        return tuple([await self._entry(uow, row) for row in await uow.outbox.on_paper()])

    async def mark_told(self, user_id: int, row_id: int) -> PaperList:
        """«Đã báo trên giấy»: the row leaves the list; the list as it is now comes back."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, user_id):
                return PaperList(PaperOutcome.NOT_ALLOWED)
            row = await uow.outbox.get(row_id)
            if row is None or not await uow.outbox.mark_told_on_paper(row_id, user_id, now):
                return PaperList(PaperOutcome.NOT_FOUND)
            entry = await self._entry(uow, row)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="outbox.told_on_paper",
                subject_type="outbox",
                subject_id=row_id,
                event=row.event,
                about=row.about,
            )
        listed = await self.list(user_id)
        return PaperList(PaperOutcome.DONE, listed.entries, entry)

    async def _entry(self, uow: UnitOfWork, row: OutboxMessage) -> PaperEntry:
        name, phone, place = label("workflow.trail.resident"), None, None
        if row.person_id is not None:
            resident = await uow.residents.get(row.person_id)
            staff = await uow.staff.get(row.person_id)
            if resident is not None:
                name = resident.full_name or name
                phone = resident.phone
                group = self.s.ward.group(resident.group_code or "")
                place = group.name if group else resident.group_code
            if staff is not None:
                name = staff.full_name
                unit = self.s.ward.unit(staff.unit_code or "")
                place = unit.name if unit else place
            if phone is None:
                accounts = await uow.accounts.of_person(row.person_id)
                phone = next((a.external_id for a in accounts if a.channel == PHONE_CHANNEL), None)
        facts = row.facts or {}
        subject = facts.get("petition_code") or facts.get("session_title") or None
        return PaperEntry(
            row_id=row.id,
            name=name,
            phone=phone,
            place=place,
            news=label(f"news.events.{row.event}"),
            subject=subject,
            since=row.undeliverable_at or row.created_at,
        )

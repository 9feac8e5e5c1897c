"""Oversight: overdue items and on-time rates for supervisors, and any petition's audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.deadlines import DeadlineKind
from bot.domain.news import ROUTES
from bot.domain.people import ChatState
from bot.domain.permissions import Action
from bot.domain.petitions import Petition
from bot.domain.ports import UnitOfWork
from bot.domain.workflow import Item, UnitRate
from bot.outbox.news import petition_about
from bot.outbox.queue import OutboxMessage
from bot.outbox.queue import Status as OutboxStatus
from bot.usecases.workflow._shared import Result, WorkflowBase
from messages import label

TRAIL_FLOW = "workflow_trail"


@dataclass(frozen=True, slots=True)
class Oversight:
    """Supervisor's view: overdue items (from the deadline registry) and per-unit rates."""

    result: Result
    overdue: tuple[Item, ...] = ()
    rates: tuple[UnitRate, ...] = ()
    today: date | None = None


@dataclass(frozen=True, slots=True)
class TrailLine:
    at: datetime
    actor: str
    action: str
    detail: str | None


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One notification about the petition and how it reached its recipient (staff only)."""

    at: datetime
    recipient: str
    news: str
    route: str


@dataclass(frozen=True, slots=True)
class Trail:
    result: Result
    item: Item | None = None
    lines: tuple[TrailLine, ...] = ()
    deliveries: tuple[DeliveryLine, ...] = ()


class OversightMixin(WorkflowBase):
    """The supervisor's views: overdue items, unit rates and the trail by item or code."""

    # ----- supervisor -------------------------------------------------------------------------

    async def oversight(self, user_id: int) -> Oversight:
        """Overdue items from the deadline registry, and each unit's on-time rate."""
        today = self.today()
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_OVERDUE) is None:
                return Oversight(Result.NOT_ALLOWED)
            overdue = []
            for deadline in await uow.deadlines.overdue(today=today):
                if deadline.kind is not DeadlineKind.UNIT_ANSWER:
                    continue
                petition = await uow.petitions.by_code(deadline.subject_id)
                if petition is not None and petition.id is not None:
                    overdue.append(Item(petition, await uow.workflow.handling(petition.id)))
            rates = await uow.workflow.unit_rates(today)
        return Oversight(Result.DONE, tuple(overdue), tuple(rates), today)

    async def begin_trail_lookup(self, user_id: int) -> Result:
        """Ask for a tracking code, so any petition's trail can be read, not only overdue ones."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Result.NOT_ALLOWED
            await uow.chat_states.put(
                ChatState(user_id, TRAIL_FLOW, "code", {}, self.s.clock.now())
            )
        return Result.DONE

    async def trail_by_code(self, user_id: int, code: str) -> Trail:
        """The typed code's trail; an unknown code keeps the question open for another try."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Trail(Result.NOT_ALLOWED)
            petition = await uow.petitions.by_code(code.strip().upper())
            if petition is None or petition.id is None:
                return Trail(Result.NOT_FOUND)
            await uow.chat_states.clear(user_id)
        return await self.trail(user_id, petition.id)

    async def trail_of_code(self, user_id: int, code: str) -> Trail:
        """The trail of a typed code, leaving any chat the person is in as it is (the web)."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Trail(Result.NOT_ALLOWED)
            petition = await uow.petitions.by_code(code.strip().upper())
        if petition is None or petition.id is None:
            return Trail(Result.NOT_FOUND)
        return await self.trail(user_id, petition.id)

    async def trail(self, user_id: int, petition_id: int) -> Trail:
        """Nhật ký xử lý: every audited step on the petition — who, what, when."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Trail(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Trail(Result.NOT_FOUND)
            entries = await uow.audit.for_subject("petition", item.petition.code)
            names: dict[int, str] = {}
            lines = []
            for entry in entries:
                actor = await self._actor_name(uow, entry.actor_id, item.petition, names)
                detail = entry.details.get("reason") or entry.details.get("text")
                unit = entry.details.get("unit")
                if not detail and unit:
                    detail = self._unit_name(str(unit))
                lines.append(
                    TrailLine(
                        entry.at, actor, trail_label(entry.action), str(detail) if detail else None
                    )
                )
            deliveries = [
                DeliveryLine(
                    row.sent_at or row.created_at,
                    await self._actor_name(uow, row.person_id, item.petition, names),
                    news_label(row.event),
                    route_label(row),
                )
                for row in await uow.outbox.about(petition_about(item.petition.code))
            ]
        return Trail(Result.DONE, item, tuple(lines), tuple(deliveries))

    async def _actor_name(
        self, uow: UnitOfWork, actor_id: int | None, petition: Petition, names: dict[int, str]
    ) -> str:
        if actor_id is None:
            return label("workflow.trail.system")
        if actor_id not in names:
            staff = await uow.staff.get(actor_id)
            if staff is not None:
                names[actor_id] = f"{staff.full_name} ({label(f'roles.{staff.role.value}')})"
            elif actor_id == petition.author_id:
                names[actor_id] = label("workflow.trail.resident")
            else:
                names[actor_id] = str(actor_id)
        return names[actor_id]


def news_label(event: str) -> str:
    try:
        return label(f"news.events.{event}")
    except KeyError:
        return event


def route_label(row: OutboxMessage) -> str:
    """«qua Zalo», «qua tin mẫu Zalo», «qua ZNS», «qua Telegram», or why it has not arrived."""
    if row.status is OutboxStatus.SENT and row.delivered_channel in ROUTES:
        return label(f"news.route.{row.delivered_channel}")
    if row.undeliverable_at is not None:
        return label("news.route.told_on_paper" if row.told_on_paper_at else "news.route.paper")
    if row.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        return label("news.route.waiting")
    return label("news.route.failed")


def trail_label(action: str) -> str:
    key = action.removeprefix("petition.")
    try:
        return label(f"workflow.trail.actions.{key}")
    except KeyError:
        return action

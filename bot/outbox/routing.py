"""Where a row goes when its account cannot take it: blocked accounts and people, the move of a
personal row to the person's other channel, and transactional news no route could deliver."""

from __future__ import annotations

from datetime import datetime

from bot.domain.news import is_news_event
from bot.domain.people import AuditEntry
from bot.domain.ports import UnitOfWork
from bot.outbox import queue as outbox
from bot.outbox.queue import OutboxMessage, Priority, Status

__all__ = ["mark_unreachable", "paid_fallback_allowed", "reroute"]


def paid_fallback_allowed(row: OutboxMessage) -> bool:
    """Only a personal row of transactional news (bot.domain.news) that carries its facts may
    go as a paid message; a mass notice never does."""
    return (
        row.priority is Priority.PERSONAL
        and row.broadcast_id is None
        and is_news_event(row.event)
        and row.facts is not None
    )


async def reroute(uow: UnitOfWork, row: OutboxMessage, reason: str, now: datetime) -> None:
    """A personal row goes to the person's next reachable account on another channel; a mass
    notice, or a person with no other account, is not delivered. Transactional news then goes
    on the secretary's list of people to reach on paper."""
    accounts = [] if row.person_id is None else await uow.accounts.of_person(row.person_id)
    other = next(
        (a for a in accounts if a.reachable and a.delivers and a.channel != row.channel),
        None,
    )
    if other is None and paid_fallback_allowed(row):
        await uow.outbox.mark_undeliverable(row.id, f"undeliverable: {reason}", now)
        await uow.audit.record(
            AuditEntry(
                at=now,
                actor_id=None,
                action="outbox.undeliverable",
                subject_type="outbox",
                subject_id=str(row.id),
                details={"reason": reason, "event": row.event, "about": row.about},
            )
        )
        return
    if row.priority is not Priority.PERSONAL or other is None:
        await uow.outbox.finish(row.id, Status.FAILED, f"{reason}; no other channel")
        return
    await uow.outbox.reroute(
        row.id, other.channel, other.external_id, now, f"{reason}; sent on {other.channel}"
    )
    outbox.notify(Priority.PERSONAL)


async def mark_unreachable(uow: UnitOfWork, row: OutboxMessage, reason: str, now: datetime) -> None:
    await uow.outbox.block_pending(row.channel, row.address, "recipient unreachable")
    await uow.accounts.set_reachable(row.channel, row.address, False)
    if row.person_id is None:
        return
    if any(a.reachable and a.delivers for a in await uow.accounts.of_person(row.person_id)):
        return
    resident = await uow.residents.get(row.person_id)
    if resident is None or not resident.reachable:
        return
    resident.reachable = False
    resident.updated_at = now
    await uow.residents.save(resident)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor_id=None,
            action="resident.unreachable",
            subject_type="resident",
            subject_id=str(row.person_id),
            details={"reason": reason, "event": row.event, "outbox_id": row.id},
        )
    )

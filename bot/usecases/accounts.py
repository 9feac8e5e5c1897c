"""People and their channel accounts: which person wrote, and where staff can be reached.

A person (resident or staff) has our id and one or more accounts ``(channel, external_id)``.
The first time an account writes, a person is made for it; a Telegram account keeps its
numeric id as the person id when that id is free, so databases from before accounts existed
and every Telegram-era log line still point at the same person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.people import PHONE_CHANNEL, Account, AuditEntry
from bot.domain.ports import UnitOfWork
from bot.usecases.common import Services, audit

__all__ = [
    "TOUCH_EVERY",
    "account_left",
    "ensure_person",
    "link_account",
    "person_for",
    "staff_accounts",
]

TOUCH_EVERY = timedelta(minutes=10)
"""How stale ``last_inbound_at`` may get: writing it on every message would make every read a
write."""


def _wanted_id(channel: str, external_id: str) -> int | None:
    if channel == "telegram" and external_id.isdigit() and len(external_id) <= 15:
        return int(external_id)
    return None


async def ensure_person(
    uow: UnitOfWork, channel: str, external_id: str, now: datetime, *, inbound: bool
) -> int:
    """The person behind the account, made (with the account) when it is new."""
    found = await uow.accounts.get(channel, external_id)
    if found is not None:
        if inbound and (
            not found.reachable
            or found.last_inbound_at is None
            or now - found.last_inbound_at >= TOUCH_EVERY
        ):
            await uow.accounts.touch(channel, external_id, now)
        return found.person_id
    person_id = await uow.accounts.new_person(now, wanted_id=_wanted_id(channel, external_id))
    await link_account(uow, channel, external_id, person_id, now, inbound=inbound)
    return person_id


async def link_account(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    person_id: int,
    now: datetime,
    *,
    inbound: bool = False,
) -> None:
    """Point the account at the person (a new account, or one moved to another person), in the
    audit log with its channel; a phone account is never delivered to."""
    await uow.accounts.link(
        Account(
            channel=channel,
            external_id=external_id,
            person_id=person_id,
            reachable=channel != PHONE_CHANNEL,
            last_inbound_at=now if inbound else None,
            created_at=now,
        )
    )
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor_id=None,
            action="account.linked",
            subject_type="person",
            subject_id=str(person_id),
            details={"channel": channel},
        )
    )


async def person_for(services: Services, channel: str, external_id: str) -> int:
    """Our person id for an inbound event from ``(channel, external_id)``.

    Known accounts are remembered by the services for ``TOUCH_EVERY``, so a busy chat costs
    no database round trip; a new account is written before its first event is handled."""
    now = services.clock.now()
    remembered = services.known_accounts
    hit = remembered.get((channel, external_id))
    if hit is not None and now - hit[1] < TOUCH_EVERY:
        return hit[0]
    async with services.store.transaction() as uow:
        person_id = await ensure_person(uow, channel, external_id, now, inbound=True)
    if len(remembered) > 50_000:
        remembered.clear()
    remembered[(channel, external_id)] = (person_id, now)
    return person_id


async def staff_accounts(services: Services, channel: str) -> list[str]:
    """External ids on ``channel`` of the active staff (for command menus and admin notes)."""
    async with services.store.read() as uow:
        staff = await uow.staff.list_active()
        found = await uow.accounts.on_channel(channel, [s.person_id for s in staff])
    return [found[s.person_id] for s in staff if s.person_id in found]


async def account_left(services: Services, person_id: int, channel: str, external_id: str) -> None:
    """The person unfollowed the OA (or left the channel): nothing more is sent there until
    they write again, and it is in the audit log."""
    services.known_accounts.pop((channel, external_id), None)
    async with services.store.transaction() as uow:
        await uow.accounts.set_reachable(channel, external_id, False)
        await audit(
            uow,
            services,
            actor_id=person_id,
            action="account.left",
            subject_type="person",
            subject_id=person_id,
            channel=channel,
        )

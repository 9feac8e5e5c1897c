"""Staff bootstrap: the ward config's [[staff]] entries become staff records at start."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.people import Account, StaffRecord
from bot.domain.ports import UnitOfWork
from bot.domain.ward import StaffMember
from bot.usecases.accounts import PHONE, ensure_person
from bot.usecases.common import Services, audit
from bot.usecases.onboarding import normalise_phone


async def sync_from_config(services: Services) -> list[StaffRecord]:
    """Insert or update each configured staff member; returns those that changed."""
    changed: list[StaffRecord] = []
    async with services.store.transaction() as uow:
        for member in services.ward.staff:
            person_id = await _person_of(uow, services, member)
            record = StaffRecord(person_id, member.full_name, member.role, member.unit)
            if await uow.staff.get(person_id) == record:
                continue
            await uow.staff.save(record)
            await audit(
                uow,
                services,
                actor_id=None,
                action="staff.synced_from_config",
                subject_type="staff",
                subject_id=person_id,
                role=member.role.value,
                unit=member.unit,
            )
            changed.append(record)
    return changed


async def _person_of(uow: UnitOfWork, services: Services, member: StaffMember) -> int:
    """The member's person, found by any account listed for them; the others are linked to it.

    A phone is kept as an identity-only account, so a member listed by phone alone keeps one
    person across restarts and can be matched when they write from a new channel."""
    listed = list(member.accounts)
    if member.phone is not None:
        listed.append((PHONE, normalise_phone(member.phone) or member.phone))
    now = services.clock.now()
    person_id: int | None = None
    for channel, external_id in listed:
        found = await uow.accounts.get(channel, external_id)
        if found is not None:
            person_id = found.person_id
            break
    if person_id is None:
        channel, external_id = listed[0]
        person_id = await ensure_person(uow, channel, external_id, now, inbound=False)
    for channel, external_id in listed:
        found = await uow.accounts.get(channel, external_id)
        if found is None or found.person_id != person_id:
            await uow.accounts.link(
                Account(channel, external_id, person_id, channel != PHONE, None, now)
            )
    return person_id


async def active_staff(services: Services) -> Sequence[StaffRecord]:
    async with services.store.read() as uow:
        return await uow.staff.list_active()

"""Staff bootstrap: the ward config's [[staff]] entries become staff records at start."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.people import PHONE_CHANNEL, Account, StaffRecord
from bot.domain.ports import UnitOfWork
from bot.domain.ward import StaffMember
from bot.usecases.accounts import ensure_person, link_account
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
        listed.append((PHONE_CHANNEL, normalise_phone(member.phone) or member.phone))
    now = services.clock.now()
    known = {key: await uow.accounts.get(*key) for key in listed}
    person_id = next((a.person_id for a in known.values() if a is not None), None)
    if person_id is None:
        channel, external_id = listed[0]
        person_id = await ensure_person(uow, channel, external_id, now, inbound=False)
        known[listed[0]] = Account(channel, external_id, person_id)
    for (channel, external_id), found in known.items():
        if found is None or found.person_id != person_id:
            await link_account(uow, channel, external_id, person_id, now)
    return person_id


async def active_staff(services: Services) -> Sequence[StaffRecord]:
    async with services.store.read() as uow:
        return await uow.staff.list_active()

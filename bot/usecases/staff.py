"""Staff bootstrap: the ward config's [[staff]] entries become staff records at start."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.people import StaffRecord
from bot.usecases.common import Services, audit


async def sync_from_config(services: Services) -> list[StaffRecord]:
    """Insert or update each configured staff member; returns those that changed."""
    changed: list[StaffRecord] = []
    async with services.store.transaction() as uow:
        for member in services.ward.staff:
            record = StaffRecord(member.telegram_id, member.full_name, member.role, member.unit)
            if await uow.staff.get(member.telegram_id) == record:
                continue
            await uow.staff.save(record)
            await audit(
                uow,
                services,
                actor_id=None,
                action="staff.synced_from_config",
                subject_type="staff",
                subject_id=member.telegram_id,
                role=member.role.value,
                unit=member.unit,
            )
            changed.append(record)
    return changed


async def active_staff(services: Services) -> Sequence[StaffRecord]:
    async with services.store.read() as uow:
        return await uow.staff.list_active()

"""/thongbao: a resident turns general notices off and on.

Only general notices (broadcasts to the ward or to groups) are muted; news about the resident's own
petition, registration or a session they registered for is always delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.usecases.common import Services, audit


class Outcome(StrEnum):
    NOT_REGISTERED = "not_registered"
    SHOWN = "shown"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    muted: bool = False


class Notices:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def show(self, user_id: int) -> Result:
        async with self.s.store.read() as uow:
            resident = await uow.residents.get(user_id)
        if resident is None or not resident.is_onboarded:
            return Result(Outcome.NOT_REGISTERED)
        return Result(Outcome.SHOWN, resident.notices_muted)

    async def set_muted(self, user_id: int, muted: bool) -> Result:
        """Idempotent: pressing an old button again changes nothing and writes no audit entry."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED)
            if resident.notices_muted == muted:
                return Result(Outcome.UNCHANGED, muted)
            resident.notices_muted = muted
            resident.updated_at = now
            await uow.residents.save(resident)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="resident.notices_muted" if muted else "resident.notices_unmuted",
                subject_type="resident",
                subject_id=user_id,
            )
        return Result(Outcome.CHANGED, muted)

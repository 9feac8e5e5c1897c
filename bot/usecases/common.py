"""Shared pieces of the use cases: the service bundle and the audit helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.domain.calendar import WorkingCalendar
from bot.domain.people import AuditEntry
from bot.domain.ports import Store, UnitOfWork
from bot.domain.ward import WardConfig


@dataclass(slots=True)
class Services:
    """What every use case needs; built once by the application factory."""

    store: Store
    clock: Clock
    ward: WardConfig
    calendar: WorkingCalendar
    known_accounts: dict[tuple[str, str], tuple[int, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """(channel, external id) → (person id, when looked up): see ``usecases.accounts``."""
    web_public_url: str | None = None
    """Where the web server is reached from outside (``WEB_PUBLIC_URL``), for links the bot
    sends; None when it is not published."""

    @classmethod
    def for_ward(
        cls, store: Store, clock: Clock, ward: WardConfig, *, web_public_url: str | None = None
    ) -> Services:
        """The services with the calendar the ward config implies (its local days off/on)."""
        calendar = WorkingCalendar(ward.extra_holidays, ward.extra_working_days)
        return cls(
            store=store, clock=clock, ward=ward, calendar=calendar, web_public_url=web_public_url
        )


async def audit(
    uow: UnitOfWork,
    services: Services,
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: object,
    **details: Any,
) -> None:
    """Write the audit entry in the same transaction as the change it describes."""
    await uow.audit.record(
        AuditEntry(
            at=services.clock.now(),
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            details=details,
        )
    )

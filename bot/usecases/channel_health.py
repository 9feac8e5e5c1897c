"""A channel that lost its authorisation (Zalo's refresh token refused): the admins hear of it
on another channel, once per lost token pair, even across restarts; what waits for the channel
stays queued."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.ward import Role
from bot.outbox.queue import Content, Enqueued, enqueue_content
from bot.usecases.common import Services, audit
from messages import render

__all__ = ["AuthLost", "channel_auth_lost"]


class AuthLost(StrEnum):
    TOLD = "told"
    ALREADY_TOLD = "already_told"
    NO_OTHER_CHANNEL = "no_other_channel"


async def channel_auth_lost(
    services: Services, channel: str, reason: str, pair_stored_at: datetime
) -> AuthLost:
    """Tell every active admin on their best account outside ``channel``."""
    now = services.clock.now()
    stamp = pair_stored_at.isoformat()
    event = f"{channel}_auth_lost"
    told = already = 0
    async with services.store.transaction() as uow:
        admins = [s for s in await uow.staff.list_active() if s.role is Role.ADMIN]
        for admin in admins:
            accounts = await uow.accounts.of_person(admin.person_id)
            other = next(
                (a for a in accounts if a.delivers and a.reachable and a.channel != channel),
                None,
            )
            if other is None:
                continue
            result = await enqueue_content(
                uow,
                now=now,
                event=event,
                person_id=admin.person_id,
                key=f"auth-lost:{channel}:{stamp}:{admin.person_id}",
                content=Content(text=render(event)),
                channel=other.channel,
                address=other.external_id,
            )
            if result is Enqueued.DUPLICATE:
                already += 1
            else:
                told += 1
        if told:
            await audit(
                uow,
                services,
                actor_id=None,
                action="channel.auth_lost",
                subject_type="channel",
                subject_id=channel,
                reason=reason,
                admins_told=told,
            )
    if told:
        return AuthLost.TOLD
    return AuthLost.ALREADY_TOLD if already else AuthLost.NO_OTHER_CHANNEL

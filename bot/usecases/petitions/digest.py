"""The secretaries' digest of new petitions: one summary per window instead of one ping each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.conversation.replies import rows as button_rows
from bot.domain.petitions import Petition
from bot.domain.ward import Role
from bot.outbox.queue import enqueue
from bot.usecases.common import Services, audit
from messages import label

DIGEST_EVENT = "petition_digest"
DIGEST_WINDOW = timedelta(minutes=30)
DIGEST_GATHER = timedelta(minutes=5)
DIGEST_CODES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class DigestReport:
    digest_id: int
    petitions: tuple[Petition, ...] = field(default_factory=tuple)
    recipients: tuple[int, ...] = ()


async def run_digest(services: Services) -> DigestReport | None:
    """One summary per secretary for the petitions not yet announced, at most once per
    window and after a short gathering delay, so a burst of petitions is one message."""
    now = services.clock.now()
    async with services.store.transaction() as uow:
        pending = tuple(await uow.petitions.undigested())
        if not pending:
            return None
        last = await uow.petitions.last_digest_at()
        if last is not None and now - last < DIGEST_WINDOW:
            return None
        if now - pending[0].created_at < DIGEST_GATHER:
            return None
        digest_id = await uow.petitions.add_digest(now, len(pending))
        secretaries = [
            m.person_id for m in await uow.staff.list_active() if m.role is Role.SECRETARY
        ]
        items = [
            {"code": p.code, "field": p.field.label, "on_behalf": p.on_behalf is not None}
            for p in pending
        ]
        for chat_id in secretaries:
            await enqueue(
                uow,
                now=now,
                event=DIGEST_EVENT,
                person_id=chat_id,
                key=f"{DIGEST_EVENT}:{digest_id}:{chat_id}",
                context={
                    "digest_count": len(pending),
                    "digest_items": items[:DIGEST_CODES_SHOWN],
                    "digest_more": max(0, len(items) - DIGEST_CODES_SHOWN),
                },
                buttons=button_rows([[(label("staff_menu.inbox"), "st:inbox")]]),
            )
        await uow.petitions.mark_digested([p.id for p in pending if p.id is not None], now)
        await audit(
            uow,
            services,
            actor_id=None,
            action="petition.digest_sent",
            subject_type="petition_digest",
            subject_id=digest_id,
            petitions=len(pending),
            recipients=secretaries,
        )
    return DigestReport(digest_id, pending, tuple(secretaries))

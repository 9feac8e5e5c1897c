"""Sending a notice: every row queued in one transaction on confirm, the stop button, and the
progress message the delivery worker keeps current."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation.replies import rows as button_rows
from bot.domain.addresses import MessageRef
from bot.domain.ward import WardConfig
from bot.outbox.queue import (
    Audience,
    Broadcast,
    BroadcastStatus,
    Content,
    Notification,
    Priority,
    Tally,
    notify,
)
from bot.outbox.sending import ProgressView
from bot.usecases.broadcast._shared import (
    NOTICE_EVENT,
    Draft,
    Outcome,
    Result,
    Step,
    describe_audience,
    notice_content,
)
from bot.usecases.broadcast.audience import AudienceMixin
from bot.usecases.common import audit
from messages import label, render

CALLBACK_PREFIX = "bc:"
STOP_CALLBACK = CALLBACK_PREFIX + "stop:"


def progress_view(ward: WardConfig) -> ProgressView:
    """How the delivery worker shows a broadcast's progress, then its final tally."""

    def view(broadcast: Broadcast, tally: Tally) -> Content:
        common = {
            "audience": describe_audience(ward, broadcast.audience),
            "recipients": tally.recipients,
            "sent": tally.sent,
            "failed": tally.failed,
            "blocked": tally.blocked,
        }
        stopped = broadcast.status is BroadcastStatus.CANCELLED
        if tally.done:
            text = render(
                "broadcast_tally",
                **common,
                cancelled=tally.cancelled,
                muted=tally.skipped_muted,
                stopped=stopped,
            )
            return Content(text)
        text = render("broadcast_progress", **common, waiting=tally.waiting, stopped=stopped)
        stop = button_rows([[(label("broadcast.stop"), f"{STOP_CALLBACK}{broadcast.id}")]])
        return Content(text, buttons=() if stopped else stop)

    return view


class SendingMixin(AudienceMixin):
    """Confirm (queue the rows) and stop (cancel those not yet sent)."""

    async def confirm(self, actor_id: int, *, progress: MessageRef | None) -> Result:
        """Resolve the audience and queue every row in one transaction; a second press is a no-op.

        The preview message becomes the progress message the worker keeps editing.
        """
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            found = await self._state(uow, actor_id, Step.PREVIEW)
            if isinstance(found, Result):
                return found
            draft = Draft.of(found.data)
            if draft.kind is None:
                return Result(Outcome.NOT_EXPECTED)
            selection = await self._select(uow, draft)
            audience = Audience(draft.kind, draft.codes)
            if not selection.recipients:
                await self._put(uow, found, Step.AUDIENCE, replace(draft, kind=None, codes=()))
                return Result(
                    Outcome.NO_RECIPIENTS,
                    draft,
                    kinds=await self._kinds(uow),
                    selection=selection,
                    audience_text=describe_audience(self.s.ward, audience),
                )
            broadcast = Broadcast(
                created_by=actor_id,
                created_at=now,
                audience=audience,
                body=draft.body,
                recipients=len(selection.recipients),
                media_kind=draft.media_kind,
                media=draft.media,
                skipped_muted=selection.muted,
                skipped_unreachable=selection.unreachable,
                progress=progress,
            )
            broadcast_id = await uow.broadcasts.add(broadcast)
            notice = notice_content(self.s.ward, draft)
            queued = await uow.outbox.add_many(
                [
                    Notification(
                        NOTICE_EVENT,
                        r.person_id,
                        r.channel or "",
                        r.address or "",
                        f"broadcast:{broadcast_id}:{r.person_id}",
                        notice,
                        Priority.MASS,
                        broadcast_id,
                    )
                    for r in selection.recipients
                ],
                now=now,
            )
            await uow.chat_states.clear(actor_id)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="broadcast.created",
                subject_type="broadcast",
                subject_id=broadcast_id,
                audience=audience.kind.value,
                codes=list(audience.codes),
                queued=queued,
                skipped_muted=selection.muted,
                skipped_unreachable=selection.unreachable,
                media=draft.media_kind.value if draft.media_kind else None,
            )
        notify(Priority.MASS)
        return Result(
            Outcome.STARTED,
            draft,
            selection=selection,
            broadcast=broadcast,
            audience_text=describe_audience(self.s.ward, audience),
        )

    async def stop(self, actor_id: int, broadcast_id: int) -> Result:
        """Cancel the rows not yet sent; those already delivered stay delivered."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None:
                return Result(Outcome.NOT_EXPECTED)
            if broadcast.status is not BroadcastStatus.RUNNING:
                return Result(Outcome.ALREADY_OVER, broadcast=broadcast)
            cancelled = await uow.outbox.cancel_broadcast(broadcast_id)
            broadcast.status = BroadcastStatus.CANCELLED
            broadcast.cancelled_by = actor_id
            broadcast.cancelled_at = now
            await uow.broadcasts.save(broadcast)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="broadcast.cancelled",
                subject_type="broadcast",
                subject_id=broadcast_id,
                rows_cancelled=cancelled,
            )
        notify(Priority.MASS)
        return Result(Outcome.STOPPED, broadcast=broadcast)

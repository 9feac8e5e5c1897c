"""A direct reply the channel could not take now becomes a personal outbox row.

Same rendering, an idempotency key from the event it answers, personal priority, and the account
the person wrote from: it arrives once the channel recovers, and only once.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from bot.domain.files import stored_media
from bot.outbox.queue import Content, ContentKind, Priority, enqueue_content
from bot.usecases.common import audit

if TYPE_CHECKING:
    from bot.conversation.turn import Reply, Turn

_KINDS = {"photo": ContentKind.PHOTO, "document": ContentKind.DOCUMENT, "venue": ContentKind.VENUE}


async def queue_reply(turn: Turn, reply: Reply, seq: int) -> None:
    services = turn.services
    event = turn.event
    now = services.clock.now()
    stamp = event.event_id or now.isoformat()
    key = f"reply:{event.channel}:{event.account_id}:{stamp}:{seq}"
    async with services.store.transaction() as uow:
        kind, media_ref, params = ContentKind.TEXT, None, {}
        media = reply.media
        if media is not None:
            kind = _KINDS[media.kind.value]
            media_ref = media.ref
            if media.data is not None:
                name = media.filename or "tep"
                mime = media.mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
                file_id = await uow.files.add(name=name, mime_type=mime, data=media.data, now=now)
                media_ref = stored_media(file_id)
            if kind is ContentKind.VENUE:
                params = media.venue_params
        content = Content(
            text=reply.text, kind=kind, media=media_ref, params=params, buttons=reply.buttons
        )
        await enqueue_content(
            uow,
            now=now,
            event=f"reply.{reply.template or 'message'}",
            person_id=turn.person_id,
            key=key,
            content=content,
            priority=Priority.PERSONAL,
            channel=event.channel,
            address=event.account_id,
        )
        await audit(
            uow,
            services,
            actor_id=None,
            action="reply.queued_after_failure",
            subject_type="person",
            subject_id=turn.person_id,
            template=reply.template,
            key=key,
        )

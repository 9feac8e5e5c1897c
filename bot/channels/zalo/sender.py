"""The outbox sender for Zalo: neutral content rendered as Zalo messages and sent with the
client, Zalo's answers mapped to what the delivery worker understands.

Zalo has no edits, so a broadcast's progress message cannot be kept current there (the worker
only edits progress on the channel it was shown on). A refused token is refreshed by the client;
a token that cannot be refreshed leaves rows waiting (transient) until an admin reconnects, so
nothing is lost. Outside the 7-day customer-service window the answer is ``Elsewhere``: the worker
tries the paid routes for transactional news (bot/channels/zalo/fallback.py), then the person's
other channel, then the secretary's paper list (bot/outbox/routing.py).
"""

from __future__ import annotations

import logging

from bot.channels.zalo.client import (
    RATE_LIMITED,
    UNREACHABLE,
    WINDOW_CLOSED,
    ZaloApiError,
    ZaloAuthDead,
    ZaloClient,
    ZaloTransient,
)
from bot.channels.zalo.documents import LinkPublisher, as_link, zalo_takes
from bot.channels.zalo.images import fit_for_upload
from bot.channels.zalo.render import ZaloMessage, message_body, messages_for
from bot.conversation.turn import Media, MediaKind, Reply
from bot.outbox.queue import Content, ContentKind
from bot.outbox.sending import (
    BadRequest,
    Blocked,
    Elsewhere,
    RetryAfter,
    SendResult,
    Sent,
    Transient,
)

__all__ = ["RATE_LIMIT_PAUSE", "ZaloSender", "reply_of"]

log = logging.getLogger(__name__)

RATE_LIMIT_PAUSE = 60.0
"""Seconds to wait after -32: Zalo's limit is per minute."""

_UPLOAD_KIND = {MediaKind.PHOTO: "image", MediaKind.DOCUMENT: "file"}


def reply_of(content: Content) -> Reply:
    """The neutral reply an outbox row stands for."""
    media: Media | None = None
    upload = content.upload
    if content.kind is ContentKind.VENUE:
        params = content.params
        media = Media(
            MediaKind.VENUE,
            latitude=float(params.get("latitude", 0.0)),
            longitude=float(params.get("longitude", 0.0)),
            title=str(params.get("title") or ""),
            address=str(params.get("address") or ""),
        )
    elif content.kind in (ContentKind.PHOTO, ContentKind.DOCUMENT):
        kind = MediaKind.PHOTO if content.kind is ContentKind.PHOTO else MediaKind.DOCUMENT
        media = Media(
            kind,
            ref=content.media,
            data=upload.data if upload is not None else None,
            filename=upload.name if upload is not None else None,
            mime=upload.mime_type if upload is not None else None,
        )
    return Reply(text=content.text, buttons=content.buttons, media=media)


class ZaloSender:
    def __init__(self, client: ZaloClient, *, links: LinkPublisher | None = None) -> None:
        """``links`` publishes a file Zalo cannot carry (None: no public web address)."""
        self._client = client
        self._links = links

    async def send(self, address: str, content: Content) -> SendResult:
        return await self.send_reply(address, reply_of(content))

    async def send_reply(self, address: str, reply: Reply) -> SendResult:
        """Every Zalo message ``reply`` becomes; the id of the last one."""
        last = ""
        try:
            for message in messages_for(reply):
                last = await self._send_one(address, message)
        except _Refused as refused:
            return refused.result
        except ZaloApiError as exc:
            return _result(exc)
        except (ZaloTransient, ZaloAuthDead) as exc:
            return Transient(str(exc))
        return Sent(last)

    async def edit(self, address: str, message_id: str, content: Content) -> SendResult:
        return BadRequest("Zalo messages cannot be edited")

    async def _send_one(self, address: str, message: ZaloMessage) -> str:
        message = await fit_for_upload(message)
        if message.media_kind is MediaKind.DOCUMENT and not zalo_takes(message):
            message = await as_link(message, self._links)
        attachment = None
        if message.media_kind in _UPLOAD_KIND:
            if message.media_data is None:
                raise _Refused(BadRequest("a Zalo attachment needs the file's bytes"))
            attachment = await self._client.upload(
                _UPLOAD_KIND[message.media_kind],
                message.media_data,
                message.filename or "tep",
                message.mime or "application/octet-stream",
            )
        return await self._client.send_message(
            address, message_body(message, attachment_id=attachment)
        )


class _Refused(Exception):
    def __init__(self, result: SendResult) -> None:
        super().__init__(str(result))
        self.result = result


def _result(exc: ZaloApiError) -> SendResult:
    if exc.code == RATE_LIMITED:
        return RetryAfter(RATE_LIMIT_PAUSE)
    if exc.code in UNREACHABLE:
        return Blocked(f"zalo {exc.code}: {exc.message}")
    if exc.code in WINDOW_CLOSED:
        return Elsewhere(f"zalo {exc.code}: outside the 7-day window")
    return BadRequest(f"zalo {exc.code}: {exc.message}")

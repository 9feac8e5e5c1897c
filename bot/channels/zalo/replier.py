"""The Zalo ``Replier``: answers the event being handled through the OA API.

Zalo has no edits (a reply meant to replace the pressed message is sent as a new one), no
button toasts (a button answer with a notice is sent as a short message) and no command menus.
A passing failure (network, 5xx, rate limit, a token that cannot be refreshed now) raises
``SendFailed``, so the turn queues the reply in the outbox.
"""

from __future__ import annotations

import logging

from bot.channels.zalo.render import CAPABILITIES
from bot.channels.zalo.sender import ZaloSender
from bot.conversation.replies import Capabilities, to_plain
from bot.conversation.turn import Reply, SendFailed
from bot.domain.addresses import MessageRef
from bot.outbox.sending import BadRequest, Blocked, Elsewhere, RetryAfter, Sent, Transient

__all__ = ["ZaloReplier"]

log = logging.getLogger(__name__)


class ZaloReplier:
    def __init__(self, sender: ZaloSender, account_id: str) -> None:
        self._sender = sender
        self._account = account_id

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    @property
    def handle(self) -> str | None:
        return None

    @property
    def pressed(self) -> MessageRef | None:
        return None

    async def send(self, reply: Reply) -> MessageRef | None:
        result = await self._sender.send_reply(self._account, reply)
        match result:
            case Sent(message_id):
                return MessageRef("zalo", self._account, str(message_id))
            case Transient(reason):
                raise SendFailed(reason)
            case RetryAfter(seconds):
                raise SendFailed(f"rate limited for {seconds}s")
            case Blocked(reason) | BadRequest(reason) | Elsewhere(reason):
                log.info(
                    "reply %s to zalo:%s not delivered: %s", reply.template, self._account, reason
                )
                return None
            case _:
                return None

    async def ack(self, text: str | None = None) -> None:
        if text:
            await self.send(Reply(to_plain(text), template="ack"))

    async def remove_buttons(self) -> None:
        return None

    async def staff_menu(self, is_staff: bool) -> None:
        return None

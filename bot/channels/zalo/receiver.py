"""Zalo webhook requests to handled events, whatever web server hosts the URL.

:meth:`ZaloReceiver.receive` checks the signature (403 and nothing stored when wrong), stores
the raw event in the inbox under its dedupe key (a retried event is stored once), answers at
once, and hands the event to the router in a task. Events of one account are handled in the
order they came; each is marked handled after its flow has run, so events left unhandled by a
crash are handled at the next start (:meth:`ZaloReceiver.handle_pending`). The inbox writes are
batched across events (:mod:`bot.channels.zalo.inbox_writer`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict

from bot.channels.zalo.client import ZaloApiError, ZaloAuthDead, ZaloClient, ZaloTransient
from bot.channels.zalo.inbound import CHANNEL, event_from_webhook
from bot.channels.zalo.inbox_writer import InboxWriter
from bot.channels.zalo.replier import ZaloReplier
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.webhook import WebhookEvent, WebhookRejected, account_of, parse
from bot.conversation.router import Router
from bot.usecases.common import Services

__all__ = ["ZaloReceiver"]

log = logging.getLogger(__name__)


class ZaloReceiver:
    def __init__(
        self,
        services: Services,
        router: Router,
        client: ZaloClient,
        *,
        app_id: str,
        oa_secret_key: str,
        sender: ZaloSender | None = None,
    ) -> None:
        self._services = services
        self._router = router
        self._client = client
        self._sender = sender or ZaloSender(client)
        self._app_id = app_id
        self._secret = oa_secret_key
        self._names: dict[str, str] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._inbox = InboxWriter(services.store, services.clock, self._spawn)

    async def receive(self, body: bytes, signature: str | None) -> int:
        """The HTTP status to answer with: 403 for a forged request, else 200."""
        try:
            event = parse(body, signature, self._secret, self._app_id)
        except WebhookRejected as exc:
            log.warning("Zalo webhook refused: %s", exc)
            return 403
        await self._inbox.store(event, body.decode("utf-8"))
        return 200

    async def handle_pending(self, limit: int = 1000) -> int:
        """Handle the events a stopped process stored but did not finish."""
        async with self._services.store.read() as uow:
            pending = await uow.inbox.pending(CHANNEL, limit)
        for stored in pending:
            data = json.loads(stored.body)
            event = parse_stored(stored.key, data)
            async with self._services.store.transaction() as uow:
                await uow.inbox.mark_attempt(CHANNEL, event.key)
            await self._handle(event)
        await self._inbox.flushed()
        return len(pending)

    async def idle(self) -> None:
        """Wait for the events being handled (tests, shutdown)."""
        while self._tasks or self._inbox.busy:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await self._inbox.flushed()

    def _spawn(self, event: WebhookEvent) -> None:
        task = asyncio.create_task(self._handle(event), name=f"zalo-{event.key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, event: WebhookEvent) -> None:
        async with self._locks[event.account_id]:
            services = self._services
            try:
                neutral = event_from_webhook(
                    event,
                    claims_payload=self._router.claims_payload,
                    commands=self._router.commands,
                    display_name=await self._name(event.account_id),
                )
                if neutral is not None:
                    replier = ZaloReplier(self._sender, event.account_id)
                    await self._router.dispatch(neutral, replier, services)
            finally:
                self._inbox.handled(event.key)

    async def _name(self, account_id: str) -> str:
        """The Zalo display name (Vietnamese order already), asked once per account."""
        if account_id in self._names:
            return self._names[account_id]
        try:
            name = await self._client.user_name(account_id)
        except (ZaloApiError, ZaloTransient, ZaloAuthDead) as exc:
            log.info("no Zalo name for %s: %s", account_id, exc)
            return ""
        self._names[account_id] = name
        return name


def parse_stored(key: str, data: dict[str, object]) -> WebhookEvent:
    """An inbox row (already verified when it was stored) as an event again."""
    return WebhookEvent(str(data.get("event_name", "")), account_of(data), key, dict(data))

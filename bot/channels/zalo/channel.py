"""The Zalo OA channel: the webhook endpoint on the process's web server, the receiver that
stores and handles events, and the outbox worker for the ``zalo`` channel, paced at the app's
``ZALO_RATE_PER_MINUTE``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import aiohttp

from bot.channels.base import ChannelState, Endpoint, WebhookAnswer
from bot.channels.zalo.client import ZaloClient, ZaloConfig
from bot.channels.zalo.documents import LinkPublisher
from bot.channels.zalo.fallback import WindowFallback
from bot.channels.zalo.inbound import CHANNEL
from bot.channels.zalo.receiver import ZaloReceiver
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.webhook import SIGNATURE_HEADER
from bot.conversation.router import Router
from bot.domain.channels import TokenPair
from bot.domain.files import stored_file_id
from bot.outbox.sending import DeliveryConfig
from bot.outbox.worker import DeliveryWorker
from bot.settings import Settings
from bot.usecases.broadcast import progress_view
from bot.usecases.channel_health import channel_auth_lost
from bot.usecases.common import Services
from bot.usecases.file_links import publish_file

__all__ = ["ZaloChannel", "zalo_config"]

log = logging.getLogger(__name__)


def zalo_config(settings: Settings) -> ZaloConfig:
    return ZaloConfig(
        app_id=settings.zalo_app_id or "",
        app_secret=settings.secret("zalo_app_secret"),
        api_base_url=settings.zalo_api_base_url,
        oauth_base_url=settings.zalo_oauth_base_url,
        zns_base_url=settings.zalo_zns_base_url,
    )


class ZaloChannel:
    name = CHANNEL

    def __init__(self, settings: Settings, *, delivery: DeliveryConfig | None = None) -> None:
        """``delivery`` replaces the pacing the settings imply (tests, benchmarks)."""
        self.settings = settings
        self._delivery = delivery
        self._http: aiohttp.ClientSession | None = None
        self._worker: DeliveryWorker | None = None
        self._pending: asyncio.Task[int] | None = None
        self.client: ZaloClient | None = None
        self.receiver: ZaloReceiver | None = None
        self._services: Services | None = None
        self._refused_at: datetime | None = None

    async def start(self, services: Services, router: Router) -> None:
        settings = self.settings
        self._services = services
        self._http = aiohttp.ClientSession()
        client = self.client = ZaloClient(
            self._http,
            zalo_config(settings),
            services.store,
            services.clock,
            on_auth_dead=self._auth_dead,
        )
        if await client.seed(
            settings.secret("zalo_oa_access_token"), settings.secret("zalo_oa_refresh_token")
        ):
            log.info("Zalo tokens seeded from ZALO_OA_ACCESS_TOKEN / ZALO_OA_REFRESH_TOKEN")
        async with services.store.read() as uow:
            if await uow.tokens.get(self.name) is None:
                log.warning(
                    "Zalo has no tokens yet: events are received, messages wait in the outbox "
                    "until `python -m bot zalo connect` stores a pair"
                )
        sender = ZaloSender(client, links=self._link_publisher(services))
        self.receiver = ZaloReceiver(
            services,
            router,
            client,
            app_id=settings.zalo_app_id or "",
            oa_secret_key=settings.secret("zalo_oa_secret_key"),
            sender=sender,
        )
        self._worker = DeliveryWorker(
            services.store,
            services.clock,
            sender,
            self._delivery
            or DeliveryConfig.from_settings(
                settings, global_rate=settings.zalo_rate_per_minute / 60
            ),
            progress_view=progress_view(services.ward),
            channel=self.name,
            fallback=WindowFallback(client, services.store, services.ward.zalo, services.ward.tz),
        )
        await self._worker.start()
        self._pending = asyncio.create_task(self.receiver.handle_pending(), name="zalo-pending")

    def _link_publisher(self, services: Services) -> LinkPublisher | None:
        """Links need the address the web server is reached at from outside."""
        base = self.settings.web_public_url
        if not base:
            return None

        async def publish(name: str, mime: str, data: bytes, ref: str | None) -> str:
            return await publish_file(
                services, base, name=name, mime_type=mime, data=data, file_id=stored_file_id(ref)
            )

        return publish

    async def stop(self) -> None:
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
            self._pending = None
        if self.receiver is not None:
            await self.receiver.idle()
        if self._worker is not None:
            await self._worker.stop()
            self._worker = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def endpoints(self) -> Sequence[Endpoint]:
        return [Endpoint(self.settings.zalo_webhook_path, self._receive)]

    async def _receive(self, body: bytes, headers: Mapping[str, str]) -> WebhookAnswer:
        if self.receiver is None:
            return WebhookAnswer(503)
        return WebhookAnswer(await self.receiver.receive(body, headers.get(SIGNATURE_HEADER)))

    async def _auth_dead(self, refused: TokenPair, reason: str) -> None:
        """One log line and one note to the admins per refused pair; sends keep waiting."""
        if self._refused_at == refused.updated_at:
            return
        self._refused_at = refused.updated_at
        log.error(
            "Zalo refused the refresh token (%s): Zalo messages wait in the outbox, the other "
            "channels go on; run `python -m bot zalo connect`",
            reason,
        )
        assert self._services is not None
        await channel_auth_lost(self._services, self.name, reason, refused.updated_at)

    async def state(self) -> ChannelState:
        assert self._services is not None
        async with self._services.store.read() as uow:
            pair = await uow.tokens.get(self.name)
        if pair is None:
            return ChannelState(self.name, False, "no tokens: run python -m bot zalo connect")
        if pair.updated_at == self._refused_at:
            return ChannelState(
                self.name, False, "refresh token refused: run python -m bot zalo connect"
            )
        expires = pair.expires_at.isoformat(timespec="minutes")
        return ChannelState(self.name, True, "webhook", {"access_token_expires": expires})

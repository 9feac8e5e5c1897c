"""The Telegram channel: python-telegram-bot receives updates (long polling, or the webhook
endpoint on the process's web server), each becomes a neutral event for the router, answered
through a ``TelegramReplier``; the outbox worker for the ``telegram`` channel runs beside it."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.base import ChannelState, Endpoint, WebhookAnswer
from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.commands import register_commands
from bot.channels.telegram.inbound import event_from_update
from bot.channels.telegram.replier import TelegramReplier
from bot.channels.telegram.sender import TelegramSender
from bot.clock import Clock
from bot.conversation.router import Router
from bot.domain.ports import Store
from bot.domain.ward import WardConfig
from bot.outbox.sending import DeliveryConfig
from bot.outbox.worker import DeliveryWorker
from bot.settings import BotMode, Settings
from bot.usecases.accounts import staff_accounts
from bot.usecases.broadcast import progress_view
from bot.usecases.common import Services
from bot.usecases.sessions import Sessions

__all__ = [
    "SECRET_HEADER",
    "SERVICES_KEY",
    "BotApp",
    "TelegramChannel",
    "Wiring",
    "build_application",
]

log = logging.getLogger(__name__)
BotApp = Application
SERVICES_KEY = "services"
ROUTER_KEY = "router"
WIRING_KEY = "wiring"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(slots=True)
class Wiring:
    """What the factory was given; the runtime opens the store unless a test passed one."""

    settings: Settings
    ward: WardConfig
    clock: Clock | None
    store: Store | None


def build_application(
    settings: Settings,
    ward: WardConfig,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
) -> BotApp:
    """The python-telegram-bot application; in webhook mode it has no updater, since updates
    arrive through :meth:`TelegramChannel.endpoints` on the process's own web server."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .request(AiohttpRequest(connection_pool_size=settings.telegram_connection_pool_size))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(settings.bot_concurrent_updates)
    )
    if settings.bot_mode is BotMode.WEBHOOK:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data[WIRING_KEY] = Wiring(settings, ward, clock, store)
    app.add_handler(TypeHandler(Update, on_update))
    app.add_error_handler(on_error)
    return app


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update: the neutral event, to the router, answered in the chat it came from."""
    event = event_from_update(update)
    chat = update.effective_chat
    if event is None or chat is None:
        return
    replier = TelegramReplier(context.bot, chat.id, update.callback_query)
    bot_data = context.application.bot_data
    await bot_data[ROUTER_KEY].dispatch(event, replier, bot_data[SERVICES_KEY])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed: %r", update, exc_info=context.error)


class TelegramChannel:
    name = "telegram"

    def __init__(
        self,
        app: BotApp,
        *,
        poll_interval: float = 0.0,
        poll_timeout: int = 10,
    ) -> None:
        self.app = app
        self.settings: Settings = app.bot_data[WIRING_KEY].settings
        self._poll_interval = poll_interval
        self._poll_timeout = poll_timeout
        self._worker: DeliveryWorker | None = None
        self._polling = False

    @property
    def webhook(self) -> bool:
        return self.settings.bot_mode is BotMode.WEBHOOK

    async def start(self, services: Services, router: Router) -> None:
        app = self.app
        app.bot_data[SERVICES_KEY] = services
        app.bot_data[ROUTER_KEY] = router
        await app.initialize()
        staff_chats = await staff_accounts(services, self.name)
        await register_commands(app.bot, [int(chat) for chat in staff_chats if chat.isdigit()])
        self._worker = DeliveryWorker(
            services.store,
            services.clock,
            TelegramSender(app.bot),
            DeliveryConfig.from_settings(self.settings),
            progress_view=progress_view(services.ward),
            channel=self.name,
        )
        await self._worker.start()
        if app.bot.username:
            await Sessions(services).remember_bot_username(app.bot.username)
        await app.start()
        if self.webhook:
            assert self.settings.webhook_url is not None
            await app.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.secret("webhook_secret"),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=self._poll_interval,
                timeout=self._poll_timeout,
                allowed_updates=Update.ALL_TYPES,
            )
            self._polling = True

    async def stop(self) -> None:
        app = self.app
        if self._polling and app.updater is not None:
            await app.updater.stop()
            self._polling = False
        if self._worker is not None:
            await self._worker.stop()
            self._worker = None
        if app.running:
            await app.stop()
        await app.shutdown()

    def endpoints(self) -> Sequence[Endpoint]:
        if not self.webhook or not self.settings.webhook_url:
            return []
        return [Endpoint(urlsplit(self.settings.webhook_url).path or "/", self._receive)]

    async def _receive(self, body: bytes, headers: Mapping[str, str]) -> WebhookAnswer:
        """Telegram's own check: the secret token set with the webhook comes back in a header."""
        given = headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.secret("webhook_secret").encode()):
            return WebhookAnswer(403)
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return WebhookAnswer(400)
        update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        if update is None:
            return WebhookAnswer(400)
        await self.app.update_queue.put(update)
        return WebhookAnswer(200)

    async def state(self) -> ChannelState:
        mode = "webhook" if self.webhook else "polling"
        ok = self.app.running
        return ChannelState(self.name, ok, mode if ok else f"{mode}, stopped")

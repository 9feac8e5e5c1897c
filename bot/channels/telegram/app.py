"""The Telegram adapter's application: python-telegram-bot receives updates (polling or webhook),
each becomes a neutral event for the router, answered through a ``TelegramReplier``; the outbox
worker for the ``telegram`` channel and the periodic jobs run beside it."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

import handlers
from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.commands import register_commands
from bot.channels.telegram.inbound import event_from_update
from bot.channels.telegram.replier import TelegramReplier
from bot.channels.telegram.sender import TelegramSender
from bot.clock import Clock, SystemClock
from bot.domain.ports import Store
from bot.domain.ward import WardConfig
from bot.jobs import Jobs
from bot.outbox.sending import DeliveryConfig
from bot.outbox.worker import DeliveryWorker
from bot.settings import BotMode, Settings
from bot.usecases import staff as staff_uc
from bot.usecases.accounts import staff_accounts
from bot.usecases.broadcast import progress_view, provide_session_audience
from bot.usecases.common import Services
from bot.usecases.sessions import SessionRegistrants, Sessions
from storage.sqlite import SqliteStore

log = logging.getLogger(__name__)
BotApp = Application
WORKER_KEY = "delivery_worker"
JOBS_KEY = "jobs"
SERVICES_KEY = "services"
ROUTER_KEY = "router"


@dataclass(slots=True)
class Wiring:
    """What the factory was given; the store is opened at start unless a test passed one."""

    settings: Settings
    ward: WardConfig
    clock: Clock
    store: Store | None


def build_application(
    settings: Settings,
    ward: WardConfig,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    tune_gc: bool = False,
) -> BotApp:
    """``tune_gc`` is for the long-running ``python -m bot run`` process, not for tests."""
    app = (
        ApplicationBuilder()
        .request(AiohttpRequest(connection_pool_size=settings.telegram_connection_pool_size))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(settings.bot_concurrent_updates)
        .post_init(on_startup_tuned if tune_gc else on_startup)
        .post_stop(stop_delivery)
        .post_shutdown(on_shutdown)
        .build()
    )
    app.bot_data["wiring"] = Wiring(settings, ward, clock or SystemClock(), store)
    app.bot_data[ROUTER_KEY] = handlers.build_router()
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


async def on_startup(app: BotApp) -> None:
    """Open storage, bootstrap staff, register command menus. Runs after ``initialize``."""
    wiring: Wiring = app.bot_data["wiring"]
    store = wiring.store
    if store is None:
        wiring.settings.ensure_database_folder()
        store = await SqliteStore.open(wiring.settings.database_path)
        app.bot_data["owned_store"] = store
    services = Services.for_ward(store, wiring.clock, wiring.ward)
    app.bot_data[SERVICES_KEY] = services
    await staff_uc.sync_from_config(services)
    staff_chats = await staff_accounts(services, "telegram")
    await register_commands(app.bot, [int(chat) for chat in staff_chats if chat.isdigit()])
    worker = DeliveryWorker(
        store,
        wiring.clock,
        TelegramSender(app.bot),
        delivery_config(wiring.settings),
        progress_view=progress_view(wiring.ward),
        channel="telegram",
    )
    await worker.start()
    app.bot_data[WORKER_KEY] = worker
    provide_session_audience(SessionRegistrants(wiring.clock))
    if app.bot.username:
        await Sessions(services).remember_bot_username(app.bot.username)
    jobs = Jobs(services, wiring.settings)
    jobs.start()
    app.bot_data[JOBS_KEY] = jobs


def delivery_config(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        global_rate=settings.outbox_global_rate,
        per_chat_rate=settings.outbox_per_chat_rate,
        max_in_flight=settings.outbox_max_in_flight,
        personal_reserve=max(1, settings.outbox_max_in_flight // 4),
        backoff_base=settings.outbox_backoff_base,
        backoff_cap=settings.outbox_backoff_cap,
        poll_interval=settings.outbox_poll_interval,
        progress_interval=settings.outbox_progress_interval,
        batch_size=max(10, round(settings.outbox_global_rate)),
    )


async def stop_delivery(app: BotApp) -> None:
    """Stop the outbox worker while the bot can still finish the requests in flight."""
    jobs: Jobs | None = app.bot_data.pop(JOBS_KEY, None)
    if jobs is not None:
        await jobs.stop()
    worker: DeliveryWorker | None = app.bot_data.pop(WORKER_KEY, None)
    if worker is not None:
        await worker.stop()


async def on_startup_tuned(app: BotApp) -> None:
    await on_startup(app)
    tune_garbage_collector()


def tune_garbage_collector() -> None:
    """Under load, Python's default young-generation pass (every 700 allocations) ran hundreds of
    times a second over the short-lived objects python-telegram-bot builds per request. Freezing
    what start-up built and collecting the young generation every 50,000 allocations took the
    intake p99 from ~155 ms to ~130 ms (bench/intake.py)."""
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


async def on_shutdown(app: BotApp) -> None:
    await stop_delivery(app)
    store: Store | None = app.bot_data.pop("owned_store", None)
    if store is not None:
        await store.close()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """python-telegram-bot's webhook arguments: listen where told, on the path of the public URL,
    and reject any request without the secret token."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        "allowed_updates": Update.ALL_TYPES,
    }


def serve(app: BotApp, settings: Settings) -> None:
    """Run until stopped: a webhook server or long polling, as ``BOT_MODE`` says."""
    if settings.bot_mode is BotMode.WEBHOOK:
        app.run_webhook(**webhook_options(settings))
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


@asynccontextmanager
async def running(
    app: BotApp, *, poll_interval: float = 0.0, poll_timeout: int = 10
) -> AsyncIterator[BotApp]:
    """Run the bot inside an existing event loop (tests, demo, benchmarks), polling or webhook
    as the settings say."""
    settings: Settings = app.bot_data["wiring"].settings
    await app.initialize()
    try:
        await on_startup(app)
        await app.start()
        assert app.updater is not None
        if settings.bot_mode is BotMode.WEBHOOK:
            await app.updater.start_webhook(**webhook_options(settings))
        else:
            await app.updater.start_polling(poll_interval=poll_interval, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await on_shutdown(app)
        await app.shutdown()

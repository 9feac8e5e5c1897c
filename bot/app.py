"""Application factory: the one place in ``bot/`` that wires the core to python-telegram-bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from telegram.ext import Application, ApplicationBuilder

import handlers
from bot.calendar import WorkingCalendar
from bot.clock import Clock, SystemClock
from bot.ports import Store
from bot.settings import Settings
from bot.usecases import staff as staff_uc
from bot.usecases.common import Services
from bot.ward import WardConfig
from handlers.commands import register_commands
from handlers.common import SERVICES_KEY
from storage.sqlite import SqliteStore


BotApp = Application


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
) -> BotApp:
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(True)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    app.bot_data["wiring"] = Wiring(settings, ward, clock or SystemClock(), store)
    handlers.register_all(app)
    return app


async def on_startup(app: BotApp) -> None:
    """Open storage, bootstrap staff, register command menus. Runs after ``initialize``."""
    wiring: Wiring = app.bot_data["wiring"]
    store = wiring.store
    if store is None:
        wiring.settings.ensure_database_folder()
        store = await SqliteStore.open(wiring.settings.database_path)
        app.bot_data["owned_store"] = store
    services = Services(
        store=store,
        clock=wiring.clock,
        ward=wiring.ward,
        calendar=WorkingCalendar(wiring.ward.extra_holidays, wiring.ward.extra_working_days),
    )
    app.bot_data[SERVICES_KEY] = services
    await staff_uc.sync_from_config(services)
    staff = await staff_uc.active_staff(services)
    await register_commands(app.bot, [member.telegram_id for member in staff])


async def on_shutdown(app: BotApp) -> None:
    store: Store | None = app.bot_data.pop("owned_store", None)
    if store is not None:
        await store.close()


@asynccontextmanager
async def running(
    app: BotApp, *, poll_interval: float = 0.0, poll_timeout: int = 10
) -> AsyncIterator[BotApp]:
    """Run the bot with long polling inside an existing event loop (tests, demo, benchmarks)."""
    await app.initialize()
    try:
        await on_startup(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=poll_interval, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await on_shutdown(app)
        await app.shutdown()

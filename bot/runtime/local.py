"""The Telegram bot inside an existing event loop (tests, the demo, benchmarks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.channels.telegram.app import WIRING_KEY, BotApp, TelegramChannel, Wiring
from bot.runtime.process import Runtime
from bot.settings import BotMode

__all__ = ["running"]


@asynccontextmanager
async def running(
    app: BotApp, *, poll_interval: float = 0.0, poll_timeout: int = 10
) -> AsyncIterator[BotApp]:
    """Run ``app`` as the process would: polling, or webhook on the runtime's web server."""
    wiring: Wiring = app.bot_data[WIRING_KEY]
    channel = TelegramChannel(app, poll_interval=poll_interval, poll_timeout=poll_timeout)
    runtime = Runtime(
        wiring.settings,
        wiring.ward,
        [channel],
        clock=wiring.clock,
        store=wiring.store,
        web=wiring.settings.bot_mode is BotMode.WEBHOOK,
    )
    async with runtime:
        yield app

"""Intake throughput: the real bot vs a minimal python-telegram-bot echo bot, same fake server.

N simulated residents each onboard, then send messages and press buttons as fast as the bot
answers. Prints one line:
``intake: residents=50 updates=5000 rate=…/s echo_rate=…/s ratio=… p50_ms=… p99_ms=…``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, running  # noqa: E402
from bot.fake_telegram import FakeTelegramServer, SimUser  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.ward import load_ward_config  # noqa: E402

TOKEN = "123456:BENCH"


async def onboard(user: SimUser) -> int:
    """The onboarding conversation; returns the number of updates it sent."""
    await user.ask("/start", expect=2, timeout=30, quiet=0)
    await user.press_and_wait("✅ Đồng ý", expect=2, timeout=30, quiet=0)
    await user.ask(f"Cư Dân {user.id}", expect=1, timeout=30, quiet=0)
    await user.press_and_wait("Tổ dân phố Chí Linh 1", expect=2, timeout=30, quiet=0)
    await user.press_reply_button("Bỏ qua")
    await user.wait(expect=2, timeout=30, quiet=0)
    return 5


async def resident_session(user: SimUser, updates: int, latencies: list[float]) -> None:
    """After onboarding, cycle through typical single-answer actions, timing each."""
    done = await onboard(user)
    actions = ("/menu", "press", "/hoso", "xin chào")
    i = 0
    while done < updates:
        action = actions[i % len(actions)]
        i += 1
        started = time.perf_counter()
        if action == "press":
            if user.last is None or not user.last.has_button("📅 Lịch đối thoại"):
                continue
            await user.press_and_wait("📅 Lịch đối thoại", expect=1, timeout=30, quiet=0)
        else:
            await user.ask(action, expect=1, timeout=30, quiet=0)
        latencies.append(time.perf_counter() - started)
        done += 1


async def echo_session(user: SimUser, updates: int, latencies: list[float]) -> None:
    for i in range(updates):
        started = time.perf_counter()
        await user.ask(f"tin nhắn {i}", expect=1, timeout=30, quiet=0)
        latencies.append(time.perf_counter() - started)


async def run_bot(residents: int, per_resident: int) -> tuple[float, list[float]]:
    ward = load_ward_config(ROOT / "ward.example.toml")
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegramServer(token=TOKEN, bot_username="bench_bot") as tg:
            settings = Settings.for_local_server(
                token=TOKEN,
                api_base_url=tg.base_url,
                file_base_url=tg.file_base_url,
                database_path=Path(tmp) / "bench.db",
            )
            app = build_application(settings, ward)
            async with running(app, poll_timeout=1):
                users = [tg.user(10_000 + i, first_name=f"Dân{i}") for i in range(residents)]
                started = time.perf_counter()
                await asyncio.gather(*(resident_session(u, per_resident, latencies) for u in users))
                elapsed = time.perf_counter() - started
    return residents * per_resident / elapsed, latencies


async def run_echo(residents: int, per_resident: int) -> float:
    latencies: list[float] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async with FakeTelegramServer(token=TOKEN, bot_username="echo_bot") as tg:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(tg.base_url)
            .base_file_url(tg.file_base_url)
            .concurrent_updates(True)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            users = [tg.user(10_000 + i, first_name=f"Dân{i}") for i in range(residents)]
            started = time.perf_counter()
            await asyncio.gather(*(echo_session(u, per_resident, latencies) for u in users))
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
    return residents * per_resident / elapsed


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--updates", type=int, default=5000, help="total updates per bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    per_resident = max(6, args.updates // args.residents)
    rate, latencies = await run_bot(args.residents, per_resident)
    echo_rate = await run_echo(args.residents, per_resident)
    print(
        f"intake: residents={args.residents} updates={args.residents * per_resident} "
        f"rate={rate:.0f}/s echo_rate={echo_rate:.0f}/s ratio={rate / echo_rate:.2f} "
        f"p50_ms={percentile(latencies, 50) * 1000:.0f} "
        f"p99_ms={percentile(latencies, 99) * 1000:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())

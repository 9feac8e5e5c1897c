"""Intake throughput: the real bot vs a minimal python-telegram-bot echo bot, same fake server.

Each bot runs in its own process, as in production; the fake server and N simulated residents
run in this one. The residents each onboard, then send messages and press buttons as fast as the
bot answers. Prints one line:
``intake: residents=50 updates=5000 rate=…/s echo_rate=…/s ratio=… p50_ms=… p99_ms=…
echo_p99_ms=…`` (the last key puts the bot's latency next to the echo bot's under the same load)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.fakes.telegram import FakeTelegramServer, SimUser  # noqa: E402

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


@asynccontextmanager
async def bot_process(
    tg: FakeTelegramServer, command: list[str], db: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a bot in its own process (as in production), pointed at the fake server."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_FILE_BASE_URL": tg.file_base_url,
        "DATABASE_PATH": str(db),
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
        "LOG_LEVEL": "WARNING",
    }
    polls_before = tg.method_counts["getUpdates"]
    process = await asyncio.create_subprocess_exec(*command, env=env, cwd=ROOT)
    try:
        async with asyncio.timeout(60):
            while tg.method_counts["getUpdates"] == polls_before:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.05)
        yield process
    finally:
        process.terminate()
        await process.wait()


async def measure(
    command: list[str],
    session: Callable[[SimUser, int, list[float]], Awaitable[None]],
    residents: int,
    per_resident: int,
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegramServer(token=TOKEN, bot_username="bench_bot") as tg:
            async with bot_process(tg, command, Path(tmp) / "bench.db") as process:
                users = [tg.user(10_000 + i, first_name=f"Dân{i}") for i in range(residents)]
                started = time.perf_counter()
                cpu_before = process_cpu(process.pid)
                await asyncio.gather(*(session(u, per_resident, latencies) for u in users))
                elapsed = time.perf_counter() - started
                if os.environ.get("BENCH_VERBOSE"):
                    cpu = process_cpu(process.pid) - cpu_before
                    print(f"  {command[-1]}: cpu={cpu:.1f}s wall={elapsed:.1f}s", file=sys.stderr)
                    print(f"  requests: {dict(tg.method_counts)}", file=sys.stderr)
    return residents * per_resident / elapsed, latencies


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--updates", type=int, default=5000, help="total updates per bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    per_resident = max(6, args.updates // args.residents)
    rate, latencies = await measure(
        [sys.executable, "-m", "bot", "run"], resident_session, args.residents, per_resident
    )
    echo_rate, echo_latencies = await measure(
        [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
        echo_session,
        args.residents,
        per_resident,
    )
    print(
        f"intake: residents={args.residents} updates={args.residents * per_resident} "
        f"rate={rate:.0f}/s echo_rate={echo_rate:.0f}/s ratio={rate / echo_rate:.2f} "
        f"p50_ms={percentile(latencies, 50) * 1000:.0f} "
        f"p99_ms={percentile(latencies, 99) * 1000:.0f} "
        f"echo_p99_ms={percentile(echo_latencies, 99) * 1000:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())

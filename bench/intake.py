"""Intake throughput: the real bot vs a minimal python-telegram-bot echo bot, same fake server.

Each bot runs in its own process, as in production; the fake server and N simulated residents
run in this one. The residents each onboard (before the clock starts), then send messages and
press buttons as fast as the bot answers. The machine is shared, so one long run of each bot
would compare two different moments of its load: the runs are interleaved instead (bot, echo,
bot, echo, …, ``--rounds`` of each, the updates split between them), each round's ratio is taken
against the echo run right after it, and the line gives the median ratio with its spread:
``intake: residents=50 updates=7500 rounds=5 rate=…/s echo_rate=…/s ratio=… ratio_min=…
ratio_max=… p50_ms=… p99_ms=… echo_p99_ms=…`` (rates, ratio and latencies are medians over
the rounds; each round's figures go to stderr as it ends, with the CPU each update cost the
bot's process and this one, the fake server and residents: ``harness_cpu…=bot/echo``).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.fakes.telegram import FakeTelegramServer, SimUser  # noqa: E402

TOKEN = "123456:BENCH"


async def onboard(user: SimUser) -> None:
    """The onboarding conversation: set-up before the clock starts, so that every round, however
    short, measures the same traffic (it was 5 of each resident's 100 updates when a run was one
    round; split into rounds it would weigh three times as much)."""
    await user.ask("/start", expect=2, timeout=30, quiet=0)
    await user.press_and_wait("✅ Đồng ý", expect=2, timeout=30, quiet=0)
    await user.ask(f"Cư Dân {user.id}", expect=1, timeout=30, quiet=0)
    await user.press_and_wait("Tổ dân phố Chí Linh 1", expect=2, timeout=30, quiet=0)
    await user.press_reply_button("Bỏ qua")
    await user.wait(expect=2, timeout=30, quiet=0)


async def resident_session(user: SimUser, updates: int, latencies: list[float]) -> None:
    """Cycle through typical single-answer actions of an onboarded resident, timing each."""
    done = 0
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
        "WEB_PORT": "0",
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


@dataclass(frozen=True, slots=True)
class Run:
    """One bot's figures for one round."""

    rate: float
    p50: float
    p99: float
    cpu_per_update_ms: float
    harness_cpu_per_update_ms: float


async def measure(
    command: list[str],
    session: Callable[[SimUser, int, list[float]], Awaitable[None]],
    residents: int,
    per_resident: int,
    prepare: Callable[[SimUser], Awaitable[None]] | None = None,
) -> Run:
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegramServer(token=TOKEN, bot_username="bench_bot") as tg:
            async with bot_process(tg, command, Path(tmp) / "bench.db") as process:
                users = [tg.user(10_000 + i, first_name=f"Dân{i}") for i in range(residents)]
                if prepare is not None:
                    await asyncio.gather(*(prepare(u) for u in users))
                started = time.perf_counter()
                cpu_before = process_cpu(process.pid)
                harness_before = time.process_time()
                await asyncio.gather(*(session(u, per_resident, latencies) for u in users))
                elapsed = time.perf_counter() - started
                cpu = process_cpu(process.pid) - cpu_before
                harness = time.process_time() - harness_before
                if os.environ.get("BENCH_VERBOSE"):
                    print(f"  requests: {dict(tg.method_counts)}", file=sys.stderr)
    updates = residents * per_resident
    return Run(
        rate=updates / elapsed,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
        cpu_per_update_ms=cpu / updates * 1000,
        harness_cpu_per_update_ms=harness / updates * 1000,
    )


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--updates", type=int, default=7500, help="total updates per bot")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs of each bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rounds = max(1, args.rounds)
    per_resident = max(4, args.updates // (args.residents * rounds))
    bots: list[Run] = []
    echoes: list[Run] = []
    for index in range(1, rounds + 1):
        bot = await measure(
            [sys.executable, "-m", "bot", "run"],
            resident_session,
            args.residents,
            per_resident,
            prepare=onboard,
        )
        echo = await measure(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
            echo_session,
            args.residents,
            per_resident,
        )
        bots.append(bot)
        echoes.append(echo)
        print(
            f"  round {index}/{rounds}: rate={bot.rate:.0f}/s echo_rate={echo.rate:.0f}/s "
            f"ratio={bot.rate / echo.rate:.2f} p99_ms={bot.p99 * 1000:.0f} "
            f"echo_p99_ms={echo.p99 * 1000:.0f} cpu_ms_per_update={bot.cpu_per_update_ms:.2f} "
            f"echo_cpu_ms_per_update={echo.cpu_per_update_ms:.2f} "
            f"harness_cpu_ms_per_update={bot.harness_cpu_per_update_ms:.2f}/"
            f"{echo.harness_cpu_per_update_ms:.2f}",
            file=sys.stderr,
            flush=True,
        )
    ratios = [b.rate / e.rate for b, e in zip(bots, echoes, strict=True)]
    median = statistics.median
    print(
        f"intake: residents={args.residents} updates={args.residents * per_resident * rounds} "
        f"rounds={rounds} rate={median(b.rate for b in bots):.0f}/s "
        f"echo_rate={median(e.rate for e in echoes):.0f}/s ratio={median(ratios):.2f} "
        f"ratio_min={min(ratios):.2f} ratio_max={max(ratios):.2f} "
        f"p50_ms={median(b.p50 for b in bots) * 1000:.0f} "
        f"p99_ms={median(b.p99 for b in bots) * 1000:.0f} "
        f"echo_p99_ms={median(e.p99 for e in echoes) * 1000:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())

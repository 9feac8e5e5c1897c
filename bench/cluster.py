"""Intake and broadcast with several bot processes on one PostgreSQL, beside SQLite in one.

In one run, against the same fake Telegram server and 50 simulated residents (bench/intake.py's
onboarding and traffic): intake rate and p99 for SQLite with 1 process, PostgreSQL with 1 and
with 2 processes; then a notice to ``--recipients`` people sent by 2 processes on PostgreSQL,
its rate against the configured ceiling, and how many were lost or duplicated. Prints one line
per configuration:
``cluster: store=sqlite processes=1 updates=… rate=…/s p50_ms=… p99_ms=…``
``cluster: broadcast processes=2 recipients=… ceiling=…/s rate=…/s ratio=… lost=0 duplicated=0``
(goals: PostgreSQL with 2 processes ≥ 1.0 × SQLite's rate with p99 ≤ 150 ms; ratio ≥ 0.95).

Polling is one getUpdates caller per token (the sender's lease), so the second process stands
by for intake; it shows that a standby costs nothing, and takes over when the first dies.

PostgreSQL is a throwaway server started like the tests' (tests/postgres.py, Debian's
``postgresql`` package). Run: ``.venv/bin/python bench/cluster.py [--updates 1500]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import onboard, percentile, resident_session  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.fakes.telegram import FakeTelegramServer  # noqa: E402
from storage.postgres.store import PostgresStore  # noqa: E402
from tests.outbox_helpers import add_residents  # noqa: E402
from tests.postgres import PgCluster, require_postgres  # noqa: E402
from tests.test_outbox_kill import seed_broadcast  # noqa: E402

TOKEN = "123456:BENCH"


@asynccontextmanager
async def bots(
    tg: FakeTelegramServer, database: dict[str, str], count: int, rate: float = 30.0
) -> AsyncIterator[None]:
    """``count`` ``python -m bot run`` processes on one database; yields once one polls."""
    env = {
        **os.environ,
        **database,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg.base_url,
        "TELEGRAM_FILE_BASE_URL": tg.file_base_url,
        "WARD_CONFIG": str(ROOT / "ward.example.toml"),
        "LOG_LEVEL": "WARNING",
        "WEB_PORT": "0",
        "OUTBOX_GLOBAL_RATE": str(rate),
        "OUTBOX_MAX_IN_FLIGHT": "20",
        "LEASE_INTERVAL": "0.5",
    }
    polls_before = tg.method_counts["getUpdates"]
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=ROOT)
        for _ in range(count)
    ]
    try:
        async with asyncio.timeout(60):
            while tg.method_counts["getUpdates"] == polls_before:  # noqa: ASYNC110 (other process)
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # every process up (the standby has tried the lease)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await process.wait()


async def intake(database: dict[str, str], processes: int, residents: int, updates: int) -> str:
    latencies: list[float] = []
    per_resident = max(4, updates // residents)
    async with FakeTelegramServer(token=TOKEN, bot_username="bench_bot") as tg:
        async with bots(tg, database, processes):
            users = [tg.user(10_000 + i, first_name=f"Dân{i}") for i in range(residents)]
            await asyncio.gather(*(onboard(u) for u in users))
            started = time.perf_counter()
            await asyncio.gather(*(resident_session(u, per_resident, latencies) for u in users))
            elapsed = time.perf_counter() - started
    store = "postgresql" if "DATABASE_URL" in database else "sqlite"
    return (
        f"cluster: store={store} processes={processes} updates={residents * per_resident} "
        f"rate={residents * per_resident / elapsed:.0f}/s "
        f"p50_ms={percentile(latencies, 50) * 1000:.0f} "
        f"p99_ms={percentile(latencies, 99) * 1000:.0f}"
    )


async def broadcast(url: str, recipients: int, rate: float) -> str:
    ids = list(range(200_001, 200_001 + recipients))
    store = await PostgresStore.open(url, min_size=1, max_size=2)
    try:
        await add_residents(store, SystemClock().now(), ids)
        await seed_broadcast(store, ids)
    finally:
        await store.close()
    async with FakeTelegramServer(token=TOKEN, bot_username="bench_bot") as tg:
        for chat_id in ids:
            tg.user(chat_id, known=True)
        async with bots(tg, {"DATABASE_URL": url}, 2, rate):
            async with asyncio.timeout(recipients / rate * 3 + 60):
                while sum(1 for c in ids if tg.delivered_count(c)) < recipients:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        wanted = set(ids)
        times = sorted(at for at, chat_id, _, _ in tg.delivery_log if chat_id in wanted)
        lost = sum(1 for c in ids if not tg.delivered_count(c))
        duplicated = sum(max(tg.delivered_count(c) - 1, 0) for c in ids)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    return (
        f"cluster: broadcast processes=2 recipients={recipients} ceiling={rate:.0f}/s "
        f"rate={achieved:.1f}/s ratio={achieved / rate:.3f} lost={lost} duplicated={duplicated}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--updates", type=int, default=1500, help="updates per configuration")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="the broadcast's ceiling")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    server = PgCluster(require_postgres())
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = {"DATABASE_PATH": str(Path(tmp) / "bench.db")}
            print(await intake(sqlite, 1, args.residents, args.updates), flush=True)
        for processes in (1, 2):
            url = await server.new_database()
            pg = {"DATABASE_URL": url}
            print(await intake(pg, processes, args.residents, args.updates), flush=True)
        print(await broadcast(await server.new_database(), args.recipients, args.rate))
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())

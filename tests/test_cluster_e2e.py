"""Two real ``python -m bot run`` processes on one PostgreSQL against the fake Telegram server.

A 2,000-person notice is delivered once each at no more than the configured rate overall (one
sender holds the token's lease; the other stands by and polls nothing); the sender's process is
SIGKILLed mid-broadcast and the other takes the lease over and finishes. Real time, short
intervals; every wait is on a condition.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bot.clock import SystemClock
from bot.fakes.telegram import FakeTelegramServer
from bot.outbox.queue import Status
from storage.postgres.store import PostgresStore
from tests.conftest import ROOT, TOKEN
from tests.outbox_helpers import add_residents
from tests.test_outbox_kill import bot_log, seed_broadcast

RECIPIENTS = 2000
RATE = 250.0
LEASE_INTERVAL = 0.3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_bot(
    tg: FakeTelegramServer, url: str, port: int, log: Path
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUTBOX_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=tg.base_url,
        TELEGRAM_FILE_BASE_URL=tg.file_base_url,
        DATABASE_URL=url,
        WARD_CONFIG=str(ROOT / "ward.example.toml"),
        WEB_PORT=str(port),
        LOG_LEVEL="WARNING",
        OUTBOX_GLOBAL_RATE=str(RATE),
        OUTBOX_MAX_IN_FLIGHT="20",
        OUTBOX_POLL_INTERVAL="0.1",
        OUTBOX_BACKOFF_BASE="0.05",
        OUTBOX_BACKOFF_CAP="0.5",
        LEASE_INTERVAL=str(LEASE_INTERVAL),
    )
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=log.parent, env=env, stdout=err, stderr=err
        )


def health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return dict(json.loads(answer.read()))
    except OSError:
        return None


async def until(check: Callable[[], bool], within: float, what: str, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; logs:\n{bot_log(log)}")
        await asyncio.sleep(0.02)


async def outbox_counts(url: str, broadcast_id: int) -> dict[Status, int]:
    store = await PostgresStore.open(url, min_size=1, max_size=1)
    try:
        async with store.read() as uow:
            return await uow.outbox.counts(broadcast_id)
    finally:
        await store.close()


def most_in_one_second(times: list[float]) -> int:
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_two_processes_deliver_a_notice_once_each_and_survive_a_sigkill(
    tg: FakeTelegramServer, pg_url: str, tmp_path: Path
) -> None:
    ids = list(range(70_001, 70_001 + RECIPIENTS))
    for chat_id in ids:
        tg.user(chat_id, known=True)
    store = await PostgresStore.open(pg_url, min_size=1, max_size=2)
    try:
        await add_residents(store, SystemClock().now(), ids)
        broadcast_id = await seed_broadcast(store, ids)
    finally:
        await store.close()
    ports = [free_port(), free_port()]
    log = tmp_path / "bots.log"
    first = await start_bot(tg, pg_url, ports[0], log)
    await until(lambda: health(ports[0]) is not None, 60, "the first process up", log)
    second = await start_bot(tg, pg_url, ports[1], log)
    processes = {ports[0]: first, ports[1]: second}

    def states() -> list[dict[str, object] | None]:
        return [health(port) for port in ports]

    await until(lambda: all(states()), 60, "both /healthz", log)
    seen = [json.dumps(s) for s in states()]
    holders = {str(dict(s["channels"])["telegram"]["sender_lock_holder"]) for s in states()}  # type: ignore[index]
    assert holders == {f"{socket.gethostname()}:{first.pid}"}, seen
    here = [dict(s["channels"])["telegram"]["sender_here"] for s in states()]  # type: ignore[index]
    assert here == ["yes", "standby"], seen

    def delivered() -> int:
        return sum(1 for chat_id in ids if tg.delivered_count(chat_id))

    try:
        await until(lambda: delivered() >= RECIPIENTS // 3, 60, "a third delivered", log)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        at_kill = await outbox_counts(pg_url, broadcast_id)
        in_flight = at_kill.get(Status.SENDING, 0)
        assert at_kill.get(Status.SENT, 0) < RECIPIENTS
        await until(lambda: delivered() == RECIPIENTS, 90, "everyone delivered", log)
        for _ in range(500):
            if await outbox_counts(pg_url, broadcast_id) == {Status.SENT: RECIPIENTS}:
                break
            await asyncio.sleep(0.02)
        after = health(ports[1])
        assert after is not None
        assert dict(after["channels"])["telegram"]["sender_here"] == "yes"  # type: ignore[index]
    finally:
        for process in processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
    assert second.returncode == 0, bot_log(log)
    assert await outbox_counts(pg_url, broadcast_id) == {Status.SENT: RECIPIENTS}
    duplicates = sum(tg.delivered_count(chat_id) - 1 for chat_id in ids)
    assert duplicates <= in_flight, (duplicates, in_flight)  # only a row in flight at the kill
    sends = sorted(at for at, chat_id, _, method in tg.delivery_log if chat_id in set(ids))
    assert most_in_one_second(sends) <= RATE * 1.1  # evenly spaced slots, one sender at a time

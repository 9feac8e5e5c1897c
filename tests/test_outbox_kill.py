"""SIGKILL in the middle of a broadcast: the real ``python -m bot run`` process is killed while
sending, then restarted. Everyone ends with the notice; a duplicate is only possible for a row
that was in flight at the kill."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from bot.clock import SystemClock
from bot.fakes.telegram import FakeTelegramServer
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    Content,
    Notification,
    Priority,
    Status,
)
from bot.usecases.broadcast import NOTICE_EVENT
from messages import render
from storage.sqlite import SqliteStore
from tests.conftest import ROOT, SECRETARY_ID, TOKEN
from tests.outbox_helpers import add_residents

RECIPIENTS = 300
LATENCY = 0.02


def slow_down_sends(tg: FakeTelegramServer, seconds: float) -> None:
    """Telegram answers in tens of milliseconds, so several requests are in flight at a kill.

    The fake server has no latency knob yet; this wraps its sendMessage handler.
    """
    methods: dict[str, tuple[str, Callable[[Any], Awaitable[Any]]]] = getattr(tg, "_methods", {})
    if "sendmessage" not in methods:
        return
    name, handler = methods["sendmessage"]

    async def slow(params: Any) -> Any:
        await asyncio.sleep(seconds)
        return await handler(params)

    methods["sendmessage"] = (name, slow)


async def seed(db: Path, ids: list[int]) -> int:
    store = await SqliteStore.open(db)
    try:
        now = SystemClock().now()
        await add_residents(store, now, ids)
        text = render(NOTICE_EVENT, ward_name="Phường Thành Đông", body=Markup("Cắt điện 8h–11h"))
        async with store.transaction() as uow:
            broadcast_id = await uow.broadcasts.add(
                Broadcast(
                    created_by=SECRETARY_ID,
                    created_at=now,
                    audience=Audience(AudienceKind.WARD),
                    body="Cắt điện 8h–11h",
                    recipients=len(ids),
                )
            )
            await uow.outbox.add_many(
                [
                    Notification(
                        NOTICE_EVENT,
                        chat_id,
                        "telegram",
                        str(chat_id),
                        f"broadcast:{broadcast_id}:{chat_id}",
                        Content(text),
                        Priority.MASS,
                        broadcast_id,
                    )
                    for chat_id in ids
                ],
                now=now,
            )
        return broadcast_id
    finally:
        await store.close()


async def counts(db: Path, broadcast_id: int) -> dict[Status, int]:
    store = await SqliteStore.open(db)
    try:
        async with store.read() as uow:
            return await uow.outbox.counts(broadcast_id)
    finally:
        await store.close()


async def start_bot(tg: FakeTelegramServer, db: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUTBOX_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=tg.base_url,
        TELEGRAM_FILE_BASE_URL=tg.file_base_url,
        DATABASE_PATH=str(db),
        WARD_CONFIG=str(ROOT / "ward.example.toml"),
        LOG_LEVEL="WARNING",
        OUTBOX_GLOBAL_RATE="150",
        OUTBOX_POLL_INTERVAL="0.1",
        OUTBOX_BACKOFF_BASE="0.05",
        OUTBOX_BACKOFF_CAP="0.5",
    )
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=db.parent,
            env=env,
            stdout=err,
            stderr=err,
        )


def bot_log(log: Path) -> str:
    return log.read_text(errors="replace")


async def until(check: Callable[[], bool], within: float, what: str, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; bot log:\n{bot_log(log)}")
        await asyncio.sleep(0.02)


async def test_sigkill_mid_broadcast_then_restart_delivers_to_everyone(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    ids = list(range(50_001, 50_001 + RECIPIENTS))
    for chat_id in ids:
        tg.user(chat_id, known=True)
    tg.set_rate_limits(global_per_second=200, per_chat_per_second=1)
    slow_down_sends(tg, LATENCY)
    db, log = tmp_path / "bot.db", tmp_path / "bot.log"
    broadcast_id = await seed(db, ids)

    def delivered() -> int:
        return sum(1 for chat_id in ids if tg.delivered_count(chat_id))

    first = await start_bot(tg, db, log)
    try:
        await until(lambda: delivered() >= RECIPIENTS // 3, 30, "a third delivered", log)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    at_kill = await counts(db, broadcast_id)
    in_flight = at_kill.get(Status.SENDING, 0)
    assert at_kill.get(Status.SENT, 0) < RECIPIENTS

    second = await start_bot(tg, db, log)
    try:
        await until(lambda: delivered() == RECIPIENTS, 30, "everyone delivered", log)
        for _ in range(500):
            if (await counts(db, broadcast_id)) == {Status.SENT: RECIPIENTS}:
                break
            await asyncio.sleep(0.02)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 20) == 0, bot_log(log)
    assert await counts(db, broadcast_id) == {Status.SENT: RECIPIENTS}
    duplicates = sum(tg.delivered_count(chat_id) - 1 for chat_id in ids)
    assert duplicates <= in_flight, (duplicates, in_flight)

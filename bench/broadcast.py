"""Broadcast throughput: the outbox worker vs a naive loop over python-telegram-bot's
AIORateLimiter, each against its own fake Telegram server configured like Telegram.

Server: 30 messages/s overall and 1/s per chat (token buckets, 429 with retry_after when
exceeded), 0.5% of sends answered 429 retry_after=1 at random, 2% of the recipients have blocked
the bot. While each broadcast runs, a personal message to a staff member is sent every second;
its latency is measured from queueing (outbox: the commit; baseline: the call) to delivery.

``rate`` counts every message delivered between the start of the broadcast and its last
delivery (the notices and the personal messages; progress edits are not counted though they
use the same quota), divided by that time. Prints one line per implementation:
``broadcast: impl=outbox recipients=5000 rate=…/s ceiling=30/s ratio=… lost=0 dup=0
blocked_found=…/… personal_p99_s=…`` and the same with ``impl=baseline``.

Run: ``.venv/bin/python bench/broadcast.py [--recipients 5000]`` (about 3 minutes per impl).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.error import Forbidden, TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.channels.telegram.aiohttp_request import AiohttpRequest  # noqa: E402
from bot.channels.telegram.sender import TelegramSender  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.domain.addresses import MessageRef  # noqa: E402
from bot.domain.people import Consent, Resident  # noqa: E402
from bot.domain.ports import Store  # noqa: E402
from bot.domain.ward import WardConfig, load_ward_config  # noqa: E402
from bot.fakes.telegram import FakeTelegramServer  # noqa: E402
from bot.outbox.queue import Status, enqueue  # noqa: E402
from bot.outbox.sending import DeliveryConfig  # noqa: E402
from bot.outbox.worker import DeliveryWorker  # noqa: E402
from bot.usecases import staff as staff_uc  # noqa: E402
from bot.usecases.accounts import ensure_person  # noqa: E402
from bot.usecases.broadcast import Broadcasts, Outcome, progress_view  # noqa: E402
from bot.usecases.common import Services  # noqa: E402
from storage.factory import open_store  # noqa: E402

TOKEN = "123456:BENCH"
SECRETARY = 900002
FIRST_RESIDENT = 1_000_001
PERSONAL_CHATS = [800_001 + i for i in range(10)]
BLOCKED_SHARE = 0.02
FLOOD_PROBABILITY = 0.005
BODY = "Lịch tiêm chủng mở rộng tháng 12: sáng thứ Bảy tại Trạm y tế phường. Mang theo sổ tiêm."


@dataclass
class Figures:
    """What one implementation achieved."""

    impl: str
    recipients: int
    rate: float
    ceiling: float
    lost: int
    dup: int
    blocked_found: int
    blocked: int
    personal: list[float] = field(default_factory=list)

    def line(self) -> str:
        p99 = percentile(self.personal, 0.99)
        return (
            f"broadcast: impl={self.impl} recipients={self.recipients} rate={self.rate:.2f}/s"
            f" ceiling={self.ceiling:g}/s ratio={self.rate / self.ceiling:.3f} lost={self.lost}"
            f" dup={self.dup} blocked_found={self.blocked_found}/{self.blocked}"
            f" personal_p99_s={p99:.2f}"
        )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def telegram_like(
    rate: float, recipients: list[int], blocked: set[int], seed: int
) -> FakeTelegramServer:
    tg = FakeTelegramServer(token=TOKEN)
    tg.set_rate_limits(global_per_second=rate, per_chat_per_second=1)
    tg.inject(
        method="sendMessage", status=429, retry_after=1, probability=FLOOD_PROBABILITY, seed=seed
    )
    for chat_id in [SECRETARY, *PERSONAL_CHATS, *recipients]:
        tg.user(chat_id, known=True)
    for chat_id in blocked:
        tg.block(chat_id)
    return tg


def deliveries(tg: FakeTelegramServer, chats: set[int], since: float) -> list[tuple[float, int]]:
    return [
        (t, chat)
        for t, chat, _, method in tg.delivery_log
        if method == "sendMessage" and chat in chats and t >= since
    ]


def personal_latencies(tg: FakeTelegramServer, sent: list[tuple[float, int]]) -> list[float]:
    """For each personal message (queued at, chat), the first delivery to that chat after it."""
    latencies = []
    log = deliveries(tg, set(PERSONAL_CHATS), 0.0)
    for queued, chat in sent:
        after = [t for t, c in log if c == chat and t >= queued]
        latencies.append(min(after) - queued if after else float("inf"))
    return latencies


def score(
    impl: str,
    tg: FakeTelegramServer,
    recipients: list[int],
    blocked: set[int],
    blocked_found: int,
    started: float,
    personal: list[tuple[float, int]],
    ceiling: float,
) -> Figures:
    audience = set(recipients)
    notices = deliveries(tg, audience, started)
    end = max(t for t, _ in notices)
    personal_delivered = [t for t, _ in deliveries(tg, set(PERSONAL_CHATS), started) if t <= end]
    counts = [tg.delivered_count(chat) for chat in recipients]
    lost = sum(
        1 for chat, n in zip(recipients, counts, strict=True) if n == 0 and chat not in blocked
    )
    return Figures(
        impl=impl,
        recipients=len(recipients),
        rate=(len(notices) + len(personal_delivered)) / (end - started),
        ceiling=ceiling,
        lost=lost,
        dup=sum(max(0, n - 1) for n in counts),
        blocked_found=blocked_found,
        blocked=len(blocked),
        personal=personal_latencies(tg, personal),
    )


async def every_second(until: Callable[[], bool], action: Callable[[int], Awaitable[None]]) -> None:
    i = 0
    while not until():
        await action(PERSONAL_CHATS[i % len(PERSONAL_CHATS)])
        i += 1
        await asyncio.sleep(1.0)


async def add_residents(store: Store, ward: WardConfig, ids: list[int]) -> None:
    now = SystemClock().now()
    async with store.transaction() as uow:
        for n, chat_id in enumerate(ids):
            await ensure_person(uow, "telegram", str(chat_id), now, inbound=False)
            await uow.residents.save(
                Resident(
                    person_id=chat_id,
                    consent=Consent.GIVEN,
                    consent_at=now,
                    full_name=f"Cư dân {n}",
                    group_code=ward.groups[n % len(ward.groups)].code,
                    onboarded_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )


async def run_outbox(
    recipients: list[int], blocked: set[int], rate: float, seed: int, database_url: str | None
) -> Figures:
    ward = load_ward_config(ROOT / "ward.example.toml")
    async with telegram_like(rate, recipients, blocked, seed) as tg:
        with tempfile.TemporaryDirectory() as folder:
            store = await open_store(database_url, Path(folder) / "bench.db")
            clock = SystemClock()
            services = Services.for_ward(store, clock, ward)
            await staff_uc.sync_from_config(services)
            await add_residents(store, ward, recipients)
            async with store.transaction() as uow:
                # The personal messages go to staff chats: people with a Telegram account.
                for chat_id in PERSONAL_CHATS:
                    await ensure_person(uow, "telegram", str(chat_id), clock.now(), inbound=False)
            bot = Bot(TOKEN, base_url=tg.base_url, request=AiohttpRequest(connection_pool_size=16))
            await bot.initialize()
            worker = DeliveryWorker(
                store,
                clock,
                TelegramSender(bot),
                DeliveryConfig(global_rate=rate),
                progress_view=progress_view(ward),
            )
            await worker.start()
            try:
                progress = await bot.send_message(SECRETARY, "…")
                broadcasts = Broadcasts(services)
                await broadcasts.begin(SECRETARY)
                await broadcasts.set_content(SECRETARY, BODY)
                await broadcasts.choose_audience(SECRETARY, "ward")
                started = time.monotonic()
                result = await broadcasts.confirm(
                    SECRETARY,
                    progress=MessageRef("telegram", str(SECRETARY), str(progress.message_id)),
                )
                assert result.outcome is Outcome.STARTED and result.broadcast is not None
                broadcast_id = result.broadcast.id or 0
                personal: list[tuple[float, int]] = []
                done = False

                async def queue_personal(chat_id: int) -> None:
                    async with store.transaction() as uow:
                        await enqueue(
                            uow,
                            now=clock.now(),
                            event="notices_status",
                            person_id=chat_id,
                            key=f"personal:{len(personal)}",
                            context={"notices_off": False},
                        )
                    personal.append((time.monotonic(), chat_id))

                pinger = asyncio.create_task(every_second(lambda: done, queue_personal))
                while True:
                    async with store.read() as uow:
                        counts = await uow.outbox.counts(broadcast_id)
                    if not counts.get(Status.PENDING) and not counts.get(Status.SENDING):
                        break
                    await asyncio.sleep(0.5)
                done = True
                await pinger
                await asyncio.sleep(3)
            finally:
                await worker.stop()
                await bot.shutdown()
                await store.close()
        return score(
            "outbox",
            tg,
            recipients,
            blocked,
            counts.get(Status.BLOCKED, 0),
            started,
            personal,
            rate,
        )


async def run_baseline(recipients: list[int], blocked: set[int], rate: float, seed: int) -> Figures:
    async with telegram_like(rate, recipients, blocked, seed) as tg:
        bot = ExtBot(
            TOKEN,
            base_url=tg.base_url,
            request=HTTPXRequest(connection_pool_size=8),
            rate_limiter=AIORateLimiter(
                overall_max_rate=rate, overall_time_period=1, max_retries=5
            ),
        )
        await bot.initialize()
        personal: list[tuple[float, int]] = []
        found = 0
        done = False

        personal_sends: list[asyncio.Task[object]] = []

        async def send_personal(chat_id: int) -> None:
            personal.append((time.monotonic(), chat_id))
            personal_sends.append(
                asyncio.create_task(bot.send_message(chat_id, "Tin riêng cho cán bộ"))
            )

        try:
            pinger = asyncio.create_task(every_second(lambda: done, send_personal))
            started = time.monotonic()
            for chat_id in recipients:
                try:
                    await bot.send_message(
                        chat_id, f"📣 <b>Thông báo</b>\n\n{BODY}", parse_mode=ParseMode.HTML
                    )
                except Forbidden:
                    found += 1
                except TelegramError as exc:
                    logging.getLogger("bench").warning("lost %s: %s", chat_id, exc)
            done = True
            await pinger
            await asyncio.gather(*personal_sends, return_exceptions=True)
            await asyncio.sleep(3)
        finally:
            await bot.shutdown()
        return score("baseline", tg, recipients, blocked, found, started, personal, rate)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=30.0, help="Telegram's overall limit")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or None,
        help="an empty PostgreSQL database (default: DATABASE_URL, else a temporary SQLite file)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    rng = random.Random(args.seed)
    recipients = [FIRST_RESIDENT + i for i in range(args.recipients)]
    blocked = set(rng.sample(recipients, round(args.recipients * BLOCKED_SHARE)))
    outbox = await run_outbox(recipients, blocked, args.rate, args.seed, args.database_url)
    baseline = await run_baseline(recipients, blocked, args.rate, args.seed)
    print(outbox.line())
    print(baseline.line())


if __name__ == "__main__":
    asyncio.run(main())

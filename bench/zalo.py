"""The Zalo channel's speed: webhook intake against a minimal receiver, and a mass notice's pacing.

Intake (``zalo_intake``): the real bot (``python -m bot run``, Zalo only) and the cheapest
correct Zalo bot (``bench/zalo_echo.py``: the same signature check, one ``message/cs`` text send
per event) each run in their own process, as in production; the fake Zalo OA server and N
simulated residents run in this one. Residents (onboarded on Zalo before the clock starts) type
and press buttons as fast as the bot answers: ``/menu``, the «📅 Lịch đối thoại» button,
``/thongbao`` and free text, each answered with one message (``/hoso`` is left out: on Zalo its
six buttons take two messages). Latency is from posting the signed event to the answer reaching
the fake. The fake's per-minute call limit is off here: it would cap both bots alike and hide
what the bot costs. Runs are interleaved (bot, baseline, … ``--rounds`` of each, the events
split between them) and each round's ratio is taken against the baseline run right after it,
as in bench/intake.py: ``zalo_intake: users=50 events=… rounds=… rate=…/s baseline_rate=…/s
ratio=… ratio_min=… ratio_max=… p50_ms=… p99_ms=… baseline_p99_ms=…`` (medians over the
rounds; each round's figures go to stderr as it ends, with the CPU each event cost the bot's
process and this one, the fake server and residents: ``harness_cpu…=bot/baseline``).

Notice (``zalo_notice``): one ``python -m bot run`` with both channels; 5,000 residents on Zalo
and 500 on Telegram are seeded into its database, and the ward secretary's mass notice to the
whole ward is confirmed through the broadcast use cases while it runs. The fake Zalo server
refuses calls past ``--zalo-limit`` per minute (Zalo's -32), a little above the bot's
``ZALO_RATE_PER_MINUTE``; the fake Telegram server allows 30/s overall and 1/s per chat. This one
is a pacing goal, so its baseline is the configured rate itself: ``rate`` is the Zalo deliveries
per minute between the first and the last, ``ratio`` that over ``ZALO_RATE_PER_MINUTE``, and
Telegram's rate is over its own first-to-last span against its 30/s ceiling. ``lost`` and
``dup`` count recipients with no copy and extra copies, per channel; ``*_done_s`` say when each
channel's last copy arrived after the confirmation, showing Telegram finishing at its own pace
while Zalo is still sending: ``zalo_notice: recipients=5000 rate=…/min configured=…/min ratio=…
lost=0 dup=0 start_s=… zalo_done_s=… telegram_recipients=500 telegram_rate=…/s
telegram_ratio=… telegram_lost=0 telegram_dup=0 telegram_done_s=…``.

Run: ``python bench/zalo.py`` (about 2–3 minutes; ``--part intake`` or ``--part notice`` for one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.domain.people import Consent, Resident  # noqa: E402
from bot.domain.ward import WardConfig, load_ward_config  # noqa: E402
from bot.fakes.telegram import FakeTelegramServer  # noqa: E402
from bot.fakes.zalo import FakeZaloServer, ZaloUser  # noqa: E402
from bot.outbox.queue import Status  # noqa: E402
from bot.usecases import staff as staff_uc  # noqa: E402
from bot.usecases.accounts import ensure_person  # noqa: E402
from bot.usecases.broadcast import Broadcasts, Outcome  # noqa: E402
from bot.usecases.common import Services  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

TOKEN = "123456:BENCH"
SECRETARY = 900002
FIRST_ZALO = 7_000_000_000_000_000_001
FIRST_TELEGRAM = 2_000_001
WARD_CONFIG = ROOT / "ward.example.toml"
BOT = [sys.executable, "-m", "bot", "run"]
BASELINE = [sys.executable, str(ROOT / "bench" / "zalo_echo.py")]
BODY = "Lịch tiêm chủng mở rộng tháng 12: sáng thứ Bảy tại Trạm y tế phường. Mang theo sổ tiêm."
TIMEOUT = 30.0


# ----- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def zalo_env(zalo: FakeZaloServer, db: Path, port: int, rate_per_minute: float) -> dict[str, str]:
    """The environment ``python -m bot run`` reads, pointed at the fake; no Telegram."""
    pair = zalo.issue_tokens()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    return {
        **env,
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_OA_SECRET_KEY": zalo.oa_secret_key,
        "ZALO_OA_ACCESS_TOKEN": str(pair["access_token"]),
        "ZALO_OA_REFRESH_TOKEN": str(pair["refresh_token"]),
        "ZALO_API_BASE_URL": zalo.api_base_url,
        "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
        "ZALO_ZNS_BASE_URL": zalo.zns_base_url,
        "ZALO_RATE_PER_MINUTE": f"{rate_per_minute:g}",
        "DATABASE_PATH": str(db),
        "WARD_CONFIG": str(WARD_CONFIG),
        "LOG_LEVEL": "WARNING",
        "WEB_LISTEN": "127.0.0.1",
        "WEB_PORT": str(port),
    }


@asynccontextmanager
async def serving(
    command: list[str], env: dict[str, str], zalo: FakeZaloServer
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a bot in its own process until its ``/healthz`` answers; point the webhook at it."""
    url = f"http://127.0.0.1:{env['WEB_PORT']}"
    process = await asyncio.create_subprocess_exec(*command, env=env, cwd=ROOT)
    try:
        async with asyncio.timeout(60), aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"{command} ended with {process.returncode}")
                try:
                    async with http.get(url + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        zalo.set_webhook(url + "/zalo/webhook")
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# ----- intake ------------------------------------------------------------------------------


async def answered(user: ZaloUser, action: Awaitable[object], expect: int = 1) -> None:
    """Do ``action`` and wait for exactly ``expect`` answers, with no quiet period after."""
    user.mark()
    await action
    await user.wait(expect=expect, timeout=TIMEOUT, quiet=0)


async def onboard(user: ZaloUser) -> None:
    """Follow, consent, the Zalo name, a group, the phone by Zalo's form: before the clock."""
    await answered(user, user.follow(), 2)
    await answered(user, user.press("✅ Đồng ý"))
    await answered(user, user.press(f"👤 Dùng tên: {user.display_name}"))
    await answered(user, user.press("Tổ dân phố Chí Linh 1"), 2)
    await answered(user, user.submit_info(), 2)


async def resident_session(user: ZaloUser, events: int, latencies: list[float]) -> None:
    """Cycle through single-answer actions of an onboarded resident, timing each."""
    actions = ("/menu", "press", "/thongbao", "xin chào")
    for i in range(events):
        action = actions[i % len(actions)]
        started = time.perf_counter()
        if action == "press":
            await answered(user, user.press("📅 Lịch đối thoại"))
        else:
            await answered(user, user.send_text(action))
        latencies.append(time.perf_counter() - started)


async def baseline_session(user: ZaloUser, events: int, latencies: list[float]) -> None:
    for i in range(events):
        started = time.perf_counter()
        await answered(user, user.send_text(f"tin nhắn {i}"))
        latencies.append(time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class Run:
    """One receiver's figures for one round."""

    rate: float
    p50: float
    p99: float
    cpu_per_event_ms: float
    harness_cpu_per_event_ms: float


async def measure(
    command: list[str],
    session: Callable[[ZaloUser, int, list[float]], Awaitable[None]],
    users: int,
    per_user: int,
    prepare: Callable[[ZaloUser], Awaitable[None]] | None = None,
) -> Run:
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeZaloServer(calls_per_minute=None, request_log_size=100) as zalo:
            env = zalo_env(zalo, Path(tmp) / "bench.db", free_port(), 4000)
            async with serving(command, env, zalo) as process:
                people = [zalo.user(display_name=f"Cư Dân {i}") for i in range(users)]
                if prepare is not None:
                    await asyncio.gather(*(prepare(p) for p in people))
                started = time.perf_counter()
                cpu_before = process_cpu(process.pid)
                harness_before = time.process_time()
                await asyncio.gather(*(session(p, per_user, latencies) for p in people))
                elapsed = time.perf_counter() - started
                cpu = process_cpu(process.pid) - cpu_before
                harness = time.process_time() - harness_before
                refused = [d for p in people for d in p.deliveries if not d.ok]
                if refused:
                    raise RuntimeError(f"{len(refused)} webhook posts failed: {refused[0]}")
    events = users * per_user
    return Run(
        rate=events / elapsed,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
        cpu_per_event_ms=cpu / events * 1000,
        harness_cpu_per_event_ms=harness / events * 1000,
    )


async def intake(users: int, events: int, rounds: int) -> str:
    per_user = max(4, events // (users * rounds))
    bots: list[Run] = []
    baselines: list[Run] = []
    for index in range(1, rounds + 1):
        bot = await measure(BOT, resident_session, users, per_user, prepare=onboard)
        baseline = await measure(BASELINE, baseline_session, users, per_user)
        bots.append(bot)
        baselines.append(baseline)
        print(
            f"  round {index}/{rounds}: rate={bot.rate:.0f}/s baseline_rate={baseline.rate:.0f}/s "
            f"ratio={bot.rate / baseline.rate:.2f} p99_ms={bot.p99 * 1000:.0f} "
            f"baseline_p99_ms={baseline.p99 * 1000:.0f} "
            f"cpu_ms_per_event={bot.cpu_per_event_ms:.2f} "
            f"baseline_cpu_ms_per_event={baseline.cpu_per_event_ms:.2f} "
            f"harness_cpu_ms_per_event={bot.harness_cpu_per_event_ms:.2f}/"
            f"{baseline.harness_cpu_per_event_ms:.2f}",
            file=sys.stderr,
            flush=True,
        )
    ratios = [b.rate / e.rate for b, e in zip(bots, baselines, strict=True)]
    median = statistics.median
    return (
        f"zalo_intake: users={users} events={users * per_user * rounds} rounds={rounds} "
        f"rate={median(b.rate for b in bots):.0f}/s "
        f"baseline_rate={median(e.rate for e in baselines):.0f}/s ratio={median(ratios):.2f} "
        f"ratio_min={min(ratios):.2f} ratio_max={max(ratios):.2f} "
        f"p50_ms={median(b.p50 for b in bots) * 1000:.0f} "
        f"p99_ms={median(b.p99 for b in bots) * 1000:.0f} "
        f"baseline_p99_ms={median(e.p99 for e in baselines) * 1000:.0f}"
    )


# ----- notice ------------------------------------------------------------------------------


async def seed_residents(
    store: SqliteStore, ward: WardConfig, accounts: list[tuple[str, str]]
) -> None:
    """Onboarded residents, each with one account; a Zalo one wrote lately (7-day window)."""
    now = SystemClock().now()
    async with store.transaction() as uow:
        for n, (channel, external_id) in enumerate(accounts):
            person_id = await ensure_person(
                uow, channel, external_id, now, inbound=channel == "zalo"
            )
            await uow.residents.save(
                Resident(
                    person_id=person_id,
                    consent=Consent.GIVEN,
                    consent_at=now,
                    full_name=f"Cư dân {n}",
                    group_code=ward.groups[n % len(ward.groups)].code,
                    onboarded_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )


def counted(received: Counter[str], audience: list[str]) -> tuple[int, int]:
    """(lost, duplicated) over the audience."""
    lost = sum(1 for who in audience if received[who] == 0)
    return lost, sum(max(0, received[who] - 1) for who in audience)


def span_rate(times: list[float]) -> float:
    """Deliveries per second between the first and the last."""
    if len(times) < 2 or times[-1] <= times[0]:
        return float("nan")
    return (len(times) - 1) / (times[-1] - times[0])


async def notice(
    recipients: int, telegram_recipients: int, rate_per_minute: float, zalo_limit: int
) -> str:
    ward = load_ward_config(WARD_CONFIG)
    zalo_ids = [str(FIRST_ZALO + i) for i in range(recipients)]
    telegram_ids = [FIRST_TELEGRAM + i for i in range(telegram_recipients)]
    async with (
        FakeZaloServer(calls_per_minute=zalo_limit, request_log_size=100) as zalo,
        FakeTelegramServer(token=TOKEN) as tg,
    ):
        tg.set_rate_limits(global_per_second=30, per_chat_per_second=1)
        for chat_id in [SECRETARY, *telegram_ids]:
            tg.user(chat_id, known=True)
        for zalo_id in zalo_ids:
            zalo.user(zalo_id, display_name="Cư Dân").last_interaction = zalo.now()
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "notice.db"
            store = await SqliteStore.open(db)
            try:
                services = Services.for_ward(store, SystemClock(), ward)
                await staff_uc.sync_from_config(services)
                accounts = [("zalo", z) for z in zalo_ids]
                accounts += [("telegram", str(t)) for t in telegram_ids]
                await seed_residents(store, ward, accounts)
                env = zalo_env(zalo, db, free_port(), rate_per_minute)
                env |= {
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_BASE_URL": tg.base_url,
                    "TELEGRAM_FILE_BASE_URL": tg.file_base_url,
                }
                async with serving(BOT, env, zalo):
                    broadcasts = Broadcasts(services)
                    await broadcasts.begin(SECRETARY)
                    await broadcasts.set_content(SECRETARY, BODY)
                    await broadcasts.choose_audience(SECRETARY, "ward")
                    confirmed_wall, confirmed_mono = time.time(), time.monotonic()
                    result = await broadcasts.confirm(SECRETARY, progress=None)
                    if result.outcome is not Outcome.STARTED or result.broadcast is None:
                        raise RuntimeError(f"the notice did not start: {result.outcome}")
                    broadcast_id = result.broadcast.id or 0
                    async with asyncio.timeout(recipients / rate_per_minute * 60 * 3 + 120):
                        while True:
                            async with store.read() as uow:
                                counts = await uow.outbox.counts(broadcast_id)
                            if not counts.get(Status.PENDING) and not counts.get(Status.SENDING):
                                break
                            await asyncio.sleep(0.5)
                    await asyncio.sleep(2)  # a late duplicate would show up here
            finally:
                await store.close()
        audience = set(zalo_ids)
        zalo_sent = [m for m in zalo.sent_messages if m.user_id in audience]
        zalo_times = sorted(m.sent_at for m in zalo_sent)
        chats = set(telegram_ids)
        tg_times = sorted(
            t for t, chat, _, method in tg.delivery_log if method == "sendMessage" and chat in chats
        )
        lost, dup = counted(Counter(m.user_id for m in zalo_sent), zalo_ids)
        tg_lost, tg_dup = counted(
            Counter(str(chat) for chat in telegram_ids for _ in range(tg.delivered_count(chat))),
            [str(chat) for chat in telegram_ids],
        )
    rate = span_rate(zalo_times) * 60
    tg_rate = span_rate(tg_times)
    return (
        f"zalo_notice: recipients={recipients} rate={rate:.0f}/min "
        f"configured={rate_per_minute:g}/min ratio={rate / rate_per_minute:.3f} "
        f"lost={lost} dup={dup} start_s={zalo_times[0] - confirmed_wall:.2f} "
        f"zalo_done_s={zalo_times[-1] - confirmed_wall:.1f} "
        f"telegram_recipients={telegram_recipients} telegram_rate={tg_rate:.2f}/s "
        f"telegram_ratio={tg_rate / 30:.3f} telegram_lost={tg_lost} telegram_dup={tg_dup} "
        f"telegram_done_s={tg_times[-1] - confirmed_mono:.1f} zalo_limit={zalo_limit}/min "
        f"rate_limited={sum(1 for _, code, _ in zalo.errors if code == -32)}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("intake", "notice", "both"), default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--events", type=int, default=10000, help="total events per receiver")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs of each")
    parser.add_argument("--recipients", type=int, default=5000, help="Zalo recipients")
    parser.add_argument("--telegram-recipients", type=int, default=500)
    parser.add_argument("--rate-per-minute", type=float, default=6000, help="ZALO_RATE_PER_MINUTE")
    parser.add_argument("--zalo-limit", type=int, default=6300, help="the fake's calls/minute")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lines = []
    if args.part in ("intake", "both"):
        lines.append(await intake(args.users, args.events, max(1, args.rounds)))
    if args.part in ("notice", "both"):
        lines.append(
            await notice(
                args.recipients, args.telegram_recipients, args.rate_per_minute, args.zalo_limit
            )
        )
    for line in lines:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())

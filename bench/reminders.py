"""The deadline scan's cost grows with what is due, not with what is stored.

Builds two temporary SQLite databases with the real migrations — ``small`` (10,000 petitions and
10,000 deadlines) and ``large`` (1,000,000 of each) — where exactly ``due`` deadlines need a
reminder today (a few already overdue enough to be escalated); the others are open with a later
check day, or closed. Then runs the real scan (bot.usecases.reminders.Reminders.run_due: the
indexed repository query, the digests, the escalations, the real enqueue into the outbox table)
once on each and prints:
``reminders: due=1000 small=10000 large=1000000 small_ms=… large_ms=… ratio=… rss_mb=…``
(targets: ratio ≤ 2, rss_mb < 200; rss_mb is the peak resident size of the whole process).

Run: ``.venv/bin/python bench/reminders.py [--due 1000 --small 10000 --large 1000000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.domain.ward import load_ward_config  # noqa: E402
from bot.usecases import staff as staff_uc  # noqa: E402
from bot.usecases.common import Services  # noqa: E402
from bot.usecases.reminders import Reminders  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 3, 11)  # a Wednesday
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=TZ).astimezone(UTC)
OPENED = "2026-01-05T02:00:00.000000+00:00"
UNITS = ("KT", "VHXH", "VP", "MTTQ")
FIELDS = ("land", "environment", "construction", "public_order", "society")


def _petitions(total: int) -> Iterator[tuple[object, ...]]:
    for n in range(1, total + 1):
        content = f"Kiến nghị số {n} về đường ngõ và thoát nước khu dân cư"
        yield (
            f"TD-2026-{n:07d}",
            f"Người dân {n}",
            "Số 1 ngõ 12",
            900002,
            "letter",
            FIELDS[n % len(FIELDS)],
            content,
            content.lower(),
            "assigned",
            OPENED,
        )


def _deadlines(total: int, due: int) -> Iterator[tuple[object, ...]]:
    """The first ``due`` rows need a look today; of the others half are open with a later
    check day and half are closed."""
    for n in range(1, total + 1):
        unit = UNITS[n % len(UNITS)]
        if n <= due:
            overdue = n % 10 == 0
            due_on = TODAY - timedelta(days=7) if overdue else TODAY
            yield ("unit_answer", str(n), unit, due_on.isoformat(), "open", None, TODAY.isoformat())
        elif n % 2:
            due_on = TODAY + timedelta(days=30 + n % 200)
            look = due_on - timedelta(days=5)
            yield ("unit_answer", str(n), unit, due_on.isoformat(), "open", None, look.isoformat())
        else:
            due_on = TODAY - timedelta(days=n % 300)
            yield ("unit_answer", str(n), unit, due_on.isoformat(), "done", OPENED, None)


def populate(path: Path, total: int, due: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        conn.executemany(
            "INSERT INTO petitions (code, on_behalf_name, on_behalf_address, filed_by, channel,"
            " field, content, content_key, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _petitions(total),
        )
        conn.executemany(
            "INSERT INTO deadlines (kind, subject_type, subject_id, unit_code, due_on, status,"
            f" opened_at, closed_at, next_remind_on) VALUES (?, 'petition', ?, ?, ?, ?, '{OPENED}',"
            " ?, ?)",
            _deadlines(total, due),
        )
    conn.execute("ANALYZE")
    conn.close()


ROUNDS = 5  # the median of several scans, so one noisy moment does not decide the ratio


async def measure(folder: Path, total: int, due: int) -> tuple[float, int]:
    path = folder / f"bench-{total}-{due}.db"
    store = await SqliteStore.open(path)  # applies the migrations
    await store.close()
    populate(path, total, due)
    store = await SqliteStore.open(path)
    try:
        ward = load_ward_config(ROOT / "ward.example.toml")
        services = Services.for_ward(store, ManualClock(NOW), ward)
        await staff_uc.sync_from_config(services)
        timings = []
        for _ in range(ROUNDS):
            async with store.transaction() as uow:  # the due rows become due again, untimed
                await uow.conn.execute(
                    "UPDATE deadlines SET next_remind_on = ?, last_reminded_on = NULL,"
                    " escalated_on = NULL WHERE id <= ?",
                    (TODAY.isoformat(), due),
                )
                await uow.conn.execute("DELETE FROM outbox")
            started = time.perf_counter()
            result = await Reminders(services).run_due()
            timings.append((time.perf_counter() - started) * 1000)
            if result.reminded != due:
                raise SystemExit(f"expected {due} reminders, the scan made {result.reminded}")
        elapsed = statistics.median(timings)
        async with store.read() as uow:
            rows = await uow.conn.execute_fetchall("SELECT COUNT(*) FROM outbox")
        return elapsed, int(next(iter(rows))[0])
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await measure(Path(tmp), 200, 50)  # warm-up: imports, template compilation
        small_ms, small_rows = await measure(Path(tmp), args.small, args.due)
        large_ms, large_rows = await measure(Path(tmp), args.large, args.due)
    if small_rows != large_rows or small_rows == 0:
        raise SystemExit(f"outbox rows differ: small={small_rows} large={large_rows}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"reminders: due={args.due} small={args.small} large={args.large}"
        f" small_ms={small_ms:.1f} large_ms={large_ms:.1f} ratio={large_ms / small_ms:.2f}"
        f" rss_mb={rss_mb:.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())

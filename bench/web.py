"""Public web pages under load: the list (with each filter) and a petition's page with
1,000,000 petitions stored, 50 concurrent clients, against a minimal Starlette "hello" page.

The database is a temporary SQLite file seeded with executemany (a third of the petitions
assigned to a unit, one timeline event each). The bot's web app and the hello app each run in
a subprocess of their own on the project's ``WebServer`` (uvicorn, httptools, same settings),
so the clients in this process do not share their event loop. Runs alternate (app, hello, …
``--rounds`` of each). One line on stdout:
``web: petitions=… clients=50 requests=… rate=…/s p50_ms=… p95_ms=… list_p95_ms=…
petition_p95_ms=… hello_rate=…/s hello_p95_ms=… ratio=…`` (medians over the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

FIELDS = ["economy", "land", "construction", "environment", "society", "public_order", "other"]
STATUSES = ["received", "classified", "assigned", "answered", "resolved", "closed"]
UNITS = ["VP", "KT", "VH", "CA"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def seed(path: Path, petitions: int) -> None:
    """The schema by the store's own migrations, then the rows in large executemany batches."""
    from storage.sqlite import SqliteStore

    async def migrate() -> None:
        store = await SqliteStore.open(path)
        await store.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    rng = random.Random(15)
    step = timedelta(days=700) / petitions
    batch = 50_000
    for first in range(1, petitions + 1, batch):
        rows, outcomes, events = [], [], []
        for n in range(first, min(first + batch, petitions + 1)):
            created = (START + step * n).isoformat(timespec="microseconds")
            status = rng.choice(STATUSES)
            rows.append(
                (
                    n,
                    f"TD-{2025 + (n * 2 > petitions)}-{n:07d}",
                    1000 + n % 5000,
                    "web",
                    rng.choice(FIELDS),
                    f"Nội dung kiến nghị số {n}",
                    f"noi dung kien nghi so {n}",
                    status,
                    n % 3 == 0,
                    created,
                )
            )
            events.append((n, "received", created, 1000 + n % 5000, "{}"))
            if status not in ("received", "classified"):
                answered = created if status in ("answered", "resolved", "closed") else None
                outcomes.append(
                    (
                        n,
                        "assigned",
                        rng.choice(UNITS),
                        "2026-12-31",
                        answered,
                        None if answered is None else n % 4 != 0,
                        created,
                    )
                )
        conn.executemany(
            "INSERT INTO petitions (id, code, author_id, channel, field, content, content_key,"
            " status, content_public, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO petition_events (petition_id, kind, at, actor_id, details)"
            " VALUES (?, ?, ?, ?, ?)",
            events,
        )
        conn.executemany(
            "INSERT INTO petition_outcomes (petition_id, outcome, unit_code, due_on,"
            " answered_at, answered_on_time, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            outcomes,
        )
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


async def serve(kind: str, db: str, port_file: str) -> None:
    """A server subprocess: the bot's public app on the seeded database, or "hello"."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from bot.clock import SystemClock
    from bot.domain.ward import load_ward_config
    from bot.usecases.common import Services
    from bot.web.app import Health, build_web_app
    from bot.web.public import public_routes
    from bot.web.server import WebServer
    from storage.sqlite import SqliteStore

    async def healthy() -> Health:
        return Health(True, ())

    store = None
    if kind == "app":
        store = await SqliteStore.open(Path(db))
        ward = load_ward_config(ROOT / "ward.example.toml")
        units = [*ward.units, *[{"code": c, "name": c} for c in UNITS[2:]]]
        ward = ward.model_validate({**ward.model_dump(), "units": units})
        services = Services.for_ward(store, SystemClock(), ward)
        app = build_web_app([], healthy, public_routes(lambda: services))
    else:

        async def hello(request: object) -> PlainTextResponse:
            return PlainTextResponse("Xin chào")

        app = Starlette(routes=[Route("/", hello)])
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    await asyncio.to_thread(Path(port_file).write_text, str(server.port))
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
        if store is not None:
            await store.close()


def paths(petitions: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, path): the list with each filter and pages, and petitions' pages."""
    found = []
    for _ in range(2000):
        n = rng.randint(1, petitions)
        found.append(("petition", f"/y-kien/TD-{2025 + (n * 2 > petitions)}-{n:07d}"))
        query = rng.choice(
            [
                "",
                f"?linh-vuc={rng.choice(FIELDS)}",
                f"?tinh-trang={rng.choice(STATUSES)}",
                f"?don-vi={rng.choice(UNITS)}",
                f"?thang=2026-{rng.randint(1, 11):02d}",
                f"?linh-vuc={rng.choice(FIELDS)}&trang={rng.randint(2, 20)}",
            ]
        )
        found.append(("list", "/y-kien" + query))
    return found


async def load(
    base: str, targets: list[tuple[str, str]], clients: int, seconds: float
) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {}
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)

    async with aiohttp.ClientSession(connector=connector) as http:

        async def client(offset: int) -> None:
            i = offset
            while time.perf_counter() < stop:
                kind, path = targets[i % len(targets)]
                i += clients
                began = time.perf_counter()
                async with http.get(base + path) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{path}: {resp.status}")
                latencies.setdefault(kind, []).append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start(kind: str, db: Path, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = folder / f"{kind}.port"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--db", str(db), "--port-file", str(port_file)]
    )
    for _ in range(600):
        if port_file.exists() and port_file.read_text():
            return proc, f"http://127.0.0.1:{port_file.read_text()}"
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--petitions", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=["app", "hello"])
    parser.add_argument("--db")
    parser.add_argument("--port-file")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.db, args.port_file))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "web-bench.db"
        began = time.perf_counter()
        seed(db, args.petitions)
        print(f"  seeded {args.petitions} in {time.perf_counter() - began:.1f}s", file=sys.stderr)
        app, app_url = start("app", db, folder)
        hello, hello_url = start("hello", db, folder)
        targets = paths(args.petitions, random.Random(7))
        rounds: list[dict[str, float]] = []
        try:
            asyncio.run(load(app_url, targets[:200], args.clients, 1.0))  # warm the page cache
            for _ in range(args.rounds):
                got = asyncio.run(load(app_url, targets, args.clients, args.seconds))
                base = asyncio.run(load(hello_url, [("hello", "/")], args.clients, args.seconds))
                every = got["list"] + got["petition"]
                row = {
                    "requests": len(every),
                    "rate": len(every) / args.seconds,
                    "p50": p(every, 0.50),
                    "p95": p(every, 0.95),
                    "list_p95": p(got["list"], 0.95),
                    "petition_p95": p(got["petition"], 0.95),
                    "hello_rate": len(base["hello"]) / args.seconds,
                    "hello_p95": p(base["hello"], 0.95),
                }
                row["ratio"] = row["rate"] / row["hello_rate"]
                print(
                    "  round " + json.dumps({k: round(v, 2) for k, v in row.items()}),
                    file=sys.stderr,
                )
                rounds.append(row)
        finally:
            for proc in (app, hello):
                proc.terminate()
                proc.wait(10)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(
        f"web: petitions={args.petitions} clients={args.clients} requests={int(med('requests'))}"
        f" rate={med('rate'):.0f}/s p50_ms={med('p50'):.1f} p95_ms={med('p95'):.1f}"
        f" list_p95_ms={med('list_p95'):.1f} petition_p95_ms={med('petition_p95'):.1f}"
        f" hello_rate={med('hello_rate'):.0f}/s hello_p95_ms={med('hello_p95'):.1f}"
        f" ratio={med('ratio'):.3f}"
    )


if __name__ == "__main__":
    main()

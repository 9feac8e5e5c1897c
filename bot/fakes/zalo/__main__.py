"""Run the fake Zalo OA server standalone: ``python -m bot.fakes.zalo --port 8082``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .server import FakeZaloServer


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.fakes.zalo", description="Fake Zalo Official Account Open API"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--webhook", default=None, help="the bot's webhook URL")
    parser.add_argument("--calls-per-minute", type=int, default=4000)
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = FakeZaloServer(webhook_url=args.webhook, calls_per_minute=args.calls_per_minute)
    await server.start(host=args.host, port=args.port)
    print(f"Fake Zalo OA API listening on {server.url}", flush=True)
    print(f"  api_base_url   = {server.api_base_url}", flush=True)
    print(f"  oauth_base_url = {server.oauth_base_url}", flush=True)
    print(f"  zns_base_url   = {server.zns_base_url}", flush=True)
    print(f"  app_id         = {server.app_id}   oa_id = {server.oa_id}", flush=True)
    print(f"  access_token   = {server.access_token}", flush=True)
    print(f"  refresh_token  = {server.refresh_token}   (Ctrl-C to stop)", flush=True)
    stopped = asyncio.Event()
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    try:
        await stopped.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

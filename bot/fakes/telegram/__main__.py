"""Run the fake Telegram server standalone: ``python -m bot.fakes.telegram --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .server import FakeTelegramServer


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.fakes.telegram", description="Fake Telegram Bot API server"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--bot-username", default="nghedannoi_bot")
    parser.add_argument("--bot-name", default="Nghe Dân Nói")
    parser.add_argument(
        "--lenient-html",
        action="store_true",
        help="accept unknown named HTML entities like Telegram does (shown verbatim)",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = FakeTelegramServer(
        token=args.token,
        bot_username=args.bot_username,
        bot_name=args.bot_name,
        strict_html=not args.lenient_html,
    )
    await server.start(host=args.host, port=args.port)
    print(f"Fake Telegram Bot API listening on {server.url}", flush=True)
    print(f"  base_url      = {server.base_url}", flush=True)
    print(f"  base_file_url = {server.file_base_url}", flush=True)
    print(f"  token         = {server.token}   (Ctrl-C to stop)", flush=True)
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

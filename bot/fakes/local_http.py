"""What every fake server does to listen: bind a socket on a free port and serve an aiohttp app."""

from __future__ import annotations

import socket

from aiohttp import web

__all__ = ["listen", "url_of"]


async def listen(runner: web.AppRunner, host: str, port: int) -> tuple[str, int]:
    """Serve ``runner`` (set up here) on ``host:port`` (0: a free port); the host to reach it by
    and the port. A failed bind leaves nothing open."""
    await runner.setup()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(runner, sock).start()
    except BaseException:
        sock.close()
        await runner.cleanup()
        raise
    reach = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return reach, sock.getsockname()[1]


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

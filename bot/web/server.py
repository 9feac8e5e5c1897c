"""uvicorn inside the process's own event loop, started and stopped by the runtime.

uvicorn's ``serve()`` would take over SIGINT/SIGTERM; the process installs its own handlers
(``bot.runtime.serve``) so that the channels, the jobs and the outbox stop in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp

__all__ = ["WebServer", "WebServerError"]

log = logging.getLogger(__name__)


class WebServerError(Exception):
    """The server could not listen where it was told."""


class _Server(uvicorn.Server):
    failed = False

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn ends the process when it cannot listen; here the runtime says why instead."""
        try:
            await super().startup(sockets)
        except SystemExit:
            self.failed = True
            self.should_exit = True


class WebServer:
    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,
            log_level="warning",
            http="httptools",
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.host = host

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="web-server")
        while not self._server.started:
            if self._task.done() or self._server.failed:
                await asyncio.gather(self._task, return_exceptions=True)
                self._task = None
                raise WebServerError(f"{self.host}:{self._server.config.port}")
            await asyncio.sleep(0.01)

    @property
    def port(self) -> int:
        """The port it listens on (the one the OS chose when asked for 0)."""
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, SystemExit):
            await self._task
        self._task = None

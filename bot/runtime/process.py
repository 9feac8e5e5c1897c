"""One bot process: the store, the staff roster, every configured channel, the periodic jobs
and the web server, started in that order and stopped in reverse."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType

import handlers
from bot.channels.base import Channel, ChannelState
from bot.clock import Clock, SystemClock
from bot.domain.ports import Store
from bot.domain.ward import WardConfig
from bot.jobs import Jobs
from bot.settings import Settings
from bot.usecases import staff as staff_uc
from bot.usecases.broadcast import provide_session_audience
from bot.usecases.common import Services
from bot.usecases.sessions import SessionRegistrants
from bot.web.app import Health, build_web_app
from bot.web.files import file_routes
from bot.web.public import public_routes
from bot.web.server import WebServer
from bot.web.staff import staff_routes
from storage.factory import open_store

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


class Runtime:
    """``web=False`` runs without the web server (tests of one polling channel); ``jobs=False``
    leaves the periodic jobs to the test that drives them."""

    def __init__(
        self,
        settings: Settings,
        ward: WardConfig,
        channels: Sequence[Channel],
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        web: bool = True,
        jobs: bool = True,
    ) -> None:
        self.settings = settings
        self.ward = ward
        self.channels = list(channels)
        self.clock = clock or SystemClock()
        self._given_store = store
        self._owned_store: Store | None = None
        self._want_web = web
        self._want_jobs = jobs
        self._jobs: Jobs | None = None
        self._started: list[Channel] = []
        self.web: WebServer | None = None
        self.router = handlers.build_router()
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the runtime is not started")
        return self._services

    def channel(self, name: str) -> Channel:
        return next(channel for channel in self.channels if channel.name == name)

    async def start(self) -> None:
        store = self._given_store
        if store is None:
            self.settings.ensure_database_folder()
            store = self._owned_store = await open_store(
                self.settings.secret("database_url") or None, self.settings.database_path
            )
        services = self._services = Services.for_ward(
            store, self.clock, self.ward, web_public_url=self.settings.web_public_url
        )
        await staff_uc.sync_from_config(services)
        provide_session_audience(SessionRegistrants(self.clock))
        try:
            for channel in self.channels:
                await channel.start(services, self.router)
                self._started.append(channel)
            if self._want_jobs:
                self._jobs = Jobs(services, self.settings)
                self._jobs.start()
            if self._want_web:
                endpoints = [e for channel in self.channels for e in channel.endpoints()]
                app = build_web_app(
                    endpoints,
                    self.health,
                    file_routes(lambda: self.services)
                    + staff_routes(lambda: self.services)
                    + public_routes(lambda: self.services),
                )
                self.web = WebServer(app, self.settings.web_listen, self.settings.web_port)
                await self.web.start()
                log.info("web server on %s", self.web.url)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if self._jobs is not None:
            await self._jobs.stop()
            self._jobs = None
        while self._started:
            channel = self._started.pop()
            try:
                await channel.stop()
            except Exception:
                log.exception("channel %s did not stop cleanly", channel.name)
        if self._owned_store is not None:
            await self._owned_store.close()
            self._owned_store = None

    async def health(self) -> Health:
        database = True
        try:
            async with self.services.store.read() as uow:
                await uow.residents.count()
        except Exception:
            log.exception("health check: database unreachable")
            database = False
        states: list[ChannelState] = []
        for channel in self.channels:
            try:
                states.append(await channel.state())
            except Exception as exc:
                states.append(ChannelState(channel.name, False, f"error: {exc}"))
        return Health(database, states)

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

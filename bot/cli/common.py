"""What every command shares: one-line failures, the settings, the ward config and the database.

Every command reaches the database through ``open_services``, so ``run``, ``session …``,
``report …`` and ``export …`` all create the folder, open and migrate the same way, and a path
that cannot be used ends in the same one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError

from bot.clock import Clock, SystemClock
from bot.domain.ports import Store
from bot.domain.ward import ConfigError, WardConfig, load_ward_config
from bot.settings import Settings
from bot.usecases.common import Services
from storage import factory as storage_factory
from storage.factory import StoreUnavailable

EXIT_CONFIG = 2
T = TypeVar("T")


def fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = "_".join(str(p) for p in err["loc"]).upper()
            text = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{key}: {text}" if key else text)
        fail("thiết lập (.env / biến môi trường) " + "; ".join(problems))


def load_ward(path: Path) -> WardConfig:
    try:
        return load_ward_config(path)
    except ConfigError as exc:
        fail(str(exc))


async def open_store(settings: Settings) -> Store:
    """Open and migrate the configured store (``storage.factory``); a database that cannot be
    opened is one line naming DATABASE_URL or DATABASE_PATH, not a traceback."""
    try:
        return await storage_factory.open_store(
            settings.secret("database_url") or None, settings.database_path
        )
    except StoreUnavailable as exc:
        fail(f"không mở được cơ sở dữ liệu {exc}")


def store_description(settings: Settings) -> str:
    return storage_factory.describe(settings.secret("database_url") or None, settings.database_path)


@asynccontextmanager
async def open_services(
    settings: Settings, ward: WardConfig, clock: Clock | None = None
) -> AsyncIterator[Services]:
    store = await open_store(settings)
    try:
        yield Services.for_ward(store, clock or SystemClock(), ward)
    finally:
        await store.close()


def with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database, as the bot would, and return its value."""
    settings = load_settings()
    ward = load_ward(settings.ward_config)

    async def main() -> T:
        async with open_services(settings, ward) as services:
            return await work(services)

    return asyncio.run(main())

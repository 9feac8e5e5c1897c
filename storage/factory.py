"""The one place that chooses the store: PostgreSQL when ``DATABASE_URL`` is set, else SQLite at
``DATABASE_PATH``. Everything that opens a database (``python -m bot run``, the CLI commands,
benches, tests) comes through here, so both open, migrate and fail the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg

from storage.postgres.store import PostgresStore
from storage.sqlite import SqliteStore

POSTGRES_SCHEMES = ("postgresql", "postgres")

Opened = SqliteStore | PostgresStore


class StoreUnavailable(Exception):
    """The configured database cannot be opened; the message names the setting, never a
    password."""


def describe(database_url: str | None, database_path: Path) -> str:
    """Which store, in one line without the password: ``PostgreSQL ndn@db:5432/ward`` or
    ``SQLite data/nghe-dan-noi.db``."""
    if not database_url:
        return f"SQLite {database_path}"
    parts = urlsplit(database_url)
    user = f"{parts.username}@" if parts.username else ""
    socket = parse_qs(parts.query).get("host", [""])[0]
    host = parts.hostname or socket or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL {user}{host}{port}{parts.path}"


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in POSTGRES_SCHEMES


async def open_store(database_url: str | None, database_path: Path) -> Opened:
    """Open and migrate the configured store."""
    if database_url:
        try:
            return await PostgresStore.open(database_url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            where = describe(database_url, database_path)
            raise StoreUnavailable(f"{where} (DATABASE_URL): {exc}") from exc
    try:
        return await SqliteStore.open(database_path)
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StoreUnavailable(f"{database_path} (DATABASE_PATH): {reason}") from exc

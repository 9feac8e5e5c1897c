"""PostgreSQL adapter: an asyncpg pool; each ``transaction()`` is one short transaction on one
pooled connection, each ``read()`` a connection in autocommit that sees committed data.

Writes are serialised like SQLite's single writer: in the process by an asyncio lock taken
before a pooled connection (so waiting writers never hold the connections a ``read()`` inside a
transaction needs), across processes by the transaction advisory lock ``WRITE_LOCK``. So
read-modify-write use cases (a draft, a registration against a capacity) behave exactly as on
SQLite, in every process sharing the database. Finer locking (per person, ``FOR UPDATE SKIP
LOCKED`` for outbox claims) can replace it query by query: ``PgConnection.raw`` is the asyncpg
connection inside the transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg

from storage.codec import to_db_time
from storage.migration_files import numbered
from storage.postgres.connection import PgConnection, set_codecs
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

WRITE_LOCK = 0x4E444E  # "NDN": one writer at a time across every process on this database
MIGRATION_LOCK = 0x4E444D


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for each numbered file in storage/migrations_pg, in order."""
    return numbered("storage.migrations_pg")


async def _init_connection(raw: asyncpg.Connection) -> None:
    await set_codecs(raw)


class PostgresStore:
    """The store for a city-wide deployment (implements ``bot.domain.ports.Store``)."""

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, *, min_size: int = 2, max_size: int = 10) -> PostgresStore:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            server_settings={"TimeZone": "UTC", "application_name": "nghe-dan-noi"},
        )
        try:
            async with pool.acquire() as raw:
                await apply_migrations(raw)
        except BaseException:
            await pool.close()
            raise
        return cls(url, pool)

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._write_lock, self._pool.acquire() as raw, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            yield UnitOfWork(PgConnection(raw))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """Each statement sees the last committed state (autocommit, READ COMMITTED)."""
        async with self._pool.acquire() as raw:
            yield UnitOfWork(PgConnection(raw), read_only=True)

    async def schema_version(self) -> int:
        async with self._pool.acquire() as raw:
            return int(
                await raw.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            )


async def apply_migrations(raw: asyncpg.Connection, *, up_to: int | None = None) -> list[int]:
    """Apply the migrations not yet recorded (up to ``up_to``), each in its own transaction;
    idempotent, and safe when several processes start at once (a session advisory lock orders
    them)."""
    await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await raw.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
        )
        done = {int(r[0]) for r in await raw.fetch("SELECT version FROM schema_migrations")}
        applied: list[int] = []
        for version, name, sql in migrations():
            if version in done or (up_to is not None and version > up_to):
                continue
            async with raw.transaction():
                await raw.execute(sql)
                await raw.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    version,
                    name,
                    to_db_time(datetime.now(UTC)),
                )
            log.info("applied migration %s", name)
            applied.append(version)
        return applied
    finally:
        await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

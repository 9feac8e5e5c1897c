"""SQLite adapter: WAL, one writer connection with ``BEGIN IMMEDIATE``, one reader connection.

Writes are serialised by an asyncio lock around the writer, so a transaction never interleaves
with another coroutine's statements; the reader connection sees only committed data.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.codec import to_db_time
from storage.inline_reader import InlineReader
from storage.migration_files import numbered
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for each numbered file in storage/migrations, in order."""
    return numbered("storage.migrations")


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class SqliteStore:
    """The embedded default store (implements ``bot.domain.ports.Store``)."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: InlineReader):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            mode = await (await writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise RuntimeError(f"{path}: SQLite could not switch to WAL mode")
            await apply_migrations(writer)
            reader = InlineReader.open(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def schema_version(self) -> int:
        rows = list(
            await self._reader.execute_fetchall(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
            )
        )
        return int(rows[0][0])

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._write_lock:
            try:
                await _to_the_end(self._writer.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:
                if self._writer.in_transaction:
                    await _to_the_end(self._writer.execute("ROLLBACK"))
                raise
            try:
                yield UnitOfWork(self._writer)
            except BaseException:
                await _to_the_end(self._writer.execute("ROLLBACK"))
                raise
            else:
                await _to_the_end(self._writer.execute("COMMIT"))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """Each statement sees the last committed state (WAL); no snapshot spans statements.
        Reads run on the event loop's thread (``storage/inline_reader.py``)."""
        yield UnitOfWork(self._reader, read_only=True)


async def _to_the_end(statement: Awaitable[Any]) -> None:
    """Let BEGIN/COMMIT/ROLLBACK finish on the SQLite thread even if the caller is cancelled,
    so a cancelled task never leaves the shared writer inside a transaction."""
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def apply_migrations(conn: aiosqlite.Connection) -> list[int]:
    """Apply the migrations not yet recorded; each in its own transaction. Idempotent."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied: list[int] = []
    for version, name, sql in migrations():
        await conn.execute("BEGIN IMMEDIATE")
        try:
            row = await (
                await conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
            ).fetchone()
            if row is not None:
                await conn.execute("ROLLBACK")
                continue
            for statement in _split_sql(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, to_db_time(datetime.now(UTC))),
            )
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        log.info("applied migration %s", name)
        applied.append(version)
    return applied


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file, so they run inside our own transaction."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer[:80]!r}")
    return statements

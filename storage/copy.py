"""Moving a ward from SQLite to PostgreSQL: every table copied in one PostgreSQL transaction,
then each table's row count and checksum compared on both sides before it commits.

Both databases are first brought to the latest migration, so they have the same tables and
columns (tests/test_migrations_pg.py holds the two schemas to that). The target must be empty:
copying into a database already in use would mix two wards. Tables are filled parents first
(their foreign keys), each in the source's insertion order, and identity sequences are moved
past the copied ids so new rows do not collide.

The checksum is order-independent (a digest of the sorted row digests) over values in one
canonical form per PostgreSQL column type, so SQLite's text timestamps and PostgreSQL's
``timestamptz``, or JSON text and ``jsonb``, compare equal when they mean the same thing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from storage.postgres.store import PostgresStore
from storage.sqlite import SqliteStore

__all__ = ["CopyRefused", "TableCopy", "copy_database"]

BATCH = 1000
SKIPPED = frozenset({"schema_migrations"})


class CopyRefused(Exception):
    """The copy cannot start or did not match; nothing was written to the target."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    type: str


async def copy_database(source: Path, target_url: str) -> list[TableCopy]:
    if not source.is_file():  # noqa: ASYNC240 (one stat, before anything opens)
        raise CopyRefused(f"{source}: no such file")
    sqlite = await SqliteStore.open(source)
    try:
        postgres = await PostgresStore.open(target_url, min_size=1, max_size=1)
        try:
            if await sqlite.schema_version() != await postgres.schema_version():
                raise CopyRefused("the two databases are not at the same migration")
            async with sqlite.read() as reading, postgres.raw_connection() as raw:
                src = reading.conn
                assert isinstance(src, aiosqlite.Connection)
                return await _copy(src, raw)
        finally:
            await postgres.close()
    finally:
        await sqlite.close()


async def _copy(src: aiosqlite.Connection, raw: asyncpg.Connection) -> list[TableCopy]:
    tables = await _tables(raw)
    source_tables = {
        r[0]
        for r in await src.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if missing := sorted(set(tables) - source_tables | source_tables - set(tables) - SKIPPED):
        raise CopyRefused(f"tables differ between the two databases: {', '.join(missing)}")
    for table in tables:
        if await raw.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise CopyRefused(f"the target is not empty (table {table} has rows)")
    copied: list[TableCopy] = []
    async with raw.transaction():
        for table, columns in tables.items():
            await _fill(src, raw, table, columns)
        await _move_sequences(raw)
        for table, columns in tables.items():
            names = ", ".join(f'"{c.name}"' for c in columns)
            source_rows = list(await src.execute_fetchall(f'SELECT {names} FROM "{table}"'))
            target_rows = list(await raw.fetch(f'SELECT {names} FROM "{table}"'))
            if len(source_rows) != len(target_rows):
                raise CopyRefused(
                    f"{table}: {len(source_rows)} rows in SQLite, {len(target_rows)} copied"
                )
            mine, theirs = _checksum(source_rows, columns), _checksum(target_rows, columns)
            if mine != theirs:
                raise CopyRefused(f"{table}: checksums differ after the copy")
            copied.append(TableCopy(table, len(target_rows), mine))
    return copied


async def _tables(raw: asyncpg.Connection) -> dict[str, list[_Column]]:
    """The target's tables, parents before the tables whose foreign keys point at them."""
    columns: dict[str, list[_Column]] = {}
    for r in await raw.fetch(
        "SELECT table_name, column_name, udt_name FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        if r[0] not in SKIPPED:
            columns.setdefault(r[0], []).append(_Column(r[1], r[2]))
    parents: dict[str, set[str]] = {t: set() for t in columns}
    for r in await raw.fetch(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
        " WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
    ):
        child, parent = r[0].strip('"'), r[1].strip('"')
        if child in parents and parent != child:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, need in parents.items() if need <= set(ordered))
        if not ready:
            raise CopyRefused(f"foreign keys form a cycle: {', '.join(sorted(parents))}")
        ordered += ready
        for table in ready:
            del parents[table]
    return {t: columns[t] for t in ordered}


async def _fill(
    src: aiosqlite.Connection, raw: asyncpg.Connection, table: str, columns: list[_Column]
) -> None:
    names = ", ".join(f'"{c.name}"' for c in columns)
    marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    insert = f'INSERT INTO "{table}" ({names}) OVERRIDING SYSTEM VALUE VALUES ({marks})'
    async with src.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid') as cursor:
        while batch := await cursor.fetchmany(BATCH):
            await raw.executemany(
                insert,
                [[_to_pg(v, c.type) for v, c in zip(r, columns, strict=True)] for r in batch],
            )


async def _move_sequences(raw: asyncpg.Connection) -> None:
    for r in await raw.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND is_identity = 'YES'"
    ):
        await raw.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{r[0]}\"', '{r[1]}'),"
            f' COALESCE(MAX("{r[1]}"), 0) + 1, false) FROM "{r[0]}"'
        )


_INTS = {"int2", "int4", "int8"}
_FLOATS = {"float4", "float8", "numeric"}
_TEXTS = {"text", "varchar", "bpchar"}


def _to_pg(value: Any, type_name: str) -> Any:
    """SQLite's loosely typed value as the column's type wants it (the codecs of
    ``storage.postgres.connection`` take text for times, dates and JSON)."""
    if value is None:
        return None
    if type_name in _INTS:
        return int(value)
    if type_name in ("float4", "float8"):
        return float(value)
    if type_name == "numeric":
        return str(value)
    if type_name == "bool":
        return bool(int(value))
    if type_name == "bytea":
        return bytes(value) if not isinstance(value, str) else value.encode()
    if type_name in _TEXTS and not isinstance(value, str):
        return str(value)
    return value


def _canonical(value: Any, type_name: str) -> str:
    if value is None:
        return "\x00null"
    if type_name in _INTS or type_name == "bool":
        return str(int(value))
    if type_name in _FLOATS:
        return repr(float(value))
    if type_name == "timestamptz":
        return datetime.fromisoformat(str(value)).astimezone(UTC).isoformat()
    if type_name == "date":  # SQLite may hold a whole timestamp where PostgreSQL keeps the day
        return str(value)[:10]
    if type_name in ("json", "jsonb"):
        return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
    if type_name == "bytea":
        return bytes(value if not isinstance(value, str) else value.encode()).hex()
    return str(value)


def _checksum(rows: Sequence[Any], columns: list[_Column]) -> str:
    digests = sorted(
        hashlib.sha256(
            "\x1f".join(_canonical(v, c.type) for v, c in zip(r, columns, strict=True)).encode()
        ).digest()
        for r in rows
    )
    return hashlib.sha256(b"".join(digests)).hexdigest()[:16]

"""The PostgreSQL migrations (storage/migrations_pg) and the SQLite ones cannot drift: after all
of them both engines have the same tables with the same column names, and the same numbers."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from storage.postgres.store import PostgresStore
from storage.postgres.store import migrations as pg_migrations
from storage.sqlite import SqliteStore
from storage.sqlite import migrations as sqlite_migrations
from tests.postgres import PgCluster

PG_ONLY = {("channel_inbox", "rowid")}
"""SQLite's implicit row number, which PostgreSQL needs as a real column (inbox order)."""


async def _sqlite_columns(tmp_path: Path) -> set[tuple[str, str]]:
    store = await SqliteStore.open(tmp_path / "schema.db")
    try:
        async with store.read() as uow:
            tables = [
                r[0]
                for r in await uow.conn.execute_fetchall(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%'"
                )
            ]
            found = set()
            for table in tables:
                for column in await uow.conn.execute_fetchall(f"PRAGMA table_info({table})"):
                    found.add((table, str(column[1])))
            return found
    finally:
        await store.close()


async def _pg_columns(url: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
        )
        return {(r[0], r[1]) for r in rows}
    finally:
        await conn.close()


async def test_both_schemas_have_the_same_tables_and_columns(
    tmp_path: Path, pg_cluster: PgCluster
) -> None:
    url = await pg_cluster.empty_database()
    try:
        store = await PostgresStore.open(url)
        assert await store.schema_version() == sqlite_migrations()[-1][0]
        await store.close()
        sqlite = await _sqlite_columns(tmp_path)
        postgres = await _pg_columns(url)
        assert len({t for t, _ in sqlite}) > 20
        assert sqlite - postgres == set()
        assert postgres - sqlite == PG_ONLY
    finally:
        await pg_cluster.drop_database(url)


def test_the_same_migration_numbers_and_names() -> None:
    assert [(v, n) for v, n, _ in pg_migrations()] == [(v, n) for v, n, _ in sqlite_migrations()]


async def test_migrations_are_idempotent_and_record_each_version(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    await store.close()
    conn = await asyncpg.connect(pg_url)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        assert sorted(versions) == [v for v, _, _ in pg_migrations()]
        types = dict(
            await conn.fetch(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'outbox'"
            )
        )
        blob = await conn.fetchval(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = 'files' AND column_name = 'data'"
        )
    finally:
        await conn.close()
    assert types["next_attempt_at"] == "timestamp with time zone"
    assert types["params"] == "jsonb" and types["id"] == "bigint" and blob == "bytea"

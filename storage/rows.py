"""Small query helpers shared by the repositories (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

from storage.db import Connection


async def fetch_one(conn: Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """One row in one hop (to the SQLite thread; the cursor is closed for us)."""
    rows = list(await conn.execute_fetchall(sql, params))
    return rows[0] if rows else None


async def insert_id(conn: Connection, sql: str, params: tuple[Any, ...]) -> int | None:
    """Run an INSERT and return the new row's id (``RETURNING id``, which both engines know),
    or None when ``ON CONFLICT DO NOTHING`` skipped it."""
    row = await fetch_one(conn, sql + " RETURNING id", params)
    return None if row is None else int(row[0])

"""Small query helpers shared by the SQLite repositories."""

from __future__ import annotations

from typing import Any

import aiosqlite


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]
) -> aiosqlite.Row | None:
    """One row in one hop to the SQLite thread (the cursor is closed for us)."""
    rows = list(await conn.execute_fetchall(sql, params))
    return rows[0] if rows else None

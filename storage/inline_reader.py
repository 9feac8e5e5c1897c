"""SQLite reads on the event loop's own thread.

aiosqlite runs each statement on its connection's thread: a queue put, a thread switch and a
wake-up of the event loop per statement. For the short indexed reads of the hot path (a person,
their draft, a session list) that hand-off cost several times the query itself: in
``bench/zalo.py`` it was the largest cost of an event after the HTTP calls. WAL lets a reader run
beside the writer without waiting, so the read connection answers inline instead. The writer
stays on aiosqlite's thread, where a commit's fsync cannot stall the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["InlineReader"]

READ_BUSY_TIMEOUT_MS = 1000
"""A WAL reader waits only in rare moments (a checkpoint resetting the log); never long, since
the wait holds the event loop."""


Parameters = Iterable[Any] | Mapping[str, Any] | None


def _bound(parameters: Parameters) -> tuple[Any, ...] | Mapping[str, Any]:
    if parameters is None:
        return ()
    if isinstance(parameters, Mapping):
        return parameters
    return tuple(parameters)


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


class InlineReader:
    """The subset of aiosqlite's connection the repositories use, answered synchronously."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path) -> InlineReader:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        return cls(conn)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def execute(self, sql: str, parameters: Parameters = None) -> _Cursor:
        return _Cursor(self._conn.execute(sql, _bound(parameters)))

    async def execute_fetchall(self, sql: str, parameters: Parameters = None) -> list[Any]:
        return self._conn.execute(sql, _bound(parameters)).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> _Cursor:
        """Part of the connection's shape; on this read-only connection any write is refused."""
        return _Cursor(self._conn.executemany(sql, [tuple(p) for p in parameters]))

    async def close(self) -> None:
        self._conn.close()

"""The part of a database connection the repositories use, whichever engine is behind it.

aiosqlite's connection has this shape already; ``storage.postgres.connection.PgConnection``
gives asyncpg the same one (``?`` placeholders, ``rowcount``), so each query is written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Awaitable[Any]: ...

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> Iterable[Any]: ...

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Any: ...


Row = Any
"""A result row: ``sqlite3.Row`` or ``asyncpg.Record``; both index by name and by position."""

"""The SQLite read connection answers on the event loop's thread (no hand-off to a worker
thread per statement): it sees each commit at once, takes positional and named parameters,
and refuses to write."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from bot.domain.people import Resident
from storage.inline_reader import InlineReader
from storage.sqlite import SqliteStore

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def test_reads_are_inline_see_commits_and_cannot_write(store: SqliteStore) -> None:
    threads: list[int] = []
    async with store.read() as uow:
        reader = uow.conn
        assert isinstance(reader, InlineReader)
        reader._conn.set_trace_callback(lambda _sql: threads.append(threading.get_ident()))
        assert await uow.residents.get(7) is None
    async with store.transaction() as uow:
        await uow.residents.save(Resident(person_id=7, created_at=NOW, updated_at=NOW))
    async with store.read() as uow:
        assert await uow.residents.get(7) is not None
        rows = await reader.execute_fetchall(
            "SELECT person_id FROM residents WHERE person_id = :id", {"id": 7}
        )
        assert [r["person_id"] for r in rows] == [7]
        cursor = await reader.execute("SELECT count(*) FROM residents WHERE person_id > ?", (0,))
        assert (await cursor.fetchone())[0] == 1
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|query_only"):
            await reader.execute("DELETE FROM residents")
    assert threads and set(threads) == {threading.get_ident()}

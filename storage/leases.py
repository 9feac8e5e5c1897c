"""Leases: which process of a cluster does a thing only one may do at a time (send for a
channel token, poll Telegram, run the periodic jobs).

On PostgreSQL a lease is a session advisory lock held on a connection of its own, outside the
pool: when the holder's process dies its connection drops and PostgreSQL frees the lock, so a
standby's next try takes it. On SQLite there is one process, so the lease is always granted.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket

import asyncpg

LEASE_SPACE = 0x4E444C  # the first key of every lease's advisory lock: "NDL"
_LOST = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
         asyncpg.exceptions.InternalClientError)  # fmt: skip
"""What a dropped or killed connection raises: the lease is not held."""


def process_label() -> str:
    """How a holder is named in ``/healthz``: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_key(name: str) -> int:
    """A stable signed 32-bit key for a lease name (the second key of the advisory lock)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class LocalLease:
    """The one process is always the holder."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._held = False

    async def acquire(self) -> bool:
        self._held = True
        return True

    async def held(self) -> bool:
        return self._held

    async def holder(self) -> str | None:
        return process_label() if self._held else None

    async def release(self) -> None:
        self._held = False


class AdvisoryLease:
    """``pg_try_advisory_lock(LEASE_SPACE, key)`` on a dedicated connection whose
    ``application_name`` carries the holder's label."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self._url = url
        self._key = lease_key(name)
        self._conn: asyncpg.Connection | None = None
        self._held = False
        self._busy = asyncio.Lock()  # one statement at a time on the lease's connection

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._held = False
            self._conn = await asyncpg.connect(
                self._url,
                server_settings={"application_name": f"nghe-dan-noi {process_label()}"},
            )
        return self._conn

    async def acquire(self) -> bool:
        async with self._busy:
            return await self._acquire()

    async def _acquire(self) -> bool:
        try:
            conn = await self._connection()
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LEASE_SPACE, self._key)
        except _LOST:
            await self._drop()
            return False
        self._held = bool(got)
        return self._held

    async def held(self) -> bool:
        """Still ours: the connection answers (a dropped connection has lost the lock)."""
        async with self._busy:
            return await self._still_held()

    async def _still_held(self) -> bool:
        if not self._held or self._conn is None:
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=5)
        except _LOST:
            await self._drop()
            return False
        return True

    async def holder(self) -> str | None:
        """The label of the process holding the lock now, in whichever process."""
        async with self._busy:
            return await self._holder()

    async def _holder(self) -> str | None:
        try:
            conn = await self._connection()
            name = await conn.fetchval(
                "SELECT a.application_name FROM pg_locks l"
                " JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid"
                " AND l.objid = ($2::bigint & 4294967295)::oid AND l.objsubid = 2",
                LEASE_SPACE,
                self._key,
            )
        except _LOST:
            await self._drop()
            return None
        if name is None:
            return None
        return str(name).removeprefix("nghe-dan-noi ")

    async def release(self) -> None:
        async with self._busy:
            await self._drop()

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=5)
            except _LOST:
                conn.terminate()

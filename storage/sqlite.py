"""SQLite adapter: WAL, one writer connection with ``BEGIN IMMEDIATE``, one reader connection.

Writes are serialised by an asyncio lock around the writer, so a transaction never interleaves
with another coroutine's statements; the reader connection sees only committed data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.people import AuditEntry, ChatState, Consent, Resident, Role, StaffRecord
from storage.codec import from_db_time, required_time, to_db_time
from storage.deadlines import SqliteConclusions, SqliteDeadlines, SqliteSurveys
from storage.files import SqliteFiles
from storage.outbox import SqliteBroadcasts, SqliteOutbox
from storage.petitions import SqlitePetitions
from storage.reports import SqliteReports
from storage.rows import fetch_one
from storage.sessions import SqliteSessions
from storage.workflow import SqliteWorkflow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for each numbered file in storage/migrations, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class SqliteStore:
    """The embedded default store (implements ``bot.domain.ports.Store``)."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
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
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteUnitOfWork]:
        async with self._write_lock:
            try:
                await _to_the_end(self._writer.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:
                if self._writer.in_transaction:
                    await _to_the_end(self._writer.execute("ROLLBACK"))
                raise
            try:
                yield SqliteUnitOfWork(self._writer)
            except BaseException:
                await _to_the_end(self._writer.execute("ROLLBACK"))
                raise
            else:
                await _to_the_end(self._writer.execute("COMMIT"))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteUnitOfWork]:
        """Each statement sees the last committed state (WAL); no snapshot spans statements,
        which keeps a read to one hop to the SQLite thread on the hot path."""
        yield SqliteUnitOfWork(self._reader, read_only=True)


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


@dataclass(slots=True)
class SqliteUnitOfWork:
    conn: aiosqlite.Connection
    read_only: bool = False

    @property
    def residents(self) -> SqliteResidents:
        return SqliteResidents(self.conn)

    @property
    def staff(self) -> SqliteStaff:
        return SqliteStaff(self.conn)

    @property
    def chat_states(self) -> SqliteChatStates:
        return SqliteChatStates(self.conn)

    @property
    def audit(self) -> SqliteAuditLog:
        return SqliteAuditLog(self.conn)

    @property
    def files(self) -> SqliteFiles:
        return SqliteFiles(self.conn)

    @property
    def outbox(self) -> SqliteOutbox:
        return SqliteOutbox(self.conn)

    @property
    def broadcasts(self) -> SqliteBroadcasts:
        return SqliteBroadcasts(self.conn)

    @property
    def petitions(self) -> SqlitePetitions:
        return SqlitePetitions(self.conn)

    @property
    def sessions(self) -> SqliteSessions:
        return SqliteSessions(self.conn)

    @property
    def workflow(self) -> SqliteWorkflow:
        return SqliteWorkflow(self.conn)

    @property
    def deadlines(self) -> SqliteDeadlines:
        return SqliteDeadlines(self.conn)

    @property
    def conclusions(self) -> SqliteConclusions:
        return SqliteConclusions(self.conn)

    @property
    def surveys(self) -> SqliteSurveys:
        return SqliteSurveys(self.conn)

    @property
    def reports(self) -> SqliteReports:
        return SqliteReports(self.conn)


@dataclass(slots=True)
class SqliteResidents:
    conn: aiosqlite.Connection

    async def get(self, telegram_id: int) -> Resident | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM residents WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else _resident(row)

    async def save(self, resident: Resident) -> None:
        await self.conn.execute(
            "INSERT INTO residents (telegram_id, consent, consent_at, full_name, group_code,"
            " phone, onboarded_at, notices_muted, reachable, deleted_at, created_at, updated_at,"
            " social_groups)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET consent = excluded.consent,"
            " consent_at = excluded.consent_at, full_name = excluded.full_name,"
            " group_code = excluded.group_code, phone = excluded.phone,"
            " onboarded_at = excluded.onboarded_at, notices_muted = excluded.notices_muted,"
            " reachable = excluded.reachable, deleted_at = excluded.deleted_at,"
            " updated_at = excluded.updated_at, social_groups = excluded.social_groups",
            (
                resident.telegram_id,
                resident.consent.value,
                to_db_time(resident.consent_at),
                resident.full_name,
                resident.group_code,
                resident.phone,
                to_db_time(resident.onboarded_at),
                int(resident.notices_muted),
                int(resident.reachable),
                to_db_time(resident.deleted_at),
                to_db_time(resident.created_at or resident.updated_at),
                to_db_time(resident.updated_at or resident.created_at),
                ",".join(resident.social_groups),
            ),
        )

    async def count(self) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM residents", ())
        return int(row[0]) if row else 0

    async def in_social_group(self, code: str) -> list[int]:
        """Onboarded residents who declared the social group ``code``, by id."""
        rows = await self.conn.execute_fetchall(
            "SELECT telegram_id FROM residents WHERE consent = 'given'"
            " AND onboarded_at IS NOT NULL AND deleted_at IS NULL"
            " AND instr(',' || social_groups || ',', ?) > 0 ORDER BY telegram_id",
            (f",{code},",),
        )
        return [int(r[0]) for r in rows]


def _resident(row: aiosqlite.Row) -> Resident:
    return Resident(
        telegram_id=row["telegram_id"],
        consent=Consent(row["consent"]),
        consent_at=from_db_time(row["consent_at"]),
        full_name=row["full_name"],
        group_code=row["group_code"],
        phone=row["phone"],
        onboarded_at=from_db_time(row["onboarded_at"]),
        notices_muted=bool(row["notices_muted"]),
        reachable=bool(row["reachable"]),
        deleted_at=from_db_time(row["deleted_at"]),
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
        social_groups=tuple(c for c in row["social_groups"].split(",") if c),
    )


@dataclass(slots=True)
class SqliteStaff:
    conn: aiosqlite.Connection

    async def get(self, telegram_id: int) -> StaffRecord | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM staff WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else _staff(row)

    async def list_active(self) -> Sequence[StaffRecord]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM staff WHERE active = 1 ORDER BY telegram_id"
        )
        return [_staff(r) for r in rows]

    async def save(self, member: StaffRecord) -> None:
        await self.conn.execute(
            "INSERT INTO staff (telegram_id, full_name, role, unit_code, active)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
            " full_name = excluded.full_name, role = excluded.role,"
            " unit_code = excluded.unit_code, active = excluded.active",
            (
                member.telegram_id,
                member.full_name,
                member.role.value,
                member.unit_code,
                int(member.active),
            ),
        )


def _staff(row: aiosqlite.Row) -> StaffRecord:
    return StaffRecord(
        telegram_id=row["telegram_id"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        unit_code=row["unit_code"],
        active=bool(row["active"]),
    )


@dataclass(slots=True)
class SqliteChatStates:
    conn: aiosqlite.Connection

    async def get(self, user_id: int) -> ChatState | None:
        row = await fetch_one(self.conn, "SELECT * FROM chat_states WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return ChatState(
            user_id=row["user_id"],
            flow=row["flow"],
            step=row["step"],
            data=json.loads(row["data"]),
            updated_at=from_db_time(row["updated_at"]),
        )

    async def put(self, state: ChatState) -> None:
        if state.updated_at is None:
            raise ValueError("ChatState.updated_at is required when saving")
        await self.conn.execute(
            "INSERT INTO chat_states (user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " data = excluded.data, updated_at = excluded.updated_at",
            (
                state.user_id,
                state.flow,
                state.step,
                json.dumps(state.data, ensure_ascii=False),
                to_db_time(state.updated_at),
            ),
        )

    async def clear(self, user_id: int) -> None:
        await self.conn.execute("DELETE FROM chat_states WHERE user_id = ?", (user_id,))


@dataclass(slots=True)
class SqliteAuditLog:
    conn: aiosqlite.Connection

    async def record(self, entry: AuditEntry) -> int:
        cur = await self.conn.execute(
            "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, details)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                to_db_time(entry.at),
                entry.actor_id,
                entry.action,
                entry.subject_type,
                entry.subject_id,
                json.dumps(entry.details, ensure_ascii=False, default=str),
            ),
        )
        return int(cur.lastrowid or 0)

    async def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM audit_log WHERE subject_type = ? AND subject_id = ? ORDER BY id",
            (subject_type, subject_id),
        )
        return [_audit(r) for r in rows]


def _audit(row: aiosqlite.Row) -> AuditEntry:
    details: dict[str, Any] = json.loads(row["details"])
    return AuditEntry(
        id=row["id"],
        at=required_time(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        details=details,
    )

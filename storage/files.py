"""SQLite repository for stored files (implements ``bot.domain.files.FileRepository``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.files import StoredFile
from storage.codec import to_db_time
from storage.db import Connection
from storage.rows import insert_id


@dataclass(slots=True)
class SqliteFiles:
    conn: Connection

    async def add(self, *, name: str, mime_type: str, data: bytes, now: datetime) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO files (name, mime_type, data, created_at) VALUES (?, ?, ?, ?)",
            (name, mime_type, data, to_db_time(now)),
        )
        return int(new_id or 0)

    async def get(self, file_id: int) -> StoredFile | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT id, name, mime_type, data FROM files WHERE id = ?", (file_id,)
            )
        )
        if not rows:
            return None
        row = rows[0]
        return StoredFile(row["id"], row["name"], row["mime_type"], bytes(row["data"]))

    async def add_link(
        self, *, token: str, file_id: int, now: datetime, expires_at: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO file_links (token, file_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token, file_id, to_db_time(now), to_db_time(expires_at)),
        )

    async def by_link(self, token: str, now: datetime) -> StoredFile | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT f.id, f.name, f.mime_type, f.data FROM file_links l "
                "JOIN files f ON f.id = l.file_id WHERE l.token = ? AND l.expires_at > ?",
                (token, to_db_time(now)),
            )
        )
        if not rows:
            return None
        row = rows[0]
        return StoredFile(row["id"], row["name"], row["mime_type"], bytes(row["data"]))

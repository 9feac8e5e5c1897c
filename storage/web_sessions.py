"""SQLite repository for the dashboard's login links and sessions
(implements ``bot.domain.web_sessions.WebSessionRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.web_sessions import LoginLink, WebSession
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import fetch_one


def _session(row: Row) -> WebSession:
    return WebSession(
        id_hash=row["id_hash"],
        person_id=row["person_id"],
        csrf_token=row["csrf_token"],
        created_at=required_time(row["created_at"]),
        last_seen_at=required_time(row["last_seen_at"]),
        ended_at=from_db_time(row["ended_at"]),
    )


@dataclass(slots=True)
class SqliteWebSessions:
    conn: Connection

    async def add_link(self, link: LoginLink) -> None:
        await self.conn.execute(
            "INSERT INTO web_login_links (token_hash, person_id, issued_at, expires_at, used_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                link.token_hash,
                link.person_id,
                to_db_time(link.issued_at),
                to_db_time(link.expires_at),
                to_db_time(link.used_at),
            ),
        )

    async def link(self, token_hash: str) -> LoginLink | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM web_login_links WHERE token_hash = ?", (token_hash,)
        )
        if row is None:
            return None
        return LoginLink(
            token_hash=row["token_hash"],
            person_id=row["person_id"],
            issued_at=required_time(row["issued_at"]),
            expires_at=required_time(row["expires_at"]),
            used_at=from_db_time(row["used_at"]),
        )

    async def use_link(self, token_hash: str, now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE web_login_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
            (to_db_time(now), token_hash),
        )
        return cur.rowcount == 1

    async def add_session(self, session: WebSession) -> None:
        await self.conn.execute(
            "INSERT INTO web_sessions (id_hash, person_id, csrf_token, created_at, last_seen_at,"
            " ended_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                session.id_hash,
                session.person_id,
                session.csrf_token,
                to_db_time(session.created_at),
                to_db_time(session.last_seen_at),
                to_db_time(session.ended_at),
            ),
        )

    async def session(self, id_hash: str) -> WebSession | None:
        row = await fetch_one(self.conn, "SELECT * FROM web_sessions WHERE id_hash = ?", (id_hash,))
        return None if row is None else _session(row)

    async def touch_session(self, id_hash: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?", (to_db_time(now), id_hash)
        )

    async def end_session(self, id_hash: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
            (to_db_time(now), id_hash),
        )

    async def sessions_of(self, person_id: int) -> Sequence[WebSession]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM web_sessions WHERE person_id = ? ORDER BY created_at DESC, id_hash",
            (person_id,),
        )
        return [_session(r) for r in rows]

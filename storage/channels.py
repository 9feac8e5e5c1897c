"""Channel adapters' state on SQLite: the webhook inbox and rotating API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.channels import InboxEvent, TokenPair
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import fetch_one

_CHUNK = 200
"""Events per statement: well under SQLite's limit on bound values."""


@dataclass(slots=True)
class SqliteInbox:
    conn: Connection

    async def add(self, channel: str, key: str, body: str, now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO channel_inbox (channel, key, body, received_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, key) DO NOTHING",
            (channel, key, body, to_db_time(now)),
        )
        return cur.rowcount == 1

    async def pending(self, channel: str, limit: int) -> Sequence[InboxEvent]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM channel_inbox WHERE channel = ? AND handled_at IS NULL"
            " ORDER BY received_at, rowid LIMIT ?",
            (channel, limit),
        )
        return [_event(r) for r in rows]

    async def mark_handled(self, channel: str, key: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE channel_inbox SET handled_at = ? WHERE channel = ? AND key = ?",
            (to_db_time(now), channel, key),
        )

    async def mark_attempt(self, channel: str, key: str) -> None:
        await self.conn.execute(
            "UPDATE channel_inbox SET attempts = attempts + 1 WHERE channel = ? AND key = ?",
            (channel, key),
        )

    async def arrived(
        self, channel: str, events: Sequence[tuple[str, str]], now: datetime
    ) -> set[str]:
        fresh: set[str] = set()
        at = to_db_time(now)
        for start in range(0, len(events), _CHUNK):
            chunk = events[start : start + _CHUNK]
            rows = await self.conn.execute_fetchall(
                "INSERT INTO channel_inbox (channel, key, body, received_at, attempts) VALUES "
                + ", ".join(["(?, ?, ?, ?, 1)"] * len(chunk))
                + " ON CONFLICT (channel, key) DO NOTHING RETURNING key",
                [value for key, body in chunk for value in (channel, key, body, at)],
            )
            fresh.update(row["key"] for row in rows)
        return fresh

    async def mark_all_handled(self, channel: str, keys: Sequence[str], now: datetime) -> None:
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            await self.conn.execute(
                "UPDATE channel_inbox SET handled_at = ? WHERE channel = ? AND key IN ("
                + ", ".join(["?"] * len(chunk))
                + ")",
                (to_db_time(now), channel, *chunk),
            )


def _event(row: Row) -> InboxEvent:
    return InboxEvent(
        channel=row["channel"],
        key=row["key"],
        body=row["body"],
        received_at=required_time(row["received_at"]),
        handled_at=from_db_time(row["handled_at"]),
        attempts=row["attempts"],
    )


@dataclass(slots=True)
class SqliteTokens:
    conn: Connection

    async def get(self, channel: str) -> TokenPair | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM channel_tokens WHERE channel = ?", (channel,)
        )
        if row is None:
            return None
        return TokenPair(
            access_token=row["access_token"],
            refresh_token=row["refresh_token"],
            expires_at=required_time(row["expires_at"]),
            updated_at=required_time(row["updated_at"]),
        )

    async def seed(self, channel: str, pair: TokenPair) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO channel_tokens (channel, access_token, refresh_token, expires_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel) DO NOTHING",
            (channel, *_values(pair)),
        )
        return cur.rowcount == 1

    async def replace(self, channel: str, used_refresh_token: str, pair: TokenPair) -> bool:
        cur = await self.conn.execute(
            "UPDATE channel_tokens SET access_token = ?, refresh_token = ?, expires_at = ?,"
            " updated_at = ? WHERE channel = ? AND refresh_token = ?",
            (*_values(pair), channel, used_refresh_token),
        )
        return cur.rowcount == 1


def _values(pair: TokenPair) -> tuple[str, str, str | None, str | None]:
    return (
        pair.access_token,
        pair.refresh_token,
        to_db_time(pair.expires_at),
        to_db_time(pair.updated_at),
    )

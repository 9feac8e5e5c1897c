"""SQLite repository for petitions, their timeline, the code counter and the digests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.petitions import (
    Attachment,
    Channel,
    EventKind,
    FieldOfConcern,
    OnBehalf,
    Petition,
    PetitionEvent,
    Status,
    normalise_text,
)
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import insert_id


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(slots=True)
class SqlitePetitions:
    conn: Connection

    async def next_sequence(self, ward_code: str, year: int) -> int:
        rows = list(
            await self.conn.execute_fetchall(
                "INSERT INTO petition_counters (ward_code, year, last_seq) VALUES (?, ?, 1)"
                " ON CONFLICT (ward_code, year)"
                " DO UPDATE SET last_seq = petition_counters.last_seq + 1"
                " RETURNING last_seq",
                (ward_code, year),
            )
        )
        return int(rows[0][0])

    async def add(self, petition: Petition) -> int:
        behalf = petition.on_behalf
        new_id = await insert_id(
            self.conn,
            "INSERT INTO petitions (code, author_id, on_behalf_name, on_behalf_address,"
            " on_behalf_phone, filed_by, channel, field, content, content_key, concerns_address,"
            " latitude, longitude, attachments, session_id, status, named_publicly, content_public,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                petition.code,
                petition.author_id,
                behalf.name if behalf else None,
                behalf.address if behalf else None,
                behalf.phone if behalf else None,
                behalf.filed_by if behalf else None,
                petition.channel.value,
                petition.field.value,
                petition.content,
                normalise_text(petition.content),
                petition.concerns_address,
                petition.latitude,
                petition.longitude,
                _json([a.data() for a in petition.attachments]),
                petition.session_id,
                petition.status.value,
                int(petition.named_publicly),
                int(petition.content_public),
                to_db_time(petition.created_at),
            ),
        )
        petition.id = int(new_id or 0)
        return petition.id

    async def get(self, petition_id: int) -> Petition | None:
        rows = list(
            await self.conn.execute_fetchall("SELECT * FROM petitions WHERE id = ?", (petition_id,))
        )
        return _petition(rows[0]) if rows else None

    async def by_code(self, code: str) -> Petition | None:
        rows = list(
            await self.conn.execute_fetchall("SELECT * FROM petitions WHERE code = ?", (code,))
        )
        return _petition(rows[0]) if rows else None

    async def count_by_author_since(self, author_id: int, since: datetime) -> int:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT COUNT(*) FROM petitions WHERE author_id = ? AND created_at >= ?",
                (author_id, to_db_time(since)),
            )
        )
        return int(rows[0][0])

    async def duplicate_of(self, author_id: int, content: str, since: datetime) -> Petition | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM petitions WHERE author_id = ? AND content_key = ?"
                " AND created_at >= ? ORDER BY id DESC LIMIT 1",
                (author_id, normalise_text(content), to_db_time(since)),
            )
        )
        return _petition(rows[0]) if rows else None

    async def count_by_author(self, author_id: int) -> int:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT COUNT(*) FROM petitions WHERE author_id = ?", (author_id,)
            )
        )
        return int(rows[0][0])

    async def by_author(self, author_id: int, *, offset: int, limit: int) -> Sequence[Petition]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM petitions WHERE author_id = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ? OFFSET ?",
            (author_id, limit, offset),
        )
        return [_petition(r) for r in rows]

    async def add_event(self, event: PetitionEvent) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO petition_events (petition_id, kind, at, actor_id, details)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                event.petition_id,
                event.kind.value,
                to_db_time(event.at),
                event.actor_id,
                _json(event.details),
            ),
        )
        return int(new_id or 0)

    async def events(self, petition_id: int) -> Sequence[PetitionEvent]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM petition_events WHERE petition_id = ? ORDER BY at, id", (petition_id,)
        )
        return [
            PetitionEvent(
                id=r["id"],
                petition_id=r["petition_id"],
                kind=EventKind(r["kind"]),
                at=required_time(r["at"]),
                actor_id=r["actor_id"],
                details=json.loads(r["details"]),
            )
            for r in rows
        ]

    async def undigested(self) -> Sequence[Petition]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM petitions WHERE digested_at IS NULL ORDER BY id"
        )
        return [_petition(r) for r in rows]

    async def mark_digested(self, petition_ids: Sequence[int], at: datetime) -> None:
        await self.conn.executemany(
            "UPDATE petitions SET digested_at = ? WHERE id = ?",
            [(to_db_time(at), pid) for pid in petition_ids],
        )

    async def last_digest_at(self) -> datetime | None:
        rows = list(await self.conn.execute_fetchall("SELECT MAX(at) FROM petition_digests"))
        return from_db_time(rows[0][0]) if rows else None

    async def add_digest(self, at: datetime, petitions: int) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO petition_digests (at, petitions) VALUES (?, ?)",
            (to_db_time(at), petitions),
        )
        return int(new_id or 0)


def _petition(row: Row) -> Petition:
    behalf = None
    if row["on_behalf_name"] is not None:
        behalf = OnBehalf(
            name=row["on_behalf_name"],
            address=row["on_behalf_address"] or "",
            phone=row["on_behalf_phone"],
            filed_by=row["filed_by"],
        )
    return Petition(
        id=row["id"],
        code=row["code"],
        author_id=row["author_id"],
        on_behalf=behalf,
        channel=Channel(row["channel"]),
        field=FieldOfConcern(row["field"]),
        content=row["content"],
        concerns_address=row["concerns_address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        attachments=tuple(Attachment.of(a) for a in json.loads(row["attachments"])),
        session_id=row["session_id"],
        status=Status(row["status"]),
        named_publicly=bool(row["named_publicly"]),
        content_public=bool(row["content_public"]),
        created_at=required_time(row["created_at"]),
    )

"""SQLite repository for dialogue sessions and their registrations (``bot.domain.sessions``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.sessions import (
    AudienceScope,
    Host,
    Registration,
    RegistrationStatus,
    Session,
    SessionForm,
    SessionKind,
    SessionStatus,
    SocialGroup,
)
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import insert_id

_COLUMNS = (
    "kind, title, host, deputy, form, link, starts_at, ends_at, venue, latitude, longitude,"
    " audience, group_codes, social_group, capacity, opinion_deadline, status, version,"
    " lead_time_reason, cancel_reason, planned_week, created_by, created_at, updated_at,"
    " published_at"
)


def _values(s: Session) -> tuple[Any, ...]:
    return (
        s.kind.value,
        s.title,
        s.host.value,
        s.deputy,
        s.form.value,
        s.link,
        to_db_time(s.starts_at),
        to_db_time(s.ends_at),
        s.venue,
        s.latitude,
        s.longitude,
        s.audience.value,
        json.dumps(list(s.group_codes)),
        None if s.social_group is None else s.social_group.value,
        s.capacity,
        to_db_time(s.opinion_deadline),
        s.status.value,
        s.version,
        s.lead_time_reason,
        s.cancel_reason,
        s.planned_week,
        s.created_by,
        to_db_time(s.created_at),
        to_db_time(s.updated_at),
        to_db_time(s.published_at),
    )


def _session(row: Row) -> Session:
    social = row["social_group"]
    return Session(
        id=row["id"],
        kind=SessionKind(row["kind"]),
        title=row["title"],
        host=Host(row["host"]),
        deputy=row["deputy"],
        form=SessionForm(row["form"]),
        link=row["link"],
        starts_at=required_time(row["starts_at"]),
        ends_at=from_db_time(row["ends_at"]),
        venue=row["venue"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        audience=AudienceScope(row["audience"]),
        group_codes=tuple(json.loads(row["group_codes"])),
        social_group=None if social is None else SocialGroup(social),
        capacity=row["capacity"],
        opinion_deadline=from_db_time(row["opinion_deadline"]),
        status=SessionStatus(row["status"]),
        version=row["version"],
        lead_time_reason=row["lead_time_reason"],
        cancel_reason=row["cancel_reason"],
        planned_week=row["planned_week"],
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
        published_at=from_db_time(row["published_at"]),
    )


def _registration(row: Row) -> Registration:
    return Registration(
        session_id=row["session_id"],
        user_id=row["user_id"],
        status=RegistrationStatus(row["status"]),
        registered_at=required_time(row["registered_at"]),
        updated_at=required_time(row["updated_at"]),
        speaks=bool(row["speaks"]),
        topic=row["topic"],
        speaking_position=row["speaking_position"],
        full_name=row["full_name"] if "full_name" in row.keys() else None,
    )


@dataclass(slots=True)
class SqliteSessions:
    conn: Connection

    async def add(self, session: Session) -> int:
        marks = ", ".join("?" * 25)
        new_id = await insert_id(
            self.conn, f"INSERT INTO sessions ({_COLUMNS}) VALUES ({marks})", _values(session)
        )
        if new_id is None:
            raise RuntimeError("session insert returned no id")
        session.id = new_id
        return session.id

    async def save(self, session: Session) -> None:
        sets = ", ".join(f"{c.strip()} = ?" for c in _COLUMNS.split(","))
        await self.conn.execute(
            f"UPDATE sessions SET {sets} WHERE id = ?", (*_values(session), session.id)
        )

    async def get(self, session_id: int) -> Session | None:
        rows = list(
            await self.conn.execute_fetchall("SELECT * FROM sessions WHERE id = ?", (session_id,))
        )
        return _session(rows[0]) if rows else None

    async def open_for_opinions(self, now: datetime) -> Sequence[Session]:
        stamp = to_db_time(now)
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM sessions WHERE status = 'published' AND starts_at > ?"
            " AND (opinion_deadline IS NULL OR opinion_deadline > ?) ORDER BY starts_at, id",
            (stamp, stamp),
        )
        return [_session(r) for r in rows]

    async def upcoming(self, now: datetime, *, include_drafts: bool = False) -> list[Session]:
        """Sessions not yet over (a session without an end counts until its start)."""
        statuses = "('published', 'draft')" if include_drafts else "('published')"
        rows = await self.conn.execute_fetchall(
            f"SELECT * FROM sessions WHERE status IN {statuses}"
            " AND COALESCE(ends_at, starts_at) > ? ORDER BY starts_at, id",
            (to_db_time(now),),
        )
        return [_session(r) for r in rows]

    async def all(self) -> list[Session]:
        rows = await self.conn.execute_fetchall("SELECT * FROM sessions ORDER BY starts_at, id")
        return [_session(r) for r in rows]

    async def by_planned_week(self, week: str) -> Session | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM sessions WHERE planned_week = ?", (week,)
            )
        )
        return _session(rows[0]) if rows else None

    async def starting_between(self, start: datetime, end: datetime) -> list[Session]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM sessions WHERE status = 'published' AND starts_at > ?"
            " AND starts_at <= ? ORDER BY starts_at, id",
            (to_db_time(start), to_db_time(end)),
        )
        return [_session(r) for r in rows]

    async def registration(self, session_id: int, user_id: int) -> Registration | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM session_registrations WHERE session_id = ? AND user_id = ?",
                (session_id, user_id),
            )
        )
        return _registration(rows[0]) if rows else None

    async def save_registration(self, registration: Registration) -> None:
        r = registration
        await self.conn.execute(
            "INSERT INTO session_registrations (session_id, user_id, status, speaks, topic,"
            " speaking_position, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (session_id, user_id) DO UPDATE SET status = excluded.status,"
            " speaks = excluded.speaks, topic = excluded.topic,"
            " speaking_position = excluded.speaking_position,"
            " registered_at = excluded.registered_at, updated_at = excluded.updated_at",
            (
                r.session_id,
                r.user_id,
                r.status.value,
                int(r.speaks),
                r.topic,
                r.speaking_position,
                to_db_time(r.registered_at),
                to_db_time(r.updated_at),
            ),
        )

    async def registrations(
        self, session_id: int, statuses: Sequence[RegistrationStatus] = ()
    ) -> list[Registration]:
        where = ""
        params: list[Any] = [session_id]
        if statuses:
            where = f" AND g.status IN ({', '.join('?' * len(statuses))})"
            params.extend(s.value for s in statuses)
        rows = await self.conn.execute_fetchall(
            "SELECT g.*, r.full_name AS full_name FROM session_registrations g"
            " LEFT JOIN residents r ON r.person_id = g.user_id"
            f" WHERE g.session_id = ?{where} ORDER BY g.registered_at, g.user_id",
            params,
        )
        return [_registration(r) for r in rows]

    async def count(self, session_id: int, status: RegistrationStatus) -> int:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT COUNT(*) FROM session_registrations WHERE session_id = ? AND status = ?",
                (session_id, status.value),
            )
        )
        return int(rows[0][0])

    async def next_speaking_position(self, session_id: int) -> int:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT COALESCE(MAX(speaking_position), 0) FROM session_registrations"
                " WHERE session_id = ? AND status != 'cancelled'",
                (session_id,),
            )
        )
        return int(rows[0][0]) + 1

    async def user_registrations(self, user_id: int) -> dict[int, Registration]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM session_registrations WHERE user_id = ?", (user_id,)
        )
        return {row["session_id"]: _registration(row) for row in rows}

    async def cancel_pending_reminders(self, session_id: int) -> int:
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'cancelled', last_error = 'session changed'"
            " WHERE status = 'pending' AND idempotency_key LIKE ?",
            (f"reminder:{session_id}:%",),
        )
        return cur.rowcount

    async def fact(self, key: str) -> str | None:
        rows = list(
            await self.conn.execute_fetchall("SELECT value FROM bot_facts WHERE key = ?", (key,))
        )
        return str(rows[0][0]) if rows else None

    async def set_fact(self, key: str, value: str) -> None:
        await self.conn.execute(
            "INSERT INTO bot_facts (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

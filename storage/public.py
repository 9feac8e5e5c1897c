"""SQLite repository for the public pages: the filtered list (indexed: newest first by id within
a field, a status, a unit or a month), the home page's figures and the published notices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.deadlines import ConclusionNotice
from bot.domain.petitions import EventKind, FieldOfConcern, PetitionEvent
from bot.domain.public import PublicFigures, PublicFilter, UnitCount
from bot.domain.workflow import UNIT_STATUSES, Item
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import fetch_one
from storage.workflow import _JOINED, _item

_EVENTS = {
    "sqlite": "(SELECT json_group_array(json_array(e.id, e.kind, e.at, e.actor_id, e.details))"
    " FROM (SELECT * FROM petition_events WHERE petition_id = p.id ORDER BY at, id) e)",
    "postgresql": "(SELECT json_agg(json_build_array(e.id, e.kind, e.at, e.actor_id, e.details)"
    " ORDER BY e.at, e.id)::text FROM petition_events e WHERE e.petition_id = p.id)",
}
"""A petition's timeline as one JSON column, so its page is one query; the two engines spell
the aggregate differently."""


@dataclass(slots=True)
class SqlitePublic:
    conn: Connection

    async def listing(self, flt: PublicFilter, *, offset: int, limit: int) -> Sequence[Item]:
        where: list[str] = []
        params: list[Any] = []
        if flt.field is not None:
            where.append("p.field = ?")
            params.append(flt.field.value)
        if flt.status is not None:
            where.append("p.status = ?")
            params.append(flt.status.value)
        if flt.unit_code is not None:
            where.append("o.unit_code = ?")
            params.append(flt.unit_code)
        if flt.since is not None:
            where.append("p.created_at >= ?")
            params.append(to_db_time(flt.since))
        if flt.until is not None:
            where.append("p.created_at < ?")
            params.append(to_db_time(flt.until))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        # The same order (ids grow with time) written so that the filter's index serves it:
        # a unit's rows come in petition order from (unit_code, petition_id), a month's from
        # (created_at, id); otherwise the primary key or (field, id) / (status, id).
        if flt.unit_code is not None:
            order = "o.petition_id DESC"
        elif flt.since is not None or flt.until is not None:
            order = "p.created_at DESC, p.id DESC"
        else:
            order = "p.id DESC"
        rows = await self.conn.execute_fetchall(
            f"{_JOINED}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_item(row) for row in rows]

    def _events(self) -> str:
        return _EVENTS[getattr(self.conn, "dialect", "sqlite")]

    async def item(self, code: str) -> tuple[Item, Sequence[PetitionEvent]] | None:
        rows = list(
            await self.conn.execute_fetchall(
                _JOINED.replace("SELECT p.*,", f"SELECT p.*, {self._events()} AS events_json,", 1)
                + " WHERE p.code = ?",
                (code,),
            )
        )
        if not rows:
            return None
        row = rows[0]
        events = [
            PetitionEvent(
                id=e[0],
                petition_id=row["id"],
                kind=EventKind(e[1]),
                at=required_time(e[2]),
                actor_id=e[3],
                details=json.loads(e[4]) if isinstance(e[4], str) else (e[4] or {}),
            )
            for e in json.loads(row["events_json"] or "[]")
        ]
        return _item(row), events

    async def figures(self, since: datetime, until: datetime, today: date) -> PublicFigures:
        bounds = (to_db_time(since), to_db_time(until))
        received = await fetch_one(
            self.conn,
            "SELECT COUNT(*) FROM petitions WHERE created_at >= ? AND created_at < ?",
            bounds,
        )
        by_field = await self.conn.execute_fetchall(
            "SELECT field, COUNT(*) FROM petitions WHERE created_at >= ? AND created_at < ?"
            " GROUP BY field ORDER BY COUNT(*) DESC, field",
            bounds,
        )
        answered = await fetch_one(
            self.conn,
            "SELECT COUNT(*), SUM(CASE WHEN answered_on_time = 1 THEN 1 ELSE 0 END)"
            " FROM petition_outcomes WHERE answered_at >= ? AND answered_at < ?",
            bounds,
        )
        verdicts = await fetch_one(
            self.conn,
            "SELECT SUM(CASE WHEN o.satisfied = 1 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN o.satisfied = 0 THEN 1 ELSE 0 END) FROM petition_outcomes o"
            " JOIN petitions p ON p.id = o.petition_id"
            " WHERE p.created_at >= ? AND p.created_at < ?",
            bounds,
        )
        statuses = ", ".join(f"'{s.value}'" for s in UNIT_STATUSES)
        overdue = await fetch_one(
            self.conn,
            "SELECT COUNT(*) FROM petition_outcomes o JOIN petitions p ON p.id = o.petition_id"
            f" WHERE o.unit_code IS NOT NULL AND o.due_on < ? AND p.status IN ({statuses})",
            (today.isoformat(),),
        )
        units = await self.conn.execute_fetchall(
            "SELECT o.unit_code,"
            " SUM(CASE WHEN p.created_at >= ? AND p.created_at < ? THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN o.answered_at >= ? AND o.answered_at < ? THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN o.answered_at >= ? AND o.answered_at < ?"
            " AND o.answered_on_time = 1 THEN 1 ELSE 0 END)"
            " FROM petition_outcomes o JOIN petitions p ON p.id = o.petition_id"
            " WHERE o.unit_code IS NOT NULL GROUP BY o.unit_code ORDER BY o.unit_code",
            bounds * 3,
        )
        return PublicFigures(
            received=_int(received, 0),
            answered=_int(answered, 0),
            on_time=_int(answered, 1),
            overdue=_int(overdue, 0),
            satisfied=_int(verdicts, 0),
            not_satisfied=_int(verdicts, 1),
            by_field=tuple((FieldOfConcern(row[0]), int(row[1])) for row in by_field),
            by_unit=tuple(
                UnitCount(row[0], int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))
                for row in units
            ),
        )

    async def published_conclusions(self, limit: int) -> Sequence[ConclusionNotice]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM conclusion_notices WHERE published_at IS NOT NULL"
            " ORDER BY published_at DESC, session_id DESC LIMIT ?",
            (limit,),
        )
        return [
            ConclusionNotice(
                session_id=row["session_id"],
                updated_at=required_time(row["updated_at"]),
                free_text=row["free_text"],
                complex_reason=row["complex_reason"],
                published_at=from_db_time(row["published_at"]),
                published_by=row["published_by"],
            )
            for row in rows
        ]


def _int(row: Row | None, index: int) -> int:
    return int(row[index] or 0) if row is not None else 0

"""SQLite repository for the assignment workflow: handling rows, extension requests, views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.petitions import FieldOfConcern, Status, normalise_text
from bot.domain.workflow import (
    INBOX_STATUSES,
    UNIT_STATUSES,
    ConclusionItem,
    ExtensionRequest,
    ExtensionStatus,
    Handling,
    InboxFilter,
    Item,
    Outcome,
    UnitRate,
)
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.petitions import _petition
from storage.rows import insert_id

_HANDLING_COLUMNS = (
    "outcome, unit_code, due_on, accepted_at, answer_text, answer_file_kind, answer_file_id,"
    " answered_at, answered_by, answered_on_time, forward_note, reason, group_id,"
    " reopen_count, satisfied, updated_at"
)
_HANDLING_UPDATE = ", ".join(
    f"{c.strip()} = excluded.{c.strip()}" for c in _HANDLING_COLUMNS.split(",")
)
_JOINED = (
    "SELECT p.*, o.petition_id AS o_pid, o.outcome AS o_outcome, o.unit_code AS o_unit_code,"
    " o.due_on AS o_due_on, o.accepted_at AS o_accepted_at, o.answer_text AS o_answer_text,"
    " o.answer_file_kind AS o_answer_file_kind, o.answer_file_id AS o_answer_file_id,"
    " o.answered_at AS o_answered_at, o.answered_by AS o_answered_by,"
    " o.answered_on_time AS o_answered_on_time, o.forward_note AS o_forward_note,"
    " o.reason AS o_reason, o.group_id AS o_group_id, o.reopen_count AS o_reopen_count,"
    " o.satisfied AS o_satisfied, o.updated_at AS o_updated_at"
    " FROM petitions p LEFT JOIN petition_outcomes o ON o.petition_id = p.id"
)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _handling(row: Row, prefix: str = "") -> Handling | None:
    if row[f"{prefix}petition_id" if not prefix else "o_pid"] is None:
        return None

    def col(name: str) -> Any:
        return row[prefix + name]

    return Handling(
        petition_id=int(row["o_pid"] if prefix else row["petition_id"]),
        updated_at=required_time(col("updated_at")),
        outcome=Outcome(col("outcome")) if col("outcome") else None,
        unit_code=col("unit_code"),
        due_on=_day(col("due_on")),
        accepted_at=from_db_time(col("accepted_at")),
        answer_text=col("answer_text"),
        answer_file_kind=col("answer_file_kind"),
        answer_file_id=col("answer_file_id"),
        answered_at=from_db_time(col("answered_at")),
        answered_by=col("answered_by"),
        answered_on_time=_opt_bool(col("answered_on_time")),
        forward_note=col("forward_note"),
        reason=col("reason"),
        group_id=col("group_id"),
        reopen_count=int(col("reopen_count") or 0),
        satisfied=_opt_bool(col("satisfied")),
    )


def _item(row: Row) -> Item:
    return Item(_petition(row), _handling(row, "o_"))


def _extension(row: Row) -> ExtensionRequest:
    return ExtensionRequest(
        id=row["id"],
        petition_id=row["petition_id"],
        unit_code=row["unit_code"],
        requested_by=row["requested_by"],
        reason=row["reason"],
        current_due=date.fromisoformat(row["current_due"]),
        proposed_due=date.fromisoformat(row["proposed_due"]),
        status=ExtensionStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=from_db_time(row["decided_at"]),
        created_at=required_time(row["created_at"]),
    )


def _inbox_where(flt: InboxFilter) -> tuple[str, list[Any]]:
    statuses = [flt.status] if flt.status else list(INBOX_STATUSES)
    where = [f"p.status IN ({', '.join('?' for _ in statuses)})"]
    params: list[Any] = [s.value for s in statuses]
    # A reopened item still held by its unit is the unit's work, not the inbox's.
    where.append("NOT (p.status = 'reopened' AND o.unit_code IS NOT NULL)")
    if flt.field:
        where.append("p.field = ?")
        params.append(flt.field.value)
    if flt.weekly:
        where.append("p.session_id IS NULL")
    elif flt.session_id:
        where.append("p.session_id = ?")
        params.append(flt.session_id)
    if flt.search and flt.search.strip():
        words = normalise_text(flt.search).split()
        where.append(
            "(p.code = ? OR ("
            + " AND ".join("p.content_key LIKE ? ESCAPE '\\'" for _ in words or [""])
            + "))"
        )
        params.append(flt.search.strip().upper())
        params.extend(f"%{_like(word)}%" for word in words or [""])
    return " AND ".join(where), params


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(slots=True)
class SqliteWorkflow:
    conn: Connection

    async def handling(self, petition_id: int) -> Handling | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM petition_outcomes WHERE petition_id = ?", (petition_id,)
            )
        )
        return _handling(rows[0]) if rows else None

    async def save_handling(self, handling: Handling) -> None:
        h = handling
        await self.conn.execute(
            f"INSERT INTO petition_outcomes (petition_id, {_HANDLING_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (petition_id) DO UPDATE SET {_HANDLING_UPDATE}",
            (
                h.petition_id,
                h.outcome.value if h.outcome else None,
                h.unit_code,
                h.due_on.isoformat() if h.due_on else None,
                to_db_time(h.accepted_at),
                h.answer_text,
                h.answer_file_kind,
                h.answer_file_id,
                to_db_time(h.answered_at),
                h.answered_by,
                None if h.answered_on_time is None else int(h.answered_on_time),
                h.forward_note,
                h.reason,
                h.group_id,
                h.reopen_count,
                None if h.satisfied is None else int(h.satisfied),
                to_db_time(h.updated_at),
            ),
        )

    async def set_status(self, petition_id: int, status: Status) -> None:
        await self.conn.execute(
            "UPDATE petitions SET status = ? WHERE id = ?", (status.value, petition_id)
        )

    async def set_field(self, petition_id: int, field: FieldOfConcern) -> None:
        await self.conn.execute(
            "UPDATE petitions SET field = ? WHERE id = ?", (field.value, petition_id)
        )

    async def inbox(self, flt: InboxFilter, *, offset: int, limit: int) -> Sequence[Item]:
        where, params = _inbox_where(flt)
        rows = await self.conn.execute_fetchall(
            f"{_JOINED} WHERE {where} ORDER BY p.id LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        return [_item(r) for r in rows]

    async def count_inbox(self, flt: InboxFilter) -> int:
        where, params = _inbox_where(flt)
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT COUNT(*) FROM petitions p LEFT JOIN petition_outcomes o"
                f" ON o.petition_id = p.id WHERE {where}",
                tuple(params),
            )
        )
        return int(rows[0][0])

    async def unit_items(self, unit_code: str) -> Sequence[Item]:
        marks = ", ".join("?" for _ in UNIT_STATUSES)
        rows = await self.conn.execute_fetchall(
            f"{_JOINED} WHERE o.unit_code = ? AND p.status IN ({marks}) ORDER BY o.due_on, p.id",
            (unit_code, *(s.value for s in UNIT_STATUSES)),
        )
        return [_item(r) for r in rows]

    async def group_members(self, group_id: int) -> Sequence[Item]:
        rows = await self.conn.execute_fetchall(
            f"{_JOINED} WHERE o.group_id = ? ORDER BY p.id", (group_id,)
        )
        return [_item(r) for r in rows]

    async def similar_pool(self, exclude_id: int, limit: int) -> Sequence[tuple[int, str, str]]:
        rows = await self.conn.execute_fetchall(
            "SELECT id, code, content_key FROM petitions WHERE id != ? ORDER BY id DESC LIMIT ?",
            (exclude_id, limit),
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def add_extension(self, request: ExtensionRequest) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO extension_requests (petition_id, unit_code, requested_by, reason,"
            " current_due, proposed_due, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.petition_id,
                request.unit_code,
                request.requested_by,
                request.reason,
                request.current_due.isoformat(),
                request.proposed_due.isoformat(),
                request.status.value,
                to_db_time(request.created_at),
            ),
        )
        request.id = int(new_id or 0)
        return request.id

    async def extension(self, request_id: int) -> ExtensionRequest | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM extension_requests WHERE id = ?", (request_id,)
            )
        )
        return _extension(rows[0]) if rows else None

    async def pending_extension(self, petition_id: int) -> ExtensionRequest | None:
        rows = list(
            await self.conn.execute_fetchall(
                "SELECT * FROM extension_requests WHERE petition_id = ? AND status = 'pending'"
                " ORDER BY id DESC LIMIT 1",
                (petition_id,),
            )
        )
        return _extension(rows[0]) if rows else None

    async def save_extension(self, request: ExtensionRequest) -> None:
        await self.conn.execute(
            "UPDATE extension_requests SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            (request.status.value, request.decided_by, to_db_time(request.decided_at), request.id),
        )

    async def overdue(self, today: date, limit: int) -> Sequence[Item]:
        marks = ", ".join("?" for _ in UNIT_STATUSES)
        rows = await self.conn.execute_fetchall(
            f"{_JOINED} WHERE o.unit_code IS NOT NULL AND o.due_on < ?"
            f" AND p.status IN ({marks}) ORDER BY o.due_on, p.id LIMIT ?",
            (today.isoformat(), *(s.value for s in UNIT_STATUSES), limit),
        )
        return [_item(r) for r in rows]

    async def unit_rates(self, today: date) -> Sequence[UnitRate]:
        marks = ", ".join("?" for _ in UNIT_STATUSES)
        rows = await self.conn.execute_fetchall(
            "SELECT o.unit_code,"
            " SUM(CASE WHEN o.answered_on_time IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(COALESCE(o.answered_on_time, 0)),"
            f" SUM(CASE WHEN p.status IN ({marks}) THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN p.status IN ({marks}) AND o.due_on < ? THEN 1 ELSE 0 END)"
            " FROM petition_outcomes o JOIN petitions p ON p.id = o.petition_id"
            " WHERE o.unit_code IS NOT NULL GROUP BY o.unit_code ORDER BY o.unit_code",
            (
                *(s.value for s in UNIT_STATUSES),
                *(s.value for s in UNIT_STATUSES),
                today.isoformat(),
            ),
        )
        return [
            UnitRate(str(r[0]), int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0))
            for r in rows
        ]

    async def by_session_for_conclusion(self, session_id: int) -> Sequence[ConclusionItem]:
        rows = await self.conn.execute_fetchall(
            f"{_JOINED} WHERE p.session_id = ? ORDER BY p.id", (session_id,)
        )
        found = []
        for r in rows:
            item = _item(r)
            h = item.handling
            found.append(
                ConclusionItem(
                    petition_id=int(item.petition.id or 0),
                    code=item.petition.code,
                    field=item.petition.field,
                    outcome=h.outcome if h else None,
                    unit_code=h.unit_code if h else None,
                    due_on=h.due_on if h else None,
                    answer_text=h.answer_text if h else None,
                    forward_note=h.forward_note if h else None,
                    author_id=item.petition.author_id,
                )
            )
        return found

"""SQLite repository for deadlines (implements ``bot.domain.deadlines.DeadlineRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.deadlines import (
    ConclusionNotice,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    SurveyAnswer,
    first_look_on,
)
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import fetch_one, insert_id


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _deadline(row: Row) -> Deadline:
    return Deadline(
        id=row["id"],
        kind=DeadlineKind(row["kind"]),
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        unit_code=row["unit_code"],
        due_on=date.fromisoformat(row["due_on"]),
        status=DeadlineStatus(row["status"]),
        opened_at=required_time(row["opened_at"]),
        closed_at=from_db_time(row["closed_at"]),
        last_reminded_on=_day(row["last_reminded_on"]),
        escalated_on=_day(row["escalated_on"]),
        next_remind_on=_day(row["next_remind_on"]),
        note=row["note"],
    )


@dataclass(slots=True)
class SqliteDeadlines:
    conn: Connection

    async def open(
        self,
        *,
        kind: DeadlineKind,
        subject_type: str,
        subject_id: str,
        unit_code: str | None,
        due_on: date,
        now: datetime,
        note: str | None = None,
    ) -> int:
        existing = await self.get_open(kind=kind, subject_type=subject_type, subject_id=subject_id)
        look = first_look_on(due_on).isoformat()
        if existing is not None:
            await self.conn.execute(
                "UPDATE deadlines SET unit_code = ?, due_on = ?, next_remind_on = ?,"
                " escalated_on = NULL, note = COALESCE(?, note) WHERE id = ?",
                (unit_code, due_on.isoformat(), look, note, existing.id),
            )
            return existing.id
        new_id = await insert_id(
            self.conn,
            "INSERT INTO deadlines (kind, subject_type, subject_id, unit_code, due_on, status,"
            " opened_at, next_remind_on, note) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)",
            (
                kind.value,
                subject_type,
                str(subject_id),
                unit_code,
                due_on.isoformat(),
                to_db_time(now),
                look,
                note,
            ),
        )
        return int(new_id or 0)

    async def close(
        self,
        *,
        kind: DeadlineKind,
        subject_type: str,
        subject_id: str,
        now: datetime,
        status: DeadlineStatus = DeadlineStatus.DONE,
    ) -> bool:
        cur = await self.conn.execute(
            "UPDATE deadlines SET status = ?, closed_at = ?, next_remind_on = NULL"
            " WHERE kind = ? AND subject_type = ? AND subject_id = ? AND status = 'open'",
            (status.value, to_db_time(now), kind.value, subject_type, str(subject_id)),
        )
        return cur.rowcount > 0

    async def get(self, deadline_id: int) -> Deadline | None:
        row = await fetch_one(self.conn, "SELECT * FROM deadlines WHERE id = ?", (deadline_id,))
        return None if row is None else _deadline(row)

    async def get_open(
        self, *, kind: DeadlineKind, subject_type: str, subject_id: str
    ) -> Deadline | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM deadlines WHERE kind = ? AND subject_type = ? AND subject_id = ?"
            " AND status = 'open'",
            (kind.value, subject_type, str(subject_id)),
        )
        return None if row is None else _deadline(row)

    async def latest(
        self, *, kind: DeadlineKind, subject_type: str, subject_id: str
    ) -> Deadline | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM deadlines WHERE subject_type = ? AND subject_id = ? AND kind = ?"
            " ORDER BY id DESC LIMIT 1",
            (subject_type, str(subject_id), kind.value),
        )
        return None if row is None else _deadline(row)

    async def due(self, *, until: date, limit: int) -> Sequence[Deadline]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM deadlines INDEXED BY deadlines_next"
            " WHERE status = 'open' AND next_remind_on <= ? ORDER BY next_remind_on, id LIMIT ?",
            (until.isoformat(), limit),
        )
        return [_deadline(r) for r in rows]

    async def mark_reminded(self, deadline_id: int, *, on: date, next_on: date) -> None:
        await self.conn.execute(
            "UPDATE deadlines SET last_reminded_on = ?, next_remind_on = ? WHERE id = ?",
            (on.isoformat(), next_on.isoformat(), deadline_id),
        )

    async def reschedule(self, deadline_id: int, *, next_on: date) -> None:
        await self.conn.execute(
            "UPDATE deadlines SET next_remind_on = ? WHERE id = ? AND status = 'open'",
            (next_on.isoformat(), deadline_id),
        )

    async def mark_escalated(self, deadline_id: int, *, on: date) -> None:
        await self.conn.execute(
            "UPDATE deadlines SET escalated_on = ? WHERE id = ?", (on.isoformat(), deadline_id)
        )

    async def overdue(self, *, today: date) -> Sequence[Deadline]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM deadlines INDEXED BY deadlines_open_due"
            " WHERE status = 'open' AND due_on < ? ORDER BY due_on, id",
            (today.isoformat(),),
        )
        return [_deadline(r) for r in rows]

    async def open_for_unit(self, unit_code: str) -> Sequence[Deadline]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM deadlines WHERE status = 'open' AND unit_code = ? ORDER BY due_on, id",
            (unit_code,),
        )
        return [_deadline(r) for r in rows]

    async def open_of_kind(self, kind: DeadlineKind) -> Sequence[Deadline]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM deadlines INDEXED BY deadlines_open_subject"
            " WHERE status = 'open' AND kind = ? ORDER BY id",
            (kind.value,),
        )
        return [_deadline(r) for r in rows]


@dataclass(slots=True)
class SqliteConclusions:
    conn: Connection

    async def get(self, session_id: int) -> ConclusionNotice | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM conclusion_notices WHERE session_id = ?", (session_id,)
        )
        if row is None:
            return None
        return ConclusionNotice(
            session_id=row["session_id"],
            updated_at=required_time(row["updated_at"]),
            free_text=row["free_text"],
            complex_reason=row["complex_reason"],
            published_at=from_db_time(row["published_at"]),
            published_by=row["published_by"],
        )

    async def save(self, notice: ConclusionNotice) -> None:
        await self.conn.execute(
            "INSERT INTO conclusion_notices (session_id, free_text, complex_reason, published_at,"
            " published_by, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO"
            " UPDATE SET free_text = excluded.free_text, complex_reason = excluded.complex_reason,"
            " published_at = excluded.published_at, published_by = excluded.published_by,"
            " updated_at = excluded.updated_at",
            (
                notice.session_id,
                notice.free_text,
                notice.complex_reason,
                to_db_time(notice.published_at),
                notice.published_by,
                to_db_time(notice.updated_at),
            ),
        )


@dataclass(slots=True)
class SqliteSurveys:
    conn: Connection

    async def invite(self, session_id: int, user_id: int, now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO survey_answers (session_id, user_id, invited_at) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id, user_id) DO NOTHING",
            (session_id, user_id, to_db_time(now)),
        )
        return cur.rowcount > 0

    async def get(self, session_id: int, user_id: int) -> SurveyAnswer | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM survey_answers WHERE session_id = ? AND user_id = ?",
            (session_id, user_id),
        )
        if row is None:
            return None
        return SurveyAnswer(
            session_id=row["session_id"],
            user_id=row["user_id"],
            invited_at=required_time(row["invited_at"]),
            score=row["score"],
            comment=row["comment"],
            answered_at=from_db_time(row["answered_at"]),
        )

    async def answer(self, session_id: int, user_id: int, *, score: int, now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE survey_answers SET score = ?, answered_at = ?"
            " WHERE session_id = ? AND user_id = ? AND score IS NULL",
            (score, to_db_time(now), session_id, user_id),
        )
        return cur.rowcount > 0

    async def comment(self, session_id: int, user_id: int, text: str) -> bool:
        cur = await self.conn.execute(
            "UPDATE survey_answers SET comment = ? WHERE session_id = ? AND user_id = ?"
            " AND score IS NOT NULL AND comment IS NULL",
            (text, session_id, user_id),
        )
        return cur.rowcount > 0

    async def summary(self, session_id: int) -> tuple[int, int, float | None]:
        row = await fetch_one(
            self.conn,
            "SELECT COUNT(*), COUNT(score), AVG(score) FROM survey_answers WHERE session_id = ?",
            (session_id,),
        )
        if row is None:
            return 0, 0, None
        return int(row[0]), int(row[1]), None if row[2] is None else float(row[2])

"""SQLite repository for the dossier and reports: filtered petition rows, minutes, report runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.reporting import Minutes, PetitionFilter, PetitionRow, Satisfaction
from storage.codec import required_time, to_db_time
from storage.db import Connection
from storage.rows import fetch_one
from storage.workflow import _JOINED, _item

_WITH_AUTHOR = (
    _JOINED.replace("SELECT p.*,", "SELECT p.*, r.full_name AS r_full_name,", 1)
    + " LEFT JOIN residents r ON r.person_id = p.author_id"
)


@dataclass(slots=True)
class SqliteReports:
    conn: Connection

    async def petition_rows(self, flt: PetitionFilter) -> Sequence[PetitionRow]:
        where: list[str] = []
        params: list[Any] = []
        if flt.since is not None:
            where.append("p.created_at >= ?")
            params.append(to_db_time(flt.since))
        if flt.until is not None:
            where.append("p.created_at < ?")
            params.append(to_db_time(flt.until))
        if flt.session_id is not None:
            where.append("p.session_id = ?")
            params.append(flt.session_id)
        if flt.field is not None:
            where.append("p.field = ?")
            params.append(flt.field.value)
        if flt.unit_code is not None:
            where.append("o.unit_code = ?")
            params.append(flt.unit_code)
        if flt.status is not None:
            where.append("p.status = ?")
            params.append(flt.status.value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self.conn.execute_fetchall(
            f"{_WITH_AUTHOR}{clause} ORDER BY p.id", tuple(params)
        )
        found = []
        for row in rows:
            item = _item(row)
            found.append(PetitionRow(item.petition, item.handling, row["r_full_name"]))
        return found

    async def minutes(self, session_id: int) -> Minutes | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM session_minutes WHERE session_id = ?", (session_id,)
        )
        if row is None:
            return None
        return Minutes(
            row["session_id"], row["text"], required_time(row["updated_at"]), row["updated_by"]
        )

    async def save_minutes(self, minutes: Minutes) -> None:
        await self.conn.execute(
            "INSERT INTO session_minutes (session_id, text, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET text = excluded.text,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (minutes.session_id, minutes.text, minutes.updated_by, to_db_time(minutes.updated_at)),
        )

    async def satisfaction(self, since: datetime, until: datetime) -> Satisfaction:
        survey = await fetch_one(
            self.conn,
            "SELECT COUNT(*), AVG(score) FROM survey_answers"
            " WHERE score IS NOT NULL AND answered_at >= ? AND answered_at < ?",
            (to_db_time(since), to_db_time(until)),
        )
        verdicts = await fetch_one(
            self.conn,
            "SELECT SUM(CASE WHEN o.satisfied = 1 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN o.satisfied = 0 THEN 1 ELSE 0 END) FROM petition_outcomes o"
            " JOIN petitions p ON p.id = o.petition_id"
            " WHERE p.created_at >= ? AND p.created_at < ?",
            (to_db_time(since), to_db_time(until)),
        )
        answered = int(survey[0] or 0) if survey else 0
        average = float(survey[1]) if survey and survey[1] is not None else None
        return Satisfaction(
            answered=answered,
            average=average,
            satisfied=int(verdicts[0] or 0) if verdicts else 0,
            not_satisfied=int(verdicts[1] or 0) if verdicts else 0,
        )

    async def record_run(self, kind: str, period: str, *, at: datetime, recipients: int) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO report_runs (kind, period, ran_at, recipients)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (kind, period) DO NOTHING",
            (kind, period, to_db_time(at), recipients),
        )
        return cur.rowcount == 1

    async def has_run(self, kind: str, period: str) -> bool:
        row = await fetch_one(
            self.conn,
            "SELECT 1 FROM report_runs WHERE kind = ? AND period = ?",
            (kind, period),
        )
        return row is not None

"""Link codes and the merge of two persons on SQLite.

``PERSON_COLUMNS`` names every column that refers to a person and what a merge does with it;
tests/test_linking.py compares it with the schema, so a new table with a person column cannot be
forgotten here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.linking import LinkCode
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection
from storage.rows import fetch_one

MOVED = "moved"
"""Re-pointed at the survivor."""
MERGED = "merged"
"""Re-pointed, keeping the better row where both persons have one for the same thing."""
REMOVED = "removed"
"""Dropped: the survivor's own row stands (its resident record is saved merged by the use case;
the absorbed person's link code cannot be used any more)."""
KEPT = "kept"
"""Left as it is: the absorbed id stays reserved (the ``person.merged`` audit entry names it)."""
REFUSED = "refused"
"""A staff member is never absorbed: the use case refuses before the merge."""

PERSON_COLUMNS: Mapping[str, str] = {
    "persons.id": KEPT,
    "accounts.person_id": MOVED,
    "residents.person_id": REMOVED,
    "staff.person_id": REFUSED,
    "chat_states.user_id": MERGED,
    # who did it is now the survivor, so a petition's audit trail still shows «Người dân» for
    # what its author did; entries *about* the absorbed person (subject_id) keep its id
    "audit_log.actor_id": MOVED,
    "broadcasts.created_by": MOVED,
    "broadcasts.cancelled_by": MOVED,
    "outbox.person_id": MOVED,
    "outbox.told_on_paper_by": MOVED,
    "sessions.created_by": MOVED,
    "session_registrations.user_id": MERGED,
    "petitions.author_id": MOVED,
    "petitions.filed_by": MOVED,
    "petition_events.actor_id": MOVED,
    "petition_outcomes.answered_by": MOVED,
    "extension_requests.requested_by": MOVED,
    "extension_requests.decided_by": MOVED,
    "conclusion_notices.published_by": MOVED,
    "survey_answers.user_id": MERGED,
    "session_minutes.updated_by": MOVED,
    "link_codes.person_id": REMOVED,
    # the dashboard is for staff, who are never absorbed; anything else is dropped
    "web_login_links.person_id": REMOVED,
    "web_sessions.person_id": REMOVED,
}

_PAIR_RANK = {
    "session_registrations": "CASE status WHEN 'attended' THEN 3 WHEN 'registered' THEN 2"
    " WHEN 'waitlisted' THEN 1 ELSE 0 END",
    "survey_answers": "answered_at IS NOT NULL",
}
"""Of two rows for the same session, the one kept: higher rank, the survivor's on a tie."""


@dataclass(slots=True)
class SqliteLinks:
    conn: Connection

    async def replace_code(self, code: LinkCode) -> None:
        await self.conn.execute(
            "INSERT INTO link_codes (person_id, code_hash, channel, external_id, issued_at,"
            " expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE"
            " SET code_hash = excluded.code_hash, channel = excluded.channel,"
            " external_id = excluded.external_id, issued_at = excluded.issued_at,"
            " expires_at = excluded.expires_at, used_at = excluded.used_at",
            (
                code.person_id,
                code.code_hash,
                code.channel,
                code.external_id,
                to_db_time(code.issued_at),
                to_db_time(code.expires_at),
                to_db_time(code.used_at),
            ),
        )

    async def find_code(self, code_hash: str) -> LinkCode | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM link_codes WHERE code_hash = ? ORDER BY issued_at DESC LIMIT 1",
            (code_hash,),
        )
        if row is None:
            return None
        return LinkCode(
            person_id=row["person_id"],
            code_hash=row["code_hash"],
            channel=row["channel"],
            external_id=row["external_id"],
            issued_at=required_time(row["issued_at"]),
            expires_at=required_time(row["expires_at"]),
            used_at=from_db_time(row["used_at"]),
        )

    async def mark_used(self, person_id: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE link_codes SET used_at = ? WHERE person_id = ?", (to_db_time(now), person_id)
        )

    async def record_wrong_try(self, channel: str, external_id: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO link_wrong_tries (channel, external_id, at) VALUES (?, ?, ?)",
            (channel, external_id, to_db_time(now)),
        )

    async def wrong_tries_since(
        self, channel: str, external_id: str, since: datetime
    ) -> Sequence[datetime]:
        rows = await self.conn.execute_fetchall(
            "SELECT at FROM link_wrong_tries WHERE channel = ? AND external_id = ? AND at > ?"
            " ORDER BY at",
            (channel, external_id, to_db_time(since)),
        )
        return [required_time(r[0]) for r in rows]

    async def merge_persons(self, absorbed: int, survivor: int) -> Mapping[str, int]:
        if absorbed == survivor:
            raise ValueError("a person cannot absorb itself")
        if await fetch_one(self.conn, "SELECT 1 FROM staff WHERE person_id = ?", (absorbed,)):
            raise ValueError("a staff member is never absorbed")
        moved: dict[str, int] = {}
        for column, how in PERSON_COLUMNS.items():
            table, name = column.split(".")
            if how == MOVED:
                moved[column] = await self._count(
                    f"UPDATE {table} SET {name} = ? WHERE {name} = ?", (survivor, absorbed)
                )
            elif how == REMOVED:
                moved[column] = await self._count(
                    f"DELETE FROM {table} WHERE {name} = ?", (absorbed,)
                )
            elif how == MERGED and table in _PAIR_RANK:
                moved[column] = await self._merge_pairs(table, absorbed, survivor)
            elif how == MERGED:
                # the key is the person column itself: the survivor's own row stands
                moved[column] = await self._count(
                    f"UPDATE {table} SET {name} = ? WHERE {name} = ?"
                    f" AND NOT EXISTS (SELECT 1 FROM {table} WHERE {name} = ?)",
                    (survivor, absorbed, survivor),
                )
                await self.conn.execute(f"DELETE FROM {table} WHERE {name} = ?", (absorbed,))
        return moved

    async def _merge_pairs(self, table: str, absorbed: int, survivor: int) -> int:
        """Rows keyed (session_id, user_id): where both persons have one, the better stays."""
        rank = _PAIR_RANK[table]
        both = await self.conn.execute_fetchall(
            f"SELECT a.session_id, (SELECT {rank} FROM {table} WHERE session_id = a.session_id"
            f" AND user_id = ?) AS absorbed_rank, (SELECT {rank} FROM {table}"
            f" WHERE session_id = a.session_id AND user_id = ?) AS survivor_rank"
            f" FROM {table} a JOIN {table} s ON s.session_id = a.session_id AND s.user_id = ?"
            " WHERE a.user_id = ?",
            (absorbed, survivor, survivor, absorbed),
        )
        for session_id, absorbed_rank, survivor_rank in both:
            loser = survivor if absorbed_rank > survivor_rank else absorbed
            await self.conn.execute(
                f"DELETE FROM {table} WHERE session_id = ? AND user_id = ?", (session_id, loser)
            )
        return await self._count(
            f"UPDATE {table} SET user_id = ? WHERE user_id = ?", (survivor, absorbed)
        )

    async def _count(self, sql: str, params: tuple[int, ...]) -> int:
        cur = await self.conn.execute(sql, params)
        return max(cur.rowcount, 0)

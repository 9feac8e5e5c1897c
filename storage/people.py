"""People on SQLite: residents, staff, persons and their channel accounts, drafts, audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.people import Account, AuditEntry, ChatState, Consent, Resident, Role, StaffRecord
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.rows import fetch_one, insert_id

BEST_ACCOUNT_FIRST = "reachable DESC, last_inbound_at IS NULL, last_inbound_at DESC, created_at"
"""The order of a person's accounts: reachable first, then the one they wrote from last."""


@dataclass(slots=True)
class SqliteResidents:
    conn: Connection

    async def get(self, person_id: int) -> Resident | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM residents WHERE person_id = ?", (person_id,)
        )
        return None if row is None else _resident(row)

    async def save(self, resident: Resident) -> None:
        await self.conn.execute(
            "INSERT INTO residents (person_id, consent, consent_at, full_name, group_code,"
            " phone, onboarded_at, notices_muted, reachable, deleted_at, created_at, updated_at,"
            " social_groups)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (person_id) DO UPDATE SET consent = excluded.consent,"
            " consent_at = excluded.consent_at, full_name = excluded.full_name,"
            " group_code = excluded.group_code, phone = excluded.phone,"
            " onboarded_at = excluded.onboarded_at, notices_muted = excluded.notices_muted,"
            " reachable = excluded.reachable, deleted_at = excluded.deleted_at,"
            " updated_at = excluded.updated_at, social_groups = excluded.social_groups",
            (
                resident.person_id,
                resident.consent.value,
                to_db_time(resident.consent_at),
                resident.full_name,
                resident.group_code,
                resident.phone,
                to_db_time(resident.onboarded_at),
                int(resident.notices_muted),
                int(resident.reachable),
                to_db_time(resident.deleted_at),
                to_db_time(resident.created_at or resident.updated_at),
                to_db_time(resident.updated_at or resident.created_at),
                ",".join(resident.social_groups),
            ),
        )

    async def count(self) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM residents", ())
        return int(row[0]) if row else 0

    async def in_social_group(self, code: str) -> list[int]:
        """Onboarded residents who declared the social group ``code``, by id."""
        rows = await self.conn.execute_fetchall(
            "SELECT person_id FROM residents WHERE consent = 'given'"
            " AND onboarded_at IS NOT NULL AND deleted_at IS NULL"
            " AND instr(',' || social_groups || ',', ?) > 0 ORDER BY person_id",
            (f",{code},",),
        )
        return [int(r[0]) for r in rows]


def _resident(row: Row) -> Resident:
    return Resident(
        person_id=row["person_id"],
        consent=Consent(row["consent"]),
        consent_at=from_db_time(row["consent_at"]),
        full_name=row["full_name"],
        group_code=row["group_code"],
        phone=row["phone"],
        onboarded_at=from_db_time(row["onboarded_at"]),
        notices_muted=bool(row["notices_muted"]),
        reachable=bool(row["reachable"]),
        deleted_at=from_db_time(row["deleted_at"]),
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
        social_groups=tuple(c for c in row["social_groups"].split(",") if c),
    )


@dataclass(slots=True)
class SqliteStaff:
    conn: Connection

    async def get(self, person_id: int) -> StaffRecord | None:
        row = await fetch_one(self.conn, "SELECT * FROM staff WHERE person_id = ?", (person_id,))
        return None if row is None else _staff(row)

    async def list_active(self) -> Sequence[StaffRecord]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM staff WHERE active = 1 ORDER BY person_id"
        )
        return [_staff(r) for r in rows]

    async def save(self, member: StaffRecord) -> None:
        await self.conn.execute(
            "INSERT INTO staff (person_id, full_name, role, unit_code, active)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET"
            " full_name = excluded.full_name, role = excluded.role,"
            " unit_code = excluded.unit_code, active = excluded.active",
            (
                member.person_id,
                member.full_name,
                member.role.value,
                member.unit_code,
                int(member.active),
            ),
        )


def _staff(row: Row) -> StaffRecord:
    return StaffRecord(
        person_id=row["person_id"],
        full_name=row["full_name"],
        role=Role(row["role"]),
        unit_code=row["unit_code"],
        active=bool(row["active"]),
    )


@dataclass(slots=True)
class SqliteAccounts:
    conn: Connection

    async def get(self, channel: str, external_id: str) -> Account | None:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM accounts WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        return None if row is None else _account(row)

    async def of_person(self, person_id: int) -> Sequence[Account]:
        rows = await self.conn.execute_fetchall(
            f"SELECT * FROM accounts WHERE person_id = ? ORDER BY {BEST_ACCOUNT_FIRST}",
            (person_id,),
        )
        return [_account(r) for r in rows]

    async def new_person(self, now: datetime, *, wanted_id: int | None = None) -> int:
        if wanted_id is not None:
            cur = await self.conn.execute(
                "INSERT INTO persons (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                (wanted_id, to_db_time(now)),
            )
            if cur.rowcount == 1:
                return wanted_id
        new_id = await insert_id(
            self.conn,
            "INSERT INTO persons (id, created_at)"
            " VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM persons), ?)",
            (to_db_time(now),),
        )
        return int(new_id or 0)

    async def link(self, account: Account) -> None:
        await self.conn.execute(
            "INSERT INTO accounts (channel, external_id, person_id, reachable, last_inbound_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, external_id)"
            " DO UPDATE SET person_id = excluded.person_id",
            (
                account.channel,
                account.external_id,
                account.person_id,
                int(account.reachable),
                to_db_time(account.last_inbound_at) if account.last_inbound_at else None,
                to_db_time(account.created_at or datetime.now(UTC)),
            ),
        )

    async def touch(self, channel: str, external_id: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE accounts SET reachable = 1, last_inbound_at = ?"
            " WHERE channel = ? AND external_id = ?",
            (to_db_time(now), channel, external_id),
        )

    async def set_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        await self.conn.execute(
            "UPDATE accounts SET reachable = ? WHERE channel = ? AND external_id = ?",
            (int(reachable), channel, external_id),
        )

    async def on_channel(self, channel: str, person_ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        ids = list(dict.fromkeys(person_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self.conn.execute_fetchall(
                "SELECT person_id, external_id FROM accounts WHERE channel = ?"
                f" AND person_id IN ({', '.join('?' * len(chunk))})",
                (channel, *chunk),
            )
            found.update({int(r[0]): str(r[1]) for r in rows})
        return found


def _account(row: Row) -> Account:
    return Account(
        channel=row["channel"],
        external_id=row["external_id"],
        person_id=row["person_id"],
        reachable=bool(row["reachable"]),
        last_inbound_at=from_db_time(row["last_inbound_at"]),
        created_at=from_db_time(row["created_at"]),
    )


@dataclass(slots=True)
class SqliteChatStates:
    conn: Connection

    async def get(self, user_id: int) -> ChatState | None:
        row = await fetch_one(self.conn, "SELECT * FROM chat_states WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return ChatState(
            user_id=row["user_id"],
            flow=row["flow"],
            step=row["step"],
            data=json.loads(row["data"]),
            updated_at=from_db_time(row["updated_at"]),
        )

    async def put(self, state: ChatState) -> None:
        if state.updated_at is None:
            raise ValueError("ChatState.updated_at is required when saving")
        await self.conn.execute(
            "INSERT INTO chat_states (user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " data = excluded.data, updated_at = excluded.updated_at",
            (
                state.user_id,
                state.flow,
                state.step,
                json.dumps(state.data, ensure_ascii=False),
                to_db_time(state.updated_at),
            ),
        )

    async def clear(self, user_id: int) -> None:
        await self.conn.execute("DELETE FROM chat_states WHERE user_id = ?", (user_id,))


@dataclass(slots=True)
class SqliteAuditLog:
    conn: Connection

    async def record(self, entry: AuditEntry) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, details)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                to_db_time(entry.at),
                entry.actor_id,
                entry.action,
                entry.subject_type,
                entry.subject_id,
                json.dumps(entry.details, ensure_ascii=False, default=str),
            ),
        )
        return int(new_id or 0)

    async def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        rows = await self.conn.execute_fetchall(
            "SELECT * FROM audit_log WHERE subject_type = ? AND subject_id = ? ORDER BY id",
            (subject_type, subject_id),
        )
        return [_audit(r) for r in rows]


def _audit(row: Row) -> AuditEntry:
    details: dict[str, Any] = json.loads(row["details"])
    return AuditEntry(
        id=row["id"],
        at=required_time(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        details=details,
    )

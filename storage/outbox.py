"""SQLite repositories for the outbox and broadcasts (``bot.outbox.queue`` protocols)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.conversation.replies import buttons_from_json, buttons_to_json
from bot.domain.addresses import MessageRef
from bot.domain.people import PHONE_CHANNEL
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    BroadcastStatus,
    Content,
    ContentKind,
    MediaKind,
    Notification,
    OutboxMessage,
    Priority,
    Recipient,
    Status,
)
from storage.codec import from_db_time, required_time, to_db_time
from storage.db import Connection, Row
from storage.people import BEST_ACCOUNT_FIRST
from storage.rows import insert_id

_INSERT = (
    "INSERT INTO outbox (event, person_id, channel, address, kind, text, media, params, buttons,"
    " idempotency_key, priority, status, next_attempt_at, last_error, broadcast_id, created_at,"
    " facts, about)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)
_ERROR_MAX = 500


def _not_in(addresses: Sequence[str]) -> str:
    return f" AND address NOT IN ({', '.join('?' * len(addresses))})" if addresses else ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _row_values(
    note: Notification, now: str | None, status: Status, last_error: str | None
) -> tuple[Any, ...]:
    content = note.content
    return (
        note.event,
        note.person_id,
        note.channel,
        note.address,
        content.kind.value,
        content.text,
        content.media,
        _json(dict(content.params)),
        _json(buttons_to_json(content.buttons)) if content.buttons else None,
        note.key,
        int(note.priority),
        status.value,
        now,
        last_error,
        note.broadcast_id,
        now,
        None if note.facts is None else _json(dict(note.facts)),
        note.about,
    )


def _message(row: Row) -> OutboxMessage:
    buttons = row["buttons"]
    return OutboxMessage(
        id=row["id"],
        event=row["event"],
        person_id=row["person_id"],
        channel=row["channel"],
        address=row["address"],
        key=row["idempotency_key"],
        content=Content(
            text=row["text"],
            kind=ContentKind(row["kind"]),
            media=row["media"],
            params=json.loads(row["params"]),
            buttons=buttons_from_json(json.loads(buttons)) if buttons else (),
        ),
        priority=Priority(row["priority"]),
        status=Status(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=required_time(row["next_attempt_at"]),
        created_at=required_time(row["created_at"]),
        last_error=row["last_error"],
        delivered_channel=row["delivered_channel"],
        channel_message_id=row["channel_message_id"],
        plain_text=bool(row["plain_text"]),
        broadcast_id=row["broadcast_id"],
        sent_at=from_db_time(row["sent_at"]),
        facts=None if row["facts"] is None else json.loads(row["facts"]),
        about=row["about"],
        undeliverable_at=from_db_time(row["undeliverable_at"]),
        told_on_paper_at=from_db_time(row["told_on_paper_at"]),
    )


@dataclass(slots=True)
class SqliteOutbox:
    conn: Connection

    async def add(
        self,
        notification: Notification,
        *,
        now: datetime,
        status: Status = Status.PENDING,
        last_error: str | None = None,
    ) -> int | None:
        return await insert_id(
            self.conn, _INSERT, _row_values(notification, to_db_time(now), status, last_error)
        )

    async def add_many(self, notifications: Sequence[Notification], *, now: datetime) -> int:
        stamp = to_db_time(now)
        cur = await self.conn.executemany(
            _INSERT, [_row_values(n, stamp, Status.PENDING, None) for n in notifications]
        )
        return max(cur.rowcount, 0)

    async def get(self, message_id: int) -> OutboxMessage | None:
        cur = await self.conn.execute("SELECT * FROM outbox WHERE id = ?", (message_id,))
        row = await cur.fetchone()
        return None if row is None else _message(row)

    async def by_key(self, key: str) -> OutboxMessage | None:
        cur = await self.conn.execute("SELECT * FROM outbox WHERE idempotency_key = ?", (key,))
        row = await cur.fetchone()
        return None if row is None else _message(row)

    async def due(
        self, channel: str, now: datetime, limit: int, exclude: Sequence[str] = ()
    ) -> list[OutboxMessage]:
        skip = _not_in(exclude)
        found: list[OutboxMessage] = []
        # One range scan of the partial index per priority, so mass rows not yet due are never
        # walked while looking for personal ones.
        for priority in Priority:
            cur = await self.conn.execute(
                "SELECT * FROM outbox WHERE status = 'pending' AND channel = ? AND priority = ?"
                f" AND next_attempt_at <= ?{skip} ORDER BY next_attempt_at, id LIMIT ?",
                (channel, int(priority), to_db_time(now), *exclude, limit - len(found)),
            )
            found.extend(_message(r) for r in await cur.fetchall())
            if len(found) >= limit:
                break
        return found

    async def next_due_at(self, channel: str, exclude: Sequence[str] = ()) -> datetime | None:
        cur = await self.conn.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND channel = ?"
            + _not_in(exclude),
            (channel, *exclude),
        )
        row = await cur.fetchone()
        return None if row is None else from_db_time(row[0])

    async def claim(self, message_id: int) -> bool:
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
            " WHERE id = ? AND status = 'pending'",
            (message_id,),
        )
        return cur.rowcount == 1

    async def mark_sent(
        self, message_id: int, channel: str, channel_message_id: str, now: datetime
    ) -> None:
        await self.conn.execute(
            "UPDATE outbox SET status = 'sent', delivered_channel = ?, channel_message_id = ?,"
            " sent_at = ? WHERE id = ?",
            (channel, channel_message_id, to_db_time(now), message_id),
        )

    async def reschedule(
        self, message_id: int, at: datetime, error: str, *, plain_text: bool = False
    ) -> None:
        await self.conn.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?,"
            " plain_text = CASE WHEN plain_text = 1 OR ? = 1 THEN 1 ELSE 0 END"
            " WHERE id = ? AND status = 'sending'",
            (to_db_time(at), error[:_ERROR_MAX], int(plain_text), message_id),
        )

    async def reroute(
        self, message_id: int, channel: str, address: str, at: datetime, error: str
    ) -> None:
        await self.conn.execute(
            "UPDATE outbox SET status = 'pending', channel = ?, address = ?, next_attempt_at = ?,"
            " last_error = ? WHERE id = ? AND status = 'sending'",
            (channel, address, to_db_time(at), error[:_ERROR_MAX], message_id),
        )

    async def hold_address(self, channel: str, address: str, until: datetime) -> None:
        await self.conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE channel = ? AND address = ?"
            " AND status = 'pending' AND next_attempt_at < ?",
            (to_db_time(until), channel, address, to_db_time(until)),
        )

    async def finish(self, message_id: int, status: Status, error: str) -> None:
        if status not in (Status.FAILED, Status.BLOCKED, Status.CANCELLED):
            raise ValueError(f"{status} is not a final state without a message")
        await self.conn.execute(
            "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
            (status.value, error[:_ERROR_MAX], message_id),
        )

    async def block_pending(self, channel: str, address: str, error: str) -> int:
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'blocked', last_error = ?"
            " WHERE channel = ? AND address = ? AND status = 'pending'",
            (error[:_ERROR_MAX], channel, address),
        )
        return cur.rowcount

    async def mark_undeliverable(self, message_id: int, error: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE outbox SET status = 'failed', last_error = ?, undeliverable_at = ?"
            " WHERE id = ?",
            (error[:_ERROR_MAX], to_db_time(now), message_id),
        )

    async def on_paper(self) -> list[OutboxMessage]:
        cur = await self.conn.execute(
            "SELECT * FROM outbox WHERE undeliverable_at IS NOT NULL"
            " AND told_on_paper_at IS NULL ORDER BY undeliverable_at, id"
        )
        return [_message(r) for r in await cur.fetchall()]

    async def mark_told_on_paper(self, message_id: int, by: int, now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE outbox SET told_on_paper_at = ?, told_on_paper_by = ? WHERE id = ?"
            " AND undeliverable_at IS NOT NULL AND told_on_paper_at IS NULL",
            (to_db_time(now), by, message_id),
        )
        return cur.rowcount == 1

    async def about(self, subject: str) -> list[OutboxMessage]:
        cur = await self.conn.execute(
            "SELECT * FROM outbox WHERE about = ? ORDER BY id", (subject,)
        )
        return [_message(r) for r in await cur.fetchall()]

    async def release_in_flight(self) -> int:
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        )
        return cur.rowcount

    async def counts(self, broadcast_id: int) -> dict[Status, int]:
        cur = await self.conn.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,),
        )
        return {Status(r[0]): int(r[1]) for r in await cur.fetchall()}

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        cur = await self.conn.execute(
            "UPDATE outbox SET status = 'cancelled', last_error = 'broadcast cancelled'"
            " WHERE broadcast_id = ? AND status = 'pending'",
            (broadcast_id,),
        )
        return cur.rowcount


def _broadcast(row: Row) -> Broadcast:
    media_kind = row["media_kind"]
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        created_at=required_time(row["created_at"]),
        audience=Audience(
            AudienceKind(row["audience_kind"]), tuple(json.loads(row["audience_codes"]))
        ),
        body=row["body"],
        recipients=row["recipients"],
        status=BroadcastStatus(row["status"]),
        media_kind=None if media_kind is None else MediaKind(media_kind),
        media=row["media"],
        skipped_muted=row["skipped_muted"],
        skipped_unreachable=row["skipped_unreachable"],
        progress=_progress(row),
        progress_done=bool(row["progress_done"]),
        cancelled_by=row["cancelled_by"],
        cancelled_at=from_db_time(row["cancelled_at"]),
        finished_at=from_db_time(row["finished_at"]),
    )


_BEST_ACCOUNT = (
    "(SELECT a.reachable || '\x1f' || a.channel || '\x1f' || a.external_id FROM accounts a"
    " WHERE a.person_id = {id} AND a.channel <> '" + PHONE_CHANNEL + "'"
    " ORDER BY " + BEST_ACCOUNT_FIRST + " LIMIT 1)"
)
_RESIDENT_FLAGS = "r.person_id, r.notices_muted, r.reachable, " + _BEST_ACCOUNT.format(
    id="r.person_id"
)
_ACTIVE_RESIDENT = "r.consent = 'given' AND r.onboarded_at IS NOT NULL AND r.deleted_at IS NULL"


def _recipient(row: Row) -> Recipient:
    """Person, mute flag, reachability and the best account (reachable, channel, address)."""
    reachable = bool(row[2]) if row[2] is not None else True
    if row[3] is None:
        return Recipient(row[0], muted=bool(row[1] or 0), reachable=False)
    account_reachable, channel, address = str(row[3]).split("\x1f", 2)
    return Recipient(
        row[0],
        channel=channel,
        address=address,
        muted=bool(row[1] or 0),
        reachable=reachable and account_reachable == "1",
    )


def _progress(row: Row) -> MessageRef | None:
    channel, address, message = (
        row["progress_channel"],
        row["progress_address"],
        row["progress_message"],
    )
    if channel is None or address is None or message is None:
        return None
    return MessageRef(channel, address, message)


@dataclass(slots=True)
class SqliteBroadcasts:
    conn: Connection

    async def add(self, broadcast: Broadcast) -> int:
        new_id = await insert_id(
            self.conn,
            "INSERT INTO broadcasts (created_by, created_at, status, audience_kind,"
            " audience_codes, body, media_kind, media, recipients, skipped_muted,"
            " skipped_unreachable, progress_channel, progress_address, progress_message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                broadcast.created_by,
                to_db_time(broadcast.created_at),
                broadcast.status.value,
                broadcast.audience.kind.value,
                _json(list(broadcast.audience.codes)),
                broadcast.body,
                None if broadcast.media_kind is None else broadcast.media_kind.value,
                broadcast.media,
                broadcast.recipients,
                broadcast.skipped_muted,
                broadcast.skipped_unreachable,
                *_progress_values(broadcast.progress),
            ),
        )
        if new_id is None:
            raise RuntimeError("broadcast insert returned no id")
        broadcast.id = new_id
        return broadcast.id

    async def get(self, broadcast_id: int) -> Broadcast | None:
        cur = await self.conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        row = await cur.fetchone()
        return None if row is None else _broadcast(row)

    async def save(self, broadcast: Broadcast) -> None:
        await self.conn.execute(
            "UPDATE broadcasts SET status = ?, recipients = ?, skipped_muted = ?,"
            " skipped_unreachable = ?, progress_channel = ?, progress_address = ?,"
            " progress_message = ?,"
            " progress_done = ?, cancelled_by = ?, cancelled_at = ?, finished_at = ?"
            " WHERE id = ?",
            (
                broadcast.status.value,
                broadcast.recipients,
                broadcast.skipped_muted,
                broadcast.skipped_unreachable,
                *_progress_values(broadcast.progress),
                int(broadcast.progress_done),
                broadcast.cancelled_by,
                to_db_time(broadcast.cancelled_at),
                to_db_time(broadcast.finished_at),
                broadcast.id,
            ),
        )

    async def with_progress_open(self) -> list[Broadcast]:
        cur = await self.conn.execute(
            "SELECT * FROM broadcasts WHERE progress_done = 0 ORDER BY id"
        )
        return [_broadcast(r) for r in await cur.fetchall()]

    async def audience(self, audience: Audience) -> list[Recipient]:
        codes = list(audience.codes)
        marks = ", ".join("?" * len(codes))
        match audience.kind:
            case AudienceKind.WARD:
                sql = f"SELECT {_RESIDENT_FLAGS} FROM residents r WHERE {_ACTIVE_RESIDENT}"
            case AudienceKind.GROUPS:
                sql = (
                    f"SELECT {_RESIDENT_FLAGS} FROM residents r"
                    f" WHERE {_ACTIVE_RESIDENT} AND r.group_code IN ({marks})"
                )
            case AudienceKind.UNITS:
                # Staff are reached for work whatever their resident settings say about notices.
                sql = (
                    "SELECT s.person_id, 0, COALESCE(r.reachable, 1), "
                    + _BEST_ACCOUNT.format(id="s.person_id")
                    + " FROM staff s"
                    " LEFT JOIN residents r ON r.person_id = s.person_id"
                    f" WHERE s.active = 1 AND s.unit_code IN ({marks})"
                )
            case AudienceKind.SESSION:
                raise ValueError("session audiences are resolved by the sessions module")
        if audience.kind is not AudienceKind.WARD and not codes:
            return []
        cur = await self.conn.execute(sql + " ORDER BY 1", codes if marks else ())
        return [_recipient(r) for r in await cur.fetchall()]

    async def recipients(self, person_ids: Sequence[int]) -> list[Recipient]:
        known: dict[int, Recipient] = {}
        ids = list(dict.fromkeys(person_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cur = await self.conn.execute(
                "SELECT p.id, r.notices_muted, r.reachable, "
                + _BEST_ACCOUNT.format(id="p.id")
                + " FROM persons p LEFT JOIN residents r ON r.person_id = p.id"
                f" WHERE p.id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            known.update((r[0], _recipient(r)) for r in await cur.fetchall())
        return [known.get(pid, Recipient(pid, reachable=False)) for pid in ids]


def _progress_values(progress: MessageRef | None) -> tuple[str | None, str | None, str | None]:
    if progress is None:
        return (None, None, None)
    return (progress.channel, progress.address, progress.message_id)

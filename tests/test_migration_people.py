"""Migration 0010 (people and accounts) upgrades a database made by the code before it.

``tests/data/schema_0009.db`` was made by running the real bot at commit 034cbaf (schema 0009)
against the fake Telegram server: residents onboarded, a petition with a photo and a location,
a published session with a registration, an unfinished draft, a blocked resident, a broadcast
with its progress message and pending, blocked and sent outbox rows (one with an inline keyboard
of callback and URL buttons). ``tests/data/make_schema_0009.py.txt`` is the script.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import asyncpg

from bot.conversation.replies import Button, ButtonKind
from bot.domain.addresses import MessageRef
from bot.domain.people import Consent
from bot.domain.ports import Store
from bot.outbox.queue import ContentKind, Status
from storage.postgres.connection import PgConnection, set_codecs
from storage.postgres.store import PostgresStore, apply_migrations
from storage.sqlite import SqliteStore
from storage.sqlite import migrations as sqlite_migrations
from tests.postgres import PgCluster

FIXTURE = Path(__file__).parent / "data" / "schema_0009.db"


def _old_rows(path: Path, table: str) -> list[dict[str, object]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


def _before(path: Path) -> dict[str, list[dict[str, object]]]:
    return {
        table: _old_rows(path, table)
        for table in (
            "residents",
            "staff",
            "petitions",
            "petition_events",
            "sessions",
            "session_registrations",
            "chat_states",
            "audit_log",
            "outbox",
            "broadcasts",
        )
    }


async def test_every_row_survives_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    shutil.copy(FIXTURE, path)
    before = _before(path)
    assert [r["version"] for r in _old_rows(path, "schema_migrations")][-1] == 9
    store = await SqliteStore.open(path)
    try:
        await _check_upgraded(store, before)
    finally:
        await store.close()
    assert 10 in [r["version"] for r in _old_rows(path, "schema_migrations")]


async def test_every_row_survives_the_upgrade_on_postgresql(pg_cluster: PgCluster) -> None:
    """The same rows in a PostgreSQL database at schema 0009, then storage/migrations_pg 0010 on
    (the outbox keyboard becomes neutral buttons with PostgreSQL's JSON functions)."""
    url = await pg_cluster.empty_database()
    try:
        raw = await asyncpg.connect(url, server_settings={"TimeZone": "UTC"})
        try:
            await set_codecs(raw)
            assert await apply_migrations(raw, up_to=9) == list(range(1, 10))
            await _copy_rows(FIXTURE, PgConnection(raw))
        finally:
            await raw.close()
        store = await PostgresStore.open(url)
        try:
            await _check_upgraded(store, _before(FIXTURE))
            assert await store.schema_version() == sqlite_migrations()[-1][0]
        finally:
            await store.close()
    finally:
        await pg_cluster.drop_database(url)


async def _copy_rows(source: Path, target: PgConnection) -> None:
    """Every row of the SQLite file into the same tables, then identities past the copied ids."""
    conn = sqlite3.connect(source)
    conn.row_factory = sqlite3.Row
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY rowid"
            )
        ]
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            if not rows:
                continue
            columns = rows[0].keys()
            marks = ", ".join("?" for _ in columns)
            await target.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(r) for r in rows],
            )
            if "id" in columns:
                await target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                )
    finally:
        conn.close()


async def _check_upgraded(store: Store, before: dict[str, list[dict[str, object]]]) -> None:
    async with store.read() as uow:
        for old in before["residents"]:
            person_id = int(old["telegram_id"])  # type: ignore[call-overload]
            resident = await uow.residents.get(person_id)
            assert resident is not None
            assert resident.full_name == old["full_name"]
            assert resident.phone == old["phone"]
            assert resident.group_code == old["group_code"]
            assert resident.consent is Consent(old["consent"])
            assert resident.reachable is bool(old["reachable"])
            (account,) = await uow.accounts.of_person(person_id)
            assert (account.channel, account.external_id) == ("telegram", str(person_id))
            assert account.reachable is bool(old["reachable"])
        for old in before["staff"]:
            member = await uow.staff.get(int(old["telegram_id"]))  # type: ignore[call-overload]
            assert member is not None and member.role.value == old["role"]
            assert member.unit_code == old["unit_code"]
            account = await uow.accounts.get("telegram", str(old["telegram_id"]))
            assert account is not None and account.person_id == old["telegram_id"]

        (old_petition,) = before["petitions"]
        author = int(old_petition["author_id"])  # type: ignore[call-overload]
        (petition,) = await uow.petitions.by_author(author, offset=0, limit=10)
        assert petition.code == old_petition["code"]
        assert petition.content == old_petition["content"]
        assert (petition.latitude, petition.longitude) == (21.03, 105.85)
        assert len(petition.attachments) == 1
        assert petition.id is not None
        assert len(await uow.petitions.events(petition.id)) == len(before["petition_events"])

        (old_reg,) = before["session_registrations"]
        registration = await uow.sessions.registration(
            int(old_reg["session_id"]),  # type: ignore[call-overload]
            int(old_reg["user_id"]),  # type: ignore[call-overload]
        )
        assert registration is not None and registration.status.value == old_reg["status"]

        (old_draft,) = before["chat_states"]
        draft = await uow.chat_states.get(int(old_draft["user_id"]))  # type: ignore[call-overload]
        assert draft is not None and draft.flow == old_draft["flow"]
        assert draft.step == old_draft["step"]
        assert "Đường ngập nước" in str(draft.data)
        assert await uow.accounts.get("telegram", str(old_draft["user_id"])) is not None

        for old in before["audit_log"]:
            entries = await uow.audit.for_subject(str(old["subject_type"]), str(old["subject_id"]))
            assert any(e.action == old["action"] and e.actor_id == old["actor_id"] for e in entries)

        rows = {str(o["idempotency_key"]): o for o in before["outbox"]}
        assert set(rows) == {
            "bc:1:3001",
            "bc:1:3002",
            "venue:1:3001",
            "blocked:3003",
            "sent:3001",
        }
        for key, old in rows.items():
            row = await uow.outbox.by_key(key)
            assert row is not None, key
            assert row.person_id == old["chat_id"]
            assert (row.channel, row.address) == ("telegram", str(old["chat_id"]))
            assert row.status is Status(old["status"])
            assert row.content.text == old["text"]
            assert row.broadcast_id == old["broadcast_id"]
            assert row.priority.value == old["priority"]
        broadcast_row = await uow.outbox.by_key("bc:1:3001")
        assert broadcast_row is not None
        assert broadcast_row.content.buttons == (
            (Button("✅ Đăng ký", "ses:reg:1"),),
            (
                Button("🗺 Bản đồ", "https://maps.example/x", ButtonKind.URL),
                Button("ℹ️ Chi tiết", "ses:card:1"),
            ),
        )
        venue = await uow.outbox.by_key("venue:1:3001")
        assert venue is not None and venue.content.kind is ContentKind.VENUE
        assert venue.content.params["latitude"] == 21.0
        sent = await uow.outbox.by_key("sent:3001")
        assert sent is not None
        assert (sent.delivered_channel, sent.channel_message_id) == ("telegram", "4242")
        pending = await uow.outbox.due("telegram", sent.created_at, 10)
        assert {r.key for r in pending} == {"bc:1:3001", "bc:1:3002", "venue:1:3001"}

        (old_broadcast,) = before["broadcasts"]
        broadcast = await uow.broadcasts.get(int(old_broadcast["id"]))  # type: ignore[call-overload]
        assert broadcast is not None and broadcast.body == old_broadcast["body"]
        assert broadcast.progress == MessageRef("telegram", "900002", "77")
        assert len(await uow.sessions.registrations(1)) == 1

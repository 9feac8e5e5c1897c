"""``python -m bot copy-db``: a SQLite ward with a row in every table (files' bytes, pending
outbox rows, the 0009 fixture's real rows) lands in PostgreSQL with the same counts and
checksums, the bot then works on it, and a target that is not empty is refused untouched."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.outbox.queue import Status
from storage.copy import CopyRefused, copy_database
from storage.postgres.store import PostgresStore
from storage.sqlite import SqliteStore
from tests.test_linking import SEED
from tests.test_migration_people import FIXTURE

NOW = "2026-11-25T02:00:00.000000+00:00"
EVERY_OTHER_TABLE = [
    "INSERT INTO persons (id, created_at) VALUES (100, :t), (200, :t)",
    "INSERT INTO staff (person_id, full_name, role, unit_code) VALUES (200, 'Lan', 'official',"
    " 'KT')",
    "INSERT INTO accounts (channel, external_id, person_id, created_at, reachable)"
    " VALUES ('telegram', '100', 100, :t, 1), ('zalo', 'z200', 200, :t, 0)",
    "INSERT INTO petition_digests (at, petitions) VALUES (:t, 3)",
    "INSERT INTO files (id, name, mime_type, data, created_at) VALUES (7, 'a.png', 'image/png',"
    " x'89504e470d0a1a0a00ff', :t)",
    "INSERT INTO file_links (token, file_id, created_at, expires_at) VALUES ('tok', 7, :t, :t)",
    "INSERT INTO deadlines (kind, subject_type, subject_id, unit_code, due_on, opened_at,"
    " next_remind_on) VALUES ('unit_answer', 'petition', '1', 'KT', '2026-12-01', :t,"
    " '2026-11-27')",
    "INSERT INTO report_runs (kind, period, ran_at, recipients) VALUES ('monthly', '2026-10',"
    " :t, 4)",
    "INSERT INTO channel_inbox (channel, key, body, received_at) VALUES ('zalo', 'e1',"
    " '{\"event_name\": \"user_send_text\", \"số\": 1}', :t), ('zalo', 'e2', '{}', :t)",
    "INSERT INTO channel_tokens (channel, access_token, refresh_token, expires_at, updated_at)"
    " VALUES ('zalo', 'acc', 'ref', :t, :t)",
    "INSERT INTO link_wrong_tries (channel, external_id, at) VALUES ('zalo', 'z', :t)",
    "INSERT INTO petition_counters (ward_code, year, last_seq) VALUES ('TD', 2026, 1)",
    "INSERT INTO bot_facts (key, value) VALUES ('bot_username', 'nghedannoi_bot')",
    "INSERT INTO outbox (event, person_id, channel, address, text, media, params, buttons,"
    " idempotency_key, priority, next_attempt_at, created_at, facts)"
    " VALUES ('notice', 100, 'telegram', '100', 'Cắt điện', 'stored:7', '{\"a\": [1, 2]}',"
    ' \'[[{"label": "Xem", "value": "p:1"}]]\', \'k2\', 1, :t, :t, \'{"x": "ý"}\')',
]


async def every_kind_of_row(path: Path) -> None:
    store = await SqliteStore.open(path)
    try:
        async with store.transaction() as uow:
            for sql in EVERY_OTHER_TABLE + SEED:
                await uow.conn.execute(sql, {"a": 100, "s": 200, "t": NOW})
    finally:
        await store.close()


def empty_tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [n for n in names if not conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]]


async def test_every_table_is_copied_with_its_counts_checksums_and_sequences(
    pg_cluster: object, tmp_path: Path
) -> None:
    source = tmp_path / "ward.db"
    await every_kind_of_row(source)
    assert await asyncio.to_thread(empty_tables, source) == []
    url = await pg_cluster.empty_database()  # type: ignore[attr-defined]
    copied = await copy_database(source, url)
    counts = {c.table: c.rows for c in copied}
    assert counts["files"] == 1 and counts["outbox"] == 2 and counts["channel_inbox"] == 2
    assert all(rows > 0 for rows in counts.values()), counts
    store = await PostgresStore.open(url)
    try:
        async with store.read() as uow:
            stored = await uow.files.get(7)
            pending = await uow.outbox.by_key("k2")
            inbox = await uow.inbox.pending("zalo", 10)
        assert stored is not None and stored.data == b"\x89PNG\r\n\x1a\n\x00\xff"
        assert pending is not None and pending.status is Status.PENDING
        assert pending.content.params == {"a": [1, 2]} and pending.facts == {"x": "ý"}
        assert [e.key for e in inbox] == ["e1", "e2"]
        async with store.transaction() as uow:  # the sequences moved past the copied ids
            new_person = await uow.accounts.new_person(pending.created_at)
        assert new_person > 200
    finally:
        await store.close()
    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(source, url)


async def test_the_0009_fixture_moves_after_its_upgrade(pg_cluster: object, tmp_path: Path) -> None:
    source = tmp_path / "old.db"
    shutil.copy(FIXTURE, source)
    url = await pg_cluster.empty_database()  # type: ignore[attr-defined]
    copied = {c.table: c.rows for c in await copy_database(source, url)}
    assert copied["persons"] == 7 and copied["outbox"] == 5 and copied["audit_log"] >= 18


def test_the_command_prints_each_table_and_refuses_a_non_empty_target(
    pg_cluster: object, tmp_path: Path
) -> None:
    source = tmp_path / "ward.db"
    asyncio.run(every_kind_of_row(source))
    url = asyncio.run(pg_cluster.empty_database())  # type: ignore[attr-defined]
    runner = CliRunner()
    done = runner.invoke(app, ["copy-db", "--from", f"sqlite:///{source}", "--to", url])
    assert done.exit_code == 0, done.output
    assert "files: 1 dòng, mã kiểm tra" in done.output and "khớp" in done.output
    again = runner.invoke(app, ["copy-db", "--from", f"sqlite:///{source}", "--to", url])
    assert again.exit_code == 2 and "không chép" in again.output and "not empty" in again.output
    wrong = runner.invoke(app, ["copy-db", "--from", str(source), "--to", url])
    assert wrong.exit_code == 2 and "sqlite:///" in wrong.output


async def test_a_target_whose_tables_differ_is_refused(pg_cluster: object, tmp_path: Path) -> None:
    source = tmp_path / "ward.db"
    await every_kind_of_row(source)
    url = await pg_cluster.empty_database()  # type: ignore[attr-defined]
    raw = await asyncpg.connect(url)
    try:
        await copy_database(source, url)  # migrates the target, then empty it again
        await raw.execute("DROP TABLE link_wrong_tries")
        with pytest.raises(CopyRefused, match="tables differ"):
            await copy_database(source, url)
    finally:
        await raw.close()

"""The deadline registry (contract with 7A): open / re-open / close, the due and overdue queries,
and that both use their partial indexes (cost grows with due rows, not with the table)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.deadlines import DeadlineKind, DeadlineStatus
from storage.sqlite import SqliteStore

NOW = datetime(2026, 1, 5, 2, tzinfo=UTC)
ANSWER = DeadlineKind.UNIT_ANSWER


async def test_open_reopen_close(store: SqliteStore) -> None:
    async with store.transaction() as uow:
        first = await uow.deadlines.open(
            kind=ANSWER,
            subject_type="petition",
            subject_id="7",
            unit_code="KT",
            due_on=date(2026, 2, 23),
            now=NOW,
        )
        await uow.deadlines.mark_escalated(first, on=date(2026, 2, 26))
        again = await uow.deadlines.open(
            kind=ANSWER,
            subject_type="petition",
            subject_id="7",
            unit_code="VHXH",
            due_on=date(2026, 3, 9),
            now=NOW,
        )
        assert again == first
        item = await uow.deadlines.get_open(kind=ANSWER, subject_type="petition", subject_id="7")
        assert item is not None
        assert (item.unit_code, item.due_on, item.escalated_on) == ("VHXH", date(2026, 3, 9), None)
        assert await uow.deadlines.close(
            kind=ANSWER, subject_type="petition", subject_id="7", now=NOW
        )
        assert not await uow.deadlines.close(
            kind=ANSWER, subject_type="petition", subject_id="7", now=NOW
        )
        assert (
            await uow.deadlines.get_open(kind=ANSWER, subject_type="petition", subject_id="7")
            is None
        )
        latest = await uow.deadlines.latest(kind=ANSWER, subject_type="petition", subject_id="7")
        assert latest is not None and latest.status is DeadlineStatus.DONE
        reopened = await uow.deadlines.open(
            kind=ANSWER,
            subject_type="petition",
            subject_id="7",
            unit_code="KT",
            due_on=date(2026, 3, 20),
            now=NOW,
        )
        assert reopened != first


async def test_due_and_overdue(store: SqliteStore) -> None:
    async with store.transaction() as uow:
        ids = [
            await uow.deadlines.open(
                kind=ANSWER,
                subject_type="petition",
                subject_id=str(n),
                unit_code="KT",
                due_on=date(2026, 2, 10 + n),
                now=NOW,
            )
            for n in range(3)
        ]
        await uow.deadlines.mark_reminded(ids[0], on=date(2026, 2, 5), next_on=date(2026, 2, 6))
        await uow.deadlines.reschedule(ids[1], next_on=date(2026, 3, 1))
        due = await uow.deadlines.due(until=date(2026, 2, 6), limit=10)
        assert [d.id for d in due] == [ids[2], ids[0]]  # by next check day
        assert due[1].last_reminded_on == date(2026, 2, 5)
        assert [d.id for d in await uow.deadlines.due(until=date(2026, 2, 6), limit=1)] == [ids[2]]
        overdue = await uow.deadlines.overdue(today=date(2026, 2, 12))
        assert [d.id for d in overdue] == [ids[0], ids[1]]
        assert len(await uow.deadlines.open_for_unit("KT")) == 3
        assert len(await uow.deadlines.open_of_kind(ANSWER)) == 3


@pytest.mark.sqlite_only  # SQLite's query plans
async def test_queries_use_the_partial_indexes(store: SqliteStore) -> None:
    async with store.read() as uow:
        conn = uow.conn
        for sql, index in (
            (
                "SELECT * FROM deadlines INDEXED BY deadlines_next WHERE status = 'open'"
                " AND next_remind_on <= '2026-02-01' ORDER BY next_remind_on, id LIMIT 10",
                "deadlines_next",
            ),
            (
                "SELECT * FROM deadlines INDEXED BY deadlines_open_due WHERE status = 'open'"
                " AND due_on < '2026-02-01' ORDER BY due_on, id",
                "deadlines_open_due",
            ),
        ):
            plan = " ".join(
                str(tuple(r)) for r in await conn.execute_fetchall("EXPLAIN QUERY PLAN " + sql)
            )
            assert index in plan and "SCAN deadlines" not in plan.replace(
                f"USING INDEX {index}", ""
            )

"""The outbox and broadcast repositories (SQLite): queue order, claims, audiences, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.conversation.replies import Button, ButtonKind, rows
from bot.domain.people import Consent, Resident, Role, StaffRecord
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    Content,
    Notification,
    Priority,
    Recipient,
    Status,
    Tally,
    to_plain,
)
from bot.usecases.accounts import ensure_person
from bot.usecases.broadcast import select
from storage.sqlite import SqliteStore
from tests.outbox_helpers import add_residents, put, row


async def test_due_rows_come_personal_first_then_oldest_and_skip_waiting_chats(
    store: SqliteStore, clock: ManualClock
) -> None:
    now = clock.now()
    mass_old = await put(store, now - timedelta(minutes=5), 1, "m1", priority=Priority.MASS)
    personal_new = await put(store, now, 2, "p1")
    personal_old = await put(store, now - timedelta(minutes=1), 3, "p2")
    await put(store, now + timedelta(seconds=1), 4, "future")
    paced = await put(store, now - timedelta(hours=1), 5, "paced")
    async with store.read() as uow:
        due = await uow.outbox.due("telegram", now, 10, exclude=["5"])
        first_two = await uow.outbox.due("telegram", now, 2)
        next_due = await uow.outbox.next_due_at("telegram", ["1", "2", "3", "5"])
        other_channel = await uow.outbox.due("zalo", now, 10)
    assert [r.id for r in due] == [personal_old, personal_new, mass_old]
    assert [r.id for r in first_two] == [paced, personal_old]
    assert next_due == now + timedelta(seconds=1)
    assert other_channel == []


@pytest.mark.sqlite_only  # SQLite's query plan
async def test_due_query_uses_the_partial_index(store: SqliteStore) -> None:
    async with store.read() as uow:
        cur = await uow.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE status = 'pending'"
            " AND channel = 'telegram' AND priority = 1"
            " AND next_attempt_at <= '2026' ORDER BY next_attempt_at, id LIMIT 30"
        )
        plan = " ".join(str(r[3]) for r in await cur.fetchall())
    assert "outbox_due" in plan and "TEMP B-TREE" not in plan


async def test_a_row_is_claimed_once_and_rescheduled_only_from_sending(
    store: SqliteStore, clock: ManualClock
) -> None:
    row_id = await put(store, clock.now(), 1, "k")
    later = clock.now() + timedelta(seconds=30)
    async with store.transaction() as uow:
        assert await uow.outbox.claim(row_id)
        assert not await uow.outbox.claim(row_id)
        await uow.outbox.reschedule(row_id, later, "502", plain_text=True)
        await uow.outbox.reschedule(row_id, later + timedelta(hours=1), "ignored")
    stored = await row(store, row_id)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == (Status.PENDING, 1, later)
    assert stored.plain_text and stored.last_error == "502"


async def test_hold_address_delays_only_that_chats_pending_rows(
    store: SqliteStore, clock: ManualClock
) -> None:
    now = clock.now()
    a = await put(store, now, 1, "a")
    b = await put(store, now, 2, "b")
    async with store.transaction() as uow:
        await uow.outbox.hold_address("telegram", "1", now + timedelta(seconds=5))
    assert (await row(store, a)).next_attempt_at == now + timedelta(seconds=5)
    assert (await row(store, b)).next_attempt_at == now


async def test_add_many_skips_existing_keys(store: SqliteStore, clock: ManualClock) -> None:
    notes = [
        Notification("e", i, "telegram", str(i), f"k{i}", Content("x"), Priority.MASS)
        for i in range(5)
    ]
    async with store.transaction() as uow:
        first = await uow.outbox.add_many(notes[:3], now=clock.now())
        second = await uow.outbox.add_many(notes, now=clock.now())
        single = await uow.outbox.add(notes[0], now=clock.now())
    assert (first, second, single) == (3, 2, None)


async def test_content_round_trips(store: SqliteStore, clock: ManualClock) -> None:
    content = Content(
        "<b>Đổi địa điểm</b>",
        params={"latitude": 21.0, "longitude": 105.8, "title": "Nhà văn hóa", "address": "Số 8"},
        buttons=rows([[("Xem", "s:1"), Button("Bản đồ", "https://maps.example", ButtonKind.URL)]]),
    )
    async with store.transaction() as uow:
        await uow.outbox.add(Notification("e", 1, "telegram", "1", "k", content), now=clock.now())
        stored = await uow.outbox.by_key("k")
    assert stored is not None and stored.content == content


async def test_audiences_take_only_onboarded_residents_and_active_unit_staff(
    store: SqliteStore, clock: ManualClock
) -> None:
    now = clock.now()
    await add_residents(store, now, [1, 2], group="TDP1", muted=frozenset({2}))
    await add_residents(store, now, [3], group="TDP2", unreachable=frozenset({3}))
    async with store.transaction() as uow:
        await uow.residents.save(Resident(4, consent=Consent.PENDING, created_at=now))
        await uow.residents.save(
            Resident(
                5, Consent.GIVEN, now, "Xóa", "TDP1", None, now, deleted_at=now, created_at=now
            )
        )
        for staff_id in (900003, 900005, 900006):
            await ensure_person(uow, "telegram", str(staff_id), now, inbound=False)
        await uow.staff.save(StaffRecord(900003, "Lê Văn Kinh", Role.OFFICIAL, "KT"))
        await uow.staff.save(StaffRecord(900005, "Nghỉ", Role.OFFICIAL, "KT", active=False))
        await uow.staff.save(StaffRecord(900006, "Văn hóa", Role.OFFICIAL, "VHXH"))
        await uow.residents.save(Resident(900006, reachable=False, created_at=now))
        ward = await uow.broadcasts.audience(Audience(AudienceKind.WARD))
        group = await uow.broadcasts.audience(Audience(AudienceKind.GROUPS, ("TDP1",)))
        units = await uow.broadcasts.audience(Audience(AudienceKind.UNITS, ("KT", "VHXH")))
        none = await uow.broadcasts.audience(Audience(AudienceKind.GROUPS, ()))
        known = await uow.broadcasts.recipients([3, 77])

    def tg(person_id: int, **flags: bool) -> Recipient:
        return Recipient(person_id, "telegram", str(person_id), **flags)

    assert ward == [tg(1), tg(2, muted=True), tg(3, reachable=False)]
    assert [r.person_id for r in group] == [1, 2]
    assert units == [tg(900003), tg(900006, reachable=False)]
    assert none == []
    assert known == [tg(3, reachable=False), Recipient(77, reachable=False)]
    chosen = select(ward, AudienceKind.WARD)
    assert ([r.person_id for r in chosen.recipients], chosen.muted, chosen.unreachable) == (
        [1],
        1,
        1,
    )
    assert [r.person_id for r in select(ward, AudienceKind.SESSION).recipients] == [1, 2]


async def test_counts_cancel_and_tally(store: SqliteStore, clock: ManualClock) -> None:
    async with store.transaction() as uow:
        broadcast = Broadcast(
            created_by=900002,
            created_at=clock.now(),
            audience=Audience(AudienceKind.GROUPS, ("TDP1", "TDP2")),
            body="<b>Họp</b>",
            recipients=4,
            skipped_muted=2,
            skipped_unreachable=1,
        )
        broadcast_id = await uow.broadcasts.add(broadcast)
        stored = await uow.broadcasts.get(broadcast_id)
    assert stored == broadcast
    ids = [
        await put(store, clock.now(), i, f"b{i}", priority=Priority.MASS, broadcast_id=broadcast_id)
        for i in range(4)
    ]
    async with store.transaction() as uow:
        assert await uow.outbox.claim(ids[0])
        await uow.outbox.mark_sent(ids[0], "telegram", "99", clock.now())
        assert await uow.outbox.claim(ids[1])
        cancelled = await uow.outbox.cancel_broadcast(broadcast_id)
        counts = await uow.outbox.counts(broadcast_id)
    assert cancelled == 2
    assert counts == {Status.SENT: 1, Status.SENDING: 1, Status.CANCELLED: 2}
    tally = Tally.of(broadcast, counts)
    assert tally == Tally(recipients=4, sent=1, waiting=1, blocked=1, cancelled=2, skipped_muted=2)
    assert not tally.done


def test_plain_text_fallback_drops_tags_and_decodes_entities() -> None:
    assert to_plain('<b>A</b> &amp; <a href="x">b</a> &lt;3') == "A & b <3"

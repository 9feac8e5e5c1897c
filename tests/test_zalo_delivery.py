"""Outbox rows delivered on Zalo: the real delivery worker with the Zalo sender against the fake
Zalo OA server. A person's best account picks the channel; long text is split at 2,000; a photo is
uploaded first; an expired token is refreshed mid-broadcast with nothing lost; an unfollow makes
the account unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.channels.zalo.sender import ZaloSender
from bot.clock import ManualClock
from bot.conversation.replies import rows
from bot.domain.files import stored_media
from bot.domain.people import Account, Consent, Resident
from bot.fakes.zalo import FakeZaloServer
from bot.outbox.queue import Content, ContentKind, Enqueued, Priority, Status, enqueue_content
from bot.outbox.worker import DeliveryWorker
from bot.usecases.accounts import ensure_person
from storage.sqlite import SqliteStore
from tests.outbox_helpers import FAST, ScriptedSender, eventually
from tests.zalo_helpers import seeded_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


@pytest.fixture
async def worker(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock
) -> AsyncIterator[DeliveryWorker]:
    async with aiohttp.ClientSession() as session:
        client = await seeded_client(session, zalo, store, clock)
        started = DeliveryWorker(
            store, clock, ZaloSender(client), FAST, rng=lambda: 1.0, channel="zalo"
        )
        await started.start()
        yield started
        await started.stop()


async def resident_on_zalo(store: SqliteStore, clock: ManualClock, zalo_id: str) -> int:
    now = clock.now()
    async with store.transaction() as uow:
        person = await ensure_person(uow, "zalo", zalo_id, now, inbound=True)
        await uow.residents.save(
            Resident(person, Consent.GIVEN, now, "Lan", "TDP1", None, now, created_at=now)
        )
    return person


async def queue(
    store: SqliteStore, clock: ManualClock, person: int, key: str, content: Content
) -> Enqueued:
    async with store.transaction() as uow:
        return await enqueue_content(
            uow,
            now=clock.now(),
            event="test",
            person_id=person,
            key=key,
            content=content,
            priority=Priority.MASS,
        )


async def statuses(store: SqliteStore, keys: list[str]) -> list[Status]:
    async with store.read() as uow:
        found = [await uow.outbox.by_key(k) for k in keys]
    return [r.status if r is not None else Status.FAILED for r in found]


async def test_text_buttons_long_text_and_a_photo_arrive_on_zalo(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    person = await resident_on_zalo(store, clock, user.id)
    long_answer = "\n\n".join(
        f"Đoạn {n}. " + "Phường đã kiểm tra hiện trường. " * 12 for n in range(14)
    )
    assert len(long_answer) > 5000
    async with store.transaction() as uow:
        file_id = await uow.files.add(
            name="anh.png", mime_type="image/png", data=PNG, now=clock.now()
        )
    contents = {
        "a": Content(
            "<b>Trả lời</b> ý kiến TD-2026-0001",
            buttons=rows([[("Hài lòng", "wr:ok:1"), ("Chưa thỏa đáng", "wr:no:1")]]),
        ),
        "b": Content(long_answer),
        "c": Content("Ảnh hiện trường", kind=ContentKind.PHOTO, media=stored_media(file_id)),
    }
    for key, content in contents.items():
        assert await queue(store, clock, person, key, content) is Enqueued.QUEUED

    async def sent() -> bool:
        return await statuses(store, list(contents)) == [Status.SENT] * 3

    await eventually(sent, within=10, what="three rows sent on Zalo")
    texts = [m.text for m in user.messages]
    assert texts[0] == "Trả lời ý kiến TD-2026-0001"
    assert [b.title for b in user.messages[0].buttons] == ["Hài lòng", "Chưa thỏa đáng"]
    assert all(len(t) <= 2000 for t in texts)
    pieces = [m.text for m in user.messages if m.text.startswith("Đoạn") or "Phường đã" in m.text]
    assert len(pieces) >= 3 and "".join(pieces).replace("\n", "").replace(" ", "") == (
        long_answer.replace("\n", "").replace(" ", "")
    )
    assert any(m.kind == "image" for m in user.messages)
    async with store.read() as uow:
        row = await uow.outbox.by_key("a")
    assert row is not None and (row.channel, row.delivered_channel) == ("zalo", "zalo")


async def test_an_expired_token_mid_broadcast_loses_nothing(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    users = [zalo.user() for _ in range(6)]
    people = []
    for user in users:
        await user.send_text("Xin chào")
        people.append(await resident_on_zalo(store, clock, user.id))
    for n, person in enumerate(people[:3]):
        await queue(store, clock, person, f"k{n}", Content("📣 Lịch tiếp dân"))

    async def first_half() -> bool:
        return await statuses(store, ["k0", "k1", "k2"]) == [Status.SENT] * 3

    await eventually(first_half, what="first half sent")
    zalo.expire_access_token()
    for n, person in enumerate(people[3:], start=3):
        await queue(store, clock, person, f"k{n}", Content("📣 Lịch tiếp dân"))

    async def all_sent() -> bool:
        clock.advance(timedelta(seconds=1))
        return await statuses(store, [f"k{n}" for n in range(6)]) == [Status.SENT] * 6

    await eventually(all_sent, within=10, what="every notice after the refresh")
    assert [len(u.messages) for u in users] == [1] * 6
    assert len(zalo.token_requests) == 1


async def test_an_unfollow_makes_the_account_unreachable(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    user = zalo.user()
    await user.send_text("Xin chào")
    person = await resident_on_zalo(store, clock, user.id)
    await user.unfollow()
    await queue(store, clock, person, "gone", Content("Thông báo"))

    async def blocked() -> bool:
        return await statuses(store, ["gone"]) == [Status.BLOCKED]

    await eventually(blocked, what="row blocked after unfollow")
    async with store.read() as uow:
        account = await uow.accounts.get("zalo", user.id)
    assert account is not None and not account.reachable


async def test_outside_the_7_day_window_a_personal_row_goes_to_telegram(
    zalo: FakeZaloServer, store: SqliteStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    both, zalo_only = zalo.user(), zalo.user()
    for user in (both, zalo_only):
        await user.send_text("Xin chào")
        user.last_interaction = zalo.now() - 8 * 86400
    person = await resident_on_zalo(store, clock, both.id)
    alone = await resident_on_zalo(store, clock, zalo_only.id)
    async with store.transaction() as uow:
        await uow.accounts.link(Account("telegram", "777001", person, True, None, clock.now()))
    telegram = ScriptedSender()
    on_telegram = DeliveryWorker(store, clock, telegram, FAST, rng=lambda: 1.0, channel="telegram")
    await on_telegram.start()
    try:
        answer = Content("Phường đã trả lời ý kiến TD-2026-0001")
        async with store.transaction() as uow:
            for key, who, priority in (
                ("answer", person, Priority.PERSONAL),
                ("alone", alone, Priority.PERSONAL),
                ("notice", person, Priority.MASS),
            ):
                await enqueue_content(
                    uow,
                    now=clock.now(),
                    event="test",
                    person_id=who,
                    key=key,
                    content=answer,
                    priority=priority,
                    channel="zalo",
                    address=zalo_only.id if who == alone else both.id,
                )

        async def settled() -> bool:
            return await statuses(store, ["answer", "alone", "notice"]) == [
                Status.SENT,
                Status.FAILED,
                Status.FAILED,
            ]

        await eventually(settled, within=10, what="rerouted and refused rows")
    finally:
        await on_telegram.stop()
    async with store.read() as uow:
        moved = await uow.outbox.by_key("answer")
        refused = await uow.outbox.by_key("alone")
    assert moved is not None and (moved.channel, moved.address) == ("telegram", "777001")
    assert moved.delivered_channel == "telegram"
    assert [c.text for c in telegram.calls_to(777001)] == [answer.text]
    assert refused is not None and "7-day" in (refused.last_error or "")
    assert both.messages == [] and zalo_only.messages == []

"""The delivery worker against a scripted Sender: ordering, pacing, each Telegram answer, restart.

Durable waits (429, backoff) use the injected clock, so these tests move the clock instead of
sleeping; only pacing is real time, and it is checked as a lower bound.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.addresses import MessageRef
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    BroadcastStatus,
    Content,
    Enqueued,
    Priority,
    Status,
    Tally,
    enqueue,
)
from bot.outbox.sending import (
    BadRequest,
    Blocked,
    DeliveryConfig,
    ParseError,
    RetryAfter,
    Transient,
)
from bot.outbox.worker import DeliveryWorker
from storage.sqlite import SqliteStore
from tests.outbox_helpers import FAST, ScriptedSender, add_residents, eventually, put, row

WorkerFactory = Callable[..., DeliveryWorker]


@pytest.fixture
async def sender() -> ScriptedSender:
    return ScriptedSender()


@pytest.fixture
async def start_worker(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender
) -> AsyncIterator[Callable[..., asyncio.Future[DeliveryWorker]]]:
    started: list[DeliveryWorker] = []

    async def start(config: DeliveryConfig = FAST, **kwargs: object) -> DeliveryWorker:
        worker = DeliveryWorker(store, clock, sender, config, rng=lambda: 1.0, **kwargs)  # type: ignore[arg-type]
        await worker.start()
        started.append(worker)
        return worker

    yield start  # type: ignore[misc]
    for worker in started:
        await worker.stop()


async def test_sends_rows_and_records_the_message_id(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    await start_worker()
    ids = [await put(store, clock.now(), 100 + i, f"k{i}") for i in range(5)]

    async def all_sent() -> bool:
        return all([(await row(store, i)).status is Status.SENT for i in ids])

    await eventually(all_sent, what="5 rows sent")
    sent = [await row(store, i) for i in ids]
    assert {r.channel_message_id for r in sent} == {"1", "2", "3", "4", "5"}
    assert {r.delivered_channel for r in sent} == {"telegram"}
    assert all(r.attempts == 1 and r.sent_at == clock.now() for r in sent)
    assert sorted(chat for chat, _, _ in sender.calls) == [100, 101, 102, 103, 104]


async def test_a_personal_row_overtakes_a_running_broadcast(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    sender.latency = 0.005
    for i in range(150):
        await put(store, clock.now(), 1000 + i, f"mass{i}", priority=Priority.MASS)
    await start_worker(replace(FAST, global_rate=200))
    await eventually(lambda: _at_least(sender, 20), what="broadcast under way")
    before = len(sender.calls)
    personal = await put(store, clock.now(), 7, "personal")
    await eventually(lambda: _sent(store, personal), what="personal row sent")
    position = [chat for chat, _, _ in sender.calls].index(7)
    assert position - before <= FAST.max_in_flight
    assert len(sender.calls) < 150, "the personal row did not wait for the broadcast to end"


async def _at_least(sender: ScriptedSender, n: int) -> bool:
    return len(sender.calls) >= n


async def _sent(store: SqliteStore, row_id: int) -> bool:
    return (await row(store, row_id)).status is Status.SENT


async def test_429_waits_exactly_retry_after_and_holds_the_chat(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    sender.script[7] = [RetryAfter(3)]
    first = await put(store, clock.now(), 7, "a")
    await start_worker()

    async def rescheduled() -> bool:
        r = await row(store, first)
        return r.status is Status.PENDING and r.attempts == 1

    await eventually(rescheduled, what="row back to pending after 429")
    second = await put(store, clock.now(), 7, "b")
    after_429 = await row(store, first)
    assert after_429.next_attempt_at == clock.now() + timedelta(seconds=3)
    assert "429" in (after_429.last_error or "")
    other = await put(store, clock.now(), 8, "other chat")
    await eventually(lambda: _sent(store, other), what="other chats keep going")
    assert len(sender.calls_to(7)) == 1

    clock.advance(timedelta(seconds=3))
    await eventually(lambda: _sent(store, first), what="sent after retry_after")
    await eventually(lambda: _sent(store, second), what="second row of the chat")
    assert len(sender.calls_to(7)) == 3


async def test_transient_errors_back_off_exponentially_without_a_retry_limit(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    sender.script[9] = [Transient("NetworkError: Bad Gateway")] * 7
    row_id = await put(store, clock.now(), 9, "x")
    config = replace(FAST, backoff_base=1.0, backoff_cap=20.0)
    await start_worker(config)
    delays = []
    for attempt in range(1, 8):

        async def failed(n: int = attempt) -> bool:
            r = await row(store, row_id)
            return r.status is Status.PENDING and r.attempts == n

        await eventually(failed, what=f"attempt {attempt} failed")
        r = await row(store, row_id)
        delays.append((r.next_attempt_at - clock.now()).total_seconds())
        clock.advance(timedelta(seconds=config.backoff_cap))
    assert delays == [1, 2, 4, 8, 16, 20, 20]
    await eventually(lambda: _sent(store, row_id), what="sent after the outage")
    assert (await row(store, row_id)).attempts == 8


async def test_403_marks_the_resident_unreachable_and_stops_sending(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    await add_residents(store, clock.now(), [8])
    sender.script[8] = [Blocked("Forbidden: bot was blocked by the user")]
    first = await put(store, clock.now(), 8, "a")
    clock.advance(timedelta(seconds=1))
    second = await put(store, clock.now(), 8, "b", priority=Priority.MASS)
    clock.advance(timedelta(seconds=1))
    await start_worker()

    async def blocked() -> bool:
        return (await row(store, second)).status is Status.BLOCKED

    await eventually(blocked, what="pending rows of the chat blocked")
    assert (await row(store, first)).status is Status.BLOCKED
    assert len(sender.calls_to(8)) == 1
    async with store.read() as uow:
        resident = await uow.residents.get(8)
        actions = [e.action for e in await uow.audit.for_subject("resident", "8")]
    assert resident is not None and not resident.reachable
    assert actions == ["resident.unreachable"]

    async with store.transaction() as uow:
        outcome = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=8, key="later"
        )
        later = await uow.outbox.by_key("later")
    assert outcome is Enqueued.UNREACHABLE
    assert later is not None and later.status is Status.BLOCKED
    assert len(sender.calls_to(8)) == 1


async def test_parse_error_resends_as_plain_text_once(
    store: SqliteStore,
    clock: ManualClock,
    sender: ScriptedSender,
    start_worker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.outbox.worker")
    sender.script[5] = [ParseError("Can't parse entities: unexpected end tag")]
    sender.script[6] = [ParseError("Can't parse entities: x"), ParseError("Can't parse: y")]
    fixed = await put(store, clock.now(), 5, "a", text="<b>Họp</b> lúc 8h &amp; 9h", event="e1")
    broken = await put(store, clock.now(), 6, "b", event="e2")
    await start_worker()
    await eventually(lambda: _sent(store, fixed), what="plain-text fallback sent")

    async def failed() -> bool:
        return (await row(store, broken)).status is Status.FAILED

    await eventually(failed, what="second parse error fails the row")
    html, plain = sender.calls_to(5)
    assert html.html and html.text == "<b>Họp</b> lúc 8h &amp; 9h"
    assert not plain.html and plain.text == "Họp lúc 8h & 9h"
    assert (await row(store, fixed)).plain_text
    assert len(sender.calls_to(6)) == 2
    assert "'e1'" in caplog.text


async def test_other_400_fails_with_the_reason_and_is_not_retried(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    sender.script[4] = [BadRequest("Chat not found")]
    row_id = await put(store, clock.now(), 4, "a")
    await start_worker()

    async def failed() -> bool:
        return (await row(store, row_id)).status is Status.FAILED

    await eventually(failed, what="row failed")
    clock.advance(timedelta(hours=1))
    marker = await put(store, clock.now(), 3, "marker")
    await eventually(lambda: _sent(store, marker), what="worker still going")
    assert (await row(store, row_id)).last_error == "Chat not found"
    assert len(sender.calls_to(4)) == 1


async def test_rows_left_in_flight_by_a_killed_process_are_sent_again_once(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    ids = [await put(store, clock.now(), 200 + i, f"k{i}") for i in range(4)]
    async with store.transaction() as uow:
        assert await uow.outbox.claim(ids[0])
        assert await uow.outbox.claim(ids[1])
    await start_worker()

    async def all_sent() -> bool:
        return all([await _sent(store, i) for i in ids])

    await eventually(all_sent, what="all rows sent after restart")
    assert sorted(chat for chat, _, _ in sender.calls) == [200, 201, 202, 203]
    assert [(await row(store, i)).attempts for i in ids] == [2, 2, 1, 1]


async def test_pacing_never_exceeds_the_global_and_per_chat_rates(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    ids = [await put(store, clock.now(), 300 + i, f"g{i}") for i in range(20)]
    ids += [await put(store, clock.now(), 77, f"c{i}") for i in range(4)]
    await start_worker(replace(FAST, global_rate=100, per_chat_rate=20))

    async def all_sent() -> bool:
        return all([await _sent(store, i) for i in ids])

    await eventually(all_sent, what="all rows sent")
    times = sorted(t for _, _, t in sender.calls)
    assert times[-1] - times[0] >= (len(times) - 1) / 100 - 0.01
    chat_times = [t for chat, _, t in sender.calls if chat == 77]
    assert all(b - a >= 1 / 20 - 0.002 for a, b in itertools.pairwise(chat_times))


async def test_a_broadcast_finishes_and_its_progress_message_is_kept_current(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    async with store.transaction() as uow:
        broadcast_id = await uow.broadcasts.add(
            Broadcast(
                created_by=900002,
                created_at=clock.now(),
                audience=Audience(AudienceKind.WARD),
                body="x",
                recipients=3,
                skipped_unreachable=1,
                progress=MessageRef("telegram", "900002", "42"),
            )
        )
    sender.script[402] = [Blocked("Forbidden: user is deactivated")]
    for chat in (401, 402, 403):
        await put(
            store, clock.now(), chat, f"b{chat}", priority=Priority.MASS, broadcast_id=broadcast_id
        )
    seen: list[Tally] = []

    def view(broadcast: Broadcast, tally: Tally) -> Content:
        seen.append(tally)
        return Content(f"{tally.sent}/{tally.waiting}/{tally.blocked}/{broadcast.status}")

    await start_worker(progress_view=view)

    async def closed() -> bool:
        async with store.read() as uow:
            found = await uow.broadcasts.get(broadcast_id)
        return found is not None and found.progress_done

    await eventually(closed, what="final tally shown")
    async with store.read() as uow:
        done = await uow.broadcasts.get(broadcast_id)
        actions = [e.action for e in await uow.audit.for_subject("broadcast", str(broadcast_id))]
    assert done is not None and done.status is BroadcastStatus.FINISHED
    assert actions == ["broadcast.finished"]
    assert sender.edits[-1] == (900002, 42, Content("2/0/2/finished"))
    assert seen[-1] == Tally(recipients=3, sent=2, waiting=0, blocked=2)


async def test_enqueue_honours_mute_for_general_notices_and_the_idempotency_key(
    store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [11], muted=frozenset({11}))
    async with store.transaction() as uow:
        general = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=11, key="g", general=True
        )
        personal = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=11, key="p"
        )
        again = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=11, key="p"
        )
        stored = await uow.outbox.by_key("p")
    assert (general, personal, again) == (Enqueued.MUTED, Enqueued.QUEUED, Enqueued.DUPLICATE)
    assert stored is not None and stored.event == "broadcast_stopping"
    assert stored.status is Status.PENDING and stored.priority is Priority.PERSONAL


async def test_nothing_is_queued_when_the_transaction_rolls_back(
    store: SqliteStore, clock: ManualClock
) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as uow:
            await enqueue(uow, now=clock.now(), event="broadcast_stopping", person_id=1, key="r")
            raise RuntimeError("the state change failed")
    async with store.read() as uow:
        assert await uow.outbox.by_key("r") is None


async def test_stop_lets_requests_in_flight_finish(
    store: SqliteStore, clock: ManualClock, sender: ScriptedSender, start_worker
) -> None:
    sender.latency = 0.2
    row_id = await put(store, clock.now(), 12, "slow")
    worker = await start_worker()
    await eventually(lambda: _at_least(sender, 1), what="request in flight")
    await worker.stop()
    assert (await row(store, row_id)).status is Status.SENT

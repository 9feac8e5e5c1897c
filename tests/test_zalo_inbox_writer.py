"""The Zalo webhook's batched inbox writes: events arriving together are stored in one
transaction and each handed to its handler once, after the commit; a retried key counts once;
handled marks ride along; a failed write stores nothing and says so to every waiting request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from bot.channels.zalo.inbox_writer import InboxWriter
from bot.channels.zalo.webhook import WebhookEvent
from bot.clock import ManualClock
from storage.sqlite import SqliteStore
from storage.uow import UnitOfWork


def event(n: int) -> WebhookEvent:
    data = {"event_name": "user_send_text", "sender": {"id": f"u{n}"}, "message": {"msg_id": n}}
    return WebhookEvent("user_send_text", f"u{n}", f"msg:{n}", data)


def count_transactions(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened: list[int] = []
    real: Callable[[], AbstractAsyncContextManager[UnitOfWork]] = store.transaction

    def counted() -> AbstractAsyncContextManager[UnitOfWork]:
        opened.append(1)
        return real()

    monkeypatch.setattr(store, "transaction", counted)
    return opened


async def test_events_arriving_together_share_one_transaction_and_each_is_handed_on_once(
    store: SqliteStore, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[str] = []
    writer = InboxWriter(store, clock, lambda e: handed.append(e.key))
    opened = count_transactions(store, monkeypatch)
    events = [event(n) for n in range(30)]
    fresh = await asyncio.gather(
        *(writer.store(e, json.dumps(e.data)) for e in events),
        writer.store(events[0], json.dumps(events[0].data)),
    )
    assert fresh == [True] * 30 + [False]
    assert handed == [e.key for e in events]
    assert len(opened) == 1
    async with store.read() as uow:
        pending = await uow.inbox.pending("zalo", 100)
    assert [(p.key, p.attempts) for p in pending] == [(e.key, 1) for e in events]

    for e in events[:20]:
        writer.handled(e.key)
    again = await writer.store(events[5], json.dumps(events[5].data))
    await writer.flushed()
    assert again is False and len(opened) == 2
    async with store.read() as uow:
        left = await uow.inbox.pending("zalo", 100)
    assert [p.key for p in left] == [e.key for e in events[20:]]


async def test_a_failed_write_stores_nothing_and_every_request_hears_of_it(
    store: SqliteStore, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[str] = []
    writer = InboxWriter(store, clock, lambda e: handed.append(e.key))

    async def broken() -> AsyncIterator[UnitOfWork]:
        raise OSError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(store, "transaction", asynccontextmanager(broken))
    results = await asyncio.gather(
        *(writer.store(event(n), "{}") for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, OSError) for r in results) and handed == []
    monkeypatch.undo()
    assert await writer.store(event(7), "{}") is True
    assert handed == ["msg:7"]

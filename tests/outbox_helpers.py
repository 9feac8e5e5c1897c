"""Shared pieces of the outbox tests: a scripted Sender, row helpers, condition polling."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.domain.people import Consent, Resident
from bot.domain.ports import Store
from bot.outbox.queue import Content, Notification, OutboxMessage, Priority, notify
from bot.outbox.sending import DeliveryConfig, SendResult, Sent
from bot.usecases.accounts import ensure_person

FAST = DeliveryConfig(
    global_rate=1000,
    per_chat_rate=200,
    poll_interval=0.02,
    backoff_base=0.01,
    backoff_cap=0.05,
    progress_interval=0.02,
    stop_timeout=2,
)


class ScriptedSender:
    """Answers each chat from its script, then ``Sent``; records every call with its time."""

    def __init__(self, latency: float = 0.0) -> None:
        self.script: dict[int, list[SendResult]] = defaultdict(list)
        self.calls: list[tuple[int, Content, float]] = []
        self.edits: list[tuple[int, int, Content]] = []
        self.latency = latency
        self._ids = itertools.count(1)

    async def send(self, address: str, content: Content) -> SendResult:
        chat_id = int(address)
        self.calls.append((chat_id, content, asyncio.get_running_loop().time()))
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.script[chat_id]:
            return self.script[chat_id].pop(0)
        return Sent(str(next(self._ids)))

    async def edit(self, address: str, message_id: str, content: Content) -> SendResult:
        self.edits.append((int(address), int(message_id), content))
        return Sent(message_id)

    def calls_to(self, chat_id: int) -> list[Content]:
        return [content for chat, content, _ in self.calls if chat == chat_id]


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 5.0, what: str = "condition"
) -> None:
    """Poll ``check`` until it holds; fails after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def put(
    store: Store,
    now: datetime,
    chat_id: int,
    key: str,
    *,
    text: str = "<b>Xin chào</b> bà con",
    priority: Priority = Priority.PERSONAL,
    broadcast_id: int | None = None,
    event: str = "test_event",
) -> int:
    async with store.transaction() as uow:
        row_id = await uow.outbox.add(
            Notification(
                event, chat_id, "telegram", str(chat_id), key, Content(text), priority, broadcast_id
            ),
            now=now,
        )
    assert row_id is not None
    notify(priority)
    return row_id


async def row(store: Store, row_id: int) -> OutboxMessage:
    async with store.read() as uow:
        found = await uow.outbox.get(row_id)
    assert found is not None
    return found


async def add_residents(
    store: Store,
    now: datetime,
    ids: list[int],
    *,
    group: str = "TDP1",
    muted: frozenset[int] = frozenset(),
    unreachable: frozenset[int] = frozenset(),
) -> None:
    async with store.transaction() as uow:
        for person_id in ids:
            await ensure_person(uow, "telegram", str(person_id), now, inbound=False)
            await uow.residents.save(
                Resident(
                    person_id=person_id,
                    consent=Consent.GIVEN,
                    consent_at=now,
                    full_name=f"Cư dân {person_id}",
                    group_code=group,
                    onboarded_at=now,
                    notices_muted=person_id in muted,
                    reachable=person_id not in unreachable,
                    created_at=now,
                    updated_at=now,
                )
            )

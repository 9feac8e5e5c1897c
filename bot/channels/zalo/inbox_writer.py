"""The Zalo webhook's writes to the inbox, batched: one transaction for the events that arrived
and the events handled while the previous transaction ran.

Every write queues behind the store's one writer, and a transaction of its own per webhook
event (store it, then mark it handled) made that queue the limit of intake under load
(bench/zalo.py); so did a round trip to SQLite per statement, hence one statement for the
arrivals and one for the handled marks. A stored event is still committed before its POST is
answered, and handed to its handler by the batch that committed it, so an answered event is
always handled or left pending for the next start; a crash before a "handled" mark is written
re-handles the event at the next start, as a crash just after its flow did already.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.channels.zalo.inbound import CHANNEL
from bot.channels.zalo.webhook import WebhookEvent
from bot.clock import Clock
from bot.domain.ports import Store

__all__ = ["InboxWriter"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Arrival:
    event: WebhookEvent
    body: str
    stored: asyncio.Future[bool]


class InboxWriter:
    """``on_fresh`` is called with each newly stored event right after its commit."""

    def __init__(
        self, store: Store, clock: Clock, on_fresh: Callable[[WebhookEvent], None]
    ) -> None:
        self._store = store
        self._clock = clock
        self._on_fresh = on_fresh
        self._arrivals: list[_Arrival] = []
        self._handled: list[str] = []
        self._task: asyncio.Task[None] | None = None

    async def store(self, event: WebhookEvent, body: str) -> bool:
        """Whether the event is new (a retried one is stored once); raises if it could not be
        stored."""
        stored = asyncio.get_running_loop().create_future()
        self._arrivals.append(_Arrival(event, body, stored))
        self._kick()
        return await asyncio.shield(stored)

    def handled(self, key: str) -> None:
        self._handled.append(key)
        self._kick()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    async def flushed(self) -> None:
        """Wait until everything asked for is written (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    def _kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="zalo-inbox")

    async def _run(self) -> None:
        while self._arrivals or self._handled:
            arrivals, self._arrivals = self._arrivals, []
            handled, self._handled = self._handled, []
            try:
                fresh = await self._write(arrivals, handled)
            except Exception as exc:
                log.exception(
                    "Zalo inbox write failed: %d events not stored, %d not marked handled "
                    "(handled again at the next start)",
                    len(arrivals),
                    len(handled),
                )
                for arrival in arrivals:
                    arrival.stored.set_exception(exc)
                continue
            for arrival, new in zip(arrivals, fresh, strict=True):
                if new:
                    self._on_fresh(arrival.event)
                arrival.stored.set_result(new)

    async def _write(self, arrivals: list[_Arrival], handled: list[str]) -> list[bool]:
        """Whether each arrival is new; a key twice in one batch is new the first time."""
        async with self._store.transaction() as uow:
            now = self._clock.now()
            stored: set[str] = set()
            if arrivals:
                events = [(a.event.key, a.body) for a in arrivals]
                stored = await uow.inbox.arrived(CHANNEL, events, now)
            if handled:
                await uow.inbox.mark_all_handled(CHANNEL, handled, now)
        fresh: list[bool] = []
        for arrival in arrivals:
            fresh.append(arrival.event.key in stored)
            stored.discard(arrival.event.key)
        return fresh

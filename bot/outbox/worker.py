"""The delivery worker: sends one channel's outbox rows at its pace and never loses one.

Pure asyncio; the channel's API call hides behind :class:`Sender` (for Telegram
bot/channels/telegram/sender.py, a scripted fake in unit tests). Durable times (retry,
backoff) come from the injected clock and live in the database; pacing uses the event loop's
monotonic time.

Crash safety: a row is claimed (``sending``) in its own transaction before the call and its result
is written after it. A process killed in between leaves the row ``sending``; the next start puts
it back to ``pending``, so it is sent again at most once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.clock import Clock
from bot.domain.files import StoredFile, stored_file_id
from bot.domain.people import AuditEntry
from bot.domain.ports import Store
from bot.outbox import queue as outbox
from bot.outbox.queue import (
    Broadcast,
    BroadcastStatus,
    Content,
    OutboxMessage,
    Priority,
    Status,
    Tally,
)
from bot.outbox.routing import mark_unreachable, reroute
from bot.outbox.sending import (
    BadRequest,
    Blocked,
    DeliveryConfig,
    Elsewhere,
    Fallback,
    Pacer,
    ParseError,
    ProgressView,
    RetryAfter,
    Sender,
    SendResult,
    Sent,
    Transient,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
FILE_CACHE_SIZE = 16

__all__ = ["DeliveryWorker"]


class DeliveryWorker:
    """Sends due rows, personal before mass, and keeps broadcasts' progress messages current."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        sender: Sender,
        config: DeliveryConfig | None = None,
        *,
        progress_view: ProgressView | None = None,
        rng: Callable[[], float] = random.random,
        channel: str = "telegram",
        fallback: Fallback | None = None,
    ) -> None:
        self.channel = channel
        self._fallback = fallback
        self._store = store
        self._clock = clock
        self._sender = sender
        self.config = config or DeliveryConfig()
        self._progress_view = progress_view
        self._rng = rng
        loop_time = asyncio.get_running_loop().time
        self._mono = loop_time
        self._pacer = Pacer(self.config.global_rate, loop_time)
        self._chat_interval = 1.0 / self.config.per_chat_rate
        self._slots = asyncio.Semaphore(self.config.max_in_flight)
        self._mass_slots = asyncio.Semaphore(
            max(1, self.config.max_in_flight - self.config.personal_reserve)
        )
        self._busy_chats: set[str] = set()
        self._chat_ready_at: dict[str, float] = {}
        self._chat_hold: dict[str, datetime] = {}
        self._wake = asyncio.Event()
        self._urgent = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._db_tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._floods: deque[float] = deque()
        self._pause_until: datetime | None = None
        self._transient_streak = 0
        self._breaker_trips = 0
        self._shown: dict[int, str] = {}
        self._files: dict[int, StoredFile] = {}
        self._first_seen: dict[int, float] = {}
        self._running = False
        self.stats: Counter[str] = Counter()

    async def start(self) -> None:
        """Put rows a killed process left in flight back in the queue, then start sending."""
        if self._running:
            return
        released = await self._db(self._release_in_flight())
        if released:
            log.warning(
                "%d outbox rows were in flight when the bot stopped; sending again", released
            )
        self._running = True
        outbox.subscribe(self.wake)
        self._loops = [
            asyncio.create_task(self._forever(self._dispatch_once), name="outbox-dispatch"),
            asyncio.create_task(self._forever(self._progress_once), name="outbox-progress"),
        ]

    async def stop(self) -> None:
        """Stop taking rows, let the requests in flight finish (bounded), then return."""
        if not self._running:
            return
        self._running = False
        outbox.unsubscribe(self.wake)
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self.config.stop_timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
                log.warning("%d sends did not finish; they are resent at the next start", len(late))
        if self._db_tasks:
            _, stuck = await asyncio.wait(set(self._db_tasks), timeout=self.config.stop_timeout)
            for task in stuck:
                task.cancel()
            if stuck:
                await asyncio.gather(*stuck, return_exceptions=True)
                log.warning("%d outbox transactions did not finish; rolled back", len(stuck))

    @property
    def running(self) -> bool:
        return self._running

    def wake(self, priority: Priority = Priority.MASS) -> None:
        self._wake.set()
        if priority is Priority.PERSONAL:
            self._urgent.set()

    async def _db(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a transaction so that cancelling the caller (stop) never cuts it in half."""
        task = asyncio.ensure_future(work)
        self._db_tasks.add(task)
        task.add_done_callback(self._db_tasks.discard)
        return await asyncio.shield(task)

    async def _release_in_flight(self) -> int:
        async with self._store.transaction() as uow:
            return await uow.outbox.release_in_flight()

    async def _forever(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run one loop's step again and again; a failure is logged, never fatal."""
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox worker step failed; retrying")
                await asyncio.sleep(self.config.poll_interval)

    # -- dispatching --------------------------------------------------------------------------

    def _pause(self, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if self._pause_until is None or until > self._pause_until:
            self._pause_until = until

    def _paused(self) -> bool:
        return self._pause_until is not None and self._clock.now() < self._pause_until

    def _chat_ready(self, chat_id: str) -> bool:
        return chat_id not in self._busy_chats and self._chat_ready_at.get(chat_id, 0.0) <= (
            self._mono()
        )

    def _not_ready_chats(self) -> list[str]:
        """Chats with a request in flight, paced, or told by a 429 to wait (new rows too)."""
        now = self._mono()
        for chat_id in [c for c, at in self._chat_ready_at.items() if at <= now]:
            del self._chat_ready_at[chat_id]
        today = self._clock.now()
        for chat_id in [c for c, until in self._chat_hold.items() if until <= today]:
            del self._chat_hold[chat_id]
        return sorted(self._busy_chats | self._chat_ready_at.keys() | self._chat_hold.keys())

    async def _dispatch_once(self) -> None:
        self._wake.clear()
        self._urgent.clear()
        now = self._clock.now()
        if self._paused() and self._pause_until is not None:
            await self._idle(self._pause_until, now)
            return
        waiting = self._not_ready_chats()
        rows, next_due = await self._db(self._due(now, waiting))
        if not rows:
            await self._idle(next_due, now)
            return
        for row in rows:
            if self._paused() or (row.priority is Priority.MASS and self._urgent.is_set()):
                return
            if self._chat_ready(row.address):
                await self._dispatch(row)

    async def _due(
        self, now: datetime, waiting: list[str]
    ) -> tuple[list[OutboxMessage], datetime | None]:
        # A write transaction, so a row queued by a transaction that just woke us is visible.
        async with self._store.transaction() as uow:
            rows = await uow.outbox.due(self.channel, now, self.config.batch_size, waiting)
            return rows, None if rows else await uow.outbox.next_due_at(self.channel, waiting)

    async def _claim(self, row_id: int) -> bool:
        async with self._store.transaction() as uow:
            return await uow.outbox.claim(row_id)

    async def _idle(self, next_due: datetime | None, now: datetime) -> None:
        timeout = self.config.poll_interval
        if next_due is not None:
            timeout = min(timeout, (next_due - now).total_seconds())
        if self._chat_ready_at:
            timeout = min(timeout, min(self._chat_ready_at.values()) - self._mono())
        if self._chat_hold:
            timeout = min(timeout, (min(self._chat_hold.values()) - now).total_seconds())
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, 0.002))
        except TimeoutError:
            pass

    async def _dispatch(self, row: OutboxMessage) -> None:
        mass = row.priority is Priority.MASS
        if mass:
            await self._mass_slots.acquire()
        await self._slots.acquire()
        claimed = False
        try:
            await self._pacer.acquire()
            claimed = await self._db(self._claim(row.id))
        finally:
            if not claimed:
                self._release(mass)
        if not claimed:
            self._pacer.refund()
            return
        self._busy_chats.add(row.address)
        task = asyncio.create_task(self._deliver(row), name=f"outbox-{row.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attach(self, content: Content) -> Content:
        """Load the bytes of a ``stored:`` file once; the same file goes to many recipients."""
        file_id = stored_file_id(content.media)
        if file_id is None:
            return content
        stored = self._files.get(file_id)
        if stored is None:
            stored = await self._db(self._load_file(file_id))
            if stored is None:
                return content
            if len(self._files) >= FILE_CACHE_SIZE:
                self._files.pop(next(iter(self._files)))
            self._files[file_id] = stored
        return replace(content, upload=stored)

    async def _load_file(self, file_id: int) -> StoredFile | None:
        async with self._store.read() as uow:
            return await uow.files.get(file_id)

    def _release(self, mass: bool) -> None:
        self._slots.release()
        if mass:
            self._mass_slots.release()

    async def _deliver(self, row: OutboxMessage) -> None:
        try:
            content = row.content.as_plain() if row.plain_text else row.content
            try:
                content = await self._attach(content)
                result = await self._sender.send(row.address, content)
                if isinstance(result, Elsewhere) and self._fallback is not None:
                    result = await self._fallback.deliver(row) or result
            except Exception as exc:
                log.exception("sender raised on outbox row %s", row.id)
                result = Transient(f"{type(exc).__name__}: {exc}")
            self._observe(result)
            await self._db(self._record(row, result))
        finally:
            self._busy_chats.discard(row.address)
            self._chat_ready_at[row.address] = self._mono() + self._chat_interval
            self._release(row.priority is Priority.MASS)
            self._wake.set()

    def _observe(self, result: SendResult) -> None:
        """Whole-bot reactions: a burst of 429s pauses everything, so does a run of failures."""
        self.stats[type(result).__name__] += 1
        if isinstance(result, Transient):
            self._transient_streak += 1
            if self._transient_streak >= self.config.breaker_threshold and not self._paused():
                self._breaker_trips += 1
                pause = self._backoff(self._breaker_trips)
                log.warning(
                    "%s unreachable (%s); pausing sends %.1fs", self.channel, result.reason, pause
                )
                self._pause(pause)
            return
        self._transient_streak = 0
        self._breaker_trips = 0
        if isinstance(result, Blocked | BadRequest | ParseError):
            self._pacer.refund()
        if isinstance(result, RetryAfter):
            now = self._mono()
            self._floods.append(now)
            while self._floods and self._floods[0] < now - self.config.flood_window:
                self._floods.popleft()
            if len(self._floods) >= self.config.flood_threshold:
                log.warning("flood control on several chats; pausing %.1fs", result.seconds)
                self._pause(result.seconds)
                self._floods.clear()

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with equal jitter so retries of a failed burst spread out."""
        delay = min(self.config.backoff_cap, self.config.backoff_base * 2 ** max(attempt - 1, 0))
        return delay / 2 + self._rng() * delay / 2

    async def _record(self, row: OutboxMessage, result: SendResult) -> None:
        now = self._clock.now()
        async with self._store.transaction() as uow:
            match result:
                case Sent(message_id, route):
                    await uow.outbox.mark_sent(row.id, route or self.channel, str(message_id), now)
                case RetryAfter(seconds):
                    until = now + timedelta(seconds=seconds)
                    await uow.outbox.reschedule(row.id, until, f"429: retry after {seconds:g}s")
                    await uow.outbox.hold_address(row.channel, row.address, until)
                    self._chat_hold[row.address] = until
                case Transient(reason):
                    until = now + timedelta(seconds=self._backoff(row.attempts + 1))
                    await uow.outbox.reschedule(row.id, until, reason)
                    await uow.outbox.hold_address(row.channel, row.address, until)
                case Blocked(reason):
                    await uow.outbox.finish(row.id, Status.BLOCKED, reason or "403")
                    await mark_unreachable(uow, row, reason, now)
                case ParseError(reason) if not row.plain_text:
                    log.warning(
                        "template %r: the channel cannot parse it (%s); resending as plain text",
                        row.event,
                        reason,
                    )
                    await uow.outbox.reschedule(row.id, now, reason, plain_text=True)
                case ParseError(reason) | BadRequest(reason):
                    log.warning("outbox row %s (%s) refused: %s", row.id, row.event, reason)
                    await uow.outbox.finish(row.id, Status.FAILED, reason)
                case Elsewhere(reason):
                    await reroute(uow, row, reason, now)

    # -- broadcast progress -------------------------------------------------------------------

    async def _progress_once(self) -> None:
        await self.update_progress()
        await asyncio.sleep(self.config.progress_interval)

    async def update_progress(self) -> None:
        """Finish broadcasts with nothing left to send, and edit each progress message."""
        for broadcast, tally in await self._db(self._open_broadcasts()):
            if tally.done and broadcast.status is BroadcastStatus.RUNNING:
                broadcast = await self._db(self._finish(broadcast, tally))
            await self._show(broadcast, tally)

    async def _open_broadcasts(self) -> list[tuple[Broadcast, Tally]]:
        async with self._store.read() as uow:
            return [
                (b, Tally.of(b, await uow.outbox.counts(b.id or 0)))
                for b in await uow.broadcasts.with_progress_open()
            ]

    async def _finish(self, broadcast: Broadcast, tally: Tally) -> Broadcast:
        now = self._clock.now()
        async with self._store.transaction() as uow:
            current = await uow.broadcasts.get(broadcast.id or 0)
            if current is None or current.status is not BroadcastStatus.RUNNING:
                return current or broadcast
            current.status = BroadcastStatus.FINISHED
            current.finished_at = now
            await uow.broadcasts.save(current)
            await uow.audit.record(
                AuditEntry(
                    at=now,
                    actor_id=None,
                    action="broadcast.finished",
                    subject_type="broadcast",
                    subject_id=str(current.id),
                    details={
                        "sent": tally.sent,
                        "failed": tally.failed,
                        "blocked": tally.blocked,
                        "cancelled": tally.cancelled,
                    },
                )
            )
        return current

    async def _close_progress(self, broadcast_id: int) -> None:
        async with self._store.transaction() as uow:
            current = await uow.broadcasts.get(broadcast_id)
            if current is not None and not current.progress_done:
                current.progress_done = True
                await uow.broadcasts.save(current)
        self._shown.pop(broadcast_id, None)
        self._first_seen.pop(broadcast_id, None)

    async def _show(self, broadcast: Broadcast, tally: Tally) -> None:
        broadcast_id = broadcast.id or 0
        progress = broadcast.progress
        if progress is not None and progress.channel != self.channel:
            return
        if self._progress_view is None or progress is None:
            if tally.done:
                await self._db(self._close_progress(broadcast_id))
            return
        content = self._progress_view(broadcast, tally)
        if self._shown.get(broadcast_id) == content.text:
            if tally.done:
                await self._db(self._close_progress(broadcast_id))
            return
        # The handler edits the message itself when the broadcast starts; give that edit the
        # chat's pacing interval before the first one of ours.
        first_seen = self._first_seen.setdefault(broadcast_id, self._mono())
        if self._mono() - first_seen < self._chat_interval:
            return
        chat_id = progress.address
        if not self._chat_ready(chat_id) or self._paused():
            return
        await self._pacer.acquire()
        self._busy_chats.add(chat_id)
        try:
            result = await self._sender.edit(chat_id, progress.message_id, content)
        except Exception as exc:
            log.exception("sender raised editing progress of broadcast %s", broadcast_id)
            result = Transient(str(exc))
        finally:
            self._busy_chats.discard(chat_id)
            self._chat_ready_at[chat_id] = self._mono() + self._chat_interval
        self.stats["edit"] += 1
        match result:
            case RetryAfter(seconds):
                self._chat_ready_at[chat_id] = self._mono() + seconds
            case Transient():
                pass
            case Sent() | BadRequest() | ParseError() | Blocked():
                if not isinstance(result, Sent) and "not modified" not in str(result):
                    log.warning("progress of broadcast %s not shown: %s", broadcast_id, result)
                self._shown[broadcast_id] = content.text
                if tally.done:
                    await self._db(self._close_progress(broadcast_id))

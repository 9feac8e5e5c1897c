"""Leadership: run something only while this process holds its lease, stand by otherwise.

A standby tries the lease every ``interval`` seconds, so it takes over within that long after
the holder's process dies; the holder checks every ``interval`` that it still holds it and stops
the work when it does not (its database connection dropped).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.domain.ports import Lease

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 2.0


class Leader:
    """``gain`` starts the work when the lease is taken, ``lose`` stops it when lost or at stop."""

    def __init__(
        self,
        lease: Lease,
        gain: Callable[[], Awaitable[None]],
        lose: Callable[[], Awaitable[None]],
        *,
        interval: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.lease = lease
        self._gain = gain
        self._lose = lose
        self._interval = interval
        self._leading = False
        self._task: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self._leading

    async def start(self) -> None:
        """One try now (a single process starts its work before this returns), then watch."""
        await self._step()
        self._task = asyncio.create_task(self._watch(), name=f"lease:{self.lease.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._leading:
            self._leading = False
            await self._lose()
        await self.lease.release()

    async def holder(self) -> str:
        return await self.lease.holder() or "none"

    async def _step(self) -> None:
        if self._leading:
            if not await self.lease.held():
                log.warning("lost the lease %s; standing by", self.lease.name)
                self._leading = False
                await self._lose()
            return
        if await self.lease.acquire():
            log.info("took the lease %s", self.lease.name)
            self._leading = True
            try:
                await self._gain()
            except BaseException:
                self._leading = False
                await self._lose()  # undo what the cut-short start had begun
                await self.lease.release()
                raise

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lease %s: check failed", self.lease.name)


async def leader_state(leader: Leader) -> dict[str, str]:
    """What ``/healthz`` says of a lease: who holds it and whether it is this process."""
    return {
        "sender_lock_holder": await leader.holder(),
        "sender_here": "yes" if leader.leading else "standby",
    }

"""What a channel adapter keeps in the database: events received but maybe not yet handled
(so a webhook can answer at once and a retried event counts once), and API credentials that
rotate (Zalo's refresh token is single-use)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["InboxEvent", "InboxRepository", "TokenPair", "TokenRepository"]


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """A raw event as the channel sent it; ``key`` is the channel's own dedupe key."""

    channel: str
    key: str
    body: str
    received_at: datetime
    handled_at: datetime | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    updated_at: datetime


class InboxRepository(Protocol):
    async def add(self, channel: str, key: str, body: str, now: datetime) -> bool:
        """Store the event; False when an event with this key was stored before."""
        ...

    async def pending(self, channel: str, limit: int) -> Sequence[InboxEvent]:
        """Events not handled yet, oldest first (after a crash, at start)."""
        ...

    async def mark_handled(self, channel: str, key: str, now: datetime) -> None: ...

    async def mark_attempt(self, channel: str, key: str) -> None: ...

    async def arrived(
        self, channel: str, events: Sequence[tuple[str, str]], now: datetime
    ) -> set[str]:
        """Store each ``(key, body)`` whose key was not stored before, with one attempt counted
        (it goes to its handler at once); the keys that were new. One round trip for a batch of
        webhook events."""
        ...

    async def mark_all_handled(self, channel: str, keys: Sequence[str], now: datetime) -> None:
        """:meth:`mark_handled` for many events in one round trip."""
        ...


class TokenRepository(Protocol):
    async def get(self, channel: str) -> TokenPair | None: ...

    async def seed(self, channel: str, pair: TokenPair) -> bool:
        """Store ``pair`` only when the channel has none yet (env values seed an empty database)."""
        ...

    async def replace(self, channel: str, used_refresh_token: str, pair: TokenPair) -> bool:
        """Store the new pair only if the stored refresh token is still ``used_refresh_token``:
        a refresh another process finished first is not overwritten."""
        ...

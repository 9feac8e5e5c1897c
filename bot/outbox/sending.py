"""What a channel's sender answers, and the pace the worker keeps: the contract between the
delivery worker and each channel adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.outbox.queue import Broadcast, Content, OutboxMessage, Tally
from bot.settings import Settings

__all__ = [
    "BadRequest",
    "Blocked",
    "DeliveryConfig",
    "Elsewhere",
    "Fallback",
    "Pacer",
    "ParseError",
    "ProgressView",
    "RetryAfter",
    "SendResult",
    "Sender",
    "Sent",
    "Transient",
]


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str | int
    route: str | None = None
    """How it went when not as the worker's channel's own message (``zalo_template``, ``zns``)."""


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """429: Telegram said how long to wait."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Blocked:
    """403: the person blocked the bot or deleted the account."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class ParseError:
    """400 "can't parse entities": our markup is at fault, not the recipient."""

    reason: str


@dataclass(frozen=True, slots=True)
class BadRequest:
    """Any other 400: retrying the same request cannot help."""

    reason: str


@dataclass(frozen=True, slots=True)
class Transient:
    """Network error, timeout or 5xx: worth another try later."""

    reason: str


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """This channel may not deliver it now but another account of the person may (Zalo outside
    its 7-day customer-service window): the worker moves a personal row there."""

    reason: str


SendResult = Sent | RetryAfter | Blocked | ParseError | BadRequest | Transient | Elsewhere
ProgressView = Callable[[Broadcast, Tally], Content]


class Sender(Protocol):
    """One channel's way to deliver neutral content to an address (the account's id there)."""

    async def send(self, address: str, content: Content) -> SendResult: ...

    async def edit(self, address: str, message_id: str, content: Content) -> SendResult:
        """Replace the text (and inline keyboard) of a message the bot sent earlier."""
        ...


class Fallback(Protocol):
    """A channel's other ways to deliver a row its own message could not (Zalo outside the
    7-day window: an OA template message, then a ZNS); None when none applies or all failed."""

    async def deliver(self, row: OutboxMessage) -> SendResult | None: ...


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Telegram's broadcast guidance: about 30 messages per second overall, 1 per chat."""

    global_rate: float = 30.0
    per_chat_rate: float = 1.0
    max_in_flight: int = 10
    personal_reserve: int = 2
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    poll_interval: float = 1.0
    progress_interval: float = 2.0
    batch_size: int = 30
    flood_threshold: int = 3
    flood_window: float = 1.0
    breaker_threshold: int = 3
    stop_timeout: float = 10.0

    @classmethod
    def from_settings(
        cls, settings: Settings, *, global_rate: float | None = None
    ) -> DeliveryConfig:
        """The process's outbox settings; ``global_rate`` for a channel with its own limit."""
        rate = settings.outbox_global_rate if global_rate is None else global_rate
        return cls(
            global_rate=rate,
            per_chat_rate=settings.outbox_per_chat_rate,
            max_in_flight=settings.outbox_max_in_flight,
            personal_reserve=max(1, settings.outbox_max_in_flight // 4),
            backoff_base=settings.outbox_backoff_base,
            backoff_cap=settings.outbox_backoff_cap,
            poll_interval=settings.outbox_poll_interval,
            progress_interval=settings.outbox_progress_interval,
            batch_size=max(10, round(rate)),
        )


class Pacer:
    """Evenly spaced send slots at ``rate`` per second.

    Slots are reserved on an absolute schedule, so sleep jitter does not lower the average rate,
    and an idle period gives no burst afterwards.
    """

    def __init__(self, rate: float, now: Callable[[], float]) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._now = now
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._now()
        slot = max(self._next, now)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def refund(self) -> None:
        """Give back a slot whose request Telegram refused outright: no message was sent."""
        self._next = max(self._now(), self._next - self._interval)

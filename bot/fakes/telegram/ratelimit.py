"""Token buckets emulating Telegram's flood control."""

from __future__ import annotations

import math

__all__ = ["RateLimiter", "TokenBucket"]

_SLACK = 0.02
"""Fraction of a token forgiven, so a sender pacing exactly at the rate survives clock jitter."""


class TokenBucket:
    """``rate`` tokens per second, holding at most ``rate * burst`` (never less than one)."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, rate * burst)
        self.tokens = self.capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if it is now), refilling first."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= 1.0 - _SLACK:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    """A global bucket plus one bucket per chat; a send needs a token from both."""

    def __init__(
        self,
        global_per_second: float | None,
        per_chat_per_second: float | None,
        burst: float,
        now: float,
    ) -> None:
        self.global_bucket = (
            TokenBucket(global_per_second, burst, now) if global_per_second else None
        )
        self.per_chat_rate = per_chat_per_second
        self.burst = burst
        self.chat_buckets: dict[int, TokenBucket] = {}

    def acquire(self, chat_id: int | None, now: float) -> int:
        """Take the tokens and return 0, or return the Retry-After seconds (>= 1) and take none."""
        wait = 0.0
        chat_bucket: TokenBucket | None = None
        if self.per_chat_rate and chat_id is not None:
            chat_bucket = self.chat_buckets.get(chat_id)
            if chat_bucket is None:
                chat_bucket = TokenBucket(self.per_chat_rate, self.burst, now)
                self.chat_buckets[chat_id] = chat_bucket
            wait = chat_bucket.wait_time(now)
        if self.global_bucket is not None:
            wait = max(wait, self.global_bucket.wait_time(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        if chat_bucket is not None:
            chat_bucket.take()
        if self.global_bucket is not None:
            self.global_bucket.take()
        return 0

"""What makes calls fail on purpose: injected errors, an outage, and flood control.

Kept apart from the method handlers so a handler never needs to know whether it is being tested
against failures; the server asks :class:`FaultInjector` before and after each call.
"""

from __future__ import annotations

import random
import time

from .models import ApiError, FaultRule
from .params import Params, as_int
from .ratelimit import RateLimiter

__all__ = ["FaultInjector"]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


class FaultInjector:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.outage = False
        self.limiter: RateLimiter | None = None

    def set_rate_limits(
        self, global_per_second: float | None, per_chat_per_second: float | None, burst: float
    ) -> None:
        if global_per_second or per_chat_per_second:
            self.limiter = RateLimiter(
                global_per_second, per_chat_per_second, burst, time.monotonic()
            )
        else:
            self.limiter = None

    def inject(
        self,
        method: str | None,
        chat_id: int | None,
        status: int,
        description: str,
        retry_after: int | None,
        times: int | None,
        probability: float | None,
        seed: int | None,
        deliver: bool,
    ) -> FaultRule:
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        elif description == "Internal Server Error" and status in _DEFAULT_DESCRIPTIONS:
            description = _DEFAULT_DESCRIPTIONS[status]
        if times is None and probability is None:
            times = 1
        rule = FaultRule(
            method=method,
            chat_id=chat_id,
            status=status,
            description=description,
            retry_after=retry_after,
            remaining=times,
            probability=probability,
            rng=random.Random(seed),
            deliver=deliver,
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def match(self, method: str, params: Params) -> FaultRule | None:
        """The rule that fires for this call, if any, counted as fired."""
        if not self.rules:
            return None
        chat_id = as_int(params.data.get("chat_id"))
        for rule in self.rules:
            if rule.matches(method, chat_id):
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None

    def throttle(self, chat_id: int) -> None:
        """Raise Telegram's 429 if this send would exceed the flood limits."""
        if self.limiter is None:
            return
        retry_after = self.limiter.acquire(chat_id, time.monotonic())
        if retry_after:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

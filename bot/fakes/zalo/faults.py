"""What makes calls fail on purpose: injected errors, an outage, and the per-app rate limit.

Kept apart from the handlers so a handler never knows whether it is being tested against
failures; the server asks :class:`FaultInjector` before (and, for ``deliver`` rules, after)
each call.
"""

from __future__ import annotations

import random
from collections import deque

from .clock import FakeClock
from .codes import RATE_LIMITED, message_for
from .models import FaultRule, ZaloError

__all__ = ["DEFAULT_CALLS_PER_MINUTE", "FaultInjector"]

DEFAULT_CALLS_PER_MINUTE = 4000
"""Zalo's documented ceiling is per app per minute; above it calls answer -32."""


class FaultInjector:
    def __init__(self, clock: FakeClock, calls_per_minute: int | None) -> None:
        self.rules: list[FaultRule] = []
        self.outage = False
        self.outage_drop = False
        self.outage_status = 502
        self.calls_per_minute = calls_per_minute
        self._clock = clock
        self._window: deque[float] = deque()

    def inject(
        self,
        path: str | None,
        user_id: str | None,
        error: int,
        message: str | None,
        times: int | None,
        http_status: int,
        probability: float | None,
        seed: int | None,
        drop: bool,
        deliver: bool,
    ) -> FaultRule:
        if times is None and probability is None:
            times = 1
        rule = FaultRule(
            path=path,
            user_id=user_id,
            error=error,
            message=message or message_for(error),
            http_status=http_status,
            remaining=times,
            probability=probability,
            rng=random.Random(seed),
            drop=drop,
            deliver=deliver,
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def match(self, path: str, user_id: str | None, *, oauth: bool = False) -> FaultRule | None:
        """The rule that fires for this call, if any, counted as fired.

        OAuth calls only meet rules that name their path: a catch-all rule is about the API.
        """
        for rule in self.rules:
            if oauth and rule.path is None:
                continue
            if rule.matches(path, user_id):
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None

    def throttle(self) -> None:
        """Count one call against the app's sliding minute; raise -32 past the limit.

        Rejected calls are not counted, so a client that backs off recovers after a minute of
        the fake clock.
        """
        if not self.calls_per_minute:
            return
        now = self._clock.now()
        while self._window and self._window[0] <= now - 60.0:
            self._window.popleft()
        if len(self._window) >= self.calls_per_minute:
            raise ZaloError(RATE_LIMITED)
        self._window.append(now)

    @property
    def calls_this_minute(self) -> int:
        now = self._clock.now()
        return sum(1 for stamp in self._window if stamp > now - 60.0)

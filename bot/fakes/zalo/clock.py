"""The fake's own notion of "now", so token expiry and the 7-day window need no sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["FakeClock"]

DAY = 86_400.0


class FakeClock:
    """Epoch seconds from ``source`` (default ``time.time``) plus an offset tests can move."""

    def __init__(self, source: Callable[[], float] | None = None) -> None:
        self._source = source or time.time
        self._offset = 0.0

    def now(self) -> float:
        return float(self._source()) + self._offset

    def now_ms(self) -> str:
        """Zalo's timestamp form: milliseconds as a string."""
        return str(int(self.now() * 1000))

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def set(self, epoch_seconds: float) -> None:
        self._offset += epoch_seconds - self.now()

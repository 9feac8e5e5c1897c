"""The headers every public page carries, and the per-IP / per-phone rate limits.

The Content-Security-Policy allows scripts and styles from the bot's own ``/static/`` only:
no inline script, no inline style attribute, nothing from a CDN; htmx is told not to add its
own inline indicator style (``<meta name="htmx-config">`` in the base layout)."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.clock import Clock

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def page(html: str, status: int = 200, *, cache: bool = False) -> HTMLResponse:
    headers = dict(HEADERS)
    headers["Cache-Control"] = "public, max-age=30" if cache else "no-store"
    return HTMLResponse(html, status_code=status, headers=headers)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


class RateLimiter:
    """At most ``limit`` hits per key within ``window`` (sliding), on the injected clock."""

    def __init__(self, clock: Clock, limit: int, window: timedelta) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[datetime]] = {}

    def allow(self, *keys: str) -> bool:
        """Count one hit on every key, unless one of them is already at its limit."""
        now = self.clock.now()
        queues = []
        for key in keys:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            queues.append(hits)
        for hits in queues:
            hits.append(now)
        if len(self._hits) > 10_000:
            self._hits = {k: v for k, v in self._hits.items() if v}
        return True

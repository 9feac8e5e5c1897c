"""Staff on the web dashboard: a one-time login link sent by the bot, then a server-side session.

Only SHA-256 hashes of the link token and the session cookie are stored, so a look at the
tables or a backup cannot be turned into a login. A link works once, for ``LINK_LIFETIME``,
for the person it was sent to; a session ends at logout or after ``IDLE_LIMIT`` without use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

__all__ = [
    "IDLE_LIMIT",
    "LINK_LIFETIME",
    "LoginLink",
    "WebSession",
    "WebSessionRepository",
    "secret_hash",
]

LINK_LIFETIME = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=8)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoginLink:
    token_hash: str
    person_id: int
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class WebSession:
    """``csrf_token`` is kept in clear: it is put into every form of the session's pages."""

    id_hash: str
    person_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.ended_at is None and now - self.last_seen_at < IDLE_LIMIT


class WebSessionRepository(Protocol):
    async def add_link(self, link: LoginLink) -> None: ...

    async def link(self, token_hash: str) -> LoginLink | None: ...

    async def use_link(self, token_hash: str, now: datetime) -> bool:
        """Mark the link used; False when it was already used (two clicks race: one wins)."""
        ...

    async def add_session(self, session: WebSession) -> None: ...

    async def session(self, id_hash: str) -> WebSession | None: ...

    async def touch_session(self, id_hash: str, now: datetime) -> None: ...

    async def end_session(self, id_hash: str, now: datetime) -> None: ...

    async def sessions_of(self, person_id: int) -> Sequence[WebSession]:
        """Every session of the person, newest first (ended ones too)."""
        ...

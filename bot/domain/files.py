"""Files sent as uploads (a session's .ics calendar entry). An outbox row refers to one by
``stored_media(id)``; the delivery worker loads the bytes just before sending. A channel that
cannot carry a file sends an unguessable, expiring link to it on the bot's web server instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

_PREFIX = "stored:"


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    name: str
    mime_type: str
    data: bytes


class FileRepository(Protocol):
    async def add(self, *, name: str, mime_type: str, data: bytes, now: datetime) -> int: ...

    async def get(self, file_id: int) -> StoredFile | None: ...

    async def add_link(
        self, *, token: str, file_id: int, now: datetime, expires_at: datetime
    ) -> None: ...

    async def by_link(self, token: str, now: datetime) -> StoredFile | None:
        """The file behind a link that has not expired."""
        ...


def stored_media(file_id: int) -> str:
    return f"{_PREFIX}{file_id}"


def stored_file_id(media: str | None) -> int | None:
    """The stored file an outbox row's media refers to; None for a Telegram file_id or URL."""
    if media is None or not media.startswith(_PREFIX):
        return None
    tail = media.removeprefix(_PREFIX)
    return int(tail) if tail.isdigit() else None

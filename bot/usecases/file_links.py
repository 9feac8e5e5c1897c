"""Links to files for channels that cannot carry them: an unguessable token (192 random bits)
that opens the file on the bot's web server for :data:`LINK_TTL`, then answers 404."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

from bot.domain.files import stored_media
from bot.usecases.common import Services

__all__ = ["LINK_TTL", "keep_upload", "link_path", "publish_file"]

LINK_TTL = timedelta(days=30)


def link_path(token: str, name: str) -> str:
    """The path the web server answers: the token opens it, the name only labels the download."""
    return f"/f/{token}/{quote(name)}"


async def publish_file(
    services: Services,
    base_url: str,
    *,
    name: str,
    mime_type: str,
    data: bytes | None = None,
    file_id: int | None = None,
) -> str:
    """The public URL of a new link to a stored file (or to ``data``, stored first)."""
    now = services.clock.now()
    token = secrets.token_urlsafe(24)
    async with services.store.transaction() as uow:
        if file_id is None:
            if data is None:
                raise ValueError("a file link needs the file's id or its bytes")
            file_id = await uow.files.add(name=name, mime_type=mime_type, data=data, now=now)
        await uow.files.add_link(token=token, file_id=file_id, now=now, expires_at=now + LINK_TTL)
    return base_url.rstrip("/") + link_path(token, name)


async def keep_upload(services: Services, *, name: str, mime_type: str, data: bytes) -> str:
    """A file uploaded on a page, stored so the outbox can send it: its ``stored:`` reference."""
    async with services.store.transaction() as uow:
        file_id = await uow.files.add(
            name=name, mime_type=mime_type, data=data, now=services.clock.now()
        )
    return stored_media(file_id)

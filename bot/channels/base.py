"""What the runtime needs of a channel, whichever platform it talks to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.conversation.router import Router
from bot.usecases.common import Services

__all__ = ["Channel", "ChannelState", "Endpoint", "WebhookAnswer"]


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A URL path the web server answers for a channel: POSTed body and headers in, answer out."""

    path: str
    handle: Callable[[bytes, Mapping[str, str]], Awaitable[WebhookAnswer]]


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What ``/healthz`` and ``check-config`` say of a channel: working or not, and why."""

    name: str
    ok: bool
    detail: str
    extra: Mapping[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def start(self, services: Services, router: Router) -> None:
        """Start receiving and delivering; the store is open and staff are synced."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish what is in flight, stop delivering."""
        ...

    def endpoints(self) -> Sequence[Endpoint]: ...

    async def state(self) -> ChannelState: ...

"""The router: hands each neutral event to the flow that claims it.

Flows register commands, button-payload prefixes and fallbacks for the other kinds of event;
the channel adapters call :meth:`Router.dispatch`. The person is resolved from the channel
account here, once per event, so flows only ever see our person id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.conversation.events import EventKind, InboundEvent
from bot.conversation.turn import Replier, Turn
from bot.usecases.accounts import person_for

if TYPE_CHECKING:
    from bot.usecases.common import Services

log = logging.getLogger(__name__)

Handler = Callable[[Turn], Awaitable[None]]

__all__ = ["Handler", "Router"]


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, Handler] = {}
        self._buttons: list[tuple[str, Handler]] = []
        self._fallbacks: dict[EventKind, Handler] = {}
        self._error: Handler | None = None

    def command(self, name: str, handler: Handler) -> None:
        self._commands[name.lower()] = handler

    def button(self, prefix: str, handler: Handler) -> None:
        """Payloads starting with ``prefix``; the longest matching prefix wins. Two flows
        claiming the same prefix is a wiring mistake, refused at start."""
        if any(known == prefix for known, _ in self._buttons):
            raise ValueError(f"button prefix {prefix!r} is claimed twice")
        self._buttons.append((prefix, handler))
        self._buttons.sort(key=lambda item: len(item[0]), reverse=True)

    def fallback(self, kind: EventKind, handler: Handler) -> None:
        """Events of ``kind`` no command or button claimed (typed text, media, contacts…)."""
        self._fallbacks[kind] = handler

    def on_error(self, handler: Handler) -> None:
        self._error = handler

    @property
    def commands(self) -> frozenset[str]:
        return frozenset(self._commands)

    def handler_for(self, event: InboundEvent) -> Handler | None:
        if event.kind is EventKind.COMMAND:
            found = self._commands.get((event.command or "").lower())
            return found or self._fallbacks.get(EventKind.COMMAND)
        if event.kind is EventKind.BUTTON:
            payload = event.payload or ""
            for prefix, handler in self._buttons:
                if payload.startswith(prefix):
                    return handler
            return self._fallbacks.get(EventKind.BUTTON)
        if event.kind.is_media:
            return self._fallbacks.get(event.kind) or self._fallbacks.get(EventKind.OTHER)
        return self._fallbacks.get(event.kind)

    def claims_payload(self, text: str) -> bool:
        """Whether typed text looks like one of our button payloads (channels whose buttons
        arrive as text, such as Zalo, ask this)."""
        return any(text.startswith(prefix) for prefix, _ in self._buttons)

    async def dispatch(self, event: InboundEvent, replier: Replier, services: Services) -> None:
        handler = self.handler_for(event)
        if handler is None:
            return
        person_id = await person_for(services, event.channel, event.account_id)
        turn = Turn(event, person_id, services, replier)
        try:
            await handler(turn)
        except Exception:
            log.exception(
                "event failed: %s from %s:%s", event.kind, event.channel, event.account_id
            )
            if self._error is not None:
                try:
                    await self._error(turn)
                except Exception:
                    log.warning("could not tell the person about the failure", exc_info=True)

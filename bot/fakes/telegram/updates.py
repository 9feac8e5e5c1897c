"""Getting users' updates to the bot: the getUpdates long poll or webhook pushes, never both.

Telegram's rules are kept because the bot's run modes depend on them: a second poller is told
"terminated by other getUpdates request", polling is refused while a webhook is set, and a
webhook that fails is retried with backoff and its pending updates counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import time
from collections import deque
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp

from .models import ApiError, WebhookConfig
from .params import Params, dumps

__all__ = ["UpdateFeed"]

_LOG = logging.getLogger("bot.fakes.telegram.server")
"""The server's logger, as before the split, so log filters and caplog keep matching."""

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class UpdateFeed:
    """Pending updates, in order, and whichever of the two delivery modes is active."""

    def __init__(self, webhook_max_attempts: int) -> None:
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_dropped: list[dict[str, Any]] = []
        self.closing = False

        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._update_signal = asyncio.Event()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._pollers_waiting = 0
        self._last_poll: float | None = None

        self._webhook: WebhookConfig | None = None
        self._webhook_options: dict[str, Any] = {}
        self._webhook_queue: deque[dict[str, Any]] = deque()
        self._webhook_wakeup = asyncio.Event()
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_last_error: tuple[int, str] | None = None

    @property
    def webhook(self) -> WebhookConfig | None:
        return self._webhook

    @property
    def pending(self) -> int:
        return len(self._webhook_queue) if self._webhook else len(self._updates)

    async def close(self) -> None:
        self.closing = True
        self._notify_pollers()
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def route(self, update: dict[str, Any]) -> None:
        if self._webhook is not None:
            self._webhook_queue.append(update)
            self._webhook_wakeup.set()
            self._ensure_webhook_worker()
        else:
            self._updates.append(update)
            self._notify_pollers()

    async def post_raw(
        self, update: dict[str, Any], secret: str | Literal["configured"] | None, url: str | None
    ) -> int:
        target = url or (self._webhook.url if self._webhook else None)
        if target is None:
            raise LookupError("no webhook is set; pass url=")
        if secret == "configured":
            secret = self._webhook.secret if self._webhook else None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if "update_id" not in update:
            update = {"update_id": self.take_update_id(), **update}
        async with (
            aiohttp.ClientSession() as session,
            session.post(target, data=dumps(update), headers=headers) as response,
        ):
            await response.read()
            return response.status

    def status(self) -> str:
        """One line on how delivery stands, for timeout reports."""
        if self._webhook is not None:
            status = (
                f"Webhook mode ({self._webhook.url}): {len(self._webhook_queue)} update(s) "
                "not yet accepted by the bot"
            )
            if self._webhook_last_error:
                status += f"; last webhook error: {self._webhook_last_error[1]}"
            return status
        if self._last_poll is None:
            polled = "has never called getUpdates"
        elif self._pollers_waiting:
            polled = "is long-polling getUpdates right now"
        else:
            polled = f"last called getUpdates {time.monotonic() - self._last_poll:.1f}s ago"
        return f"Polling mode: the bot {polled}; {len(self._updates)} update(s) unconfirmed."

    # ----- polling ------------------------------------------------------------------------

    def _notify_pollers(self) -> None:
        self._update_signal.set()
        self._update_signal = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _batch(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if allowed:
            kept = [u for u in self._updates if not allowed.isdisjoint(u.keys())]
            if len(kept) != len(self._updates):
                self._updates = deque(kept)
        return list(itertools.islice(self._updates, limit))

    async def get_updates(self, p: Params) -> Any:
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._last_poll = time.monotonic()
        if self._pollers_waiting:
            self._notify_pollers()
        batch = self._batch(limit)
        if batch or timeout <= 0 or self.closing:
            return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._pollers_waiting += 1
        try:
            while not self._updates and not self.closing and self._webhook is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                signal = self._update_signal
                try:
                    async with asyncio.timeout(remaining):
                        await signal.wait()
                except TimeoutError:
                    break
                if generation != self._poll_generation:
                    raise ApiError(409, _POLL_CONFLICT)
        finally:
            self._pollers_waiting -= 1
            self._last_poll = time.monotonic()
        if self._webhook is not None:
            return []
        return self._batch(limit)

    # ----- webhook ------------------------------------------------------------------------

    async def set_webhook(self, p: Params) -> Any:
        url = p.text("url") or ""
        if not url:
            self._remove_webhook(p.flag("drop_pending_updates"))
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: invalid webhook URL specified")
        secret = p.text("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.flag("drop_pending_updates"):
            self._updates.clear()
            self._webhook_queue.clear()
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or None
        self._webhook = WebhookConfig(url, secret)
        self._webhook_options = {"max_connections": p.integer("max_connections") or 40}
        self._webhook_last_error = None
        self._webhook_queue.extend(self._updates)
        self._updates.clear()
        self._notify_pollers()
        if self._webhook_queue:
            self._webhook_wakeup.set()
            self._ensure_webhook_worker()
        return True

    async def delete_webhook(self, p: Params) -> Any:
        self._remove_webhook(p.flag("drop_pending_updates"))
        return True

    def _remove_webhook(self, drop_pending: bool) -> None:
        self._webhook = None
        if drop_pending:
            self._updates.clear()
            self._webhook_queue.clear()
        else:
            self._updates.extend(self._webhook_queue)
            self._webhook_queue.clear()
        self._notify_pollers()

    async def get_webhook_info(self, p: Params) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending,
        }
        if self._webhook is not None:
            info.update(self._webhook_options)
            if self._allowed_updates:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    def _ensure_webhook_worker(self) -> None:
        if self.closing or (self._webhook_task is not None and not self._webhook_task.done()):
            return
        self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())

    async def _webhook_worker(self) -> None:
        """Deliver queued updates in order, one at a time, retrying like Telegram (with backoff)."""
        attempts = 0
        delay = 0.02
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                if not self._webhook_queue:
                    self._webhook_wakeup.clear()
                    await self._webhook_wakeup.wait()
                    continue
                config = self._webhook
                if config is None:
                    self._remove_webhook(drop_pending=False)
                    continue
                update = self._webhook_queue[0]
                error = await self._post_update(session, config, update)
                if error is None or attempts + 1 >= self.webhook_max_attempts:
                    if self._webhook_queue and self._webhook_queue[0] is update:
                        self._webhook_queue.popleft()
                    if error is not None:
                        self.webhook_dropped.append(update)
                        _LOG.warning("webhook gave up on update %s: %s", update, error)
                    attempts = 0
                    delay = 0.02
                    continue
                attempts += 1
                self._webhook_last_error = (int(time.time()), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)

    @staticmethod
    async def _post_update(
        session: aiohttp.ClientSession, config: WebhookConfig, update: dict[str, Any]
    ) -> str | None:
        headers = {"Content-Type": "application/json"}
        if config.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret
        try:
            async with session.post(config.url, data=dumps(update), headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"Connection failed: {exc!r}"

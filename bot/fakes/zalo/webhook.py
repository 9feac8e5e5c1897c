"""Posting events to the bot's webhook, signed like Zalo, and recording every delivery.

Zalo expects a 200 within about 2 seconds and does not wait longer; the fake gives up at
``timeout`` too and records the status (or the failure) and the latency of each POST, so tests
can assert the bot acknowledges quickly and benchmarks can measure it. There is no retry queue:
an event the bot did not take is simply recorded as failed, which is what a bot must survive.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp

from .events import SIGNATURE_HEADER, dumps, signature_header
from .models import Delivery

__all__ = ["GOOD", "NO_SIGNATURE", "WRONG", "WebhookSender"]

GOOD = "valid"
WRONG = "bad"
NO_SIGNATURE = None


class WebhookSender:
    """The webhook URL, the OA secret key that signs, and the deliveries made so far."""

    def __init__(self, app_id: str, oa_secret_key: str, timeout: float = 2.0) -> None:
        self.app_id = app_id
        self.oa_secret_key = oa_secret_key
        self.timeout = timeout
        self.url: str | None = None
        self.deliveries: list[Delivery] = []
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _headers(self, event: dict[str, Any], body: bytes, signature: str | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": "ZaloOA-Webhook/fake"}
        if signature is None:
            return headers
        app_id = str(event.get("app_id", self.app_id))
        timestamp = str(event.get("timestamp", ""))
        secret = self.oa_secret_key
        if signature == GOOD:
            headers[SIGNATURE_HEADER] = signature_header(app_id, body, timestamp, secret)
        elif signature == WRONG:
            headers[SIGNATURE_HEADER] = signature_header(app_id, body, timestamp, secret + "!")
        else:
            headers[SIGNATURE_HEADER] = signature
        return headers

    async def deliver(
        self,
        event: dict[str, Any],
        *,
        signature: str | None = GOOD,
        url: str | None = None,
        body: bytes | None = None,
    ) -> Delivery:
        """POST ``event`` (or exactly ``body``) once; ``signature`` is "valid", "bad", None
        (no header) or a header value to send verbatim."""
        raw = dumps(event) if body is None else body
        headers = self._headers(event, raw, signature)
        target = url or self.url
        delivery = Delivery(
            event=event, body=raw, headers=headers, url=target, timeout=self.timeout
        )
        self.deliveries.append(delivery)
        if target is None:
            delivery.error = "no webhook URL is set"
            return delivery
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        started = time.monotonic()
        try:
            async with (
                asyncio.timeout(self.timeout),
                self._session.post(target, data=raw, headers=headers) as response,
            ):
                delivery.status = response.status
                with contextlib.suppress(UnicodeDecodeError):
                    delivery.response_text = (await response.read()).decode("utf-8")[:2000]
        except TimeoutError:
            delivery.error = f"no answer within {self.timeout:g}s"
        except (aiohttp.ClientError, OSError) as exc:
            delivery.error = f"connection failed: {exc!r}"
        delivery.latency = time.monotonic() - started
        return delivery

    async def replay(self, delivery: Delivery, *, signature: str | None = GOOD) -> Delivery:
        """POST the very same bytes again (same ``msg_id``, same timestamp), as Zalo may."""
        return await self.deliver(delivery.event, signature=signature, body=delivery.body)

"""A small async client for the Zalo OA Open API v3 on aiohttp (no maintained async one exists).

Every answer is HTTP 200 with ``{"error": 0, "data": …}`` or a negative ``error``. The access
token lasts about 25 hours; when Zalo says it is invalid or expired the client refreshes once and
retries. The refresh token is single-use: the new pair is committed to the database before it is
used, one refresh runs at a time, and a pair another process stored first is taken as is. The
pair is kept in memory between calls (a read of the database per send was a tenth of a webhook
event's cost in bench/zalo.py) and read again once it has expired or Zalo refuses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp

from bot.clock import Clock
from bot.domain.channels import TokenPair
from bot.domain.ports import Store

__all__ = [
    "TOKEN_ERRORS",
    "UNREACHABLE",
    "WINDOW_CLOSED",
    "ZaloApiError",
    "ZaloAuthDead",
    "ZaloClient",
    "ZaloConfig",
    "ZaloTransient",
]

log = logging.getLogger(__name__)

CHANNEL = "zalo"
TOKEN_ERRORS = frozenset({-216, -220, -124})
RATE_LIMITED = -32
UNREACHABLE = frozenset({-213, -217, -227, -244})
"""Not a follower, blocked, inactive 45 days, refused: the person cannot be sent to on Zalo."""
WINDOW_CLOSED = frozenset({-230, -232})
"""No interaction within 7 days: outside the customer-service window."""


@dataclass(frozen=True, slots=True)
class ZaloConfig:
    app_id: str
    app_secret: str
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    zns_base_url: str = "https://business.openapi.zalo.me"
    timeout: float = 15.0


class ZaloApiError(Exception):
    """Zalo answered with a negative ``error``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ZaloTransient(Exception):
    """Network error, timeout or 5xx: worth another try later."""


class ZaloAuthDead(Exception):
    """The refresh token is refused: an admin must run ``python -m bot zalo connect``."""


class ZaloClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ZaloConfig,
        store: Store,
        clock: Clock,
        *,
        on_auth_dead: Callable[[TokenPair, str], Awaitable[None]] | None = None,
    ) -> None:
        """``on_auth_dead`` hears of a refused refresh token (the pair Zalo refused, why)."""
        self._http = session
        self.config = config
        self._store = store
        self._clock = clock
        self._refreshing = asyncio.Lock()
        self._on_auth_dead = on_auth_dead
        self._known: TokenPair | None = None

    # -- tokens -------------------------------------------------------------------------------

    async def seed(self, access_token: str, refresh_token: str) -> bool:
        """Store the env values when the database has no pair yet (they only seed it)."""
        if not access_token or not refresh_token:
            return False
        now = self._clock.now()
        pair = TokenPair(access_token, refresh_token, now + timedelta(hours=25), now)
        async with self._store.transaction() as uow:
            return await uow.tokens.seed(CHANNEL, pair)

    async def _pair(self) -> TokenPair:
        """The pair to call with: the one in memory while it is unexpired, else the stored one."""
        known = self._known
        if known is not None and known.expires_at > self._clock.now():
            return known
        return await self._stored()

    async def _stored(self) -> TokenPair:
        async with self._store.read() as uow:
            pair = await uow.tokens.get(CHANNEL)
        if pair is None:
            self._known = None
            raise ZaloAuthDead("no Zalo tokens stored")
        self._known = pair
        return pair

    async def refresh(self, used: TokenPair | None = None) -> TokenPair:
        """A fresh pair; when ``used`` was already replaced (by another task or process),
        the stored pair instead of a second refresh."""
        async with self._refreshing:
            stored = await self._stored()
            if used is not None and stored.refresh_token != used.refresh_token:
                return stored
            try:
                data = await self._oauth(
                    {"grant_type": "refresh_token", "refresh_token": stored.refresh_token}
                )
            except ZaloAuthDead as exc:
                if self._on_auth_dead is not None:
                    await self._on_auth_dead(stored, str(exc))
                raise
            pair = self._pair_from(data)
            async with self._store.transaction() as uow:
                replaced = await uow.tokens.replace(CHANNEL, stored.refresh_token, pair)
            if not replaced:
                return await self._stored()
            self._known = pair
            log.info("Zalo access token refreshed")
            return pair

    async def exchange_code(self, code: str, code_verifier: str | None = None) -> TokenPair:
        """``python -m bot zalo connect``: the permission code for a new pair, stored."""
        form = {"grant_type": "authorization_code", "code": code}
        if code_verifier:
            form["code_verifier"] = code_verifier
        pair = self._pair_from(await self._oauth(form))
        async with self._store.transaction() as uow:
            current = await uow.tokens.get(CHANNEL)
            if current is None:
                await uow.tokens.seed(CHANNEL, pair)
            else:
                await uow.tokens.replace(CHANNEL, current.refresh_token, pair)
        self._known = None
        return pair

    def _pair_from(self, data: Mapping[str, Any]) -> TokenPair:
        now = self._clock.now()
        seconds = int(str(data.get("expires_in") or "90000"))
        return TokenPair(
            str(data["access_token"]),
            str(data["refresh_token"]),
            now + timedelta(seconds=seconds),
            now,
        )

    async def _oauth(self, form: dict[str, str]) -> dict[str, Any]:
        url = f"{self.config.oauth_base_url}/v4/oa/access_token"
        try:
            async with self._http.post(
                url,
                data={"app_id": self.config.app_id, **form},
                headers={"secret_key": self.config.app_secret},
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            ) as resp:
                if resp.status >= 500:
                    raise ZaloTransient(f"OAuth HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ZaloTransient(f"OAuth: {exc!r}") from exc
        if not isinstance(data, dict) or "access_token" not in data:
            error = (
                data.get("error_description") or data.get("message")
                if isinstance(data, dict)
                else data
            )
            raise ZaloAuthDead(f"Zalo refused the token request: {error}")
        return data

    # -- calls --------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        form: aiohttp.FormData | None = None,
        params: Mapping[str, str] | None = None,
        base_url: str | None = None,
    ) -> dict[str, Any]:
        """``data`` of a successful call; refreshes the token once when Zalo refuses it
        (-216/-220 on the OA API, -124 on ZNS)."""
        pair = await self._pair()
        url = f"{base_url or self.config.api_base_url}{path}"
        for attempt in (1, 2):
            try:
                return await self._call_once(method, url, pair, json_body, form, params)
            except ZaloApiError as exc:
                if exc.code not in TOKEN_ERRORS or attempt == 2:
                    raise
                pair = await self.refresh(pair)
        raise AssertionError("unreachable")

    async def _call_once(
        self,
        method: str,
        url: str,
        pair: TokenPair,
        json_body: Mapping[str, Any] | None,
        form: aiohttp.FormData | None,
        params: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        try:
            async with self._http.request(
                method,
                url,
                json=json_body if form is None else None,
                data=form,
                params=params,
                headers={"access_token": pair.access_token},
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            ) as resp:
                if resp.status >= 500 or resp.status == 429:
                    raise ZaloTransient(f"HTTP {resp.status}")
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ZaloTransient(repr(exc)) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ZaloTransient(f"not JSON: {text[:80]!r}") from exc
        code = int(data.get("error", 0)) if isinstance(data, dict) else -1
        if code != 0:
            raise ZaloApiError(code, str(data.get("message", "")))
        found = data.get("data")
        return found if isinstance(found, dict) else {}

    async def send_message(self, user_id: str, message: Mapping[str, Any]) -> str:
        """Send a customer-service message; the message id Zalo gave it."""
        data = await self.call(
            "POST",
            "/v3.0/oa/message/cs",
            json_body={"recipient": {"user_id": user_id}, "message": message},
        )
        return str(data.get("message_id", ""))

    async def send_template(
        self, user_id: str, template_id: str, template_data: Mapping[str, str]
    ) -> str:
        """An OA template message (allowed outside the 7-day window); its message id."""
        data = await self.call(
            "POST",
            "/v3.0/oa/message/template",
            json_body={
                "user_id": user_id,
                "template_id": template_id,
                "template_data": dict(template_data),
            },
        )
        return str(data.get("message_id", ""))

    async def send_zns(
        self, phone: str, template_id: str, template_data: Mapping[str, str], tracking_id: str
    ) -> str:
        """A ZNS to ``phone`` (``84…``); its message id."""
        data = await self.call(
            "POST",
            "/message/template",
            json_body={
                "phone": phone,
                "template_id": template_id,
                "template_data": dict(template_data),
                "tracking_id": tracking_id,
            },
            base_url=self.config.zns_base_url,
        )
        return str(data.get("msg_id", ""))

    async def upload(self, kind: str, data: bytes, filename: str, mime: str) -> str:
        """Upload an image (``kind`` "image": jpg/png ≤ 1 MB) or a file (PDF/DOC/DOCX/CSV ≤ 5 MB);
        the attachment id or token to send it by."""
        form = aiohttp.FormData()
        form.add_field("file", data, filename=filename, content_type=mime)
        found = await self.call("POST", f"/v2.0/oa/upload/{kind}", form=form)
        return str(found.get("attachment_id") or found.get("token") or "")

    async def user_name(self, user_id: str) -> str:
        data = await self.call(
            "GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})}
        )
        return str(data.get("display_name") or "")

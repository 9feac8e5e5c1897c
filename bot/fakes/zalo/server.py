"""A fake Zalo Official Account Open API on 127.0.0.1, with simulated users and fault injection.

One aiohttp app serves the three hosts a Zalo bot talks to, each under its own prefix:
``/openapi`` for ``https://openapi.zalo.me`` (messages, uploads, user detail), ``/oauth`` for
``https://oauth.zaloapp.com`` (``/v4/oa/access_token``) and ``/zns`` for
``https://business.openapi.zalo.me`` (ZNS). Users are simulated with :meth:`user`; their
events reach the bot's webhook signed with ``X-ZEvent-Signature``; everything the OA sends is
recorded per user (and per phone for ZNS). Time comes from an injectable clock, so token expiry,
the 7-day window and the rate limit are tested without sleeping.

Every API answer is HTTP 200 with ``{"error": 0, "message": "Success", "data": ...}`` or a
negative ``error``, as on the real platform; only the outage switch and injected gateway
failures produce 5xx or dropped connections. This module is the public API and wires the
parts: ``gateway`` (routing, token check, fault gate), ``messaging``, ``media``, ``tokens``,
``faults`` and ``webhook``.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.fakes.local_http import listen, url_of

from .clock import FakeClock
from .codes import ACCESS_TOKEN_EXPIRED
from .events import EventContext, text_event
from .faults import DEFAULT_CALLS_PER_MINUTE, FaultInjector
from .gateway import Gateway
from .media import MediaStore
from .messaging import Messenger
from .models import Delivery, FaultRule, OaMessage, ZnsMessage
from .tokens import TokenStore
from .user import ZaloUser
from .webhook import GOOD, WebhookSender

__all__ = ["FakeZaloServer"]


class FakeZaloServer:
    """Serves the Zalo OA Open API, OAuth v4 and ZNS like Zalo does, for one app and one OA.

    All methods must be used from the event loop the server was started on.
    """

    def __init__(
        self,
        *,
        app_id: str = "1183452658283046571",
        app_secret: str = "fake-app-secret-key",
        oa_id: str = "579745863508352884",
        oa_secret_key: str = "fake-oa-secret-key",
        clock: Callable[[], float] | None = None,
        calls_per_minute: int | None = DEFAULT_CALLS_PER_MINUTE,
        webhook_url: str | None = None,
        webhook_timeout: float = 2.0,
        expired_token_error: int = ACCESS_TOKEN_EXPIRED,
        seed: int = 2026,
        request_log_size: int = 10_000,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_id = oa_id
        self.oa_secret_key = oa_secret_key
        self.clock = FakeClock(clock)
        self._rng = random.Random(seed)
        self._users: dict[str, ZaloUser] = {}
        self._tokens = TokenStore(app_id, app_secret, self.clock, expired_code=expired_token_error)
        self._faults = FaultInjector(self.clock, calls_per_minute)
        self._media = MediaStore()
        self._messenger = Messenger(self._users, self._media, self.clock)
        self._webhook = WebhookSender(app_id, oa_secret_key, webhook_timeout)
        self._webhook.url = webhook_url
        self._gateway = Gateway(
            self._users,
            self._tokens,
            self._faults,
            self._media,
            self._messenger,
            request_log_size,
        )

        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # ----- lifecycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        runner = web.AppRunner(
            self._gateway.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        self._host, self._port = await listen(runner, host, port)
        self._runner = runner
        self._media.base_url = self.url

    async def stop(self) -> None:
        await self._webhook.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeZaloServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        return url_of(self._host, self.port)

    @property
    def api_base_url(self) -> str:
        """Stands for ``https://openapi.zalo.me``: append ``/v3.0/oa/message/cs`` etc."""
        return f"{self.url}/openapi"

    @property
    def oauth_base_url(self) -> str:
        """Stands for ``https://oauth.zaloapp.com``: append ``/v4/oa/access_token``."""
        return f"{self.url}/oauth"

    @property
    def zns_base_url(self) -> str:
        """Stands for ``https://business.openapi.zalo.me``: append ``/message/template``."""
        return f"{self.url}/zns"

    # ----- time ---------------------------------------------------------------------------

    def now(self) -> float:
        """The fake's clock, epoch seconds."""
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def set_time(self, epoch_seconds: float) -> None:
        self.clock.set(epoch_seconds)

    # ----- tokens -------------------------------------------------------------------------

    @property
    def access_token(self) -> str:
        return self._tokens.access_token

    @property
    def refresh_token(self) -> str:
        return self._tokens.refresh_token

    @property
    def access_expires_at(self) -> float:
        return self._tokens.access_expires_at

    @property
    def token_requests(self) -> list[dict[str, str]]:
        """Every form posted to ``/v4/oa/access_token``."""
        return self._tokens.requests

    def issue_tokens(self) -> dict[str, Any]:
        """A new current pair out of band (like the developer console); the old pair dies."""
        return self._tokens.issue_pair()

    def issue_authorization_code(self, code_challenge: str | None = None) -> str:
        """A one-use code for ``grant_type=authorization_code`` (PKCE S256 if a challenge)."""
        return self._tokens.issue_code(code_challenge)

    def expire_access_token(self) -> None:
        self._tokens.expire_access()

    def kill_refresh_token(self) -> None:
        self._tokens.kill_refresh()

    # ----- users and records --------------------------------------------------------------

    def user(
        self,
        user_id: str | None = None,
        display_name: str = "Nguyễn Văn Minh",
        *,
        follower: bool = True,
        phone: str | None = None,
    ) -> ZaloUser:
        """The simulated user with this id (created on first call, then always the same).

        Without ``user_id`` a fresh 19-digit id is drawn. New users already follow the OA
        (``follower=False`` for one who does not) but have not interacted yet, so the OA can
        only write to them after their first event.
        """
        if user_id is not None and user_id in self._users:
            return self._users[user_id]
        if user_id is None:
            user_id = str(self._rng.randrange(10**18, 10**19))
            while user_id in self._users:
                user_id = str(self._rng.randrange(10**18, 10**19))
        created = ZaloUser(self, str(user_id), display_name, follower=follower, phone=phone)
        self._users[created.id] = created
        return created

    @property
    def users(self) -> list[ZaloUser]:
        return list(self._users.values())

    @property
    def requests(self) -> deque[tuple[str, Any]]:
        """(path, body or form) of every call, uploads summarised, newest last."""
        return self._gateway.requests

    @property
    def call_counts(self) -> Counter[str]:
        return self._gateway.call_counts

    @property
    def errors(self) -> deque[tuple[str, int, str]]:
        """(path, error code, message) of every error answer."""
        return self._gateway.errors

    @property
    def sent_messages(self) -> list[OaMessage]:
        """Every message the OA sent, to anyone, in order (cs and template)."""
        return list(self._messenger.sent)

    @property
    def template_messages(self) -> list[OaMessage]:
        return list(self._messenger.templates)

    @property
    def zns(self) -> dict[str, list[ZnsMessage]]:
        """ZNS messages by phone number (``84…``)."""
        return {phone: list(records) for phone, records in self._messenger.zns.items()}

    def zns_messages(self, phone: str) -> list[ZnsMessage]:
        return list(self._messenger.zns.get(phone, []))

    def zns_template(self, template_id: str, **limits: int) -> None:
        """Register an approved ZNS template with its parameters' maximum lengths; once any
        is registered, ZNS checks every send against them (-109, -112)."""
        self._messenger.zns_template(template_id, limits)

    @property
    def zns_daily_quota(self) -> int:
        return self._messenger.zns_daily_quota

    @zns_daily_quota.setter
    def zns_daily_quota(self, quota: int) -> None:
        """Past this many ZNS in all, a send answers -115 (out of quota)."""
        self._messenger.zns_daily_quota = quota

    @property
    def window_error_code(self) -> int:
        """What a send outside the 7-day window answers (-230; -232 is the other code seen)."""
        return self._messenger.window_code

    @window_error_code.setter
    def window_error_code(self, code: int) -> None:
        self._messenger.window_code = code

    # ----- webhook ------------------------------------------------------------------------

    def set_webhook(self, url: str | None) -> None:
        """Where events go (the OA's webhook setting); None stops deliveries."""
        self._webhook.url = url

    @property
    def webhook_url(self) -> str | None:
        return self._webhook.url

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook POST so far, with the bot's status and latency."""
        return list(self._webhook.deliveries)

    def event_context(self, user: ZaloUser) -> EventContext:
        """The shared fields of a new event from ``user``, for the ``events`` builders."""
        return self._event_context(user)

    def text_event(self, user: ZaloUser, text: str) -> dict[str, Any]:
        """A ``user_send_text`` body without sending it (for :meth:`post_event`)."""
        return text_event(self._event_context(user), self._next_msg_id(), text)

    async def post_event(
        self, event: dict[str, Any], *, signature: str | None = GOOD, url: str | None = None
    ) -> Delivery:
        """POST any event: ``signature`` "valid", "bad", None (no header) or a verbatim value."""
        return await self._webhook.deliver(event, signature=signature, url=url)

    async def replay(self, delivery: Delivery, *, signature: str | None = GOOD) -> Delivery:
        """Deliver the same bytes again (same ``msg_id``), as a retrying platform would."""
        return await self._webhook.replay(delivery, signature=signature)

    # ----- fault injection ----------------------------------------------------------------

    def inject(
        self,
        path: str | None = None,
        user_id: str | None = None,
        error: int = -1,
        times: int | None = None,
        http_status: int = 200,
        *,
        message: str | None = None,
        probability: float | None = None,
        seed: int | None = None,
        drop: bool = False,
        deliver: bool = False,
    ) -> FaultRule:
        """Make matching calls fail: the next ``times`` (default 1), or each with ``probability``.

        ``path`` matches the end of the path (``"message/cs"``, ``"upload/image"``,
        ``"access_token"``); None matches every API and ZNS call. ``user_id`` matches the
        recipient (or the ZNS phone). ``http_status`` other than 200 answers like a failing
        gateway; ``drop=True`` closes the connection instead of answering; ``deliver=True``
        performs the call and still reports the error.
        """
        return self._faults.inject(
            path, user_id, error, message, times, http_status, probability, seed, drop, deliver
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def outage(self, on: bool = True, *, drop: bool = False, status: int = 502) -> None:
        """While on, every API, ZNS and OAuth call answers ``status`` (or, with ``drop``, has
        its connection closed)."""
        self._faults.outage = on
        self._faults.outage_drop = drop
        self._faults.outage_status = status

    @property
    def calls_per_minute(self) -> int | None:
        return self._faults.calls_per_minute

    @calls_per_minute.setter
    def calls_per_minute(self, limit: int | None) -> None:
        self._faults.calls_per_minute = limit

    # ----- hooks for ZaloUser (see user.UserHost) -----------------------------------------

    def _event_context(self, user: ZaloUser) -> EventContext:
        return EventContext(
            self.app_id, self.oa_id, user.id, user.user_id_by_app, self.clock.now_ms()
        )

    def _next_msg_id(self) -> str:
        return secrets.token_hex(16)

    def _store_user_media(self, kind: str, name: str, mime_type: str, data: bytes) -> str:
        return self._media.url(self._media.store(kind, name, mime_type, data))

    async def _deliver(
        self, user: ZaloUser, event: dict[str, Any], signature: str | None
    ) -> Delivery:
        return await self._webhook.deliver(event, signature=signature)

    def _delivery_status(self) -> str:
        deliveries = self._webhook.deliveries
        failed = sum(1 for d in deliveries if not d.ok)
        where = self._webhook.url or "no webhook URL set"
        return f"Webhook ({where}): {len(deliveries)} deliveries, {failed} not acknowledged in time"

"""Paid routes for transactional news outside Zalo's 7-day customer-service window.

When a personal Zalo message answers -230/-232, the delivery worker asks :class:`WindowFallback`
before moving the row elsewhere: the ward's OA template message for that event (to the same Zalo
account), else its ZNS template to the person's phone in ``84…`` form with the outbox row id as
``tracking_id``. Only rows :func:`paid_fallback_allowed` admits go this way, so a mass notice
never costs money. A refused template, phone or quota moves on to the next step (and finally to
Telegram or the paper list, see bot/outbox/routing.py); a network error or a dead token keeps the
row waiting like any other; -124 is refreshed once by the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.zalo.client import (
    RATE_LIMITED,
    TOKEN_ERRORS,
    ZaloApiError,
    ZaloAuthDead,
    ZaloClient,
    ZaloTransient,
)
from bot.domain.people import PHONE_CHANNEL
from bot.domain.ports import Store
from bot.domain.ward import TemplateKind, ZaloSettings, ZaloTemplate
from bot.outbox.queue import OutboxMessage
from bot.outbox.routing import paid_fallback_allowed
from bot.outbox.sending import RetryAfter, SendResult, Sent, Transient
from messages import label

__all__ = ["WindowFallback", "shorten", "template_data", "zns_phone"]

log = logging.getLogger(__name__)

RATE_LIMIT_PAUSE = 60.0
ELLIPSIS = "…"


def zns_phone(phone: str | None) -> str | None:
    """A stored phone (``0912…``) in the ``84912…`` form ZNS wants; None when there is none."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if digits.startswith("84") and len(digits) in (11, 12):
        return digits
    if digits.startswith("0") and len(digits) in (10, 11):
        return "84" + digits[1:]
    return None


def shorten(value: str, limit: int) -> str:
    """``value`` in at most ``limit`` characters, cut at a word and ended with «…»."""
    if len(value) <= limit:
        return value
    head = value[: limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space > len(head) // 2:
        head = head[:space]
    return head.rstrip(" ,.;:-") + ELLIPSIS


def _fact(name: str, value: str, tz: ZoneInfo) -> str:
    if name.endswith("_at") and value:
        try:
            local = datetime.fromisoformat(value).astimezone(tz)
        except ValueError:
            return value
        return f"{local:%H:%M %d/%m/%Y}"
    return value


def template_data(template: ZaloTemplate, facts: Mapping[str, str], tz: ZoneInfo) -> dict[str, str]:
    """Each parameter of ``template`` filled with its fact, within its maximum length."""
    data = {}
    for param, fact in template.params.items():
        value = _fact(fact, str(facts.get(fact) or ""), tz) or label("news.missing_fact")
        limit = template.max_length.get(param)
        data[param] = shorten(value, limit) if limit else value
    return data


class WindowFallback:
    """The OA template message, then the ZNS, for a row Zalo refused outside the window."""

    def __init__(
        self, client: ZaloClient, store: Store, settings: ZaloSettings, tz: ZoneInfo
    ) -> None:
        self._client = client
        self._store = store
        self._settings = settings
        self._tz = tz

    async def deliver(self, row: OutboxMessage) -> SendResult | None:
        if not paid_fallback_allowed(row):
            return None
        facts = row.facts or {}
        for template in self._settings.for_event(row.event):
            try:
                if template.kind is TemplateKind.OA:
                    data = template_data(template, facts, self._tz)
                    sent = await self._client.send_template(row.address, template.template_id, data)
                    return Sent(sent, "zalo_template")
                phone = zns_phone(await self._phone(row.person_id))
                if phone is None:
                    continue
                data = template_data(template, facts, self._tz)
                sent = await self._client.send_zns(phone, template.template_id, data, str(row.id))
                return Sent(sent, "zns")
            except ZaloApiError as exc:
                if exc.code == RATE_LIMITED:
                    return RetryAfter(RATE_LIMIT_PAUSE)
                if exc.code in TOKEN_ERRORS:
                    return Transient(f"zalo {exc.code}: token refused after a refresh")
                log.warning(
                    "outbox row %s: Zalo %s template %s refused (%s); trying the next route",
                    row.id,
                    template.kind.value,
                    template.template_id,
                    exc,
                )
            except (ZaloTransient, ZaloAuthDead) as exc:
                return Transient(str(exc))
        return None

    async def _phone(self, person_id: int | None) -> str | None:
        if person_id is None:
            return None
        async with self._store.read() as uow:
            resident = await uow.residents.get(person_id)
            if resident is not None and resident.phone:
                return resident.phone
            accounts = await uow.accounts.of_person(person_id)
        return next((a.external_id for a in accounts if a.channel == PHONE_CHANNEL), None)

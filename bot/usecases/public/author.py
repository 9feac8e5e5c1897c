"""The author of a petition on the web, without an account: proven by the tracking code and
the last 4 digits of the phone they gave, or by the signed link the bot sends them. Their
verdict goes through the same workflow use case as the chat's buttons, so the notifications
and the audit entries are the same."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.petitions import Petition
from bot.domain.ports import UnitOfWork
from bot.domain.workflow import REASON_MAX
from bot.usecases.common import Services
from bot.usecases.workflow import Result as WorkflowResult
from bot.usecases.workflow import Workflow

KEY_FACT = "web.author_link_key"
"""The HMAC key of the signed links, made once per database (so every process of one ward
signs alike) and kept with the bot's other facts."""
TAIL = 4


class Verdict(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    WRONG_STATE = "wrong_state"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class VerdictResult:
    verdict: Verdict
    limit: int = 0


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


class AuthorAccess:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _key(self) -> bytes:
        async with self.s.store.read() as uow:
            found = await uow.sessions.fact(KEY_FACT)
        if found is None:
            async with self.s.store.transaction() as uow:
                found = await uow.sessions.fact(KEY_FACT)
                if found is None:
                    found = secrets.token_urlsafe(32)
                    await uow.sessions.set_fact(KEY_FACT, found)
        return found.encode()

    async def token(self, code: str) -> str:
        """The signature of the author's link to ``code`` (``/y-kien/<code>?t=<token>``)."""
        mac = hmac.new(await self._key(), f"author:{code}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()

    async def link_path(self, code: str) -> str:
        return f"/y-kien/{code}?t={await self.token(code)}"

    async def token_ok(self, code: str, token: str | None) -> bool:
        if not token:
            return False
        return hmac.compare_digest(await self.token(code), token)

    async def phone_ok(self, code: str, tail: str) -> bool:
        """Whether ``tail`` is the last 4 digits of the phone the petition's author gave."""
        if len(_digits(tail)) != TAIL or len(tail.strip()) != TAIL:
            return False
        async with self.s.store.read() as uow:
            petition = await uow.petitions.by_code(code)
            phone = await self._phone(uow, petition)
        return len(phone) >= TAIL and hmac.compare_digest(phone[-TAIL:], _digits(tail))

    async def _phone(self, uow: UnitOfWork, petition: Petition | None) -> str:
        if petition is None:
            return ""
        if petition.on_behalf is not None:
            return _digits(petition.on_behalf.phone)
        if petition.author_id is None:
            return ""
        resident = await uow.residents.get(petition.author_id)
        return _digits(resident.phone if resident else None)

    async def _author(self, code: str) -> tuple[int, int] | None:
        async with self.s.store.read() as uow:
            petition = await uow.petitions.by_code(code)
        if petition is None or petition.id is None or petition.author_id is None:
            return None
        return petition.author_id, petition.id

    async def satisfied(self, code: str, token: str | None) -> VerdictResult:
        """«Hài lòng» from the author's page (a valid signature is the author's proof)."""
        found = await self._author(code) if await self.token_ok(code, token) else None
        if found is None:
            return VerdictResult(Verdict.NOT_ALLOWED)
        change = await Workflow(self.s).satisfied(*found)
        return VerdictResult(_verdict(change.result))

    async def reopen(self, code: str, token: str | None, reason: str) -> VerdictResult:
        """«Chưa thỏa đáng» with the reason, as the chat asks for it."""
        found = await self._author(code) if await self.token_ok(code, token) else None
        if found is None:
            return VerdictResult(Verdict.NOT_ALLOWED)
        reason = reason.strip()
        if not reason:
            return VerdictResult(Verdict.EMPTY)
        if len(reason) > REASON_MAX:
            return VerdictResult(Verdict.TOO_LONG, REASON_MAX)
        change = await Workflow(self.s).reopen(found[0], found[1], reason)
        return VerdictResult(_verdict(change.result))


def _verdict(result: WorkflowResult) -> Verdict:
    if result is WorkflowResult.DONE:
        return Verdict.DONE
    if result is WorkflowResult.WRONG_STATE:
        return Verdict.WRONG_STATE
    return Verdict.NOT_ALLOWED


async def author_url(services: Services, code: str) -> str | None:
    """The author's signed link to their petition's web page, for the bot's own messages;
    None when the bot has no public address (``WEB_PUBLIC_URL``)."""
    if not services.web_public_url:
        return None
    return services.web_public_url.rstrip("/") + await AuthorAccess(services).link_path(code)

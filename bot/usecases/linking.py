"""Linking a person's Telegram and Zalo accounts with a one-time 6-digit code (issue 14).

The code is shown on one account («🔗 Liên kết Zalo/Telegram» in the profile) and typed, after
«Nhập mã», on an account of the other channel. The typing account's person is absorbed by the
person who showed the code: every row is re-pointed in the same transaction, the survivor keeps
its profile and fills its empty fields from the other, and both accounts are told. Staff are not
linked this way: their ids are listed together in ward.toml by the admin.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.linking import (
    CODE_DIGITS,
    CODE_LIFETIME,
    MAX_WRONG_TRIES,
    WRONG_TRIES_WINDOW,
    LinkCode,
    code_hash,
    merged_resident,
    normalise_code,
)
from bot.domain.people import ChatState
from bot.domain.ports import UnitOfWork
from bot.outbox.queue import Content, enqueue_content
from bot.usecases.accounts import link_account
from bot.usecases.common import Services, audit
from messages import label, render

__all__ = ["FLOW", "LinkOutcome", "LinkResult", "Linking"]

FLOW = "link"
STEP_CODE = "code"


class LinkOutcome(StrEnum):
    ISSUED = "issued"
    ASK_CODE = "ask_code"
    LINKED = "linked"
    NOT_A_CODE = "not_a_code"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    ALREADY_LINKED = "already_linked"
    SAME_CHANNEL = "same_channel"
    STAFF = "staff"
    TOO_MANY = "too_many"
    NOT_REGISTERED = "not_registered"
    NOT_EXPECTED = "not_expected"


@dataclass(frozen=True, slots=True)
class LinkResult:
    outcome: LinkOutcome
    code: str | None = None
    expires_at: datetime | None = None
    retry_at: datetime | None = None
    """TOO_MANY: when the account may type a code again."""
    tries_left: int | None = None
    shown_on: str | None = None
    """The channel the code was shown on (LINKED, SAME_CHANNEL)."""
    moved: Mapping[str, int] = field(default_factory=dict)


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class Linking:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def issue(self, person_id: int, channel: str, external_id: str) -> LinkResult:
        """A fresh code for the person, shown on this account; the previous one stops working."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if await uow.staff.get(person_id) is not None:
                return LinkResult(LinkOutcome.STAFF)
            resident = await uow.residents.get(person_id)
            if resident is None or not resident.is_onboarded:
                return LinkResult(LinkOutcome.NOT_REGISTERED)
            code = await self._unused_code(uow, person_id, now)
            expires_at = now + CODE_LIFETIME
            await uow.links.replace_code(
                LinkCode(person_id, code_hash(code), channel, external_id, now, expires_at)
            )
            await audit(
                uow,
                self.s,
                actor_id=person_id,
                action="account.link_code_issued",
                subject_type="person",
                subject_id=person_id,
                channel=channel,
            )
        return LinkResult(LinkOutcome.ISSUED, code=code, expires_at=expires_at)

    async def _unused_code(self, uow: UnitOfWork, person_id: int, now: datetime) -> str:
        """A code no other person's live code has, so a typed code names one person."""
        while True:
            code = _new_code()
            other = await uow.links.find_code(code_hash(code))
            if (
                other is None
                or other.person_id == person_id
                or other.used_at is not None
                or other.expired(now)
            ):
                return code

    async def begin_entry(self, person_id: int, channel: str, external_id: str) -> LinkResult:
        """«Nhập mã»: the next text from this person is the code."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if await uow.staff.get(person_id) is not None:
                return LinkResult(LinkOutcome.STAFF)
            retry_at = await _blocked_until(uow, channel, external_id, now)
            if retry_at is not None:
                return LinkResult(LinkOutcome.TOO_MANY, retry_at=retry_at)
            await uow.chat_states.put(ChatState(person_id, FLOW, STEP_CODE, {}, now))
        return LinkResult(LinkOutcome.ASK_CODE)

    async def enter(self, person_id: int, channel: str, external_id: str, text: str) -> LinkResult:
        """The typed code: join the person who showed it, or say why not."""
        now = self.s.clock.now()
        moved_accounts: list[tuple[str, str]] = []
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(person_id)
            if state is None or state.flow != FLOW or state.step != STEP_CODE:
                return LinkResult(LinkOutcome.NOT_EXPECTED)
            retry_at = await _blocked_until(uow, channel, external_id, now)
            if retry_at is not None:
                await uow.chat_states.clear(person_id)
                return LinkResult(LinkOutcome.TOO_MANY, retry_at=retry_at)
            typed = normalise_code(text)
            if typed is None:
                await uow.chat_states.clear(person_id)
                return LinkResult(LinkOutcome.NOT_A_CODE)
            found = await uow.links.find_code(code_hash(typed))
            if found is not None and found.person_id == person_id:
                await uow.chat_states.clear(person_id)
                return LinkResult(LinkOutcome.ALREADY_LINKED)
            refused = _refusal(found, now)
            if refused is not None:
                return await self._wrong_try(uow, refused, person_id, channel, external_id, now)
            assert found is not None
            survivor = found.person_id
            shown = await uow.accounts.get(found.channel, found.external_id)
            if found.channel == channel:
                await uow.chat_states.clear(person_id)
                return LinkResult(LinkOutcome.SAME_CHANNEL, shown_on=found.channel)
            if shown is None or shown.person_id != survivor:
                return await self._wrong_try(
                    uow, LinkOutcome.EXPIRED, person_id, channel, external_id, now
                )
            if (
                await uow.staff.get(person_id) is not None
                or await uow.staff.get(survivor) is not None
            ):
                await uow.chat_states.clear(person_id)
                return LinkResult(LinkOutcome.STAFF)
            moved_accounts = [
                (a.channel, a.external_id) for a in await uow.accounts.of_person(person_id)
            ]
            moved = await self._link(uow, found, person_id, moved_accounts, channel, now)
        for account in moved_accounts:
            self.s.known_accounts.pop(account, None)
        return LinkResult(LinkOutcome.LINKED, shown_on=found.channel, moved=moved)

    async def _link(
        self,
        uow: UnitOfWork,
        found: LinkCode,
        person_id: int,
        accounts: list[tuple[str, str]],
        channel: str,
        now: datetime,
    ) -> dict[str, int]:
        """The code is good: use it up, merge, audit, and tell the account that showed it."""
        survivor = found.person_id
        await uow.links.mark_used(survivor, now)
        await uow.chat_states.clear(person_id)
        moved = await self._merge(uow, person_id, survivor, accounts, now)
        await audit(
            uow,
            self.s,
            actor_id=person_id,
            action="person.merged",
            subject_type="person",
            subject_id=survivor,
            absorbed=person_id,
            survivor=survivor,
            shown_on=found.channel,
            typed_on=channel,
            moved={k: v for k, v in moved.items() if v},
        )
        await enqueue_content(
            uow,
            now=now,
            event="link_done_other",
            person_id=survivor,
            key=f"link:{survivor}:{person_id}:{found.issued_at.isoformat()}",
            content=Content(
                render(
                    "link_done_other",
                    app_name=label(f"link.apps.{channel}"),
                    linked_at=now,
                    tz=self.s.ward.ward.timezone,
                )
            ),
            channel=found.channel,
            address=found.external_id,
        )
        return moved

    async def _merge(
        self,
        uow: UnitOfWork,
        absorbed: int,
        survivor: int,
        accounts: list[tuple[str, str]],
        now: datetime,
    ) -> dict[str, int]:
        """The survivor's profile filled from the absorbed one, its accounts (each audited as
        ``account.linked``) and then every other row moved."""
        resident = merged_resident(
            await uow.residents.get(survivor), await uow.residents.get(absorbed)
        )
        if resident is not None:
            resident.person_id = survivor
            resident.updated_at = now
            await uow.residents.save(resident)
        for channel, external_id in accounts:
            await link_account(uow, channel, external_id, survivor, now)
        moved = dict(await uow.links.merge_persons(absorbed, survivor))
        moved["accounts.person_id"] = len(accounts)
        return moved

    async def _wrong_try(
        self,
        uow: UnitOfWork,
        outcome: LinkOutcome,
        person_id: int,
        channel: str,
        external_id: str,
        now: datetime,
    ) -> LinkResult:
        """Count the try against the account; the last allowed one ends the entry for the hour."""
        await uow.links.record_wrong_try(channel, external_id, now)
        await audit(
            uow,
            self.s,
            actor_id=person_id,
            action="account.link_code_refused",
            subject_type="person",
            subject_id=person_id,
            channel=channel,
            reason=outcome.value,
        )
        tries = await uow.links.wrong_tries_since(channel, external_id, now - WRONG_TRIES_WINDOW)
        left = MAX_WRONG_TRIES - len(tries)
        if left <= 0:
            await uow.chat_states.clear(person_id)
            retry_at = tries[-MAX_WRONG_TRIES] + WRONG_TRIES_WINDOW
            return LinkResult(LinkOutcome.TOO_MANY, retry_at=retry_at)
        return LinkResult(outcome, tries_left=left)


def _refusal(found: LinkCode | None, now: datetime) -> LinkOutcome | None:
    if found is None:
        return LinkOutcome.WRONG
    if found.used_at is not None:
        return LinkOutcome.USED
    if found.expired(now):
        return LinkOutcome.EXPIRED
    return None


async def _blocked_until(
    uow: UnitOfWork, channel: str, external_id: str, now: datetime
) -> datetime | None:
    """When the account may try again, if it typed too many wrong codes in the last hour."""
    tries = await uow.links.wrong_tries_since(channel, external_id, now - WRONG_TRIES_WINDOW)
    if len(tries) < MAX_WRONG_TRIES:
        return None
    return tries[-MAX_WRONG_TRIES] + WRONG_TRIES_WINDOW

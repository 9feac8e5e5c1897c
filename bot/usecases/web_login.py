"""Logging staff in to the dashboard without a password: the bot sends a one-time link
(``/web``, «Đăng nhập web»), the link opens a server-side session, every page re-reads it.

The link token and the session cookie are 256-bit random values; only their hashes are stored.
A link works once, for ten minutes, for the staff member it was sent to; a session ends at
logout, after eight idle hours, or as soon as the person is no longer active staff.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.people import StaffRecord
from bot.domain.ports import UnitOfWork
from bot.domain.web_sessions import LINK_LIFETIME, LoginLink, WebSession, secret_hash
from bot.usecases.common import Services, audit

__all__ = [
    "LOGIN_PATH",
    "IssueOutcome",
    "Issued",
    "LoggedIn",
    "LoginOutcome",
    "StaffSession",
    "WebLogin",
]

LOGIN_PATH = "/quan-ly/dang-nhap/"


class IssueOutcome(StrEnum):
    ISSUED = "issued"
    NOT_STAFF = "not_staff"
    NOT_PUBLISHED = "not_published"


@dataclass(frozen=True, slots=True)
class Issued:
    outcome: IssueOutcome
    url: str | None = None
    expires_at: datetime | None = None


class LoginOutcome(StrEnum):
    LOGGED_IN = "logged_in"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    NOT_STAFF = "not_staff"


@dataclass(frozen=True, slots=True)
class LoggedIn:
    outcome: LoginOutcome
    cookie: str | None = None


@dataclass(frozen=True, slots=True)
class StaffSession:
    """The staff member behind a live cookie, as every dashboard request sees them."""

    staff: StaffRecord
    csrf_token: str
    cookie_hash: str

    @property
    def person_id(self) -> int:
        return self.staff.person_id


class WebLogin:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def issue(self, person_id: int) -> Issued:
        """A fresh link for active staff; nothing is stored when the web is not published."""
        base = self.s.web_public_url
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            staff = await uow.staff.get(person_id)
            if staff is None or not staff.active:
                return Issued(IssueOutcome.NOT_STAFF)
            if not base:
                return Issued(IssueOutcome.NOT_PUBLISHED)
            token = secrets.token_urlsafe(32)
            expires = now + LINK_LIFETIME
            await uow.web_sessions.add_link(LoginLink(secret_hash(token), person_id, now, expires))
            await audit(
                uow,
                self.s,
                actor_id=person_id,
                action="web.link_issued",
                subject_type="person",
                subject_id=person_id,
            )
        return Issued(IssueOutcome.ISSUED, base.rstrip("/") + LOGIN_PATH + token, expires)

    async def check_link(self, token: str) -> LoginOutcome:
        """What using the link would do, without using it (the page before «Đăng nhập»)."""
        async with self.s.store.read() as uow:
            link = await uow.web_sessions.link(secret_hash(token))
            return await self._refusal(uow, link) or LoginOutcome.LOGGED_IN

    async def _refusal(self, uow: UnitOfWork, link: LoginLink | None) -> LoginOutcome | None:
        if link is None:
            return LoginOutcome.UNKNOWN
        if link.used_at is not None:
            return LoginOutcome.USED
        if link.expired(self.s.clock.now()):
            return LoginOutcome.EXPIRED
        staff = await uow.staff.get(link.person_id)
        if staff is None or not staff.active:
            return LoginOutcome.NOT_STAFF
        return None

    async def log_in(self, token: str) -> LoggedIn:
        """Use the link: it is marked used and a session opens, in one transaction."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            link = await uow.web_sessions.link(secret_hash(token))
            refusal = await self._refusal(uow, link)
            if refusal is not None:
                return LoggedIn(refusal)
            assert link is not None
            if not await uow.web_sessions.use_link(link.token_hash, now):
                return LoggedIn(LoginOutcome.USED)
            cookie = secrets.token_urlsafe(32)
            await uow.web_sessions.add_session(
                WebSession(secret_hash(cookie), link.person_id, secrets.token_urlsafe(32), now, now)
            )
            await audit(
                uow,
                self.s,
                actor_id=link.person_id,
                action="web.logged_in",
                subject_type="person",
                subject_id=link.person_id,
            )
        return LoggedIn(LoginOutcome.LOGGED_IN, cookie)

    async def current(self, cookie: str | None) -> StaffSession | None:
        """The live session of ``cookie`` for active staff (its idle clock restarts); None for
        no cookie, an unknown, ended or idle one, or a person who is no longer staff."""
        if not cookie:
            return None
        now = self.s.clock.now()
        key = secret_hash(cookie)
        async with self.s.store.transaction() as uow:
            session = await uow.web_sessions.session(key)
            if session is None or not session.live(now):
                return None
            staff = await uow.staff.get(session.person_id)
            if staff is None or not staff.active:
                return None
            await uow.web_sessions.touch_session(key, now)
        return StaffSession(staff, session.csrf_token, key)

    async def log_out(self, session: StaffSession) -> None:
        async with self.s.store.transaction() as uow:
            await uow.web_sessions.end_session(session.cookie_hash, self.s.clock.now())
            await audit(
                uow,
                self.s,
                actor_id=session.person_id,
                action="web.logged_out",
                subject_type="person",
                subject_id=session.person_id,
            )

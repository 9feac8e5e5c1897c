"""Registrations: attend or speak, the waitlist and its promotions, the speaking order, the
confirmation after a change, attendance; the resident's view of their sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import (
    AudienceScope,
    Registration,
    RegistrationStatus,
    Session,
    SessionForm,
    SessionStatus,
)
from bot.outbox.queue import enqueue
from bot.usecases.common import audit
from bot.usecases.sessions._shared import SessionsBase, card, registrant_keyboard

TOPIC_MAX = 300


class RegOutcome(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    SPEAKER = "speaker"
    ALREADY = "already"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    NOT_REGISTERED = "not_registered"
    NOT_ONBOARDED = "not_onboarded"
    NOT_FOUND = "not_found"
    SESSION_CANCELLED = "session_cancelled"
    PAST = "past"
    INDIRECT = "indirect"
    TOPIC_INVALID = "topic_invalid"
    ATTENDED = "attended"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class RegResult:
    outcome: RegOutcome
    session: Session | None = None
    registration: Registration | None = None
    speaking_rank: int | None = None
    waitlist_rank: int | None = None
    promoted: int | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    """Registrations, waitlist and speaking order (danh sách đăng ký, chờ, thứ tự phát biểu)."""

    session: Session
    registered: list[Registration]
    waitlist: list[Registration]
    speakers: list[Registration]


@dataclass(frozen=True, slots=True)
class Listed:
    session: Session
    registration: Registration | None
    places_left: int | None
    speaking_rank: int | None = None
    waitlist_rank: int | None = None


class RegistrationsMixin(SessionsBase):
    """The roster and attendance for staff; registering and cancelling for residents."""

    async def roster(self, session_id: int) -> Roster | None:
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return None
            regs = await uow.sessions.registrations(session_id)
        seated = [
            r
            for r in regs
            if r.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
        ]
        waitlist = [r for r in regs if r.status is RegistrationStatus.WAITLISTED]
        speakers = sorted(
            (r for r in seated if r.speaks and r.speaking_position is not None),
            key=lambda r: r.speaking_position or 0,
        )
        return Roster(session, seated, waitlist, speakers)

    async def mark_attended(self, actor_id: int | None, session_id: int, user_id: int) -> RegResult:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return RegResult(RegOutcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or reg.status is not RegistrationStatus.REGISTERED:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            reg.status = RegistrationStatus.ATTENDED
            reg.updated_at = now
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.attended",
                subject_type="session",
                subject_id=session_id,
                user_id=user_id,
            )
        return RegResult(RegOutcome.ATTENDED, session, reg)

    # --- resident --------------------------------------------------------------------------

    async def upcoming_for(self, user_id: int) -> list[Listed]:
        """Published sessions not yet over that concern the resident: the whole ward, their
        residential group, a social group they declared, or one they registered for."""
        now = self.s.clock.now()
        async with self.s.store.read() as uow:
            resident = await uow.residents.get(user_id)
            group = resident.group_code if resident else None
            social = set(resident.social_groups) if resident else set()
            mine = await uow.sessions.user_registrations(user_id)
            found = []
            for session in await uow.sessions.upcoming(now):
                reg = mine.get(session.id)
                relevant = (
                    session.audience is AudienceScope.WARD
                    or (
                        session.audience is AudienceScope.GROUPS
                        and group is not None
                        and group in session.group_codes
                    )
                    or (
                        session.audience is AudienceScope.SOCIAL
                        and session.social_group is not None
                        and session.social_group.value in social
                    )
                    or (reg is not None and reg.status.active)
                )
                if relevant:
                    found.append(Listed(session, reg, await self._places_left(uow, session)))
        return found

    async def view(self, session_id: int, user_id: int) -> Listed | None:
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None or session.status is SessionStatus.DRAFT:
                return None
            reg = await uow.sessions.registration(session_id, user_id)
            left = await self._places_left(uow, session)
            if reg is None or not reg.status.active:
                return Listed(session, reg, left)
            ranks = await self._already(uow, session, reg)
            return Listed(session, reg, left, ranks.speaking_rank, ranks.waitlist_rank)

    async def _places_left(self, uow: UnitOfWork, session: Session) -> int | None:
        if session.capacity is None:
            return None
        taken = await uow.sessions.count(session.id, RegistrationStatus.REGISTERED)
        taken += await uow.sessions.count(session.id, RegistrationStatus.ATTENDED)
        return max(session.capacity - taken, 0)

    async def register(
        self, user_id: int, session_id: int, *, topic: str | None = None
    ) -> RegResult:
        """Register to attend, or to speak when ``topic`` is given (a speaker needs a seat, so
        a full session puts them on the waitlist with their topic)."""
        now = self.s.clock.now()
        if topic is not None:
            topic = " ".join(topic.split())
            if not topic or len(topic) > TOPIC_MAX or topic.startswith("/"):
                return RegResult(RegOutcome.TOPIC_INVALID)
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not resident.is_onboarded or resident.deleted_at:
                return RegResult(RegOutcome.NOT_ONBOARDED)
            session = await uow.sessions.get(session_id)
            refused = _closed(session, now)
            if refused is not None:
                return RegResult(refused, session)
            assert session is not None
            reg = await uow.sessions.registration(session_id, user_id)
            if reg is not None and reg.status.active:
                if topic is None or reg.speaks:
                    return await self._already(uow, session, reg)
                reg.speaks, reg.topic, reg.updated_at = True, topic, now
                if reg.status is not RegistrationStatus.WAITLISTED:
                    reg.speaking_position = await uow.sessions.next_speaking_position(session_id)
            else:
                left = await self._places_left(uow, session)
                full = left is not None and left <= 0
                reg = Registration(
                    session_id=session_id,
                    user_id=user_id,
                    status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED,
                    registered_at=now,
                    updated_at=now,
                    speaks=topic is not None,
                    topic=topic,
                )
                if topic is not None and not full:
                    reg.speaking_position = await uow.sessions.next_speaking_position(session_id)
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.registered",
                subject_type="session",
                subject_id=session_id,
                status=reg.status.value,
                speaks=reg.speaks,
            )
            result = await self._already(uow, session, reg)
        if reg.status is RegistrationStatus.WAITLISTED:
            return replace(result, outcome=RegOutcome.WAITLISTED)
        outcome = RegOutcome.SPEAKER if reg.speaks else RegOutcome.REGISTERED
        return replace(result, outcome=outcome)

    async def _already(self, uow: UnitOfWork, session: Session, reg: Registration) -> RegResult:
        regs = await uow.sessions.registrations(session.id)
        speaking = sorted(
            (
                r
                for r in regs
                if r.status.active
                and r.speaking_position is not None
                and r.status is not RegistrationStatus.WAITLISTED
            ),
            key=lambda r: r.speaking_position or 0,
        )
        waiting = [r for r in regs if r.status is RegistrationStatus.WAITLISTED]
        speaking_rank = next(
            (i for i, r in enumerate(speaking, 1) if r.user_id == reg.user_id), None
        )
        waitlist_rank = next(
            (i for i, r in enumerate(waiting, 1) if r.user_id == reg.user_id), None
        )
        return RegResult(RegOutcome.ALREADY, session, reg, speaking_rank, waitlist_rank)

    async def cancel_registration(self, user_id: int, session_id: int) -> RegResult:
        """Cancel; the first on the waitlist takes the freed seat and is told so."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or not reg.status.active:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            if session.starts_at <= now or reg.status is RegistrationStatus.ATTENDED:
                return RegResult(RegOutcome.PAST, session)
            freed = reg.status is RegistrationStatus.REGISTERED
            reg.status = RegistrationStatus.CANCELLED
            reg.speaking_position = None
            reg.updated_at = now
            await uow.sessions.save_registration(reg)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.registration_cancelled",
                subject_type="session",
                subject_id=session_id,
            )
            promoted = None
            if freed and session.status is SessionStatus.PUBLISHED:
                promoted = await self._promote(uow, session, now)
        return RegResult(RegOutcome.CANCELLED, session, reg, promoted=promoted)

    async def _promote(self, uow: UnitOfWork, session: Session, now: datetime) -> int | None:
        left = await self._places_left(uow, session)
        if left is not None and left <= 0:
            return None
        waiting = await uow.sessions.registrations(session.id, (RegistrationStatus.WAITLISTED,))
        if not waiting:
            return None
        first = waiting[0]
        first.status = RegistrationStatus.REGISTERED
        first.updated_at = now
        if first.speaks:
            first.speaking_position = await uow.sessions.next_speaking_position(session.id)
        await uow.sessions.save_registration(first)
        rank = (await self._already(uow, session, first)).speaking_rank
        await enqueue(
            uow,
            now=now,
            event="session_promoted",
            person_id=first.user_id,
            key=f"session:{session.id}:promoted:{first.user_id}:{now.isoformat()}",
            context={"card": card(self.s, session), "speaking_rank": rank},
            buttons=registrant_keyboard(session.id),
        )
        await audit(
            uow,
            self.s,
            actor_id=None,
            action="session.waitlist_promoted",
            subject_type="session",
            subject_id=session.id,
            user_id=first.user_id,
        )
        return first.user_id

    async def confirm(self, user_id: int, session_id: int) -> RegResult:
        """ "Vẫn tham dự" after a change notice: recorded so the office knows who still comes."""
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            reg = await uow.sessions.registration(session_id, user_id)
            if session is None or reg is None or not reg.status.active:
                return RegResult(RegOutcome.NOT_REGISTERED, session)
            if session.status is SessionStatus.CANCELLED:
                return RegResult(RegOutcome.SESSION_CANCELLED, session)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="session.attendance_confirmed",
                subject_type="session",
                subject_id=session_id,
                version=session.version,
            )
        return RegResult(RegOutcome.CONFIRMED, session, reg)


def _closed(session: Session | None, now: datetime) -> RegOutcome | None:
    if session is None or session.status is SessionStatus.DRAFT:
        return RegOutcome.NOT_FOUND
    if session.status is SessionStatus.CANCELLED:
        return RegOutcome.SESSION_CANCELLED
    if session.status is SessionStatus.HELD or session.starts_at <= now:
        return RegOutcome.PAST
    if session.form is SessionForm.INDIRECT:
        return RegOutcome.INDIRECT
    return None


@dataclass(frozen=True, slots=True)
class SessionRegistrants:
    """The broadcast audience "registrants of a session" (bot.usecases.broadcast.SessionAudience):
    upcoming sessions, and the people registered or waitlisted for the chosen ones."""

    clock: Clock

    async def choices(self, uow: UnitOfWork) -> list[tuple[str, str]]:
        return [(str(s.id), s.title) for s in await uow.sessions.upcoming(self.clock.now())]

    async def registrants(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[int]:
        wanted = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
        people: dict[int, None] = {}
        for session_id in session_ids:
            if session_id.isdigit():
                for registration in await uow.sessions.registrations(int(session_id), wanted):
                    people[registration.user_id] = None
        return list(people)

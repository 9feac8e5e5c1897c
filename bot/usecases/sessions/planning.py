"""Planning a session: check the draft and its lead time, create it, publish it and queue the
invitations (with the calendar file and the map pin); the staff's list of sessions."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.documents.ics import ics_filename, session_ics
from bot.domain.files import stored_media
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import AudienceScope, Session, SessionKind, SessionStatus
from bot.outbox.queue import ContentKind, Enqueued, Priority, enqueue
from bot.usecases.common import audit
from bot.usecases.sessions._shared import (
    BOT_USERNAME_FACT,
    REASON_MAX,
    LeadTime,
    Outcome,
    Problem,
    Result,
    SessionDraft,
    SessionsBase,
    card,
    default_opinion_deadline,
    lead_time,
    resident_keyboard,
    validate,
)

_VN_TIME = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2})[:hH](\d{2})"
    r"(?:\s*-\s*(\d{1,2})[:hH](\d{2}))?\s*$"
)
_ISO_TIME = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})\s*$")


def parse_vn_time(text: str, tz: ZoneInfo) -> tuple[datetime, datetime | None] | None:
    """``dd/mm/yyyy hh:mm`` with an optional ``-hh:mm`` end, local time; None if not that."""
    match = _VN_TIME.match(text)
    if match is None:
        return None
    d, m, y, hh, mm, eh, em = match.groups()
    try:
        start = datetime(int(y), int(m), int(d), int(hh), int(mm), tzinfo=tz)
        end = None
        if eh is not None:
            end = datetime.combine(start.date(), time(int(eh), int(em)), tz)
    except ValueError:
        return None
    return start, end


def parse_iso_local(text: str, tz: ZoneInfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` in the ward's timezone (the CLI's format)."""
    match = _ISO_TIME.match(text)
    if match is None:
        return None
    y, mo, d, hh, mm = (int(g) for g in match.groups())
    try:
        return datetime(y, mo, d, hh, mm, tzinfo=tz)
    except ValueError:
        return None


class PlanningMixin(SessionsBase):
    """Check, create and publish sessions; the invitation goes to the session's audience."""

    def check(self, draft: SessionDraft) -> tuple[list[Problem], LeadTime]:
        now = self.s.clock.now()
        return validate(self.s, draft, now), lead_time(self.s, now, draft.kind, draft.starts_at)

    async def create(
        self, actor_id: int | None, draft: SessionDraft, *, publish: bool = False
    ) -> Result:
        now = self.s.clock.now()
        problems, lead = self.check(draft)
        if problems:
            return Result(Outcome.INVALID, problems=tuple(problems), lead=lead)
        reason = (draft.reason or "").strip() or None
        if publish and lead.short and reason is None:
            return Result(Outcome.NEEDS_REASON, lead=lead)
        session = Session(
            title=draft.title.strip(),
            kind=draft.kind,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            host=draft.host,
            deputy=(draft.deputy or "").strip() or None,
            form=draft.form,
            link=draft.link or None,
            venue=draft.venue.strip(),
            latitude=draft.latitude,
            longitude=draft.longitude,
            audience=draft.audience,
            group_codes=draft.group_codes if draft.audience is AudienceScope.GROUPS else (),
            social_group=draft.social_group if draft.audience is AudienceScope.SOCIAL else None,
            capacity=draft.capacity,
            opinion_deadline=(
                draft.opinion_deadline
                if draft.opinion_deadline is not None or draft.kind is SessionKind.WEEKLY
                else default_opinion_deadline(draft.starts_at)
            ),
            lead_time_reason=reason if lead.short else None,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
        )
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            await uow.sessions.add(session)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.created",
                subject_type="session",
                subject_id=session.id,
                kind=session.kind.value,
                starts_at=session.starts_at.isoformat(),
                lead_time_reason=session.lead_time_reason,
            )
            notified = 0
            if publish:
                notified = await self._publish(uow, actor_id, session, now)
        return Result(
            Outcome.PUBLISHED if publish else Outcome.CREATED, session, lead=lead, notified=notified
        )

    async def publish(
        self, actor_id: int | None, session_id: int, reason: str | None = None
    ) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status is SessionStatus.PUBLISHED:
                return Result(Outcome.ALREADY_PUBLISHED, session)
            if session.status is not SessionStatus.DRAFT:
                return Result(Outcome.ALREADY_CANCELLED, session)
            if session.starts_at <= now:
                return Result(Outcome.PAST, session)
            lead = lead_time(self.s, now, session.kind, session.starts_at)
            reason = (reason or "").strip() or session.lead_time_reason
            if lead.short and not reason:
                return Result(Outcome.NEEDS_REASON, session, lead=lead)
            if reason is not None and len(reason) > REASON_MAX:
                return Result(Outcome.INVALID, session, problems=(Problem.REASON_TOO_LONG,))
            session.lead_time_reason = reason if lead.short else None
            notified = await self._publish(uow, actor_id, session, now)
        return Result(Outcome.PUBLISHED, session, lead=lead, notified=notified)

    async def _publish(
        self, uow: UnitOfWork, actor_id: int | None, session: Session, now: datetime
    ) -> int:
        """Mark published and queue the invitation (with a map pin when known) to the audience."""
        session.status = SessionStatus.PUBLISHED
        session.published_at = now
        session.updated_at = now
        await uow.sessions.save(session)
        username = await uow.sessions.fact(BOT_USERNAME_FACT)
        view = card(self.s, session, username=username, places_left=session.capacity)
        calendar_file = await uow.files.add(
            name=ics_filename(session),
            mime_type="text/calendar",
            data=session_ics(self.s, session, username=username, now=now),
            now=now,
        )
        sent = 0
        for chat_id in await self._audience(uow, session):
            queued = await enqueue(
                uow,
                now=now,
                event="session_invitation",
                person_id=chat_id,
                key=f"session:{session.id}:invite:{chat_id}",
                context={"card": view},
                buttons=resident_keyboard(session.id),
                priority=Priority.MASS,
                general=True,
            )
            if queued is Enqueued.QUEUED:
                sent += 1
                if session.has_pin:
                    await self._venue(uow, session, chat_id, f"invite-venue:{chat_id}", now)
                await enqueue(
                    uow,
                    now=now,
                    event="session_calendar_file",
                    person_id=chat_id,
                    key=f"session:{session.id}:invite-ics:{chat_id}",
                    priority=Priority.MASS,
                    general=True,
                    kind=ContentKind.DOCUMENT,
                    media=stored_media(calendar_file),
                )
        await audit(
            uow,
            self.s,
            actor_id=actor_id,
            action="session.published",
            subject_type="session",
            subject_id=session.id,
            invited=sent,
            lead_time_reason=session.lead_time_reason,
        )
        return sent

    async def list_for_staff(self, *, include_past: bool = False) -> list[Session]:
        async with self.s.store.read() as uow:
            if include_past:
                return await uow.sessions.all()
            return await uow.sessions.upcoming(self.s.clock.now(), include_drafts=True)

    async def get(self, session_id: int) -> Session | None:
        async with self.s.store.read() as uow:
            return await uow.sessions.get(session_id)

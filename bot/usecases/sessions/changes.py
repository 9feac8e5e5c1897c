"""Changing a session: an update of time, venue, form or link bumps its version and tells
registrants and the audience old → new; a cancellation reaches everyone affected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.ports import UnitOfWork
from bot.domain.sessions import RegistrationStatus, Session, SessionStatus
from bot.outbox.queue import Enqueued, Priority, enqueue
from bot.usecases.common import audit
from bot.usecases.sessions._shared import (
    BOT_USERNAME_FACT,
    REASON_MAX,
    Change,
    Outcome,
    Problem,
    Result,
    SessionDraft,
    SessionsBase,
    card,
    default_opinion_deadline,
    registrant_keyboard,
    resident_keyboard,
    validate,
)
from messages import label


class ChangesMixin(SessionsBase):
    """Update and cancel a session, with the change and cancellation notices."""

    async def update(
        self,
        actor_id: int | None,
        session_id: int,
        *,
        reason: str | None = None,
        **fields: Any,
    ) -> Result:
        """Change fields of a session; a change of time, venue, form or link bumps the version
        and tells every registrant (personally) and the audience, once, old → new."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status in (SessionStatus.CANCELLED, SessionStatus.HELD):
                return Result(Outcome.ALREADY_CANCELLED, session)
            updated = replace(session, **fields)
            if "starts_at" in fields and "ends_at" not in fields and session.ends_at:
                updated.ends_at = fields["starts_at"] + (session.ends_at - session.starts_at)
            if "starts_at" in fields and "opinion_deadline" not in fields:
                if session.opinion_deadline is not None:
                    updated.opinion_deadline = default_opinion_deadline(updated.starts_at)
            draft = _as_draft(updated, reason)
            problems = validate(self.s, draft, now)
            if problems:
                return Result(Outcome.INVALID, session, problems=tuple(problems))
            changes = _changes(session, updated)
            if updated == session:
                return Result(Outcome.UNCHANGED, session)
            if changes:
                updated.version += 1
            updated.updated_at = now
            await uow.sessions.save(updated)
            notified = 0
            if changes and updated.status is SessionStatus.PUBLISHED:
                await uow.sessions.cancel_pending_reminders(updated.id)
                notified = await self._tell_change(uow, updated, changes, reason, now)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.updated",
                subject_type="session",
                subject_id=updated.id,
                fields=sorted(fields),
                version=updated.version,
                reason=reason,
                notified=notified,
            )
        return Result(Outcome.UPDATED, updated, changes=tuple(changes), notified=notified)

    async def _tell_change(
        self,
        uow: UnitOfWork,
        session: Session,
        changes: Sequence[Change],
        reason: str | None,
        now: datetime,
    ) -> int:
        username = await uow.sessions.fact(BOT_USERNAME_FACT)
        view = card(self.s, session, username=username)
        rows = [
            {
                "field": c.field,
                "label": label(f"sessions.field.{c.field}"),
                "old": c.old,
                "new": c.new,
            }
            for c in changes
        ]
        venue_changed = any(c.field == "venue" for c in changes)
        registrants = {
            r.user_id
            for r in await uow.sessions.registrations(
                session.id, (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
            )
        }
        others = [c for c in await self._audience(uow, session) if c not in registrants]
        told = 0
        for chat_id, registered in [(c, True) for c in sorted(registrants)] + [
            (c, False) for c in others
        ]:
            queued = await enqueue(
                uow,
                now=now,
                event="session_changed",
                person_id=chat_id,
                key=f"session:{session.id}:v{session.version}:change:{chat_id}",
                context={
                    "card": view,
                    "changes": rows,
                    "change_reason": reason,
                    "registered": registered,
                },
                buttons=(
                    registrant_keyboard(session.id) if registered else resident_keyboard(session.id)
                ),
                priority=Priority.PERSONAL if registered else Priority.MASS,
                general=not registered,
            )
            if registered and queued is Enqueued.QUEUED and venue_changed and session.has_pin:
                await self._venue(uow, session, chat_id, f"change-venue:{chat_id}", now)
            told += queued is Enqueued.QUEUED
        return told

    async def cancel(self, actor_id: int | None, session_id: int, reason: str) -> Result:
        now = self.s.clock.now()
        reason = reason.strip()
        if not reason:
            return Result(Outcome.NEEDS_REASON)
        if len(reason) > REASON_MAX:
            return Result(Outcome.INVALID, problems=(Problem.REASON_TOO_LONG,))
        async with self.s.store.transaction() as uow:
            if not await self._allowed(uow, actor_id):
                return Result(Outcome.NOT_ALLOWED)
            session = await uow.sessions.get(session_id)
            if session is None:
                return Result(Outcome.NOT_FOUND)
            if session.status in (SessionStatus.CANCELLED, SessionStatus.HELD):
                return Result(Outcome.ALREADY_CANCELLED, session)
            was_published = session.status is SessionStatus.PUBLISHED
            session.status = SessionStatus.CANCELLED
            session.cancel_reason = reason
            session.version += 1
            session.updated_at = now
            await uow.sessions.save(session)
            await uow.sessions.cancel_pending_reminders(session.id)
            told = 0
            if was_published:
                view = card(self.s, session)
                registrants = {
                    r.user_id
                    for r in await uow.sessions.registrations(
                        session.id, (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
                    )
                }
                audience = await self._audience(uow, session)
                for chat_id in sorted(registrants) + [c for c in audience if c not in registrants]:
                    personal = chat_id in registrants
                    queued = await enqueue(
                        uow,
                        now=now,
                        event="session_cancelled",
                        person_id=chat_id,
                        key=f"session:{session.id}:cancel:{chat_id}",
                        context={"card": view, "change_reason": reason, "registered": personal},
                        priority=Priority.PERSONAL if personal else Priority.MASS,
                        general=not personal,
                    )
                    told += queued is Enqueued.QUEUED
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.cancelled",
                subject_type="session",
                subject_id=session.id,
                reason=reason,
                notified=told,
            )
        return Result(Outcome.CANCELLED, session, notified=told)


def _as_draft(session: Session, reason: str | None) -> SessionDraft:
    return SessionDraft(
        kind=session.kind,
        title=session.title,
        starts_at=session.starts_at,
        host=session.host,
        deputy=session.deputy,
        form=session.form,
        link=session.link,
        ends_at=session.ends_at,
        venue=session.venue,
        latitude=session.latitude,
        longitude=session.longitude,
        audience=session.audience,
        group_codes=session.group_codes,
        social_group=session.social_group,
        capacity=session.capacity,
        opinion_deadline=session.opinion_deadline,
        reason=reason,
    )


def _changes(old: Session, new: Session) -> list[Change]:
    found = []
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        found.append(Change("time", old.starts_at, new.starts_at))
    if (old.venue, old.latitude, old.longitude) != (new.venue, new.latitude, new.longitude):
        found.append(Change("venue", old.venue, new.venue))
    if old.form != new.form:
        found.append(
            Change(
                "form",
                label(f"sessions.form.{old.form.value}"),
                label(f"sessions.form.{new.form.value}"),
            )
        )
    if old.link != new.link:
        found.append(Change("link", old.link or "", new.link or ""))
    return found

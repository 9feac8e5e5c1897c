"""Thông báo kết luận hội nghị đối thoại (seed 001 II.6, 004 IV.1(3), IV.3.1).

After a session the bot drafts the notice from the session, its host and the petitions grouped
as seed 004 IV.1(3) says — answered at the session; assigned to a unit with a deadline; reported
to the higher level. The secretary adds free text, may mark the notice complex / beyond the
ward's authority (deadline 15 instead of 10 working days, with a reason), previews and publishes.
Publishing is one transaction: each petitioner gets the part about theirs, each assigned unit
its items, the supervisors a summary, the session's audience the public version (codes and
fields only); the units' report deadlines open, the notice's deadline closes, each petition's
timeline gets "included in conclusion", survey invitations are queued, and it is all audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.deadlines import ConclusionNotice, DeadlineKind
from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.petitions import EventKind, PetitionEvent, clean_text
from bot.domain.petitions import Status as PetitionStatus
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import Session, SessionStatus, host_text
from bot.domain.ward import Role
from bot.domain.workflow import ConclusionItem, Outcome
from bot.outbox.queue import Enqueued, Priority, enqueue
from bot.usecases import survey
from bot.usecases.common import Services, audit
from bot.usecases.reminders import conclusion_due
from bot.usecases.sessions import audience_of
from messages import label

FLOW = "conclusion"
TEXT_MAX = 3000
REASON_MAX = 500

_ANSWERED = (Outcome.ANSWERED_AT_SESSION, Outcome.ANSWERED_DIRECTLY, Outcome.OUT_OF_SCOPE)
_SETTLED = (PetitionStatus.ANSWERED, PetitionStatus.RESOLVED, PetitionStatus.CLOSED)


class ConclusionOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    NOT_HELD = "not_held"
    ALREADY_PUBLISHED = "already_published"
    UNCLASSIFIED = "unclassified"
    TOO_LONG = "too_long"
    EMPTY = "empty"


@dataclass(slots=True)
class Draft:
    """What the preview shows and what publishing sends."""

    session: Session
    notice: ConclusionNotice
    due_on: date | None
    session_day: date
    answered: list[dict[str, Any]] = field(default_factory=list)
    assigned: list[dict[str, Any]] = field(default_factory=list)
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    unclassified: list[str] = field(default_factory=list)
    items: list[ConclusionItem] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        """The template variables shared by the preview and the public version."""
        return {
            "session_title": self.session.title,
            "session_date": f"{self.session_day:%d/%m/%Y}",
            "host": host_text(self.session),
            "free_text": self.notice.free_text,
            "answered_items": self.answered,
            "assigned_items": self.assigned,
            "forwarded_items": self.forwarded,
        }


@dataclass(frozen=True, slots=True)
class ConclusionResult:
    outcome: ConclusionOutcome
    draft: Draft | None = None
    sent: int = 0
    unclassified: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pending:
    """A session waiting for its notice, for the secretary's list."""

    session: Session
    due_on: date


class Conclusions:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _day(self, session: Session) -> date:
        return session.starts_at.astimezone(self.s.ward.tz).date()

    async def _allowed(self, uow: UnitOfWork, actor_id: int) -> bool:
        member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, Action.PUBLISH_CONCLUSION)

    async def pending(self, actor_id: int) -> list[Pending] | None:
        """Sessions with an open conclusion-notice deadline; None if not allowed."""
        async with self.s.store.read() as uow:
            if not await self._allowed(uow, actor_id):
                return None
            found = []
            for deadline in await uow.deadlines.open_of_kind(DeadlineKind.CONCLUSION_NOTICE):
                session = await uow.sessions.get(int(deadline.subject_id))
                if session is not None:
                    found.append(Pending(session, deadline.due_on))
        return sorted(found, key=lambda p: (p.due_on, p.session.id))

    async def _draft(
        self, uow: UnitOfWork, session: Session, notice: ConclusionNotice | None
    ) -> Draft:
        now = self.s.clock.now()
        notice = notice or ConclusionNotice(session.id, now)
        deadline = await uow.deadlines.get_open(
            kind=DeadlineKind.CONCLUSION_NOTICE, subject_type="session", subject_id=str(session.id)
        )
        draft = Draft(session, notice, deadline.due_on if deadline else None, self._day(session))
        draft.items = list(await uow.workflow.by_session_for_conclusion(session.id))
        for item in draft.items:
            unit = self.s.ward.unit(item.unit_code or "")
            view = {
                "label": label("petitions.public", code=item.code, field=item.field.label),
                "code": item.code,
                "answer": item.answer_text,
                "unit": unit.name if unit else item.unit_code,
                "due": f"{item.due_on:%d/%m/%Y}" if item.due_on else None,
                "note": item.forward_note,
            }
            if item.outcome in _ANSWERED:
                draft.answered.append(view)
            elif item.outcome is Outcome.ASSIGNED:
                draft.assigned.append(view)
            elif item.outcome is Outcome.FORWARDED_HIGHER:
                draft.forwarded.append(view)
            else:
                draft.unclassified.append(item.code)
        return draft

    async def _load(
        self, uow: UnitOfWork, actor_id: int, session_id: int
    ) -> tuple[ConclusionOutcome, Session | None, ConclusionNotice | None]:
        if not await self._allowed(uow, actor_id):
            return ConclusionOutcome.NOT_ALLOWED, None, None
        session = await uow.sessions.get(session_id)
        if session is None or session.status in (SessionStatus.DRAFT, SessionStatus.CANCELLED):
            return ConclusionOutcome.NOT_FOUND, None, None
        if session.starts_at > self.s.clock.now():
            return ConclusionOutcome.NOT_HELD, session, None
        notice = await uow.conclusions.get(session_id)
        if notice is not None and notice.published_at is not None:
            return ConclusionOutcome.ALREADY_PUBLISHED, session, notice
        return ConclusionOutcome.DONE, session, notice

    async def public_version(self, session_id: int) -> Draft | None:
        """The published notice as everyone may read it (codes and fields, never names)."""
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            notice = await uow.conclusions.get(session_id)
            if session is None or notice is None or notice.published_at is None:
                return None
            return await self._draft(uow, session, notice)

    async def preview(self, actor_id: int, session_id: int) -> ConclusionResult:
        async with self.s.store.read() as uow:
            outcome, session, notice = await self._load(uow, actor_id, session_id)
            if outcome is not ConclusionOutcome.DONE or session is None:
                return ConclusionResult(outcome)
            return ConclusionResult(outcome, await self._draft(uow, session, notice))

    async def begin(self, actor_id: int, session_id: int, step: str) -> ConclusionResult:
        """Ask for the free text (step "text") or the complexity reason (step "reason")."""
        async with self.s.store.transaction() as uow:
            outcome, session, _ = await self._load(uow, actor_id, session_id)
            if outcome is not ConclusionOutcome.DONE or session is None:
                return ConclusionResult(outcome)
            await uow.chat_states.put(
                ChatState(actor_id, FLOW, step, {"session_id": session_id}, self.s.clock.now())
            )
        return ConclusionResult(ConclusionOutcome.DONE)

    async def set_text(self, actor_id: int, session_id: int, text: str) -> ConclusionResult:
        cleaned = clean_text(text)
        if not cleaned:
            return ConclusionResult(ConclusionOutcome.EMPTY)
        if len(cleaned) > TEXT_MAX:
            return ConclusionResult(ConclusionOutcome.TOO_LONG)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            outcome, session, notice = await self._load(uow, actor_id, session_id)
            if outcome is not ConclusionOutcome.DONE or session is None:
                await uow.chat_states.clear(actor_id)
                return ConclusionResult(outcome)
            notice = replace(notice or ConclusionNotice(session_id, now), free_text=cleaned)
            notice = replace(notice, updated_at=now)
            await uow.conclusions.save(notice)
            await uow.chat_states.clear(actor_id)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="conclusion.text_edited",
                subject_type="session",
                subject_id=session_id,
                length=len(cleaned),
            )
            return ConclusionResult(outcome, await self._draft(uow, session, notice))

    async def mark_complex(self, actor_id: int, session_id: int, reason: str) -> ConclusionResult:
        """Phức tạp / vượt thẩm quyền: the deadline becomes 15 working days after the session."""
        cleaned = clean_text(reason)
        if not cleaned:
            return ConclusionResult(ConclusionOutcome.EMPTY)
        if len(cleaned) > REASON_MAX:
            return ConclusionResult(ConclusionOutcome.TOO_LONG)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            outcome, session, notice = await self._load(uow, actor_id, session_id)
            if outcome is not ConclusionOutcome.DONE or session is None:
                await uow.chat_states.clear(actor_id)
                return ConclusionResult(outcome)
            notice = replace(
                notice or ConclusionNotice(session_id, now), complex_reason=cleaned, updated_at=now
            )
            await uow.conclusions.save(notice)
            due = conclusion_due(self.s, self._day(session), complex_=True)
            await uow.deadlines.open(
                kind=DeadlineKind.CONCLUSION_NOTICE,
                subject_type="session",
                subject_id=str(session_id),
                unit_code=None,
                due_on=due,
                now=now,
                note=cleaned,
            )
            await uow.chat_states.clear(actor_id)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="conclusion.marked_complex",
                subject_type="session",
                subject_id=session_id,
                reason=cleaned,
                due_on=due.isoformat(),
            )
            return ConclusionResult(outcome, await self._draft(uow, session, notice))

    async def publish(self, actor_id: int, session_id: int) -> ConclusionResult:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            outcome, session, notice = await self._load(uow, actor_id, session_id)
            if outcome is not ConclusionOutcome.DONE or session is None:
                return ConclusionResult(outcome)
            draft = await self._draft(uow, session, notice)
            if draft.unclassified:
                return ConclusionResult(
                    ConclusionOutcome.UNCLASSIFIED, draft, unclassified=tuple(draft.unclassified)
                )
            sent = await self._send(uow, draft, now)
            today = now.astimezone(self.s.ward.tz).date()
            report_due = self.s.calendar.add_working_days(
                today, self.s.ward.ward.agency_report_working_days
            )
            for item in draft.items:
                await uow.petitions.add_event(
                    PetitionEvent(
                        item.petition_id,
                        EventKind.IN_CONCLUSION,
                        now,
                        actor_id,
                        {"session_id": session_id},
                    )
                )
                if item.outcome is Outcome.ASSIGNED and item.unit_code:
                    petition = await uow.petitions.get(item.petition_id)
                    if petition is not None and petition.status not in _SETTLED:
                        await uow.deadlines.open(
                            kind=DeadlineKind.UNIT_REPORT,
                            subject_type="petition",
                            subject_id=str(item.petition_id),
                            unit_code=item.unit_code,
                            due_on=report_due,
                            now=now,
                        )
            await uow.deadlines.close(
                kind=DeadlineKind.CONCLUSION_NOTICE,
                subject_type="session",
                subject_id=str(session_id),
                now=now,
            )
            await uow.conclusions.save(
                replace(draft.notice, published_at=now, published_by=actor_id, updated_at=now)
            )
            people = {i.author_id for i in draft.items if i.author_id is not None}
            people.update(await survey.attendees(uow, session_id))
            invited = await survey.invite_all(uow, self.s, session, people, now)
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="conclusion.published",
                subject_type="session",
                subject_id=session_id,
                answered=len(draft.answered),
                assigned=len(draft.assigned),
                forwarded=len(draft.forwarded),
                messages=sent,
                report_due=report_due.isoformat(),
                survey_invites=invited,
            )
        return ConclusionResult(ConclusionOutcome.DONE, draft, sent=sent)

    async def _send(self, uow: UnitOfWork, draft: Draft, now: datetime) -> int:
        session = draft.session
        sid = session.id
        base = draft.context()
        staff = await uow.staff.list_active()
        sent = 0
        petitioners: set[int] = set()
        for item in draft.items:
            if item.author_id is None:
                continue  # filed on someone's behalf: the office answers them on paper
            petitioners.add(item.author_id)
            unit = self.s.ward.unit(item.unit_code or "")
            await enqueue(
                uow,
                now=now,
                event="conclusion_personal",
                person_id=item.author_id,
                key=f"conclusion:{sid}:personal:{item.petition_id}",
                context={
                    "session_title": session.title,
                    "session_date": base["session_date"],
                    "petition_code": item.code,
                    "group": _group(item),
                    "answer": item.answer_text,
                    "unit": unit.name if unit else item.unit_code,
                    "due": f"{item.due_on:%d/%m/%Y}" if item.due_on else None,
                    "note": item.forward_note,
                },
            )
            sent += 1
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for item, view in zip(
            [i for i in draft.items if i.outcome is Outcome.ASSIGNED], draft.assigned, strict=True
        ):
            by_unit.setdefault(item.unit_code or "", []).append(view)
        for unit_code, views in sorted(by_unit.items()):
            unit = self.s.ward.unit(unit_code)
            officials = [
                s.person_id for s in staff if s.role is Role.OFFICIAL and s.unit_code == unit_code
            ] or [s.person_id for s in staff if s.role is Role.SECRETARY]
            for chat_id in officials:
                await enqueue(
                    uow,
                    now=now,
                    event="conclusion_unit",
                    person_id=chat_id,
                    key=f"conclusion:{sid}:unit:{unit_code}:{chat_id}",
                    context={
                        **base,
                        "unit_name": unit.name if unit else unit_code,
                        "unit_items": views,
                        "report_days": self.s.ward.ward.agency_report_working_days,
                    },
                )
                sent += 1
        for member in staff:
            if member.role is not Role.SUPERVISOR:
                continue
            await enqueue(
                uow,
                now=now,
                event="conclusion_supervisor",
                person_id=member.person_id,
                key=f"conclusion:{sid}:supervisor:{member.person_id}",
                context=base,
            )
            sent += 1
        audience = set(await audience_of(uow, session))
        registrants = set(await survey.attendees(uow, sid))
        for chat_id in sorted(audience | registrants | petitioners):
            outcome = await enqueue(
                uow,
                now=now,
                event="conclusion_public",
                person_id=chat_id,
                key=f"conclusion:{sid}:public:{chat_id}",
                context=base,
                priority=Priority.MASS,
                general=chat_id not in registrants | petitioners,
            )
            sent += outcome is Enqueued.QUEUED
        return sent


def _group(item: ConclusionItem) -> str:
    if item.outcome in _ANSWERED:
        return "answered"
    if item.outcome is Outcome.ASSIGNED:
        return "assigned"
    return "forwarded"

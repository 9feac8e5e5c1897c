"""Filing a confirmed draft in one transaction: the session's opinion deadline, the duplicate
check, the daily limit, the tracking code, the petition, its event and the audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.permissions import Action, can
from bot.domain.petitions import (
    DUPLICATE_WINDOW,
    Channel,
    EventKind,
    NextSteps,
    OnBehalf,
    Petition,
    PetitionEvent,
    next_friday,
    tracking_code,
)
from bot.domain.sessions import Session
from bot.usecases.common import audit
from bot.usecases.petitions._shared import FLOW, Draft, Outcome, PetitionsBase, Result, Step


class FilingMixin(PetitionsBase):
    """Submit the draft, and the next steps (deadlines) the person is told."""

    # ----- filing -------------------------------------------------------------------------

    async def submit(self, user_id: int, *, via: str = Channel.TELEGRAM.value) -> Result:
        """File the draft; ``via`` is the chat channel the person pressed «Gửi» on."""
        now = self.s.clock.now()
        ward = self.s.ward.ward
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONFIRM)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            flow = state.flow
            draft = Draft.of(state.data)
            field_of_concern = draft.field
            if field_of_concern is None or not draft.content:
                return Result(Outcome.NOT_EXPECTED)
            session = None
            if draft.session_id is not None:
                session = await uow.sessions.get(draft.session_id)
                if session is None or not self._accepts(flow, draft, session, now):
                    draft = replace(draft, session_chosen=False, editing=True)
                    await self._put(uow, user_id, flow, Step.SESSION, draft, now)
                    if session is None:
                        return await self._ask(uow, flow, Step.SESSION, draft)
                    return await self._deadline_passed(uow, flow, session, draft, now)
            behalf = None
            if flow == FLOW:
                existing = await uow.petitions.duplicate_of(
                    user_id, draft.content, now - DUPLICATE_WINDOW
                )
                if existing is not None:
                    await uow.chat_states.clear(user_id)
                    return Result(Outcome.DUPLICATE, flow, petition=existing)
                today = self._start_of_day(now)
                filed = await uow.petitions.count_by_author_since(user_id, today)
                if filed >= ward.petition_daily_limit:
                    return Result(
                        Outcome.LIMIT_REACHED,
                        flow,
                        Step.CONFIRM,
                        draft,
                        limit=ward.petition_daily_limit,
                    )
            else:
                staff = await uow.staff.get(user_id)
                if staff is None or not can(staff.role, Action.FILE_ON_BEHALF):
                    await uow.chat_states.clear(user_id)
                    return Result(Outcome.NOT_ALLOWED, flow)
                assert draft.name is not None and draft.channel is not None
                behalf = OnBehalf(
                    name=draft.name,
                    address=draft.person_address or "",
                    phone=draft.phone,
                    filed_by=user_id,
                )
            year = now.astimezone(self.s.ward.tz).year
            seq = await uow.petitions.next_sequence(ward.code, year)
            petition = Petition(
                code=tracking_code(ward.code, year, seq),
                content=draft.content,
                field=field_of_concern,
                channel=draft.channel if behalf and draft.channel else Channel.of_chat(via),
                created_at=now,
                author_id=None if behalf else user_id,
                on_behalf=behalf,
                session_id=draft.session_id,
                concerns_address=draft.address,
                latitude=draft.latitude,
                longitude=draft.longitude,
                attachments=draft.attachments,
                named_publicly=draft.named_publicly if behalf is None else False,
                content_public=draft.content_public if behalf is None else False,
            )
            petition_id = await uow.petitions.add(petition)
            await uow.petitions.add_event(
                PetitionEvent(
                    petition_id=petition_id,
                    kind=EventKind.RECEIVED,
                    at=now,
                    actor_id=user_id,
                    details={"channel": petition.channel.value},
                )
            )
            await uow.chat_states.clear(user_id)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="petition.filed_on_behalf" if behalf else "petition.filed",
                subject_type="petition",
                subject_id=petition.code,
                channel=petition.channel.value,
                field=petition.field.value,
                session_id=petition.session_id,
                attachments=len(petition.attachments),
            )
        return Result(
            Outcome.FILED,
            flow,
            petition=petition,
            session=session,
            next_steps=self.next_steps(session),
        )

    def next_steps(self, session: Session | None) -> NextSteps:
        """The deadlines of design.md §2 as dates: the conclusion notice within 10 working days
        of the session (15 when complex), unit reports within the ward's setting after it."""
        calendar = self.s.calendar
        days = self.s.ward.ward.agency_report_working_days
        if session is None:
            local = self.s.clock.now().astimezone(self.s.ward.tz)
            start = local.date() + timedelta(days=1 if local.hour >= 12 else 0)
            return NextSteps(report_working_days=days, weekly_next=next_friday(start))
        day = session.starts_at.astimezone(self.s.ward.tz).date()
        return NextSteps(
            session_date=day,
            conclusion_by=calendar.add_working_days(day, 10),
            conclusion_complex_by=calendar.add_working_days(day, 15),
            report_working_days=days,
        )

    def _start_of_day(self, now: datetime) -> datetime:
        local = now.astimezone(self.s.ward.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

"""Khảo sát mức độ hài lòng sau buổi đối thoại (seed 002): a 1–5 score and an optional comment.

Invitations go out with the conclusion notice, to the session's attendees and to everyone who
raised a petition for it, in the publishing transaction. One answer per person per session:
the score is recorded once, the comment once after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.conversation.replies import Buttons
from bot.conversation.replies import rows as button_rows
from bot.domain.people import ChatState
from bot.domain.petitions import clean_text
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import RegistrationStatus, Session
from bot.outbox.queue import enqueue
from bot.usecases.common import Services, audit
from messages import label

FLOW = "survey"
COMMENT_MAX = 1000
SCORES = (1, 2, 3, 4, 5)
INVITE_EVENT = "survey_invite"


class SurveyOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_INVITED = "not_invited"
    COMMENT_SAVED = "comment_saved"
    TOO_LONG = "too_long"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class SurveyResult:
    outcome: SurveyOutcome
    session_title: str | None = None


def score_keyboard(session_id: int) -> Buttons:
    return button_rows([[(label(f"survey.scores.s{n}"), f"sv:{session_id}:{n}") for n in SCORES]])


async def invite_all(
    uow: UnitOfWork, services: Services, session: Session, people: Iterable[int], now: datetime
) -> int:
    """Invite each person once (idempotent per person and session); returns the new invites."""
    invited = 0
    for user_id in sorted(set(people)):
        if not await uow.surveys.invite(session.id, user_id, now):
            continue
        await enqueue(
            uow,
            now=now,
            event=INVITE_EVENT,
            person_id=user_id,
            key=f"survey:{session.id}:{user_id}",
            context={"session_title": session.title},
            buttons=score_keyboard(session.id),
        )
        invited += 1
    return invited


async def attendees(uow: UnitOfWork, session_id: int) -> list[int]:
    """Who took part: marked present, or registered (attendance is not always recorded)."""
    regs = await uow.sessions.registrations(
        session_id, (RegistrationStatus.ATTENDED, RegistrationStatus.REGISTERED)
    )
    return [r.user_id for r in regs]


class Survey:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def answer(self, user_id: int, session_id: int, score: int) -> SurveyResult:
        if score not in SCORES:
            return SurveyResult(SurveyOutcome.NOT_INVITED)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            found = await uow.surveys.get(session_id, user_id)
            session = await uow.sessions.get(session_id)
            title = session.title if session else None
            if found is None:
                return SurveyResult(SurveyOutcome.NOT_INVITED)
            if not await uow.surveys.answer(session_id, user_id, score=score, now=now):
                return SurveyResult(SurveyOutcome.ALREADY, title)
            await uow.chat_states.put(
                ChatState(user_id, FLOW, "comment", {"session_id": session_id}, now)
            )
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="survey.answered",
                subject_type="session",
                subject_id=session_id,
                score=score,
            )
        return SurveyResult(SurveyOutcome.RECORDED, title)

    async def comment(self, user_id: int, session_id: int, text: str) -> SurveyResult:
        cleaned = clean_text(text)
        if not cleaned:
            return SurveyResult(SurveyOutcome.EMPTY)
        if len(cleaned) > COMMENT_MAX:
            return SurveyResult(SurveyOutcome.TOO_LONG)
        async with self.s.store.transaction() as uow:
            if not await uow.surveys.comment(session_id, user_id, cleaned):
                await uow.chat_states.clear(user_id)
                return SurveyResult(SurveyOutcome.ALREADY)
            await uow.chat_states.clear(user_id)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="survey.commented",
                subject_type="session",
                subject_id=session_id,
            )
        return SurveyResult(SurveyOutcome.COMMENT_SAVED)

    async def skip_comment(self, user_id: int) -> None:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is not None and state.flow == FLOW:
                await uow.chat_states.clear(user_id)

"""The flow a person is in, and /cancel, across all flows."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.people import ChatState
from bot.usecases import onboarding
from bot.usecases.common import Services, audit


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"
    ONBOARDING_PAUSED = "onboarding_paused"
    NOTHING = "nothing"


class Conversation:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def current(self, user_id: int) -> ChatState | None:
        async with self.s.store.read() as uow:
            return await uow.chat_states.get(user_id)

    async def cancel(self, user_id: int) -> CancelOutcome:
        """Drop the draft of the current flow. Onboarding keeps its step so /start resumes it."""
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None:
                return CancelOutcome.NOTHING
            if state.flow == onboarding.FLOW:
                return CancelOutcome.ONBOARDING_PAUSED
            await uow.chat_states.clear(user_id)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="conversation.cancelled",
                subject_type="chat_state",
                subject_id=user_id,
                flow=state.flow,
            )
        return CancelOutcome.CANCELLED

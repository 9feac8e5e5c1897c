"""What the secretary's session modules share: who may manage sessions, the draft kept in
``chat_states`` (so a restart resumes it), and the small pieces several screens show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.conversation.turn import Turn
from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.usecases.sessions import Problem, Sessions
from messages import label

PREFIX = "sa:"
FLOW = "session_admin"


def sessions(turn: Turn) -> Sessions:
    return Sessions(turn.services)


async def allowed(turn: Turn) -> bool:
    async with turn.services.store.read() as uow:
        member = await uow.staff.get(turn.person_id)
    return member is not None and can(member.role, Action.MANAGE_SESSIONS)


async def save_step(turn: Turn, step: str, data: dict[str, Any]) -> None:
    async with turn.services.store.transaction() as uow:
        await uow.chat_states.put(
            ChatState(turn.person_id, FLOW, step, data, turn.services.clock.now())
        )


async def clear_step(turn: Turn) -> None:
    async with turn.services.store.transaction() as uow:
        await uow.chat_states.clear(turn.person_id)


async def current_step(turn: Turn) -> ChatState | None:
    async with turn.services.store.read() as uow:
        state = await uow.chat_states.get(turn.person_id)
    return state if state is not None and state.flow == FLOW else None


def example_time(turn: Turn) -> str:
    """A start time two weeks ahead, in the format the time question accepts."""
    services = turn.services
    day = (services.clock.now() + timedelta(days=14)).astimezone(services.ward.tz)
    return f"{day:%d/%m/%Y} 08:00"


def problem_labels(problems: tuple[Problem, ...] | list[Problem]) -> list[str]:
    return [label(f"sessions.problem.{p.value}") for p in problems]


def abort_row() -> list[tuple[str, str]]:
    return [(label("sessions.cancel_flow"), "sa:abort")]

"""What every part of the petitions use case shares: the flows and their steps, the draft as
kept in ``chat_states``, the outcome types, which sessions accept a petition, and the base
class that reads, keeps and asks for the step a draft is at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.people import ChatState
from bot.domain.petitions import Attachment, Channel, FieldOfConcern, NextSteps, Petition
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import Session, SessionStatus
from bot.usecases.common import Services

FLOW = "petition"
STAFF_FLOW = "petition_staff"
FLOWS = (FLOW, STAFF_FLOW)
AT_SESSION_LOOKBACK = timedelta(days=30)
AT_SESSION_SHOWN = 8


class Step(StrEnum):
    KIND = "kind"
    NAME = "name"
    PERSON_ADDRESS = "person_address"
    PHONE = "phone"
    CHANNEL = "channel"
    SESSION = "session"
    FIELD = "field"
    CONTENT = "content"
    ADDRESS = "address"
    CONFIRM = "confirm"


class Outcome(StrEnum):
    ASK = "ask"
    COMPLAINT = "complaint"
    CONTENT_SAVED = "content_saved"
    TOO_LONG = "too_long"
    TOO_MANY_FILES = "too_many_files"
    EMPTY_CONTENT = "empty_content"
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    INVALID_ADDRESS = "invalid_address"
    DEADLINE_PASSED = "deadline_passed"
    FILED = "filed"
    DUPLICATE = "duplicate"
    LIMIT_REACHED = "limit_reached"
    CANCELLED = "cancelled"
    LEFT = "left"
    NOT_REGISTERED = "not_registered"
    NOT_ALLOWED = "not_allowed"
    NOT_EXPECTED = "not_expected"
    NOT_RECORDABLE = "not_recordable"


@dataclass(frozen=True, slots=True)
class Draft:
    """The choices so far; saved as the chat state's JSON after every step."""

    session_id: int | None = None
    session_chosen: bool = False
    field: FieldOfConcern | None = None
    content: str = ""
    attachments: tuple[Attachment, ...] = ()
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    named_publicly: bool = False
    content_public: bool = False
    editing: bool = False
    name: str | None = None
    person_address: str | None = None
    phone: str | None = None
    channel: Channel | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Draft:
        return cls(
            session_id=data.get("session_id"),
            session_chosen=bool(data.get("session_chosen")),
            field=FieldOfConcern(data["field"]) if data.get("field") else None,
            content=str(data.get("content") or ""),
            attachments=tuple(Attachment.of(a) for a in data.get("attachments") or ()),
            address=data.get("address"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            named_publicly=bool(data.get("named_publicly")),
            content_public=bool(data.get("content_public")),
            editing=bool(data.get("editing")),
            name=data.get("name"),
            person_address=data.get("person_address"),
            phone=data.get("phone"),
            channel=Channel(data["channel"]) if data.get("channel") else None,
        )

    def data(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "session_chosen": self.session_chosen,
            "field": self.field.value if self.field else None,
            "content": self.content,
            "attachments": [a.data() for a in self.attachments],
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "named_publicly": self.named_publicly,
            "content_public": self.content_public,
            "editing": self.editing,
            "name": self.name,
            "person_address": self.person_address,
            "phone": self.phone,
            "channel": self.channel.value if self.channel else None,
        }

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    flow: str = FLOW
    step: Step | None = None
    draft: Draft | None = None
    sessions: tuple[Session, ...] = ()
    session: Session | None = None
    petition: Petition | None = None
    next_steps: NextSteps | None = None
    limit: int = 0
    length: int = 0


def is_open_for_opinions(session: Session, now: datetime) -> bool:
    """Published, not yet started, and the opinion deadline (hạn nhận ý kiến) not passed."""
    return (
        session.status is SessionStatus.PUBLISHED
        and session.starts_at > now
        and (session.opinion_deadline is None or session.opinion_deadline > now)
    )


def is_recordable_at(session: Session, now: datetime) -> bool:
    """Ý kiến nêu tại buổi: a published or held session that started within the last 30 days
    or is still to come; never a draft or a cancelled one."""
    return (
        session.status in (SessionStatus.PUBLISHED, SessionStatus.HELD)
        and session.starts_at >= now - AT_SESSION_LOOKBACK
    )


def records_at_session(flow: str, draft: Draft) -> bool:
    """A secretary writing down what someone raised at the session itself (kênh tại buổi)."""
    return flow == STAFF_FLOW and draft.channel is Channel.AT_SESSION


class PetitionsBase:
    """The services and the helpers every part of :class:`Petitions` builds on."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # ----- internals ----------------------------------------------------------------------

    async def _state(self, uow: UnitOfWork, user_id: int, step: str) -> ChatState | None:
        """The person's draft, only if it is at ``step`` (an old button is refused)."""
        state = await uow.chat_states.get(user_id)
        if state is None or state.flow not in FLOWS or state.step != step:
            return None
        return state

    async def _put(
        self, uow: UnitOfWork, user_id: int, flow: str, step: Step, draft: Draft, now: datetime
    ) -> None:
        await uow.chat_states.put(ChatState(user_id, flow, step.value, draft.data(), now))

    def _accepts(self, flow: str, draft: Draft, session: Session, now: datetime) -> bool:
        if records_at_session(flow, draft):
            return is_recordable_at(session, now)
        return is_open_for_opinions(session, now)

    async def _sessions_for(self, uow: UnitOfWork, flow: str, draft: Draft) -> tuple[Session, ...]:
        """The sessions the session step offers: open for opinions, or — for what was raised
        at a session — the recent and coming ones, nearest first (a ward has few sessions)."""
        now = self.s.clock.now()
        if not records_at_session(flow, draft):
            return tuple(await uow.sessions.open_for_opinions(now))
        recent = [s for s in await uow.sessions.all() if is_recordable_at(s, now)]
        recent.sort(key=lambda s: (abs((s.starts_at - now).total_seconds()), s.id))
        return tuple(recent[:AT_SESSION_SHOWN])

    async def _ask(self, uow: UnitOfWork, flow: str, step: Step, draft: Draft) -> Result:
        sessions: tuple[Session, ...] = ()
        session = None
        if step is Step.SESSION:
            sessions = await self._sessions_for(uow, flow, draft)
        if step is Step.CONFIRM and draft.session_id is not None:
            session = await uow.sessions.get(draft.session_id)
        return Result(Outcome.ASK, flow, step, draft, sessions=sessions, session=session)

    async def _deadline_passed(
        self, uow: UnitOfWork, flow: str, session: Session, draft: Draft, now: datetime
    ) -> Result:
        """Say why, and offer the sessions still open and the weekly programme."""
        sessions = await self._sessions_for(uow, flow, draft)
        outcome = (
            Outcome.NOT_RECORDABLE if records_at_session(flow, draft) else Outcome.DEADLINE_PASSED
        )
        return Result(outcome, flow, Step.SESSION, draft, sessions=sessions, session=session)

"""«Ý kiến của tôi»: a resident's own petitions, page by page, and each one's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.permissions import Action, can
from bot.domain.petitions import Petition, PetitionEvent
from bot.domain.sessions import Session
from bot.domain.ward import Role
from bot.usecases.petitions._shared import PetitionsBase

PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class Page:
    """One page of "Ý kiến của tôi", newest first."""

    petitions: tuple[Petition, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class Timeline:
    petition: Petition
    events: tuple[PetitionEvent, ...]
    session: Session | None = None


class TimelineOutcome(StrEnum):
    SHOWN = "shown"
    NOT_YOURS = "not_yours"


@dataclass(frozen=True, slots=True)
class TimelineResult:
    outcome: TimelineOutcome
    timeline: Timeline | None = None


class FullTextOutcome(StrEnum):
    SHOWN = "shown"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class FullText:
    outcome: FullTextOutcome
    code: str = ""
    content: str = ""


class MyOpinionsMixin(PetitionsBase):
    """The author's list and timelines; a forged id or code shows nothing."""

    async def mine(self, user_id: int, page: int) -> Page:
        async with self.s.store.read() as uow:
            total = await uow.petitions.count_by_author(user_id)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            found = await uow.petitions.by_author(user_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
        return Page(tuple(found), page, pages, total)

    async def timeline(
        self, user_id: int, *, petition_id: int | None = None, code: str | None = None
    ) -> TimelineResult:
        """A petition's timeline, for its author only: a forged id or code shows nothing."""
        async with self.s.store.read() as uow:
            if petition_id is not None:
                petition = await uow.petitions.get(petition_id)
            else:
                petition = await uow.petitions.by_code(code or "")
            if petition is None or petition.id is None or petition.author_id != user_id:
                return TimelineResult(TimelineOutcome.NOT_YOURS)
            events = await uow.petitions.events(petition.id)
            session = None
            if petition.session_id is not None:
                session = await uow.sessions.get(petition.session_id)
        return TimelineResult(TimelineOutcome.SHOWN, Timeline(petition, tuple(events), session))

    async def full_text(self, user_id: int, code: str) -> FullText:
        """A petition's whole content, for its author and for staff whose work it is: the
        secretary, supervisor and admin, and the officials of the unit holding it."""
        async with self.s.store.read() as uow:
            petition = await uow.petitions.by_code(code)
            if petition is None or petition.id is None:
                return FullText(FullTextOutcome.NOT_ALLOWED)
            allowed = petition.author_id == user_id
            staff = None if allowed else await uow.staff.get(user_id)
            if staff is not None and staff.active:
                if any(can(staff.role, a) for a in (Action.VIEW_INBOX, Action.VIEW_OVERDUE)):
                    allowed = True
                elif staff.role is Role.OFFICIAL:
                    handling = await uow.workflow.handling(petition.id)
                    allowed = handling is not None and handling.unit_code == staff.unit_code
        if not allowed:
            return FullText(FullTextOutcome.NOT_ALLOWED)
        return FullText(FullTextOutcome.SHOWN, petition.code, petition.content)

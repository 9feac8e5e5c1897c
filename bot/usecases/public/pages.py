"""The public pages' reads: the home page's figures, the list, a petition's public timeline and
a session's card with its published conclusion notice. No login; nothing personal leaves here
(see :mod:`bot.usecases.public.views`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.documents.ics import session_ics
from bot.domain.deadlines import ConclusionNotice
from bot.domain.public import PAGE_SIZE, PublicFigures, PublicFilter
from bot.domain.reporting import Period, PeriodKind, Satisfaction
from bot.domain.sessions import Session, SessionStatus
from bot.usecases.common import Services
from bot.usecases.conclusion import Conclusions, Draft
from bot.usecases.public.views import (
    PublicEvent,
    PublicPetition,
    public_events,
    public_petition,
)

SESSIONS_SHOWN = 5
NOTICES_SHOWN = 5
_PUBLIC_SESSIONS = (SessionStatus.PUBLISHED, SessionStatus.HELD, SessionStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: Period
    figures: PublicFigures
    satisfaction: Satisfaction


@dataclass(frozen=True, slots=True)
class PublishedNotice:
    session: Session
    notice: ConclusionNotice


@dataclass(frozen=True, slots=True)
class Home:
    month: PeriodFigures
    year: PeriodFigures
    sessions: tuple[Session, ...]
    notices: tuple[PublishedNotice, ...]


@dataclass(frozen=True, slots=True)
class ListPage:
    petitions: tuple[PublicPetition, ...]
    page: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class PetitionPage:
    petition: PublicPetition
    events: tuple[PublicEvent, ...]
    session: Session | None = None


@dataclass(frozen=True, slots=True)
class SessionCard:
    session: Session
    conclusion: Draft | None = None


class PublicPages:
    def __init__(self, services: Services) -> None:
        self.s = services

    def today(self) -> date:
        return self.s.clock.now().astimezone(self.s.ward.tz).date()

    def bounds(self, period: Period) -> tuple[datetime, datetime]:
        tz = self.s.ward.tz
        return datetime.combine(period.start, time(0), tz), datetime.combine(
            period.end, time(0), tz
        )

    async def home(self) -> Home:
        today = self.today()
        month = Period(PeriodKind.MONTHLY, today.year, today.month)
        year = Period(PeriodKind.ANNUAL, today.year)
        async with self.s.store.read() as uow:
            figures = []
            for period in (month, year):
                since, until = self.bounds(period)
                figures.append(
                    PeriodFigures(
                        period,
                        await uow.public.figures(since, until, today),
                        await uow.reports.satisfaction(since, until),
                    )
                )
            sessions = await uow.sessions.upcoming(self.s.clock.now())
            notices = []
            for notice in await uow.public.published_conclusions(NOTICES_SHOWN):
                session = await uow.sessions.get(notice.session_id)
                if session is not None:
                    notices.append(PublishedNotice(session, notice))
        return Home(figures[0], figures[1], tuple(sessions[:SESSIONS_SHOWN]), tuple(notices))

    async def listing(self, flt: PublicFilter, page: int) -> ListPage:
        page = max(0, page)
        async with self.s.store.read() as uow:
            found = await uow.public.listing(flt, offset=page * PAGE_SIZE, limit=PAGE_SIZE + 1)
        shown = tuple(public_petition(self.s, item) for item in found[:PAGE_SIZE])
        return ListPage(shown, page, len(found) > PAGE_SIZE)

    async def petition(self, code: str, *, author: bool = False) -> PetitionPage | None:
        """The public timeline; ``author`` (proven by the caller) adds the text and notes."""
        async with self.s.store.read() as uow:
            found = await uow.public.item(code)
            if found is None:
                return None
            item, events = found
            petition = item.petition
            session = None
            if petition.session_id is not None:
                session = await uow.sessions.get(petition.session_id)
                if session is not None and session.status not in _PUBLIC_SESSIONS:
                    session = None
        return PetitionPage(
            public_petition(self.s, item, author=author),
            public_events(self.s, tuple(events), author=author),
            session,
        )

    async def session_card(self, session_id: int) -> SessionCard | None:
        """A published, held or cancelled session (never a draft), and its conclusion notice's
        public version once published."""
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None or session.status not in _PUBLIC_SESSIONS:
                return None
            notice = await uow.conclusions.get(session_id)
        conclusion = None
        if notice is not None and notice.published_at is not None:
            conclusion = await Conclusions(self.s).public_version(session_id)
        return SessionCard(session, conclusion)

    async def session_calendar(self, session_id: int) -> bytes | None:
        card = await self.session_card(session_id)
        if card is None:
            return None
        return session_ics(self.s, card.session, username=None, now=self.s.clock.now())

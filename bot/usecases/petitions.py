"""Gửi ý kiến: the guided petition flow, staff entry on behalf, "my opinions", the digest.

The draft lives in ``chat_states`` (flow "petition" for residents, "petition_staff" for a
secretary filing on someone's behalf), so a bot restart in the middle loses nothing. Filing is
one transaction: the session's opinion deadline, the duplicate check, the daily limit, the
tracking code from the per-(ward, year) counter, the petition, its ``received`` event and the
audit entry. Secretaries learn of new petitions from a periodic digest, not one ping each.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.petitions import (
    ADDRESS_MAX,
    CONTENT_MAX,
    DUPLICATE_WINDOW,
    Attachment,
    AttachmentKind,
    Channel,
    EventKind,
    FieldOfConcern,
    NextSteps,
    OnBehalf,
    Petition,
    PetitionEvent,
    clean_text,
    next_friday,
    tracking_code,
)
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import Session, SessionStatus
from bot.domain.ward import Role
from bot.outbox.queue import enqueue, inline_keyboard
from bot.usecases.common import Services, audit
from bot.usecases.onboarding import clean_name, normalise_phone
from messages import label

FLOW = "petition"
STAFF_FLOW = "petition_staff"
FLOWS = (FLOW, STAFF_FLOW)
WEEKLY = "w"
PAGE_SIZE = 5
DIGEST_EVENT = "petition_digest"
DIGEST_WINDOW = timedelta(minutes=30)
DIGEST_GATHER = timedelta(minutes=5)
DIGEST_CODES_SHOWN = 20
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


RESIDENT_STEPS = (Step.KIND, Step.SESSION, Step.FIELD, Step.CONTENT, Step.ADDRESS, Step.CONFIRM)
STAFF_STEPS = (
    Step.NAME,
    Step.PERSON_ADDRESS,
    Step.PHONE,
    Step.CHANNEL,
    Step.FIELD,
    Step.SESSION,
    Step.CONTENT,
    Step.ADDRESS,
    Step.CONFIRM,
)
EDITABLE = (Step.SESSION, Step.FIELD, Step.CONTENT, Step.ADDRESS)
STAFF_CHANNELS = tuple(c for c in Channel if c is not Channel.TELEGRAM)


def steps_of(flow: str) -> tuple[Step, ...]:
    return STAFF_STEPS if flow == STAFF_FLOW else RESIDENT_STEPS


def step_number(flow: str, step: Step) -> tuple[int, int]:
    """(n, of) as the person sees it: the content and address are one step, "Bước 4/5"."""
    shown = [s for s in steps_of(flow) if s is not Step.ADDRESS]
    at = Step.CONTENT if step is Step.ADDRESS else step
    return shown.index(at) + 1, len(shown)


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


@dataclass(frozen=True, slots=True)
class DigestReport:
    digest_id: int
    petitions: tuple[Petition, ...] = field(default_factory=tuple)
    recipients: tuple[int, ...] = ()


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


class Petitions:
    def __init__(self, services: Services) -> None:
        self.s = services

    # ----- entering and leaving the flow ------------------------------------------------

    async def begin(self, user_id: int) -> Result:
        """«Gửi ý kiến»: a resident's draft resumes where it stopped, else step 1."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED)
            state = await uow.chat_states.get(user_id)
            if state is not None and state.flow == FLOW:
                return await self._ask(uow, FLOW, Step(state.step), Draft.of(state.data))
            await uow.chat_states.put(ChatState(user_id, FLOW, Step.KIND.value, {}, now))
        return Result(Outcome.ASK, FLOW, Step.KIND, Draft())

    async def begin_on_behalf(self, staff_id: int) -> Result:
        """A secretary files for someone who wrote a letter, an e-mail, came in person..."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            staff = await uow.staff.get(staff_id)
            if staff is None or not staff.active or not can(staff.role, Action.FILE_ON_BEHALF):
                return Result(Outcome.NOT_ALLOWED, STAFF_FLOW)
            state = await uow.chat_states.get(staff_id)
            if state is not None and state.flow == STAFF_FLOW:
                return await self._ask(uow, STAFF_FLOW, Step(state.step), Draft.of(state.data))
            await uow.chat_states.put(ChatState(staff_id, STAFF_FLOW, Step.NAME.value, {}, now))
        return Result(Outcome.ASK, STAFF_FLOW, Step.NAME, Draft())

    async def cancel(self, user_id: int) -> Result:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow not in FLOWS:
                return Result(Outcome.NOT_EXPECTED)
            await uow.chat_states.clear(user_id)
            await self._audit_cancel(uow, user_id, state)
        return Result(Outcome.CANCELLED, state.flow)

    async def back(self, user_id: int, from_step: str) -> Result:
        """One step back; from the first step, back to the menu (the draft is dropped)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, from_step)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            order = steps_of(state.flow)
            at = order.index(Step(state.step))
            draft = replace(Draft.of(state.data), editing=False)
            if at == 0:
                await uow.chat_states.clear(user_id)
                await self._audit_cancel(uow, user_id, state)
                return Result(Outcome.LEFT, state.flow)
            previous = order[at - 1]
            await self._put(uow, user_id, state.flow, previous, draft, now)
            return await self._ask(uow, state.flow, previous, draft)

    # ----- the steps --------------------------------------------------------------------

    async def choose_kind(self, user_id: int, kind: str) -> Result:
        """An opinion goes on; a complaint or denunciation is redirected and nothing is kept."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.KIND)
            if state is None or kind not in ("opinion", "complaint"):
                return Result(Outcome.NOT_EXPECTED)
            if kind == "complaint":
                await uow.chat_states.clear(user_id)
                return Result(Outcome.COMPLAINT)
            return await self._advance(uow, user_id, state, Draft.of(state.data), now)

    async def choose_session(self, user_id: int, ref: str) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.SESSION)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            draft = Draft.of(state.data)
            if ref == WEEKLY:
                draft = replace(draft, session_id=None, session_chosen=True)
            elif ref.isdigit():
                session = await uow.sessions.get(int(ref))
                if session is None:
                    return Result(Outcome.NOT_EXPECTED)
                if not self._accepts(state.flow, draft, session, now):
                    return await self._deadline_passed(uow, state.flow, session, draft, now)
                draft = replace(draft, session_id=session.id, session_chosen=True)
            else:
                return Result(Outcome.NOT_EXPECTED)
            return await self._advance(uow, user_id, state, draft, now)

    async def choose_field(self, user_id: int, value: str) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.FIELD)
            if state is None or value not in {f.value for f in FieldOfConcern}:
                return Result(Outcome.NOT_EXPECTED)
            draft = replace(Draft.of(state.data), field=FieldOfConcern(value))
            return await self._advance(uow, user_id, state, draft, now)

    async def choose_channel(self, user_id: int, value: str) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CHANNEL)
            if state is None or value not in {c.value for c in STAFF_CHANNELS}:
                return Result(Outcome.NOT_EXPECTED)
            draft = replace(Draft.of(state.data), channel=Channel(value))
            return await self._advance(uow, user_id, state, draft, now)

    async def write(self, user_id: int, text: str) -> Result:
        """Typed text: the name, an address, a phone, the content — whatever the step asks."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow not in FLOWS:
                return Result(Outcome.NOT_EXPECTED)
            step = Step(state.step)
            draft = Draft.of(state.data)
            flow = state.flow
            match step:
                case Step.CONTENT:
                    addition = clean_text(text)
                    if not addition:
                        return Result(Outcome.EMPTY_CONTENT, flow, step, draft)
                    content = f"{draft.content}\n{addition}" if draft.content else addition
                    if len(content) > CONTENT_MAX:
                        return Result(
                            Outcome.TOO_LONG,
                            flow,
                            step,
                            draft,
                            limit=CONTENT_MAX,
                            length=len(content),
                        )
                    draft = replace(draft, content=content)
                    await self._put(uow, user_id, flow, step, draft, now)
                    return self._saved(flow, draft)
                case Step.ADDRESS | Step.PERSON_ADDRESS:
                    address = " ".join(text.split())
                    if not address or len(address) > ADDRESS_MAX:
                        return Result(
                            Outcome.INVALID_ADDRESS,
                            flow,
                            step,
                            draft,
                            limit=ADDRESS_MAX,
                            length=len(address),
                        )
                    if step is Step.ADDRESS:
                        draft = replace(draft, address=address)
                    else:
                        draft = replace(draft, person_address=address)
                case Step.NAME:
                    name = clean_name(text)
                    if name is None:
                        return Result(Outcome.INVALID_NAME, flow, step, draft)
                    draft = replace(draft, name=name)
                case Step.PHONE:
                    phone = normalise_phone(text)
                    if phone is None:
                        return Result(Outcome.INVALID_PHONE, flow, step, draft)
                    draft = replace(draft, phone=phone)
                case _:
                    return Result(Outcome.NOT_EXPECTED, flow, step, draft)
            return await self._advance(uow, user_id, state, draft, now)

    async def attach(self, user_id: int, kind: AttachmentKind, file_id: str) -> Result:
        """A photo, document or voice note at the content step, up to the ward's limit."""
        now = self.s.clock.now()
        limit = self.s.ward.ward.petition_max_attachments
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONTENT)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            draft = Draft.of(state.data)
            if len(draft.attachments) >= limit:
                return Result(Outcome.TOO_MANY_FILES, state.flow, Step.CONTENT, draft, limit=limit)
            draft = replace(draft, attachments=(*draft.attachments, Attachment(kind, file_id)))
            await self._put(uow, user_id, state.flow, Step.CONTENT, draft, now)
            return self._saved(state.flow, draft)

    async def locate(self, user_id: int, latitude: float, longitude: float) -> Result:
        """A location pin gives the place: noted at the content step, answers the address step."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.step not in (Step.CONTENT, Step.ADDRESS):
                return Result(Outcome.NOT_EXPECTED)
            if state.flow not in FLOWS:
                return Result(Outcome.NOT_EXPECTED)
            draft = replace(Draft.of(state.data), latitude=latitude, longitude=longitude)
            if state.step == Step.CONTENT:
                await self._put(uow, user_id, state.flow, Step.CONTENT, draft, now)
                return self._saved(state.flow, draft)
            return await self._advance(uow, user_id, state, draft, now)

    async def proceed(self, user_id: int) -> Result:
        """«Tiếp tục» after the content: there must be some text."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONTENT)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            draft = Draft.of(state.data)
            if not draft.content:
                return Result(Outcome.EMPTY_CONTENT, state.flow, Step.CONTENT, draft)
            return await self._advance(uow, user_id, state, draft, now)

    async def skip(self, user_id: int, step: str) -> Result:
        """No phone (on behalf), or no particular address (the petition is general)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, step)
            if state is None or state.step not in (Step.PHONE, Step.ADDRESS):
                return Result(Outcome.NOT_EXPECTED)
            draft = Draft.of(state.data)
            if state.step == Step.PHONE:
                draft = replace(draft, phone=None)
            else:
                draft = replace(draft, address=None)
            return await self._advance(uow, user_id, state, draft, now)

    async def edit(self, user_id: int, step: str) -> Result:
        """From the summary, change one answer and come back to the summary."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONFIRM)
            if state is None or step not in {s.value for s in EDITABLE}:
                return Result(Outcome.NOT_EXPECTED)
            draft = replace(Draft.of(state.data), editing=True)
            if step == Step.CONTENT:
                draft = replace(draft, content="", attachments=())
            await self._put(uow, user_id, state.flow, Step(step), draft, now)
            return await self._ask(uow, state.flow, Step(step), draft)

    async def toggle_named(self, user_id: int) -> Result:
        """Whether the resident agrees to be named in what is published (default: not)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONFIRM)
            if state is None:
                return Result(Outcome.NOT_EXPECTED)
            old = Draft.of(state.data)
            draft = replace(old, named_publicly=not old.named_publicly)
            await self._put(uow, user_id, state.flow, Step.CONFIRM, draft, now)
            return await self._ask(uow, state.flow, Step.CONFIRM, draft)

    async def current(self, user_id: int) -> Result:
        """Show again the step the person is at (after a restart or a stray message)."""
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow not in FLOWS:
                return Result(Outcome.NOT_EXPECTED)
            return await self._ask(uow, state.flow, Step(state.step), Draft.of(state.data))

    # ----- filing -------------------------------------------------------------------------

    async def submit(self, user_id: int) -> Result:
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
                channel=draft.channel if behalf and draft.channel else Channel.TELEGRAM,
                created_at=now,
                author_id=None if behalf else user_id,
                on_behalf=behalf,
                session_id=draft.session_id,
                concerns_address=draft.address,
                latitude=draft.latitude,
                longitude=draft.longitude,
                attachments=draft.attachments,
                named_publicly=draft.named_publicly if behalf is None else False,
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

    # ----- "Ý kiến của tôi" ----------------------------------------------------------------

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

    # ----- internals ----------------------------------------------------------------------

    def _start_of_day(self, now: datetime) -> datetime:
        local = now.astimezone(self.s.ward.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

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

    async def _advance(
        self, uow: UnitOfWork, user_id: int, state: ChatState, draft: Draft, now: datetime
    ) -> Result:
        order = steps_of(state.flow)
        if draft.editing:
            following = Step.CONFIRM
        else:
            following = order[order.index(Step(state.step)) + 1]
        if following is Step.CONFIRM:
            draft = replace(draft, editing=False)
        await self._put(uow, user_id, state.flow, following, draft, now)
        return await self._ask(uow, state.flow, following, draft)

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

    def _saved(self, flow: str, draft: Draft) -> Result:
        return Result(
            Outcome.CONTENT_SAVED,
            flow,
            Step.CONTENT,
            draft,
            limit=self.s.ward.ward.petition_max_attachments,
            length=len(draft.content),
        )

    async def _audit_cancel(self, uow: UnitOfWork, user_id: int, state: ChatState) -> None:
        await audit(
            uow,
            self.s,
            actor_id=user_id,
            action="conversation.cancelled",
            subject_type="chat_state",
            subject_id=user_id,
            flow=state.flow,
        )


async def run_digest(services: Services) -> DigestReport | None:
    """One summary per secretary for the petitions not yet announced, at most once per
    window and after a short gathering delay, so a burst of petitions is one message."""
    now = services.clock.now()
    async with services.store.transaction() as uow:
        pending = tuple(await uow.petitions.undigested())
        if not pending:
            return None
        last = await uow.petitions.last_digest_at()
        if last is not None and now - last < DIGEST_WINDOW:
            return None
        if now - pending[0].created_at < DIGEST_GATHER:
            return None
        digest_id = await uow.petitions.add_digest(now, len(pending))
        secretaries = [
            m.telegram_id for m in await uow.staff.list_active() if m.role is Role.SECRETARY
        ]
        items = [
            {"code": p.code, "field": p.field.label, "on_behalf": p.on_behalf is not None}
            for p in pending
        ]
        for chat_id in secretaries:
            await enqueue(
                uow,
                now=now,
                event=DIGEST_EVENT,
                chat_id=chat_id,
                key=f"{DIGEST_EVENT}:{digest_id}:{chat_id}",
                context={
                    "digest_count": len(pending),
                    "digest_items": items[:DIGEST_CODES_SHOWN],
                    "digest_more": max(0, len(items) - DIGEST_CODES_SHOWN),
                },
                keyboard=inline_keyboard([[(label("staff_menu.inbox"), "st:inbox")]]),
            )
        await uow.petitions.mark_digested([p.id for p in pending if p.id is not None], now)
        await audit(
            uow,
            services,
            actor_id=None,
            action="petition.digest_sent",
            subject_type="petition_digest",
            subject_id=digest_id,
            petitions=len(pending),
            recipients=secretaries,
        )
    return DigestReport(digest_id, pending, tuple(secretaries))

"""The guided draft, step by step: a resident's opinion, or a secretary filing on someone's
behalf (letters, e-mail, in person, at the session); back, edit, skip, cancel."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.petitions import (
    ADDRESS_MAX,
    CHAT_CHANNELS,
    CONTENT_MAX,
    Attachment,
    AttachmentKind,
    Channel,
    FieldOfConcern,
    clean_text,
)
from bot.domain.ports import UnitOfWork
from bot.usecases.common import audit
from bot.usecases.onboarding import clean_name, normalise_phone
from bot.usecases.petitions._shared import (
    FLOW,
    FLOWS,
    STAFF_FLOW,
    Draft,
    Outcome,
    PetitionsBase,
    Result,
    Step,
)

WEEKLY = "w"

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
STAFF_CHANNELS = tuple(c for c in Channel if c not in CHAT_CHANNELS)


def steps_of(flow: str) -> tuple[Step, ...]:
    return STAFF_STEPS if flow == STAFF_FLOW else RESIDENT_STEPS


def step_number(flow: str, step: Step) -> tuple[int, int]:
    """(n, of) as the person sees it: the content and address are one step, "Bước 4/5"."""
    shown = [s for s in steps_of(flow) if s is not Step.ADDRESS]
    at = Step.CONTENT if step is Step.ADDRESS else step
    return shown.index(at) + 1, len(shown)


class IntakeMixin(PetitionsBase):
    """Begin or resume a draft, answer each step, attach, locate, edit; leave the flow."""

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

    async def toggle_public(self, user_id: int) -> Result:
        """«Công khai nội dung?»: whether the text itself may appear on the ward's public pages
        (default: not; the code, field, status and answer are public either way)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await self._state(uow, user_id, Step.CONFIRM)
            if state is None or state.flow != FLOW:
                return Result(Outcome.NOT_EXPECTED)
            old = Draft.of(state.data)
            draft = replace(old, content_public=not old.content_public)
            await self._put(uow, user_id, state.flow, Step.CONFIRM, draft, now)
            return await self._ask(uow, state.flow, Step.CONFIRM, draft)

    async def current(self, user_id: int) -> Result:
        """Show again the step the person is at (after a restart or a stray message)."""
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow not in FLOWS:
                return Result(Outcome.NOT_EXPECTED)
            return await self._ask(uow, state.flow, Step(state.step), Draft.of(state.data))

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

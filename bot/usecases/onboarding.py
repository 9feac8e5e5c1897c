"""Resident onboarding: greeting, personal-data consent, name, residential group, phone.

Each step is saved in ``chat_states`` so a resident who stops half-way, or a bot restart, resumes
at the same step. A deep-link payload rides along in the state until onboarding is done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.deeplink import DeepLink, parse_deep_link
from bot.domain.people import ChatState, Consent, Resident, StaffRecord
from bot.domain.ports import UnitOfWork
from bot.usecases.common import Services, audit

FLOW = "onboarding"
NAME_MAX = 80
_SPACES = re.compile(r"\s+")
_PHONE = re.compile(r"^(?:\+?84|0)(\d{9,10})$")


class Step(StrEnum):
    CONSENT = "consent"
    NAME = "name"
    GROUP = "group"
    PHONE = "phone"


class Outcome(StrEnum):
    ASK_CONSENT = "ask_consent"
    ASK_NAME = "ask_name"
    ASK_GROUP = "ask_group"
    ASK_PHONE = "ask_phone"
    REFUSED = "refused"
    READY = "ready"
    INVALID_NAME = "invalid_name"
    UNKNOWN_GROUP = "unknown_group"
    INVALID_PHONE = "invalid_phone"
    NOT_OWN_CONTACT = "not_own_contact"
    NOT_EXPECTED = "not_expected"


_ASK = {
    Step.CONSENT: Outcome.ASK_CONSENT,
    Step.NAME: Outcome.ASK_NAME,
    Step.GROUP: Outcome.ASK_GROUP,
    Step.PHONE: Outcome.ASK_PHONE,
}


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    resident: Resident | None = None
    staff: StaffRecord | None = None
    suggested_name: str | None = None
    link: DeepLink | None = None
    first_time: bool = False


def clean_name(text: str) -> str | None:
    name = _SPACES.sub(" ", text).strip()
    if not (2 <= len(name) <= NAME_MAX) or name.startswith("/"):
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name


def normalise_phone(text: str) -> str | None:
    """Vietnamese numbers in the national form 0xxxxxxxxx; None if it is not one."""
    digits = re.sub(r"[\s.()-]", "", text)
    match = _PHONE.match(digits)
    return None if match is None else "0" + match[1]


class Onboarding:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def start(self, user_id: int, telegram_name: str, payload: str | None) -> Result:
        """/start: greet, and either resume onboarding or go on to the deep link / menu."""
        link = parse_deep_link(payload)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            staff = await uow.staff.get(user_id)
            resident = await uow.residents.get(user_id)
            first_time = resident is None
            if resident is None:
                resident = Resident(person_id=user_id, created_at=now, updated_at=now)
                await uow.residents.save(resident)
                await audit(
                    uow,
                    self.s,
                    actor_id=user_id,
                    action="resident.started",
                    subject_type="resident",
                    subject_id=user_id,
                )
            elif not resident.reachable:
                resident.reachable = True
                resident.updated_at = now
                await uow.residents.save(resident)
                await audit(
                    uow,
                    self.s,
                    actor_id=user_id,
                    action="resident.reachable_again",
                    subject_type="resident",
                    subject_id=user_id,
                )
            if resident.is_onboarded or staff is not None:
                await self._drop_onboarding_state(uow, user_id)
                return Result(Outcome.READY, resident, staff, link=link, first_time=first_time)
            state = await uow.chat_states.get(user_id)
            step = Step.CONSENT
            data: dict[str, object] = {"telegram_name": clean_name(telegram_name) or ""}
            if state is not None and state.flow == FLOW:
                step = Step(state.step)
                data = dict(state.data)
            if link is not None:
                data["payload"] = link.payload
            if resident.consent is not Consent.GIVEN:
                step = Step.CONSENT
            await uow.chat_states.put(ChatState(user_id, FLOW, step, data, now))
        stored_link = parse_deep_link(str(data.get("payload") or "")) if data else None
        return Result(
            _ASK[step],
            resident,
            suggested_name=str(data.get("telegram_name") or "") or None,
            link=stored_link,
            first_time=first_time,
        )

    async def answer_consent(self, user_id: int, accepted: bool) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            state = await uow.chat_states.get(user_id)
            if resident is None or resident.is_onboarded:
                return Result(Outcome.NOT_EXPECTED, resident)
            if state is None or state.flow != FLOW:
                state = ChatState(user_id, FLOW, Step.CONSENT, {}, now)
            if not accepted:
                resident.consent = Consent.REFUSED
                resident.consent_at = now
                resident.updated_at = now
                await uow.residents.save(resident)
                await uow.chat_states.clear(user_id)
                await audit(
                    uow,
                    self.s,
                    actor_id=user_id,
                    action="resident.consent_refused",
                    subject_type="resident",
                    subject_id=user_id,
                )
                return Result(Outcome.REFUSED, resident)
            resident.consent = Consent.GIVEN
            resident.consent_at = now
            resident.deleted_at = None
            resident.updated_at = now
            await uow.residents.save(resident)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="resident.consent_given",
                subject_type="resident",
                subject_id=user_id,
            )
            state.step = Step.NAME
            state.updated_at = now
            await uow.chat_states.put(state)
        suggested = str(state.data.get("telegram_name") or "") or None
        return Result(Outcome.ASK_NAME, resident, suggested_name=suggested)

    async def use_telegram_name(self, user_id: int) -> Result:
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
        suggested = state.data.get("telegram_name") if state and state.flow == FLOW else None
        if not suggested:
            return Result(Outcome.NOT_EXPECTED)
        return await self.set_name(user_id, str(suggested))

    async def set_name(self, user_id: int, text: str) -> Result:
        name = clean_name(text)
        if name is None:
            return Result(Outcome.INVALID_NAME)
        return await self._advance(user_id, Step.NAME, Step.GROUP, full_name=name)

    async def set_group(self, user_id: int, group_code: str | None) -> Result:
        if group_code is not None and self.s.ward.group(group_code) is None:
            return Result(Outcome.UNKNOWN_GROUP)
        return await self._advance(user_id, Step.GROUP, Step.PHONE, group_code=group_code)

    async def set_phone(
        self, user_id: int, phone: str | None, *, own_contact: bool = True
    ) -> Result:
        """Phone from the contact-sharing button (must be the user's own) or typed; None skips."""
        if not own_contact:
            return Result(Outcome.NOT_OWN_CONTACT)
        normalised = None
        if phone is not None:
            normalised = normalise_phone(phone)
            if normalised is None:
                return Result(Outcome.INVALID_PHONE)
        return await self._advance(user_id, Step.PHONE, None, phone=normalised)

    async def _advance(
        self, user_id: int, expected: Step, following: Step | None, **fields: str | None
    ) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            state = await uow.chat_states.get(user_id)
            if (
                resident is None
                or resident.consent is not Consent.GIVEN
                or state is None
                or state.flow != FLOW
                or state.step != expected
            ):
                return Result(Outcome.NOT_EXPECTED, resident)
            for key, value in fields.items():
                setattr(resident, key, value)
            resident.updated_at = now
            if following is None:
                resident.onboarded_at = now
                await uow.chat_states.clear(user_id)
            else:
                state.step = following
                state.updated_at = now
                await uow.chat_states.put(state)
            await uow.residents.save(resident)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action=f"resident.{expected}_set",
                subject_type="resident",
                subject_id=user_id,
                fields=sorted(fields),
            )
            if following is None:
                await audit(
                    uow,
                    self.s,
                    actor_id=user_id,
                    action="resident.onboarded",
                    subject_type="resident",
                    subject_id=user_id,
                )
        if following is None:
            return Result(
                Outcome.READY, resident, link=parse_deep_link(str(state.data.get("payload") or ""))
            )
        return Result(_ASK[following], resident)

    async def _drop_onboarding_state(self, uow: UnitOfWork, user_id: int) -> None:
        state = await uow.chat_states.get(user_id)
        if state is not None and state.flow == FLOW:
            await uow.chat_states.clear(user_id)

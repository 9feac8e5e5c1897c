"""The resident's own profile (/hoso) and the deletion of their personal data (/xoadulieu).

Social groups (nhóm xã hội, seed 004 II.2.2) are picked on one message of toggles: the choice
lives in the chat state until "Xong", so the resident record changes once, with one audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.people import ChatState, Consent, Resident
from bot.domain.ports import UnitOfWork
from bot.domain.sessions import SocialGroup
from bot.usecases.common import Services, audit
from bot.usecases.onboarding import clean_name, normalise_phone

FLOW = "profile"


class Field(StrEnum):
    NAME = "name"
    GROUP = "group"
    PHONE = "phone"
    SOCIAL_GROUPS = "social_groups"


class Outcome(StrEnum):
    SHOWN = "shown"
    NOT_REGISTERED = "not_registered"
    ASK_NAME = "ask_name"
    ASK_GROUP = "ask_group"
    ASK_PHONE = "ask_phone"
    ASK_SOCIAL_GROUPS = "ask_social_groups"
    SOCIAL_TOGGLED = "social_toggled"
    UPDATED = "updated"
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_GROUP = "unknown_group"
    NOT_OWN_CONTACT = "not_own_contact"
    NOT_EXPECTED = "not_expected"
    CONFIRM_DELETE = "confirm_delete"
    DELETED = "deleted"
    NOTHING_TO_DELETE = "nothing_to_delete"


_ASK = {
    Field.NAME: Outcome.ASK_NAME,
    Field.GROUP: Outcome.ASK_GROUP,
    Field.PHONE: Outcome.ASK_PHONE,
    Field.SOCIAL_GROUPS: Outcome.ASK_SOCIAL_GROUPS,
}


def social_order(codes: object) -> tuple[str, ...]:
    """Known social-group codes in the order of ``SocialGroup``; anything else is dropped."""
    chosen = set(codes) if isinstance(codes, list | tuple | set | frozenset) else set()
    return tuple(g.value for g in SocialGroup if g.value in chosen)


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    resident: Resident | None = None
    field: Field | None = None
    chosen: tuple[str, ...] = ()
    """The social groups ticked so far (ASK_SOCIAL_GROUPS, SOCIAL_TOGGLED)."""


class Profile:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def show(self, user_id: int) -> Result:
        async with self.s.store.read() as uow:
            resident = await uow.residents.get(user_id)
        if resident is None or not resident.is_onboarded:
            return Result(Outcome.NOT_REGISTERED, resident)
        return Result(Outcome.SHOWN, resident)

    async def begin_edit(self, user_id: int, field: Field) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED, resident)
            data = {"chosen": list(resident.social_groups)} if field is Field.SOCIAL_GROUPS else {}
            await uow.chat_states.put(ChatState(user_id, FLOW, field.value, data, now))
        return Result(_ASK[field], resident, field, social_order(resident.social_groups))

    async def editing(self, user_id: int) -> Field | None:
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
        if state is None or state.flow != FLOW:
            return None
        return Field(state.step)

    async def set_name(self, user_id: int, text: str) -> Result:
        name = clean_name(text)
        if name is None:
            return Result(Outcome.INVALID_NAME, field=Field.NAME)
        return await self._update(user_id, Field.NAME, full_name=name)

    async def set_group(self, user_id: int, group_code: str | None) -> Result:
        if group_code is not None and self.s.ward.group(group_code) is None:
            return Result(Outcome.UNKNOWN_GROUP, field=Field.GROUP)
        return await self._update(user_id, Field.GROUP, group_code=group_code)

    async def set_phone(
        self, user_id: int, phone: str | None, *, own_contact: bool = True
    ) -> Result:
        if not own_contact:
            return Result(Outcome.NOT_OWN_CONTACT, field=Field.PHONE)
        normalised = None
        if phone is not None:
            normalised = normalise_phone(phone)
            if normalised is None:
                return Result(Outcome.INVALID_PHONE, field=Field.PHONE)
        return await self._update(user_id, Field.PHONE, phone=normalised)

    async def toggle_social_group(self, user_id: int, code: str) -> Result:
        """Tick or untick one group on the open picker; nothing is saved on the resident yet."""
        if code not in SocialGroup.__members__.values():
            return Result(Outcome.NOT_EXPECTED)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            state = await uow.chat_states.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED, resident)
            if not _picking(state):
                return Result(Outcome.NOT_EXPECTED, resident)
            assert state is not None
            chosen = set(social_order(state.data.get("chosen")))
            chosen ^= {code}
            state.data["chosen"] = list(social_order(chosen))
            state.updated_at = now
            await uow.chat_states.put(state)
        return Result(Outcome.SOCIAL_TOGGLED, resident, Field.SOCIAL_GROUPS, social_order(chosen))

    async def save_social_groups(self, user_id: int) -> Result:
        """The "Xong" button: keep the ticked groups (none at all is a valid answer)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            state = await uow.chat_states.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED, resident)
            if not _picking(state):
                return Result(Outcome.NOT_EXPECTED, resident)
            assert state is not None
            resident.social_groups = social_order(state.data.get("chosen"))
            await self._save(uow, resident, Field.SOCIAL_GROUPS, now)
        return Result(Outcome.UPDATED, resident, Field.SOCIAL_GROUPS, resident.social_groups)

    async def _update(self, user_id: int, field: Field, **values: str | None) -> Result:
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            state = await uow.chat_states.get(user_id)
            if resident is None or not resident.is_onboarded:
                return Result(Outcome.NOT_REGISTERED, resident)
            if field is not Field.GROUP and (
                state is None or state.flow != FLOW or state.step != field.value
            ):
                return Result(Outcome.NOT_EXPECTED, resident)
            for key, value in values.items():
                setattr(resident, key, value)
            await self._save(uow, resident, field, now)
        return Result(Outcome.UPDATED, resident, field)

    async def _save(self, uow: UnitOfWork, resident: Resident, field: Field, now: datetime) -> None:
        """Store the edited profile, end the edit, and audit which field changed (not its value:
        the log outlives /xoadulieu)."""
        resident.updated_at = now
        await uow.residents.save(resident)
        await uow.chat_states.clear(resident.person_id)
        await audit(
            uow,
            self.s,
            actor_id=resident.person_id,
            action="resident.profile_updated",
            subject_type="resident",
            subject_id=resident.person_id,
            field=field.value,
        )

    async def ask_delete(self, user_id: int) -> Result:
        async with self.s.store.read() as uow:
            resident = await uow.residents.get(user_id)
        if resident is None or not _has_personal_data(resident):
            return Result(Outcome.NOTHING_TO_DELETE, resident)
        return Result(Outcome.CONFIRM_DELETE, resident)

    async def delete_personal_data(self, user_id: int) -> Result:
        """Anonymise: keep the row (so records that cite it stay whole), drop what identifies."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            resident = await uow.residents.get(user_id)
            if resident is None or not _has_personal_data(resident):
                return Result(Outcome.NOTHING_TO_DELETE, resident)
            resident.full_name = None
            resident.phone = None
            resident.group_code = None
            resident.social_groups = ()
            resident.consent = Consent.PENDING
            resident.consent_at = None
            resident.onboarded_at = None
            resident.deleted_at = now
            resident.updated_at = now
            await uow.residents.save(resident)
            await uow.chat_states.clear(user_id)
            await audit(
                uow,
                self.s,
                actor_id=user_id,
                action="resident.data_deleted",
                subject_type="resident",
                subject_id=user_id,
            )
        return Result(Outcome.DELETED, resident)


def _has_personal_data(resident: Resident) -> bool:
    return resident.consent is Consent.GIVEN or any(
        (resident.full_name, resident.phone, resident.group_code, resident.social_groups)
    )


def _picking(state: ChatState | None) -> bool:
    return state is not None and state.flow == FLOW and state.step == Field.SOCIAL_GROUPS.value

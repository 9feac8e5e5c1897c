"""Gathering a dossier from the database (its session, registrations, petitions, minutes and
conclusion notice), the minutes the secretary types, and writing the files to a folder."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.petitions import clean_text
from bot.domain.reporting import Minutes, PetitionFilter
from bot.usecases.common import Services, audit
from bot.usecases.dossier._shared import DossierData, DossierFile
from bot.usecases.dossier.writer import DossierWriter

FLOW = "dossier_minutes"
MINUTES_MAX = 20000


class DossierOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class DossierResult:
    outcome: DossierOutcome
    folder: str = ""
    files: tuple[DossierFile, ...] = ()
    session_title: str = ""


def slug(text: str, limit: int = 40) -> str:
    """ASCII folder name: "Đối thoại quý I" → "doi-thoai-quy-i"."""
    flat = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in flat if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "hoi-nghi"


def write_dossier(result: DossierResult, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<id>-<slug>/01-truoc|02-trong|03-sau/…``; returns the paths written."""
    written = []
    for item in result.files:
        target = out_dir / result.folder / item.folder / item.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data)
        written.append(target)
    return written


class Dossiers:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def _role_allows(self, actor_id: int | None, action: Action) -> bool:
        if actor_id is None:  # the CLI: whoever runs it already holds the database
            return True
        async with self.s.store.read() as uow:
            member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, action)

    async def build(self, session_id: int, *, actor_id: int | None) -> DossierResult:
        if not await self._role_allows(actor_id, Action.VIEW_REPORTS):
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        async with self.s.store.read() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            data = DossierData(
                session=session,
                registrations=await uow.sessions.registrations(session_id),
                rows=list(await uow.reports.petition_rows(PetitionFilter(session_id=session_id))),
                minutes=await uow.reports.minutes(session_id),
                notice=await uow.conclusions.get(session_id),
                made_at=self.s.clock.now(),
            )
        files = await asyncio.to_thread(DossierWriter(self.s, data).files)
        if actor_id is not None:
            async with self.s.store.transaction() as uow:
                await audit(
                    uow,
                    self.s,
                    actor_id=actor_id,
                    action="dossier.exported",
                    subject_type="session",
                    subject_id=session_id,
                    files=len(files),
                )
        return DossierResult(
            DossierOutcome.DONE, f"{session.id}-{slug(session.title)}", tuple(files), session.title
        )

    async def begin_minutes(self, actor_id: int, session_id: int) -> DossierResult:
        """Ask the secretary to type the minutes (biên bản) of the session."""
        if not await self._role_allows(actor_id, Action.MANAGE_SESSIONS):
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            await uow.chat_states.put(
                ChatState(actor_id, FLOW, "text", {"session_id": session_id}, self.s.clock.now())
            )
        return DossierResult(DossierOutcome.DONE, session_title=session.title)

    async def minutes_text(self, actor_id: int, session_id: int) -> str | None:
        """The minutes typed so far (shown on the session's page to be edited)."""
        if not await self._role_allows(actor_id, Action.MANAGE_SESSIONS):
            return None
        async with self.s.store.read() as uow:
            found = await uow.reports.minutes(session_id)
        return found.text if found else None

    async def save_minutes(self, actor_id: int, session_id: int, text: str) -> DossierResult:
        cleaned = clean_text(text)
        if not cleaned:
            return DossierResult(DossierOutcome.EMPTY)
        if len(cleaned) > MINUTES_MAX:
            return DossierResult(DossierOutcome.TOO_LONG)
        if not await self._role_allows(actor_id, Action.MANAGE_SESSIONS):
            async with self.s.store.transaction() as uow:
                await uow.chat_states.clear(actor_id)
            return DossierResult(DossierOutcome.NOT_ALLOWED)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            session = await uow.sessions.get(session_id)
            await uow.chat_states.clear(actor_id)
            if session is None:
                return DossierResult(DossierOutcome.NOT_FOUND)
            replaced = await uow.reports.minutes(session_id) is not None
            await uow.reports.save_minutes(Minutes(session_id, cleaned, now, actor_id))
            await audit(
                uow,
                self.s,
                actor_id=actor_id,
                action="session.minutes_saved",
                subject_type="session",
                subject_id=session_id,
                chars=len(cleaned),
                replaced=replaced,
            )
        return DossierResult(DossierOutcome.DONE, session_title=session.title)

    async def cancel_minutes(self, actor_id: int) -> None:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(actor_id)
            if state is not None and state.flow == FLOW:
                await uow.chat_states.clear(actor_id)

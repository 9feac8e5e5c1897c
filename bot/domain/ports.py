"""Repository protocols the core depends on; storage adapters implement them.

A contract test suite (tests/test_storage_contract.py) is written against these, so another
adapter (PostgreSQL for a city-wide deployment) can be checked with the same tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.domain.channels import InboxRepository, TokenRepository
from bot.domain.deadlines import ConclusionRepository, DeadlineRepository, SurveyRepository
from bot.domain.files import FileRepository
from bot.domain.linking import LinkRepository
from bot.domain.people import Account, AuditEntry, ChatState, Resident, StaffRecord
from bot.domain.petitions import PetitionRepository
from bot.domain.public import PublicRepository
from bot.domain.reporting import ReportRepository
from bot.domain.sessions import SessionRepository
from bot.domain.web_sessions import WebSessionRepository
from bot.domain.workflow import WorkflowRepository
from bot.outbox.queue import BroadcastRepository, OutboxRepository


class ResidentRepository(Protocol):
    async def get(self, person_id: int) -> Resident | None: ...

    async def save(self, resident: Resident) -> None:
        """Insert or replace the whole record."""
        ...

    async def count(self) -> int: ...

    async def in_social_group(self, code: str) -> list[int]:
        """Onboarded residents (ids, ascending) who declared the social group ``code``."""
        ...


class StaffRepository(Protocol):
    async def get(self, person_id: int) -> StaffRecord | None: ...

    async def list_active(self) -> Sequence[StaffRecord]: ...

    async def save(self, member: StaffRecord) -> None: ...


class AccountRepository(Protocol):
    """Persons and their channel accounts."""

    async def get(self, channel: str, external_id: str) -> Account | None: ...

    async def of_person(self, person_id: int) -> Sequence[Account]:
        """Reachable first, then the one the person wrote from last."""
        ...

    async def new_person(self, now: datetime, *, wanted_id: int | None = None) -> int:
        """A new person id: ``wanted_id`` when it is free, else the next one."""
        ...

    async def link(self, account: Account) -> None:
        """Insert the account, or point it at ``account.person_id``."""
        ...

    async def touch(self, channel: str, external_id: str, now: datetime) -> None:
        """The person wrote from this account: it is reachable and the latest inbound."""
        ...

    async def set_reachable(self, channel: str, external_id: str, reachable: bool) -> None: ...

    async def on_channel(self, channel: str, person_ids: Sequence[int]) -> dict[int, str]:
        """The external id on ``channel`` of each person that has one."""
        ...


class ChatStateRepository(Protocol):
    async def get(self, user_id: int) -> ChatState | None: ...

    async def put(self, state: ChatState) -> None: ...

    async def clear(self, user_id: int) -> None: ...


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> int: ...

    async def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]: ...


class UnitOfWork(Protocol):
    """The repositories bound to one transaction (or one consistent read)."""

    @property
    def residents(self) -> ResidentRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def chat_states(self) -> ChatStateRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def links(self) -> LinkRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def files(self) -> FileRepository: ...

    @property
    def broadcasts(self) -> BroadcastRepository: ...

    @property
    def petitions(self) -> PetitionRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def workflow(self) -> WorkflowRepository: ...

    @property
    def deadlines(self) -> DeadlineRepository: ...

    @property
    def conclusions(self) -> ConclusionRepository: ...

    @property
    def surveys(self) -> SurveyRepository: ...

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def web_sessions(self) -> WebSessionRepository: ...

    @property
    def public(self) -> PublicRepository: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A write transaction: committed on normal exit, rolled back on an exception."""
        ...

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """Read-only access that never sees another transaction's uncommitted writes."""
        ...

    async def schema_version(self) -> int:
        """The number of the last migration applied (the same number means the same schema on
        every engine)."""
        ...

    async def close(self) -> None: ...

"""The assignment workflow (giao xử lý ý kiến): outcomes, units, extensions, transfers, groups.

After intake a secretary gives each petition one outcome (004 IV.1(3)): answered at the session,
assigned to a unit with a due date in working days, answered directly, reported to the higher
level (cấp trên), or out of scope. Plain dataclasses and pure rules: no Telegram, no SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.petitions import FieldOfConcern, Petition, Status

ANSWER_MAX = 3500
REASON_MAX = 1000
SIMILAR_THRESHOLD = 70
SIMILAR_LIMIT = 5
SIMILAR_POOL = 2000
INBOX_PAGE = 5
UNIT_PAGE = 10

# Statuses a secretary still has to act on (hộp ý kiến mới).
INBOX_STATUSES = (Status.RECEIVED, Status.CLASSIFIED, Status.TRANSFERRED, Status.REOPENED)
# Statuses in which a unit holds the item (việc của đơn vị).
UNIT_STATUSES = (Status.ASSIGNED, Status.REOPENED)
# Statuses after which the resident can say whether the result satisfies them.
RATEABLE_STATUSES = (Status.ANSWERED,)


class Outcome(StrEnum):
    """Hướng xử lý: the groups of the conclusion notice (004 IV.1(3)) plus the two direct ones."""

    ANSWERED_AT_SESSION = "answered_at_session"
    ASSIGNED = "assigned"
    ANSWERED_DIRECTLY = "answered_directly"
    FORWARDED_HIGHER = "forwarded_higher"
    OUT_OF_SCOPE = "out_of_scope"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(slots=True)
class Handling:
    """What the ward decided and did about one petition (one row per petition)."""

    petition_id: int
    updated_at: datetime
    outcome: Outcome | None = None
    unit_code: str | None = None
    due_on: date | None = None
    accepted_at: datetime | None = None
    answer_text: str | None = None
    answer_file_kind: str | None = None
    answer_file_id: str | None = None
    answered_at: datetime | None = None
    answered_by: int | None = None
    answered_on_time: bool | None = None
    forward_note: str | None = None
    reason: str | None = None
    group_id: int | None = None
    reopen_count: int = 0
    satisfied: bool | None = None


@dataclass(slots=True)
class ExtensionRequest:
    """Đề nghị gia hạn: a unit asks to move its due date, with a reason."""

    petition_id: int
    unit_code: str
    requested_by: int
    reason: str
    current_due: date
    proposed_due: date
    created_at: datetime
    status: ExtensionStatus = ExtensionStatus.PENDING
    decided_by: int | None = None
    decided_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """A petition with its handling, as lists show it."""

    petition: Petition
    handling: Handling | None

    @property
    def due_on(self) -> date | None:
        return self.handling.due_on if self.handling else None


@dataclass(frozen=True, slots=True)
class ConclusionItem:
    """One petition of a session as the conclusion notice (thông báo kết luận) groups it."""

    petition_id: int
    code: str
    field: FieldOfConcern
    outcome: Outcome | None
    unit_code: str | None
    due_on: date | None
    answer_text: str | None
    forward_note: str | None
    author_id: int | None


@dataclass(frozen=True, slots=True)
class UnitRate:
    """Tỷ lệ đúng hạn of one unit: answers given by their due date among all answers."""

    unit_code: str
    answered: int
    on_time: int
    open: int
    overdue: int

    @property
    def percent(self) -> int | None:
        return None if self.answered == 0 else round(100 * self.on_time / self.answered)


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """Secretary inbox filter; ``status`` None means every status still needing action."""

    status: Status | None = None
    field: FieldOfConcern | None = None
    session_id: int | None = None
    weekly: bool = False
    page: int = 0
    search: str | None = None
    """A tracking code (exact, any case) or words of the content (the web inbox's search)."""

    def encode(self, page: int | None = None) -> str:
        """Compact form for callback data (≤ 64 bytes with its prefix)."""
        session = "w" if self.weekly else (str(self.session_id) if self.session_id else "-")
        return ":".join(
            (
                self.status.value if self.status else "-",
                self.field.value if self.field else "-",
                session,
                str(self.page if page is None else page),
            )
        )

    @classmethod
    def decode(cls, text: str) -> InboxFilter | None:
        parts = text.split(":")
        if len(parts) != 4:
            return None
        status, field, session, page = parts
        try:
            return cls(
                status=Status(status) if status != "-" else None,
                field=FieldOfConcern(field) if field != "-" else None,
                session_id=int(session) if session not in ("-", "w") else None,
                weekly=session == "w",
                page=max(0, int(page)),
            )
        except ValueError:
            return None


def is_overdue(due_on: date | None, today: date) -> bool:
    return due_on is not None and due_on < today


def unit_sort_key(item: Item, today: date) -> tuple[int, date, int]:
    """Overdue first, then by due date, then oldest petition first."""
    due = item.due_on or date.max
    return (0 if is_overdue(item.due_on, today) else 1, due, item.petition.id or 0)


class WorkflowRepository(Protocol):
    async def handling(self, petition_id: int) -> Handling | None: ...

    async def save_handling(self, handling: Handling) -> None:
        """Insert or replace the row of ``handling.petition_id``."""
        ...

    async def set_status(self, petition_id: int, status: Status) -> None: ...

    async def set_field(self, petition_id: int, field: FieldOfConcern) -> None: ...

    async def inbox(self, flt: InboxFilter, *, offset: int, limit: int) -> Sequence[Item]: ...

    async def count_inbox(self, flt: InboxFilter) -> int: ...

    async def unit_items(self, unit_code: str) -> Sequence[Item]:
        """The unit's open items (assigned or reopened to it)."""
        ...

    async def group_members(self, group_id: int) -> Sequence[Item]: ...

    async def similar_pool(self, exclude_id: int, limit: int) -> Sequence[tuple[int, str, str]]:
        """(id, code, normalised text) of the latest petitions, for the similarity search."""
        ...

    async def add_extension(self, request: ExtensionRequest) -> int: ...

    async def extension(self, request_id: int) -> ExtensionRequest | None: ...

    async def pending_extension(self, petition_id: int) -> ExtensionRequest | None: ...

    async def save_extension(self, request: ExtensionRequest) -> None: ...

    async def overdue(self, today: date, limit: int) -> Sequence[Item]: ...

    async def unit_rates(self, today: date) -> Sequence[UnitRate]: ...

    async def by_session_for_conclusion(self, session_id: int) -> Sequence[ConclusionItem]:
        """The petitions of a session with their outcome, for the conclusion notice (7B)."""
        ...

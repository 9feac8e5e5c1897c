"""What the ward publishes on the web (trang công khai): the filters of the public list and the
figures of the home page. Plain dataclasses: no SQL, no HTTP.

Nothing here carries a person: the list is petitions with their handling, and what a page may
show of them is decided by the public use cases (code, field, status, unit, dates, the public
answer, and the text only when its author agreed to publish it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.domain.deadlines import ConclusionNotice
from bot.domain.petitions import FieldOfConcern, PetitionEvent, Status
from bot.domain.workflow import Item

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class PublicFilter:
    """The list's filters; ``since``/``until`` bound the creation time (a month), None is any."""

    field: FieldOfConcern | None = None
    status: Status | None = None
    unit_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnitCount:
    unit_code: str
    assigned: int = 0
    answered: int = 0
    on_time: int = 0


@dataclass(frozen=True, slots=True)
class PublicFigures:
    """Petitions received in a period, answers given in it (on time or not), verdicts on the
    ones received, and the items overdue today (a state, not a period's count)."""

    received: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0
    satisfied: int = 0
    not_satisfied: int = 0
    by_field: Sequence[tuple[FieldOfConcern, int]] = field(default_factory=tuple)
    by_unit: Sequence[UnitCount] = field(default_factory=tuple)

    @property
    def on_time_percent(self) -> int | None:
        return None if self.answered == 0 else round(100 * self.on_time / self.answered)


class PublicRepository(Protocol):
    async def listing(self, flt: PublicFilter, *, offset: int, limit: int) -> Sequence[Item]:
        """Matching petitions, newest first (the caller asks one more to know of a next page)."""
        ...

    async def item(self, code: str) -> tuple[Item, Sequence[PetitionEvent]] | None:
        """One petition with its handling and its timeline (oldest first), by tracking code:
        one query, since a public page is read by many at once."""
        ...

    async def figures(self, since: datetime, until: datetime, today: date) -> PublicFigures: ...

    async def published_conclusions(self, limit: int) -> Sequence[ConclusionNotice]:
        """The latest published conclusion notices, newest first."""
        ...

"""What a public page may show of a petition, and nothing more: code, field, status, unit,
dates, whether it was answered on time, the answer, and the text and place only when the author
agreed to publish them («Công khai nội dung?»). Never a name, a phone or a person's address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.petitions import EventKind, FieldOfConcern, PetitionEvent, Status
from bot.domain.workflow import Item
from bot.usecases.common import Services

CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)
_ANSWER_SHOWN = (Status.ANSWERED, Status.IN_CONCLUSION, Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True, slots=True)
class PublicEvent:
    """A timeline line: its kind and, for an assignment, the unit and due date."""

    at: datetime
    kind: EventKind
    unit_name: str | None = None
    due_on: date | None = None
    note: str | None = None
    """The free text of the step (a reason, a staff note): only in the author's timeline."""


@dataclass(frozen=True, slots=True)
class PublicPetition:
    code: str
    field: FieldOfConcern
    status: Status
    created_at: datetime
    updated_at: datetime
    unit_code: str | None = None
    unit_name: str | None = None
    due_on: date | None = None
    answered_at: datetime | None = None
    answered_on_time: bool | None = None
    answer: str | None = None
    content: str | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


def public_petition(services: Services, item: Item, *, author: bool = False) -> PublicPetition:
    """The public face of ``item``; ``author`` adds what only its author sees (the text)."""
    petition, handling = item.petition, item.handling
    unit_code = handling.unit_code if handling else None
    unit = services.ward.unit(unit_code) if unit_code else None
    published = author or petition.content_public
    answer = None
    if handling is not None and petition.status in _ANSWER_SHOWN:
        answer = handling.answer_text
    updated = max(petition.created_at, handling.updated_at) if handling else petition.created_at
    return PublicPetition(
        code=petition.code,
        field=petition.field,
        status=petition.status,
        created_at=petition.created_at,
        updated_at=updated,
        unit_code=unit_code,
        unit_name=unit.name if unit else unit_code,
        due_on=handling.due_on if handling else None,
        answered_at=handling.answered_at if handling else None,
        answered_on_time=handling.answered_on_time if handling else None,
        answer=answer,
        content=petition.content if published else None,
        place=petition.concerns_address if published else None,
        latitude=petition.latitude if published else None,
        longitude=petition.longitude if published else None,
    )


def public_events(
    services: Services, events: tuple[PetitionEvent, ...], *, author: bool = False
) -> tuple[PublicEvent, ...]:
    found = []
    for event in events:
        unit_code = event.details.get("unit")
        unit = services.ward.unit(str(unit_code)) if unit_code else None
        due = event.details.get("due")
        note = event.details.get("note") if author else None
        found.append(
            PublicEvent(
                at=event.at,
                kind=event.kind,
                unit_name=(unit.name if unit else str(unit_code)) if unit_code else None,
                due_on=date.fromisoformat(str(due)[:10]) if due else None,
                note=str(note) if note else None,
            )
        )
    return tuple(found)

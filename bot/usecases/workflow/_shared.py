"""What every part of the workflow shares: the outcome types, and the base class whose helpers
read an item and its group, write its timeline and audit entry, keep its deadline in the
registry and queue the personal notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.conversation.replies import Buttons
from bot.conversation.replies import rows as button_rows
from bot.domain.deadlines import DeadlineKind, DeadlineStatus
from bot.domain.people import StaffRecord
from bot.domain.permissions import Action, can, can_act_on
from bot.domain.petitions import EventKind, Petition, PetitionEvent, Status
from bot.domain.ports import UnitOfWork
from bot.domain.ward import Role
from bot.domain.workflow import UNIT_STATUSES, ExtensionRequest, Handling, Item
from bot.outbox.queue import ContentKind, enqueue
from bot.usecases.common import Services, audit
from messages import is_long, label


class Result(StrEnum):
    DONE = "done"
    ASK = "ask"
    PREVIEW = "preview"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    BAD_DATE = "bad_date"
    NOT_EXPECTED = "not_expected"


class TextKind(StrEnum):
    """What a typed text is for; the chat state's step."""

    DIRECT = "direct"
    FORWARD = "forward"
    SCOPE = "scope"
    ANSWER = "answer"
    EXT_REASON = "ext_reason"
    EXT_DATE = "ext_date"
    TRANSFER = "transfer"
    REOPEN = "reopen"


@dataclass(frozen=True, slots=True)
class Similar:
    petition_id: int
    code: str
    score: int


@dataclass(frozen=True, slots=True)
class Change:
    """What a use case did; handlers map ``result`` to a template."""

    result: Result
    item: Item | None = None
    members: tuple[Item, ...] = ()
    due_on: date | None = None
    unit_code: str | None = None
    kind: TextKind | None = None
    text: str | None = None
    file_kind: str | None = None
    proposed_due: date | None = None
    similar: tuple[Similar, ...] = ()
    notified: int = 0
    unreachable: int = 0
    officials: int = 0
    limit: int = 0
    extension: ExtensionRequest | None = None


def _ok() -> Change:
    return Change(Result.DONE)


class WorkflowBase:
    """The services and the helpers every part of :class:`Workflow` builds on."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # ----- helpers --------------------------------------------------------------------------

    @property
    def answer_days(self) -> int:
        ward = self.s.ward.ward
        return ward.answer_working_days or ward.agency_report_working_days

    def today(self) -> date:
        return self.s.clock.now().astimezone(self.s.ward.tz).date()

    def due_from_today(self) -> date:
        return self.s.calendar.add_working_days(self.today(), self.answer_days)

    async def _staff(self, uow: UnitOfWork, user_id: int) -> StaffRecord | None:
        member = await uow.staff.get(user_id)
        return member if member is not None and member.active else None

    async def _allowed(self, uow: UnitOfWork, user_id: int, action: Action) -> StaffRecord | None:
        member = await self._staff(uow, user_id)
        return member if member is not None and can(member.role, action) else None

    async def _item(self, uow: UnitOfWork, petition_id: int) -> Item | None:
        petition = await uow.petitions.get(petition_id)
        if petition is None:
            return None
        return Item(petition, await uow.workflow.handling(petition_id))

    async def _members(
        self, uow: UnitOfWork, item: Item, statuses: tuple[Status, ...]
    ) -> list[Item]:
        """The petition and the members of its group in ``statuses`` (one answer serves all)."""
        group = item.handling.group_id if item.handling else None
        found = [item]
        if group is not None:
            for other in await uow.workflow.group_members(group):
                if other.petition.id != item.petition.id and other.petition.status in statuses:
                    if item.handling and other.handling:
                        if other.handling.unit_code != item.handling.unit_code:
                            continue
                    found.append(other)
        return found

    def _handling(self, item: Item) -> Handling:
        now = self.s.clock.now()
        assert item.petition.id is not None
        if item.handling is None:
            return Handling(petition_id=item.petition.id, updated_at=now)
        return replace(item.handling, updated_at=now)

    async def _event(
        self,
        uow: UnitOfWork,
        petition: Petition,
        kind: EventKind,
        actor: int | None,
        **details: Any,
    ) -> int:
        assert petition.id is not None
        return await uow.petitions.add_event(
            PetitionEvent(petition.id, kind, self.s.clock.now(), actor, details)
        )

    async def _audit(
        self, uow: UnitOfWork, actor: int | None, action: str, petition: Petition, **details: Any
    ) -> None:
        await audit(
            uow,
            self.s,
            actor_id=actor,
            action=action,
            subject_type="petition",
            subject_id=petition.code,
            **details,
        )

    def _unit_name(self, code: str | None) -> str:
        unit = self.s.ward.unit(code or "")
        return unit.name if unit else (code or "")

    async def _tell_resident(
        self,
        uow: UnitOfWork,
        petition: Petition,
        event_id: int,
        step: str,
        rate: bool = False,
        file_kind: str | None = None,
        file_id: str | None = None,
        **extra: Any,
    ) -> bool:
        """The resident's own news (general=False: never muted). False when filed on behalf."""
        if petition.author_id is None:
            return False
        context = {
            "code": petition.code,
            "step_kind": step,
            "unit_name": None,
            "due_on": None,
            "note": None,
            "tz": self.s.ward.ward.timezone,
            "office": self.s.ward.ward.complaints_office,
        }
        context.update(extra)
        keyboard = None
        if rate:
            keyboard = button_rows(
                [
                    [
                        (label("workflow.resident.satisfied"), f"wr:y:{petition.id}"),
                        (label("workflow.resident.unsatisfied"), f"wr:n:{petition.id}"),
                    ]
                ]
            )
        now = self.s.clock.now()
        await enqueue(
            uow,
            now=now,
            event="workflow_resident_update",
            person_id=petition.author_id,
            key=f"workflow:{event_id}:{petition.author_id}",
            context=context,
            buttons=keyboard,
            general=False,
        )
        if file_id and file_kind:
            await enqueue(
                uow,
                now=now,
                event="workflow_resident_file",
                person_id=petition.author_id,
                key=f"workflow:{event_id}:{petition.author_id}:file",
                context={"code": petition.code},
                kind=ContentKind.PHOTO if file_kind == "photo" else ContentKind.DOCUMENT,
                media=file_id,
                general=False,
            )
        return True

    async def _officials(self, uow: UnitOfWork, unit_code: str) -> list[int]:
        return [
            m.person_id
            for m in await uow.staff.list_active()
            if m.role is Role.OFFICIAL and m.unit_code == unit_code
        ]

    async def _role_ids(self, uow: UnitOfWork, role: Role) -> list[int]:
        return [m.person_id for m in await uow.staff.list_active() if m.role is role]

    async def _notify(
        self,
        uow: UnitOfWork,
        chat_ids: Iterable[int],
        *,
        now: datetime,
        event: str,
        event_id: int,
        context: dict[str, Any],
        buttons: Buttons | None = None,
    ) -> None:
        """One personal notification per staff member, keyed by the timeline event."""
        for chat_id in chat_ids:
            await enqueue(
                uow,
                now=now,
                event=event,
                person_id=chat_id,
                key=f"workflow:{event_id}:{chat_id}",
                context=context,
                buttons=buttons,
            )

    async def _alert_unit(
        self,
        uow: UnitOfWork,
        members: list[Item],
        unit_code: str,
        due_on: date,
        event_id: int,
        reopened: str | None = None,
    ) -> int:
        """Assignment alert (thông báo giao việc): personal, always delivered, with buttons."""
        lead = members[0].petition
        officials = await self._officials(uow, unit_code)
        await self._notify(
            uow,
            officials,
            now=self.s.clock.now(),
            event="workflow_unit_alert",
            event_id=event_id,
            context={
                "code": lead.code,
                "codes": [m.petition.code for m in members],
                "field_label": lead.field.label,
                "content": lead.content,
                "place": lead.concerns_address,
                "due_on": due_on,
                "unit_name": self._unit_name(unit_code),
                "reopen_reason": reopened,
            },
            buttons=unit_keyboard(
                int(lead.id or 0), full_text=lead.code if is_long(lead.content) else None
            ),
        )
        return len(officials)

    async def _open_deadline(
        self, uow: UnitOfWork, petition: Petition, unit: str, due: date
    ) -> None:
        await uow.deadlines.open(
            kind=DeadlineKind.UNIT_ANSWER,
            subject_type="petition",
            subject_id=petition.code,
            unit_code=unit,
            due_on=due,
            now=self.s.clock.now(),
        )

    async def _close_deadline(
        self, uow: UnitOfWork, petition: Petition, status: DeadlineStatus = DeadlineStatus.DONE
    ) -> None:
        await uow.deadlines.close(
            kind=DeadlineKind.UNIT_ANSWER,
            subject_type="petition",
            subject_id=petition.code,
            now=self.s.clock.now(),
            status=status,
        )

    async def _unit_guard(
        self, uow: UnitOfWork, user_id: int, petition_id: int, action: Action
    ) -> Change | tuple[Item, StaffRecord]:
        staff = await self._staff(uow, user_id)
        item = await self._item(uow, petition_id)
        unit = item.handling.unit_code if item and item.handling else None
        if (
            staff is None
            or unit is None
            or not can_act_on(staff.role, staff.unit_code, action, unit)
        ):
            return Change(Result.NOT_ALLOWED)
        assert item is not None
        if item.petition.status not in UNIT_STATUSES:
            return Change(Result.WRONG_STATE, item)
        return item, staff


def unit_keyboard(petition_id: int, *, full_text: str | None = None) -> Buttons:
    """The assignment alert's buttons: accept, answer, request extension, transfer back, and
    «Xem toàn văn» (``full_text`` is the code) when the alert shows the content shortened."""
    extra = [] if full_text is None else [[(label("petitions.full_text"), f"ft:{full_text}")]]
    return button_rows(
        [
            *extra,
            [
                (label("workflow.unit.accept"), f"wu:acc:{petition_id}"),
                (label("workflow.unit.answer"), f"wu:ans:{petition_id}"),
            ],
            [
                (label("workflow.unit.extend"), f"wu:ext:{petition_id}"),
                (label("workflow.unit.transfer"), f"wu:tr:{petition_id}"),
            ],
        ]
    )

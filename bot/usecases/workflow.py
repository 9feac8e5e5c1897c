"""Xử lý ý kiến: the secretary's inbox and outcomes, the unit's work, the resident's verdict.

Every change is one transaction: the petition's status and handling row, its timeline event,
the deadline in the registry (bot/deadlines.py), the audit entry and the outbox notifications.
Permissions are checked inside the transaction against the stored staff record and the unit that
holds the item, so a forged button changes nothing. Typed texts (answers, reasons, notes) wait in
``chat_states`` (flow "workflow") until the person confirms them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from bot.domain.deadlines import DeadlineKind, DeadlineStatus
from bot.domain.people import ChatState, StaffRecord
from bot.domain.permissions import Action, can, can_act_on
from bot.domain.petitions import (
    EventKind,
    FieldOfConcern,
    Petition,
    PetitionEvent,
    Status,
    clean_text,
    normalise_text,
)
from bot.domain.ports import UnitOfWork
from bot.domain.ward import Role
from bot.domain.workflow import (
    ANSWER_MAX,
    INBOX_PAGE,
    INBOX_STATUSES,
    REASON_MAX,
    SIMILAR_LIMIT,
    SIMILAR_POOL,
    SIMILAR_THRESHOLD,
    UNIT_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    Handling,
    InboxFilter,
    Item,
    Outcome,
    UnitRate,
    is_overdue,
    unit_sort_key,
)
from bot.outbox.queue import Method, enqueue, inline_keyboard
from bot.usecases.common import Services, audit
from messages import label

FLOW = "workflow"
TRAIL_FLOW = "workflow_trail"
EXTENSION_REVIEW_DAYS = 2


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


SECRETARY_TEXTS = (TextKind.DIRECT, TextKind.FORWARD, TextKind.SCOPE)
UNIT_TEXTS = (TextKind.ANSWER, TextKind.EXT_REASON, TextKind.TRANSFER)


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


@dataclass(frozen=True, slots=True)
class InboxPage:
    result: Result
    items: tuple[Item, ...] = ()
    filter: InboxFilter = field(default_factory=InboxFilter)
    total: int = 0
    pages: int = 1


@dataclass(frozen=True, slots=True)
class UnitList:
    result: Result
    unit_code: str | None = None
    items: tuple[Item, ...] = ()
    today: date | None = None


@dataclass(frozen=True, slots=True)
class Oversight:
    """Supervisor's view: overdue items (from the deadline registry) and per-unit rates."""

    result: Result
    overdue: tuple[Item, ...] = ()
    rates: tuple[UnitRate, ...] = ()
    today: date | None = None


@dataclass(frozen=True, slots=True)
class TrailLine:
    at: datetime
    actor: str
    action: str
    detail: str | None


@dataclass(frozen=True, slots=True)
class Trail:
    result: Result
    item: Item | None = None
    lines: tuple[TrailLine, ...] = ()


def _ok() -> Change:
    return Change(Result.DONE)


class Workflow:
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
            keyboard = inline_keyboard(
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
            chat_id=petition.author_id,
            key=f"workflow:{event_id}:{petition.author_id}",
            context=context,
            keyboard=keyboard,
            general=False,
        )
        if file_id and file_kind:
            await enqueue(
                uow,
                now=now,
                event="workflow_resident_file",
                chat_id=petition.author_id,
                key=f"workflow:{event_id}:{petition.author_id}:file",
                context={"code": petition.code},
                method=Method.PHOTO if file_kind == "photo" else Method.DOCUMENT,
                media=file_id,
                general=False,
            )
        return True

    async def _officials(self, uow: UnitOfWork, unit_code: str) -> list[int]:
        return [
            m.telegram_id
            for m in await uow.staff.list_active()
            if m.role is Role.OFFICIAL and m.unit_code == unit_code
        ]

    async def _role_ids(self, uow: UnitOfWork, role: Role) -> list[int]:
        return [m.telegram_id for m in await uow.staff.list_active() if m.role is role]

    async def _notify(
        self,
        uow: UnitOfWork,
        chat_ids: Iterable[int],
        *,
        now: datetime,
        event: str,
        event_id: int,
        context: dict[str, Any],
        keyboard: dict[str, Any] | None = None,
    ) -> None:
        """One personal notification per staff member, keyed by the timeline event."""
        for chat_id in chat_ids:
            await enqueue(
                uow,
                now=now,
                event=event,
                chat_id=chat_id,
                key=f"workflow:{event_id}:{chat_id}",
                context=context,
                keyboard=keyboard,
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
            keyboard=unit_keyboard(int(lead.id or 0)),
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

    # ----- secretary: inbox, classify, similar, group -----------------------------------------

    async def inbox(self, user_id: int, flt: InboxFilter) -> InboxPage:
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_INBOX) is None:
                return InboxPage(Result.NOT_ALLOWED)
            total = await uow.workflow.count_inbox(flt)
            pages = max(1, -(-total // INBOX_PAGE))
            flt = replace(flt, page=min(flt.page, pages - 1))
            items = await uow.workflow.inbox(flt, offset=flt.page * INBOX_PAGE, limit=INBOX_PAGE)
        return InboxPage(Result.DONE, tuple(items), flt, total, pages)

    async def card(self, user_id: int, petition_id: int) -> Change:
        """One petition as the secretary handles it, with its group and any pending request."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_INBOX) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            members = await self._members(uow, item, tuple(Status))
            pending = await uow.workflow.pending_extension(petition_id)
        return Change(Result.DONE, item, tuple(members), extension=pending)

    async def classify(self, user_id: int, petition_id: int, field: FieldOfConcern) -> Change:
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            petition = item.petition
            if petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            old = petition.field
            await uow.workflow.set_field(petition_id, field)
            if petition.status is Status.RECEIVED:
                await uow.workflow.set_status(petition_id, Status.CLASSIFIED)
            await self._event(uow, petition, EventKind.CLASSIFIED, user_id, note=field.label)
            await self._audit(
                uow, user_id, "petition.classified", petition, old=old.value, new=field.value
            )
            item = await self._item(uow, petition_id)
        return Change(Result.DONE, item)

    async def similar(self, user_id: int, petition_id: int) -> Change:
        """Petitions already filed whose text resembles this one (staff only, top 5)."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            pool = await uow.workflow.similar_pool(petition_id, SIMILAR_POOL)
            group = item.handling.group_id if item.handling else None
            grouped = (
                {m.petition.id for m in await uow.workflow.group_members(group)} if group else set()
            )
        # Those already in this petition's group are shown on its card, not offered again.
        pool = [entry for entry in pool if entry[0] not in grouped]
        found = find_similar(item.petition.content, pool)
        return Change(Result.DONE, item, similar=tuple(found))

    async def group(self, user_id: int, petition_id: int, other_id: int) -> Change:
        """Gộp: ``other`` joins this petition's group, so one outcome serves both."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.CLASSIFY_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            other = await self._item(uow, other_id)
            if item is None or other is None or petition_id == other_id:
                return Change(Result.NOT_FOUND)
            if (
                item.petition.status not in INBOX_STATUSES
                or other.petition.status not in INBOX_STATUSES
            ):
                return Change(Result.WRONG_STATE, item)
            lead = self._handling(item)
            group_id = lead.group_id or petition_id
            old_group = other.handling.group_id if other.handling else None
            if old_group == group_id:
                return Change(Result.WRONG_STATE, item)
            if lead.group_id is None:
                await uow.workflow.save_handling(replace(lead, group_id=group_id))
            # A petition already grouped brings its whole group along (one answer serves all).
            joining = [other]
            if old_group is not None:
                joining += [
                    m
                    for m in await uow.workflow.group_members(old_group)
                    if m.petition.id != other_id
                ]
            for member in joining:
                await uow.workflow.save_handling(replace(self._handling(member), group_id=group_id))
                await self._event(
                    uow, member.petition, EventKind.GROUPED, user_id, note=item.petition.code
                )
                await self._audit(
                    uow,
                    user_id,
                    "petition.grouped",
                    member.petition,
                    group_with=item.petition.code,
                )
            item = await self._item(uow, petition_id)
            assert item is not None
            members = await self._members(uow, item, tuple(Status))
        return Change(Result.DONE, item, tuple(members))

    # ----- secretary: outcomes ------------------------------------------------------------------

    async def preview_assign(self, user_id: int, petition_id: int, unit_code: str) -> Change:
        """The due date the unit would get, shown before the secretary confirms."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.ASSIGN_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None or self.s.ward.unit(unit_code) is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, INBOX_STATUSES)
            officials = await self._officials(uow, unit_code)
        return Change(
            Result.DONE,
            item,
            tuple(members),
            due_on=self.due_from_today(),
            unit_code=unit_code,
            officials=len(officials),
        )

    async def assign(self, user_id: int, petition_id: int, unit_code: str) -> Change:
        """Giao đơn vị: each member gets the unit, the due date, its deadline and the news."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.ASSIGN_PETITION) is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None or self.s.ward.unit(unit_code) is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, INBOX_STATUSES)
            due = self.due_from_today()
            notified = 0
            event_id = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member),
                    outcome=Outcome.ASSIGNED,
                    unit_code=unit_code,
                    due_on=due,
                    accepted_at=None,
                    reason=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.ASSIGNED)
                await self._open_deadline(uow, petition, unit_code, due)
                eid = await self._event(
                    uow, petition, EventKind.ASSIGNED, user_id, unit=unit_code, due=due.isoformat()
                )
                event_id = event_id or eid
                action = (
                    "petition.reassigned"
                    if member.petition.status is Status.TRANSFERRED
                    else "petition.assigned"
                )
                await self._audit(
                    uow, user_id, action, petition, unit=unit_code, due=due.isoformat()
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "assigned",
                    unit_name=self._unit_name(unit_code),
                    due_on=due,
                )
            officials = await self._alert_unit(uow, members, unit_code, due, event_id)
        return Change(
            Result.DONE,
            item,
            tuple(members),
            due_on=due,
            unit_code=unit_code,
            notified=notified,
            unreachable=len(members) - notified,
            officials=officials,
        )

    async def answered_at_session(self, user_id: int, petition_id: int) -> Change:
        """Đã trả lời tại buổi đối thoại."""
        return await self._close_out(
            user_id, petition_id, Outcome.ANSWERED_AT_SESSION, None, Status.ANSWERED
        )

    async def _close_out(
        self,
        user_id: int,
        petition_id: int,
        outcome: Outcome,
        text: str | None,
        status: Status,
    ) -> Change:
        """The secretary's outcomes that need no unit: at the session, direct, higher, scope."""
        action = (
            Action.ANSWER_PETITION
            if outcome is Outcome.ANSWERED_DIRECTLY
            else Action.ASSIGN_PETITION
        )
        async with self.s.store.transaction() as uow:
            staff = await self._allowed(uow, user_id, action)
            if staff is None:
                return Change(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            held_by = item.handling.unit_code if item.handling else None
            if not can_act_on(staff.role, staff.unit_code, action, held_by):
                return Change(Result.NOT_ALLOWED)
            members = await self._members(uow, item, INBOX_STATUSES)
            now = self.s.clock.now()
            notified = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member), outcome=outcome, unit_code=None, due_on=None
                )
                kind = EventKind.ANSWERED
                step = outcome.value
                if outcome in (Outcome.ANSWERED_DIRECTLY, Outcome.ANSWERED_AT_SESSION):
                    handling = replace(
                        handling, answer_text=text, answered_at=now, answered_by=user_id
                    )
                elif outcome is Outcome.FORWARDED_HIGHER:
                    handling = replace(handling, forward_note=text)
                    kind = EventKind.FORWARDED
                else:
                    handling = replace(handling, reason=text)
                    kind = EventKind.OUT_OF_SCOPE
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, status)
                await self._close_deadline(uow, petition, DeadlineStatus.CANCELLED)
                eid = await self._event(
                    uow, petition, kind, user_id, note=text, outcome=outcome.value
                )
                await self._audit(uow, user_id, f"petition.{outcome.value}", petition, text=text)
                notified += await self._tell_resident(
                    uow, petition, eid, step, rate=status is Status.ANSWERED, note=text
                )
        return Change(
            Result.DONE,
            item,
            tuple(members),
            notified=notified,
            unreachable=len(members) - notified,
        )

    # ----- typed texts (answers, reasons, notes) ------------------------------------------------

    async def begin_text(self, user_id: int, petition_id: int, kind: TextKind) -> Change:
        """Ask for the text of an answer, note or reason; checks the right before asking."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            refusal = await self._may_write(uow, user_id, petition_id, kind)
            if refusal is not None:
                return refusal
            await uow.chat_states.put(
                ChatState(user_id, FLOW, kind.value, {"petition_id": petition_id}, now)
            )
            item = await self._item(uow, petition_id)
        return Change(Result.ASK, item, kind=kind, limit=self._limit(kind))

    def _limit(self, kind: TextKind) -> int:
        return ANSWER_MAX if kind in (TextKind.DIRECT, TextKind.ANSWER) else REASON_MAX

    async def _may_write(
        self, uow: UnitOfWork, user_id: int, petition_id: int, kind: TextKind
    ) -> Change | None:
        item = await self._item(uow, petition_id)
        if kind is TextKind.REOPEN:
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            return None
        staff = await self._staff(uow, user_id)
        role = staff.role if staff else None
        own = staff.unit_code if staff else None
        if kind in SECRETARY_TEXTS:
            action = Action.ANSWER_PETITION if kind is TextKind.DIRECT else Action.ASSIGN_PETITION
            if not can(role, action) or role is Role.OFFICIAL:
                return Change(Result.NOT_ALLOWED)
            if item is None:
                return Change(Result.NOT_FOUND)
            if item.petition.status not in INBOX_STATUSES:
                return Change(Result.WRONG_STATE, item)
            return None
        action = {
            TextKind.ANSWER: Action.ANSWER_PETITION,
            TextKind.EXT_REASON: Action.REQUEST_EXTENSION,
            TextKind.EXT_DATE: Action.REQUEST_EXTENSION,
            TextKind.TRANSFER: Action.TRANSFER_PETITION,
        }[kind]
        if item is None:
            return Change(Result.NOT_ALLOWED if not can(role, action) else Result.NOT_FOUND)
        unit = item.handling.unit_code if item.handling else None
        if unit is None or not can_act_on(role, own, action, unit):
            return Change(Result.NOT_ALLOWED)
        if item.petition.status not in UNIT_STATUSES:
            return Change(Result.WRONG_STATE, item)
        if kind is TextKind.EXT_REASON:
            if await uow.workflow.pending_extension(petition_id) is not None:
                return Change(Result.WRONG_STATE, item)
        return None

    async def on_text(self, user_id: int, text: str) -> Change:
        """The typed text for the step the person is at: checked, kept, then previewed."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW:
                return Change(Result.NOT_EXPECTED)
            kind = TextKind(state.step)
            petition_id = int(state.data["petition_id"])
            item = await self._item(uow, petition_id)
            text = clean_text(text)
            if kind is TextKind.EXT_DATE:
                proposed = parse_day(text)
                current = item.due_on if item else None
                if proposed is None or current is None or proposed <= max(current, self.today()):
                    return Change(Result.BAD_DATE, item, kind=kind, due_on=current)
                data = {**state.data, "proposed": proposed.isoformat()}
                await uow.chat_states.put(ChatState(user_id, FLOW, kind.value, data, now))
                return self._preview(item, kind, data)
            if not text:
                return Change(Result.EMPTY, item, kind=kind)
            if len(text) > self._limit(kind):
                return Change(Result.TOO_LONG, item, kind=kind, limit=self._limit(kind))
            data = {**state.data, "text": text}
            if kind is TextKind.EXT_REASON:
                await uow.chat_states.put(
                    ChatState(user_id, FLOW, TextKind.EXT_DATE.value, data, now)
                )
                return Change(
                    Result.ASK, item, kind=TextKind.EXT_DATE, due_on=item.due_on if item else None
                )
            await uow.chat_states.put(ChatState(user_id, FLOW, kind.value, data, now))
        return self._preview(item, kind, data)

    async def on_file(self, user_id: int, file_kind: str, file_id: str) -> Change:
        """A document or photo attached to a unit's answer (kept as Telegram's file_id)."""
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW or state.step != TextKind.ANSWER:
                return Change(Result.NOT_EXPECTED)
            item = await self._item(uow, int(state.data["petition_id"]))
            data = {**state.data, "file_kind": file_kind, "file_id": file_id}
            await uow.chat_states.put(ChatState(user_id, FLOW, state.step, data, now))
        return self._preview(item, TextKind.ANSWER, data)

    def _preview(self, item: Item | None, kind: TextKind, data: dict[str, Any]) -> Change:
        proposed = data.get("proposed")
        return Change(
            Result.PREVIEW,
            item,
            kind=kind,
            text=data.get("text"),
            file_kind=data.get("file_kind"),
            proposed_due=date.fromisoformat(proposed) if proposed else None,
            due_on=item.due_on if item else None,
        )

    async def confirm_text(self, user_id: int) -> Change:
        """«Xác nhận»: apply what the kept text was for."""
        async with self.s.store.read() as uow:
            state = await uow.chat_states.get(user_id)
        if state is None or state.flow != FLOW or "text" not in state.data:
            return Change(Result.NOT_EXPECTED)
        kind = TextKind(state.step)
        data = state.data
        petition_id = int(data["petition_id"])
        text = str(data["text"])
        if kind is TextKind.DIRECT:
            done = await self._close_out(
                user_id, petition_id, Outcome.ANSWERED_DIRECTLY, text, Status.ANSWERED
            )
        elif kind is TextKind.FORWARD:
            done = await self._close_out(
                user_id, petition_id, Outcome.FORWARDED_HIGHER, text, Status.CLOSED
            )
        elif kind is TextKind.SCOPE:
            done = await self._close_out(
                user_id, petition_id, Outcome.OUT_OF_SCOPE, text, Status.CLOSED
            )
        elif kind is TextKind.ANSWER:
            done = await self.unit_answer(
                user_id, petition_id, text, data.get("file_kind"), data.get("file_id")
            )
        elif kind is TextKind.EXT_DATE and data.get("proposed"):
            done = await self.request_extension(
                user_id, petition_id, text, date.fromisoformat(str(data["proposed"]))
            )
        elif kind is TextKind.TRANSFER:
            done = await self.transfer(user_id, petition_id, text)
        elif kind is TextKind.REOPEN:
            done = await self.reopen(user_id, petition_id, text)
        else:
            return Change(Result.NOT_EXPECTED)
        async with self.s.store.transaction() as uow:
            await uow.chat_states.clear(user_id)
        return replace(done, kind=kind)

    async def drop_text(self, user_id: int) -> bool:
        async with self.s.store.transaction() as uow:
            state = await uow.chat_states.get(user_id)
            if state is None or state.flow != FLOW:
                return False
            await uow.chat_states.clear(user_id)
        return True

    # ----- unit official ------------------------------------------------------------------------

    async def unit_list(self, user_id: int) -> UnitList:
        async with self.s.store.read() as uow:
            staff = await self._allowed(uow, user_id, Action.VIEW_UNIT_TASKS)
            if staff is None or not staff.unit_code:
                return UnitList(Result.NOT_ALLOWED)
            items = list(await uow.workflow.unit_items(staff.unit_code))
        today = self.today()
        items.sort(key=lambda i: unit_sort_key(i, today))
        return UnitList(Result.DONE, staff.unit_code, tuple(items), today)

    async def unit_card(self, user_id: int, petition_id: int) -> Change:
        async with self.s.store.read() as uow:
            staff = await self._staff(uow, user_id)
            item = await self._item(uow, petition_id)
            unit = item.handling.unit_code if item and item.handling else None
            if (
                staff is None
                or not can_act_on(staff.role, staff.unit_code, Action.ANSWER_PETITION, unit)
                or unit is None
            ):
                return Change(Result.NOT_ALLOWED)
            assert item is not None
            if item.petition.status not in UNIT_STATUSES:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, UNIT_STATUSES)
        return Change(Result.DONE, item, tuple(members), due_on=item.due_on)

    async def accept(self, user_id: int, petition_id: int) -> Change:
        """Tiếp nhận: the unit confirms it handles the item; the resident hears who does."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.ANSWER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, _staff = checked
            if item.handling and item.handling.accepted_at is not None:
                return Change(Result.WRONG_STATE, item)
            members = await self._members(uow, item, UNIT_STATUSES)
            notified = 0
            for member in members:
                petition = member.petition
                handling = replace(self._handling(member), accepted_at=self.s.clock.now())
                await uow.workflow.save_handling(handling)
                eid = await self._event(
                    uow, petition, EventKind.ACCEPTED, user_id, unit=handling.unit_code
                )
                await self._audit(
                    uow, user_id, "petition.accepted", petition, unit=handling.unit_code
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "accepted",
                    unit_name=self._unit_name(handling.unit_code),
                    due_on=handling.due_on,
                )
        return Change(Result.DONE, item, tuple(members), notified=notified)

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

    async def unit_answer(
        self,
        user_id: int,
        petition_id: int,
        text: str,
        file_kind: str | None = None,
        file_id: str | None = None,
    ) -> Change:
        """Trả lời / báo cáo kết quả: the answer reaches each resident; deadlines close."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.ANSWER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, _staff = checked
            members = await self._members(uow, item, UNIT_STATUSES)
            now = self.s.clock.now()
            today = self.today()
            notified = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = self._handling(member)
                handling = replace(
                    handling,
                    answer_text=text,
                    answer_file_kind=file_kind,
                    answer_file_id=file_id,
                    answered_at=now,
                    answered_by=user_id,
                    answered_on_time=not is_overdue(handling.due_on, today),
                    accepted_at=handling.accepted_at or now,
                    satisfied=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.ANSWERED)
                await self._close_deadline(uow, petition)
                eid = await self._event(
                    uow, petition, EventKind.ANSWERED, user_id, unit=handling.unit_code, note=text
                )
                await self._audit(
                    uow,
                    user_id,
                    "petition.unit_answered",
                    petition,
                    unit=handling.unit_code,
                    on_time=handling.answered_on_time,
                    file=file_kind,
                )
                notified += await self._tell_resident(
                    uow,
                    petition,
                    eid,
                    "unit_answer",
                    rate=True,
                    file_kind=file_kind,
                    file_id=file_id,
                    unit_name=self._unit_name(handling.unit_code),
                    note=text,
                )
        return Change(Result.DONE, item, tuple(members), notified=notified)

    async def request_extension(
        self, user_id: int, petition_id: int, reason: str, proposed: date
    ) -> Change:
        """Đề nghị gia hạn: waits for the secretary's decision (its own deadline)."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.REQUEST_EXTENSION)
            if isinstance(checked, Change):
                return checked
            item, staff = checked
            current = item.due_on
            if current is None or proposed <= max(current, self.today()):
                return Change(Result.BAD_DATE, item, due_on=current)
            if await uow.workflow.pending_extension(petition_id) is not None:
                return Change(Result.WRONG_STATE, item)
            request = ExtensionRequest(
                petition_id=petition_id,
                unit_code=str(staff.unit_code),
                requested_by=user_id,
                reason=reason,
                current_due=current,
                proposed_due=proposed,
                created_at=self.s.clock.now(),
            )
            request_id = await uow.workflow.add_extension(request)
            await uow.deadlines.open(
                kind=DeadlineKind.EXTENSION_REVIEW,
                subject_type="extension",
                subject_id=str(request_id),
                unit_code=None,
                due_on=self.s.calendar.add_working_days(self.today(), EXTENSION_REVIEW_DAYS),
                now=self.s.clock.now(),
            )
            eid = await self._event(
                uow,
                item.petition,
                EventKind.EXTENSION_REQUESTED,
                user_id,
                note=reason,
                due=proposed.isoformat(),
            )
            await self._audit(
                uow,
                user_id,
                "petition.extension_requested",
                item.petition,
                request_id=request_id,
                proposed=proposed.isoformat(),
                reason=reason,
            )
            await self._notify(
                uow,
                await self._role_ids(uow, Role.SECRETARY),
                now=self.s.clock.now(),
                event="workflow_secretary_extension",
                event_id=eid,
                context={
                    "code": item.petition.code,
                    "unit_name": self._unit_name(staff.unit_code),
                    "note": reason,
                    "due_on": current,
                    "proposed_due": proposed,
                },
                keyboard=inline_keyboard(
                    [
                        [
                            (label("workflow.extension.approve"), f"wx:y:{request_id}"),
                            (label("workflow.extension.refuse"), f"wx:n:{request_id}"),
                        ]
                    ]
                ),
            )
        return Change(Result.DONE, item, due_on=current, proposed_due=proposed, extension=request)

    async def decide_extension(self, user_id: int, request_id: int, approve: bool) -> Change:
        """The secretary approves (new due date for the unit and its group) or refuses."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.DECIDE_EXTENSION) is None:
                return Change(Result.NOT_ALLOWED)
            request = await uow.workflow.extension(request_id)
            if request is None:
                return Change(Result.NOT_FOUND)
            item = await self._item(uow, request.petition_id)
            assert item is not None
            if request.status is not ExtensionStatus.PENDING:
                return Change(Result.WRONG_STATE, item, extension=request)
            now = self.s.clock.now()
            request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
            request.decided_by = user_id
            request.decided_at = now
            await uow.workflow.save_extension(request)
            await uow.deadlines.close(
                kind=DeadlineKind.EXTENSION_REVIEW,
                subject_type="extension",
                subject_id=str(request_id),
                now=now,
            )
            still_held = (
                item.petition.status in UNIT_STATUSES
                and item.handling is not None
                and item.handling.unit_code == request.unit_code
            )
            members = await self._members(uow, item, UNIT_STATUSES) if still_held else [item]
            kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
            due = request.proposed_due if approve else request.current_due
            event_id = 0
            for member in members:
                petition = member.petition
                if approve and still_held:
                    await uow.workflow.save_handling(replace(self._handling(member), due_on=due))
                    await self._open_deadline(uow, petition, request.unit_code, due)
                eid = await self._event(uow, petition, kind, user_id, due=due.isoformat())
                event_id = event_id or eid
                await self._audit(
                    uow,
                    user_id,
                    f"petition.{kind.value}",
                    petition,
                    request_id=request_id,
                    due=due.isoformat(),
                )
                if approve and still_held:
                    await self._tell_resident(
                        uow,
                        petition,
                        eid,
                        "extended",
                        due_on=due,
                        unit_name=self._unit_name(request.unit_code),
                    )
            await self._notify(
                uow,
                await self._officials(uow, request.unit_code),
                now=now,
                event="workflow_unit_extension_decided",
                event_id=event_id,
                context={
                    "code": item.petition.code,
                    "approved": approve,
                    "due_on": due,
                },
                keyboard=unit_keyboard(int(item.petition.id or 0)) if still_held else None,
            )
        return Change(Result.DONE, item, tuple(members), due_on=due, extension=request)

    async def transfer(self, user_id: int, petition_id: int, reason: str) -> Change:
        """Trả lại: not this unit's matter; back to the secretaries to assign again."""
        async with self.s.store.transaction() as uow:
            checked = await self._unit_guard(uow, user_id, petition_id, Action.TRANSFER_PETITION)
            if isinstance(checked, Change):
                return checked
            item, staff = checked
            members = await self._members(uow, item, UNIT_STATUSES)
            event_id = 0
            for member in members:
                petition = member.petition
                assert petition.id is not None
                handling = replace(
                    self._handling(member),
                    unit_code=None,
                    due_on=None,
                    reason=reason,
                    accepted_at=None,
                )
                await uow.workflow.save_handling(handling)
                await uow.workflow.set_status(petition.id, Status.TRANSFERRED)
                await self._close_deadline(uow, petition, DeadlineStatus.CANCELLED)
                eid = await self._event(
                    uow, petition, EventKind.TRANSFERRED, user_id, unit=staff.unit_code, note=reason
                )
                event_id = event_id or eid
                await self._audit(
                    uow,
                    user_id,
                    "petition.transferred",
                    petition,
                    unit=staff.unit_code,
                    reason=reason,
                )
            await self._notify(
                uow,
                await self._role_ids(uow, Role.SECRETARY),
                now=self.s.clock.now(),
                event="workflow_secretary_transferred",
                event_id=event_id,
                context={
                    "code": item.petition.code,
                    "unit_name": self._unit_name(staff.unit_code),
                    "note": reason,
                },
                keyboard=inline_keyboard(
                    [[(label("workflow.inbox.open"), f"wi:o:{item.petition.id}")]]
                ),
            )
        return Change(Result.DONE, item, tuple(members))

    # ----- resident ---------------------------------------------------------------------------

    async def satisfied(self, user_id: int, petition_id: int) -> Change:
        """«Hài lòng»: the item is resolved."""
        async with self.s.store.transaction() as uow:
            item = await self._item(uow, petition_id)
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            await uow.workflow.save_handling(replace(self._handling(item), satisfied=True))
            await uow.workflow.set_status(petition_id, Status.RESOLVED)
            await self._event(uow, item.petition, EventKind.SATISFIED, user_id)
            await self._audit(uow, user_id, "petition.satisfied", item.petition)
        return Change(Result.DONE, item)

    async def reopen(self, user_id: int, petition_id: int, reason: str) -> Change:
        """«Chưa thỏa đáng» (004 IV.2(6)): back to the same unit with a new due date, or to the
        secretaries when no unit held it; the supervisors are informed."""
        async with self.s.store.transaction() as uow:
            item = await self._item(uow, petition_id)
            if item is None or item.petition.author_id != user_id:
                return Change(Result.NOT_ALLOWED)
            if item.petition.status is not Status.ANSWERED:
                return Change(Result.WRONG_STATE, item)
            petition = item.petition
            handling = self._handling(item)
            unit = handling.unit_code
            due = self.due_from_today() if unit else None
            handling = replace(
                handling,
                satisfied=False,
                reopen_count=handling.reopen_count + 1,
                due_on=due,
                accepted_at=None,
                reason=reason,
            )
            await uow.workflow.save_handling(handling)
            await uow.workflow.set_status(petition_id, Status.REOPENED)
            details: dict[str, Any] = {"note": reason}
            if unit and due:
                await self._open_deadline(uow, petition, unit, due)
                details.update(unit=unit, due=due.isoformat())
            eid = await self._event(uow, petition, EventKind.REOPENED, user_id, **details)
            await self._audit(uow, user_id, "petition.reopened", petition, unit=unit, reason=reason)
            if unit and due:
                await self._alert_unit(
                    uow, [Item(petition, handling)], unit, due, eid, reopened=reason
                )
            watchers = await self._role_ids(uow, Role.SUPERVISOR)
            if unit is None:
                watchers += await self._role_ids(uow, Role.SECRETARY)
            await self._notify(
                uow,
                watchers,
                now=self.s.clock.now(),
                event="workflow_supervisor_reopened",
                event_id=eid,
                context={
                    "code": petition.code,
                    "unit_name": self._unit_name(unit) if unit else None,
                    "due_on": due,
                    "note": reason,
                },
            )
        return Change(Result.DONE, item, due_on=due, unit_code=unit)

    # ----- supervisor -------------------------------------------------------------------------

    async def oversight(self, user_id: int) -> Oversight:
        """Overdue items from the deadline registry, and each unit's on-time rate."""
        today = self.today()
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_OVERDUE) is None:
                return Oversight(Result.NOT_ALLOWED)
            overdue = []
            for deadline in await uow.deadlines.overdue(today=today):
                if deadline.kind is not DeadlineKind.UNIT_ANSWER:
                    continue
                petition = await uow.petitions.by_code(deadline.subject_id)
                if petition is not None and petition.id is not None:
                    overdue.append(Item(petition, await uow.workflow.handling(petition.id)))
            rates = await uow.workflow.unit_rates(today)
        return Oversight(Result.DONE, tuple(overdue), tuple(rates), today)

    async def begin_trail_lookup(self, user_id: int) -> Result:
        """Ask for a tracking code, so any petition's trail can be read, not only overdue ones."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Result.NOT_ALLOWED
            await uow.chat_states.put(
                ChatState(user_id, TRAIL_FLOW, "code", {}, self.s.clock.now())
            )
        return Result.DONE

    async def trail_by_code(self, user_id: int, code: str) -> Trail:
        """The typed code's trail; an unknown code keeps the question open for another try."""
        async with self.s.store.transaction() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Trail(Result.NOT_ALLOWED)
            petition = await uow.petitions.by_code(code.strip().upper())
            if petition is None or petition.id is None:
                return Trail(Result.NOT_FOUND)
            await uow.chat_states.clear(user_id)
        return await self.trail(user_id, petition.id)

    async def trail(self, user_id: int, petition_id: int) -> Trail:
        """Nhật ký xử lý: every audited step on the petition — who, what, when."""
        async with self.s.store.read() as uow:
            if await self._allowed(uow, user_id, Action.VIEW_AUDIT_TRAIL) is None:
                return Trail(Result.NOT_ALLOWED)
            item = await self._item(uow, petition_id)
            if item is None:
                return Trail(Result.NOT_FOUND)
            entries = await uow.audit.for_subject("petition", item.petition.code)
            names: dict[int, str] = {}
            lines = []
            for entry in entries:
                actor = await self._actor_name(uow, entry.actor_id, item.petition, names)
                detail = entry.details.get("reason") or entry.details.get("text")
                unit = entry.details.get("unit")
                if not detail and unit:
                    detail = self._unit_name(str(unit))
                lines.append(
                    TrailLine(
                        entry.at, actor, trail_label(entry.action), str(detail) if detail else None
                    )
                )
        return Trail(Result.DONE, item, tuple(lines))

    async def _actor_name(
        self, uow: UnitOfWork, actor_id: int | None, petition: Petition, names: dict[int, str]
    ) -> str:
        if actor_id is None:
            return label("workflow.trail.system")
        if actor_id not in names:
            staff = await uow.staff.get(actor_id)
            if staff is not None:
                names[actor_id] = f"{staff.full_name} ({label(f'roles.{staff.role.value}')})"
            elif actor_id == petition.author_id:
                names[actor_id] = label("workflow.trail.resident")
            else:
                names[actor_id] = str(actor_id)
        return names[actor_id]


def trail_label(action: str) -> str:
    key = action.removeprefix("petition.")
    try:
        return label(f"workflow.trail.actions.{key}")
    except KeyError:
        return action


def unit_keyboard(petition_id: int) -> dict[str, Any]:
    """The assignment alert's buttons: accept, answer, request extension, transfer back."""
    return inline_keyboard(
        [
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


def find_similar(content: str, pool: Any) -> list[Similar]:
    """token_set_ratio over normalised text; top SIMILAR_LIMIT at or above the threshold."""
    query = normalise_text(content)
    choices = {pid: text for pid, _code, text in pool}
    codes = {pid: code for pid, code, _text in pool}
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_set_ratio,
        limit=SIMILAR_LIMIT,
        score_cutoff=SIMILAR_THRESHOLD,
    )
    return [Similar(int(key), codes[key], round(score)) for _text, score, key in found]


def parse_day(text: str) -> date | None:
    """``dd/mm/yyyy`` (or with dashes or dots) as a date; None when it is not one."""
    cleaned = text.strip().replace("-", "/").replace(".", "/")
    parts = cleaned.split("/")
    if len(parts) != 3:
        return None
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        return None

"""What drafting and sending a notice share: its steps, draft and outcomes, the notice as
every recipient receives it, the audience's description, and the base class (the right to
broadcast, the draft in ``chat_states``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from markupsafe import Markup

from bot.domain.people import ChatState
from bot.domain.permissions import Action, can
from bot.domain.ports import UnitOfWork
from bot.domain.ward import WardConfig
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    Content,
    ContentKind,
    MediaKind,
    Recipient,
)
from bot.usecases.common import Services
from messages import label, render

FLOW = "broadcast"
NOTICE_EVENT = "broadcast_notice"


class Step(StrEnum):
    CONTENT = "content"
    AUDIENCE = "audience"
    CODES = "codes"
    PREVIEW = "preview"


class Outcome(StrEnum):
    ASK_CONTENT = "ask_content"
    ASK_AUDIENCE = "ask_audience"
    ASK_CODES = "ask_codes"
    CODES_CHANGED = "codes_changed"
    PREVIEW = "preview"
    STARTED = "started"
    NO_RECIPIENTS = "no_recipients"
    NOTHING_CHOSEN = "nothing_chosen"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    ABORTED = "aborted"
    STOPPED = "stopped"
    ALREADY_OVER = "already_over"
    NOT_ALLOWED = "not_allowed"
    NOT_EXPECTED = "not_expected"


@dataclass(frozen=True, slots=True)
class Draft:
    """The notice being written: body (Telegram HTML), optional media, chosen audience."""

    body: str = ""
    media_kind: MediaKind | None = None
    media: str | None = None
    kind: AudienceKind | None = None
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> Draft:
        return cls(
            body=str(data.get("body") or ""),
            media_kind=MediaKind(data["media_kind"]) if data.get("media_kind") else None,
            media=data.get("media") or None,
            kind=AudienceKind(data["kind"]) if data.get("kind") else None,
            codes=tuple(data.get("codes") or ()),
        )

    def data(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "media_kind": self.media_kind.value if self.media_kind else None,
            "media": self.media,
            "kind": self.kind.value if self.kind else None,
            "codes": list(self.codes),
        }


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    name: str
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class Selection:
    """Who gets the notice, and who is left out (muted general notices, blocked the bot)."""

    recipients: tuple[Recipient, ...]
    """One per person, each with the account the notice goes to."""
    muted: int = 0
    unreachable: int = 0


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    draft: Draft | None = None
    kinds: tuple[AudienceKind, ...] = ()
    options: tuple[Option, ...] = ()
    selection: Selection | None = None
    notice: Content | None = None
    audience_text: str = ""
    broadcast: Broadcast | None = None
    length: int = 0
    limit: int = 0


def notice_content(ward: WardConfig, draft: Draft) -> Content:
    """The notice exactly as every recipient receives it."""
    text = render(NOTICE_EVENT, ward_name=ward.ward.name, body=Markup(draft.body))
    match draft.media_kind:
        case MediaKind.PHOTO:
            return Content(text, ContentKind.PHOTO, media=draft.media)
        case MediaKind.DOCUMENT:
            return Content(text, ContentKind.DOCUMENT, media=draft.media)
        case None:
            return Content(text)


def describe_audience(ward: WardConfig, audience: Audience) -> str:
    names: list[str] = []
    for code in audience.codes:
        if audience.kind is AudienceKind.GROUPS:
            group = ward.group(code)
            names.append(group.name if group else code)
        elif audience.kind is AudienceKind.UNITS:
            unit = ward.unit(code)
            names.append(unit.name if unit else code)
        else:
            names.append(code)
    return label(f"broadcast_audience.{audience.kind.value}", names=", ".join(names))


class BroadcastsBase:
    """The services and the helpers every part of :class:`Broadcasts` builds on."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # -- helpers ------------------------------------------------------------------------------

    async def _allowed(self, uow: UnitOfWork, actor_id: int) -> bool:
        staff = await uow.staff.get(actor_id)
        return staff is not None and staff.active and can(staff.role, Action.BROADCAST)

    async def _state(self, uow: UnitOfWork, actor_id: int, *steps: Step) -> ChatState | Result:
        """The actor's draft at one of ``steps``, or the outcome that says why there is none."""
        if not await self._allowed(uow, actor_id):
            return Result(Outcome.NOT_ALLOWED)
        state = await uow.chat_states.get(actor_id)
        if state is None or state.flow != FLOW or state.step not in steps:
            return Result(Outcome.NOT_EXPECTED)
        return state

    async def _put(self, uow: UnitOfWork, state: ChatState, step: Step, draft: Draft) -> None:
        state.step = step
        state.data = draft.data()
        state.updated_at = self.s.clock.now()
        await uow.chat_states.put(state)

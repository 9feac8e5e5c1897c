"""Who a notice can go to: the whole ward, residential groups, units, or the registrants of a
session (when the sessions module provides them), minus the muted and the unreachable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.domain.ports import UnitOfWork
from bot.outbox.queue import Audience, AudienceKind, Recipient
from bot.usecases.broadcast._shared import BroadcastsBase, Draft, Option, Selection


class SessionAudience(Protocol):
    """What the sessions module provides so a notice can go to a session's registrants.

    Until one is registered with :func:`provide_session_audience`, the audience is not offered.
    """

    async def choices(self, uow: UnitOfWork) -> list[tuple[str, str]]:
        """(session id, title) of the sessions whose registrants may be notified."""
        ...

    async def registrants(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[int]: ...


_session_audience: SessionAudience | None = None


def provide_session_audience(provider: SessionAudience | None) -> None:
    global _session_audience
    _session_audience = provider


def select(recipients: Sequence[Recipient], kind: AudienceKind) -> Selection:
    chosen: dict[int, Recipient] = {}
    muted = unreachable = 0
    for recipient in recipients:
        if recipient.muted and kind.respects_mute:
            muted += 1
        elif not recipient.reachable:
            unreachable += 1
        else:
            chosen.setdefault(recipient.person_id, recipient)
    return Selection(tuple(chosen.values()), muted, unreachable)


class AudienceMixin(BroadcastsBase):
    """The audience kinds offered, their options, and the people a draft would reach."""

    async def _kinds(self, uow: UnitOfWork) -> tuple[AudienceKind, ...]:
        kinds = [AudienceKind.WARD, AudienceKind.GROUPS]
        if self.s.ward.units:
            kinds.append(AudienceKind.UNITS)
        if _session_audience is not None and await _session_audience.choices(uow):
            kinds.append(AudienceKind.SESSION)
        return tuple(kinds)

    async def _options(self, uow: UnitOfWork, draft: Draft) -> tuple[Option, ...]:
        match draft.kind:
            case AudienceKind.GROUPS:
                pairs = [(g.code, g.name) for g in self.s.ward.groups]
            case AudienceKind.UNITS:
                pairs = [(u.code, u.name) for u in self.s.ward.units]
            case AudienceKind.SESSION if _session_audience is not None:
                pairs = await _session_audience.choices(uow)
            case _:
                pairs = []
        return tuple(Option(code, name, code in draft.codes) for code, name in pairs)

    async def _select(self, uow: UnitOfWork, draft: Draft) -> Selection:
        assert draft.kind is not None
        if draft.kind is AudienceKind.SESSION:
            if _session_audience is None:
                return Selection(())
            ids = await _session_audience.registrants(uow, draft.codes)
            found = await uow.broadcasts.recipients(ids)
        else:
            found = await uow.broadcasts.audience(Audience(draft.kind, draft.codes))
        return select(found, draft.kind)

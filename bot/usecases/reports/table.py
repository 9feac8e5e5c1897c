"""The petitions table (seed 003 II.3, 004 IV.1(3)) in its staff and public versions, shared
with the dossier, and the export of all petitions as one .xlsx."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.documents import Sheet, xlsx_bytes
from bot.domain.petitions import public_label
from bot.domain.reporting import PetitionFilter, PetitionRow
from bot.domain.workflow import Outcome
from bot.usecases.common import Services
from bot.usecases.reports._shared import ReportsBase, _d, _yes_no
from messages import label


def unit_name(services: Services, code: str | None) -> str:
    unit = services.ward.unit(code or "")
    return unit.name if unit else (code or "")


def level(row: PetitionRow) -> str:
    outcome = row.handling.outcome if row.handling else None
    if outcome is Outcome.FORWARDED_HIGHER:
        return label("reports.level_higher")
    if outcome is None or outcome is Outcome.OUT_OF_SCOPE:
        return ""
    return label("reports.level_ward")


def result_text(row: PetitionRow) -> str:
    """Kết quả hoặc hướng giải quyết: the outcome, then where the petition stands."""
    h = row.handling
    if h is None or h.outcome is None:
        return label("reports.unclassified")
    parts = [label(f"workflow.outcomes.{h.outcome.value}")]
    if h.outcome is Outcome.FORWARDED_HIGHER and h.forward_note:
        parts.append(h.forward_note)
    parts.append(label(f"petitions.statuses.{row.petition.status.value}"))
    return " — ".join(parts)


def resolving_unit(services: Services, row: PetitionRow) -> str:
    h = row.handling
    if h is None or h.outcome is None:
        return ""
    if h.unit_code:
        return unit_name(services, h.unit_code)
    if h.outcome in (Outcome.ANSWERED_AT_SESSION, Outcome.ANSWERED_DIRECTLY):
        return label("reports.ward_committee")
    return ""


def staff_headers() -> list[str]:
    keys = ("no", "code", "raised_by", "content", "field", "answer", "result", "deadline")
    return [label(f"reports.col_{k}") for k in (*keys, "unit", "level")]


def public_headers() -> list[str]:
    keys = ("no", "petition", "field", "result", "deadline", "unit", "level")
    return [label(f"reports.col_{k}") for k in keys]


def staff_row(services: Services, n: int, row: PetitionRow) -> list[str]:
    h = row.handling
    return [
        str(n),
        row.petition.code,
        row.raised_by or label("reports.raised_by_unknown"),
        row.petition.content,
        row.petition.field.label,
        (h.answer_text if h else None) or "",
        result_text(row),
        _d(h.due_on if h else None),
        resolving_unit(services, row),
        level(row),
    ]


def public_row(services: Services, n: int, row: PetitionRow) -> list[str]:
    """Codes and fields only (public_label), never the person or their words."""
    h = row.handling
    return [
        str(n),
        public_label(row.petition),
        row.petition.field.label,
        result_text(row).split(" — ")[0] if h and h.outcome else label("reports.unclassified"),
        _d(h.due_on if h else None),
        resolving_unit(services, row),
        level(row),
    ]


STAFF_WIDTHS_CM = (1.2, 2.4, 2.8, 5.6, 2.2, 4.4, 3.4, 2.0, 2.8, 2.0)
STAFF_WIDTHS_XLSX = (5, 14, 24, 50, 18, 40, 36, 12, 26, 12)
PUBLIC_WIDTHS_XLSX = (5, 34, 22, 30, 12, 26, 12)


def petition_sheets(
    services: Services, rows: Sequence[PetitionRow], *, public: bool
) -> list[Sheet]:
    if public:
        body = [public_row(services, n, r) for n, r in enumerate(rows, 1)]
        return [Sheet(label("reports.public_sheet"), public_headers(), body, PUBLIC_WIDTHS_XLSX)]
    body = [staff_row(services, n, r) for n, r in enumerate(rows, 1)]
    return [Sheet(label("reports.petition_sheet"), staff_headers(), body, STAFF_WIDTHS_XLSX)]


def export_headers() -> list[str]:
    keys = ("no", "code", "created", "session", "channel", "raised_by", "content", "address")
    more = ("field", "status", "result", "answer", "deadline", "unit", "level", "answered_at")
    return [label(f"reports.col_{k}") for k in (*keys, *more, "on_time", "satisfied")]


def export_row(
    services: Services, n: int, row: PetitionRow, titles: dict[int, str]
) -> list[str | int]:
    p, h = row.petition, row.handling
    tz = services.ward.tz
    session = (
        titles.get(p.session_id or 0, "") if p.session_id else label("reports.weekly_programme")
    )
    answered = h.answered_at.astimezone(tz).date() if h and h.answered_at else None
    return [
        n,
        p.code,
        _d(p.created_at.astimezone(tz).date()),
        session,
        p.channel.label,
        row.raised_by or label("reports.raised_by_unknown"),
        p.content,
        p.concerns_address or "",
        p.field.label,
        label(f"petitions.statuses.{p.status.value}"),
        result_text(row),
        (h.answer_text if h else None) or "",
        _d(h.due_on if h else None),
        resolving_unit(services, row),
        level(row),
        _d(answered),
        _yes_no(h.answered_on_time if h else None),
        _yes_no(h.satisfied if h else None),
    ]


EXPORT_WIDTHS = (5, 14, 12, 28, 16, 24, 50, 24, 18, 18, 36, 40, 12, 26, 12, 12, 9, 12)


class ExportMixin(ReportsBase):
    """The rows of the petitions matching a filter, and their export."""

    async def petition_rows(self, flt: PetitionFilter) -> list[PetitionRow]:
        async with self.s.store.read() as uow:
            return list(await uow.reports.petition_rows(flt))

    async def export_petitions(self, flt: PetitionFilter) -> bytes:
        """Every petition matching ``flt`` as one .xlsx (staff version: names included)."""
        async with self.s.store.read() as uow:
            rows = await uow.reports.petition_rows(flt)
            titles = {s.id: s.title for s in await uow.sessions.all()}
        body = [export_row(self.s, n, r, titles) for n, r in enumerate(rows, 1)]
        sheet = Sheet(label("reports.petition_sheet"), export_headers(), body, EXPORT_WIDTHS)
        return await asyncio.to_thread(xlsx_bytes, [sheet])

"""The quarterly and annual reports to the city (004 V.4): sessions held by kind and form,
petitions received and resolved, the yearly target, as a draft .docx and an .xlsx."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.documents import (
    AdminDocument,
    Heading,
    Paragraph,
    Sheet,
    Table,
    docx_bytes,
    in_sentence,
    issuing_body,
    place_name,
    xlsx_bytes,
)
from bot.domain.petitions import Status
from bot.domain.reporting import Period, PetitionFilter, Satisfaction
from bot.domain.sessions import Session, SessionForm, SessionKind
from bot.domain.workflow import Outcome
from bot.usecases.reports._shared import (
    _HELD,
    XLSX_MIME,
    ReportFile,
    ReportsBase,
    _yes_no,
    period_text,
)
from messages import label

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_SETTLED = (Status.ANSWERED, Status.RESOLVED, Status.CLOSED, Status.IN_CONCLUSION)


@dataclass(slots=True)
class CityFigures:
    """Figures of a quarterly or annual report to the city (004 V.4)."""

    period: Period
    sessions: list[Session]
    by_kind: dict[SessionKind, int]
    by_form: dict[SessionForm, int]
    received: int
    resolved: int
    open: int
    forwarded: int
    periodic_this_year: int
    satisfaction: Satisfaction

    @property
    def target_met(self) -> bool:
        return self.periodic_this_year >= 1


class CityMixin(ReportsBase):
    """A period's figures for the city and the report and table made from them."""

    def _document(self, kind_title: str, subject: str, symbol: str) -> AdminDocument:
        name = self.s.ward.ward.name
        return AdminDocument(
            issuer=issuing_body(name),
            symbol=symbol,
            place=place_name(name),
            day=self.today(),
            kind_title=kind_title,
            subject=subject,
            signer_caption=label("documents.tm_committee"),
            signer_title=label("documents.chair"),
        )

    async def city_figures(self, period: Period) -> CityFigures:
        since, until = self.local_bounds(period.start, period.end)
        year_start, _ = self.local_bounds(date(period.year, 1, 1), period.end)
        now = self.s.clock.now()
        async with self.s.store.read() as uow:
            rows = list(await uow.reports.petition_rows(PetitionFilter(since=since, until=until)))
            sessions = await uow.sessions.all()
            satisfaction = await uow.reports.satisfaction(since, until)

        def held(s: Session, start: datetime) -> bool:
            return s.status in _HELD and start <= s.starts_at < until and s.starts_at <= now

        in_period = sorted((s for s in sessions if held(s, since)), key=lambda s: s.starts_at)
        periodic_year = sum(
            1 for s in sessions if held(s, year_start) and s.kind is SessionKind.PERIODIC
        )
        forwarded = sum(
            1 for r in rows if r.handling and r.handling.outcome is Outcome.FORWARDED_HIGHER
        )
        resolved = sum(1 for r in rows if r.petition.status in _SETTLED)
        return CityFigures(
            period=period,
            sessions=in_period,
            by_kind=Counter(s.kind for s in in_period),
            by_form=Counter(s.form for s in in_period),
            received=len(rows),
            resolved=resolved,
            open=len(rows) - resolved,
            forwarded=forwarded,
            periodic_this_year=periodic_year,
            satisfaction=satisfaction,
        )

    def city_docx(self, figures: CityFigures) -> bytes:
        p = figures.period
        text = period_text(p)
        ward = self.s.ward.ward.name
        doc = self._document(
            label("reports.city_kind"), label("reports.city_subject", period=text), "BC-UBND"
        )
        k, f = figures.by_kind, figures.by_form
        target = "reports.city_target_met" if figures.target_met else "reports.city_target_missing"
        doc.add(
            Paragraph(label("reports.city_draft_note"), italic=True, indent=False),
            Paragraph(
                label("reports.city_intro", year=p.year, ward=in_sentence(ward), period=text)
            ),
            Heading(label("reports.city_h_sessions")),
            Paragraph(
                label(
                    "reports.city_sessions_text",
                    period=text,
                    held=len(figures.sessions),
                    periodic=k.get(SessionKind.PERIODIC, 0),
                    thematic=k.get(SessionKind.THEMATIC, 0),
                    urgent=k.get(SessionKind.URGENT, 0),
                    weekly=k.get(SessionKind.WEEKLY, 0),
                    direct=f.get(SessionForm.DIRECT, 0),
                    online=f.get(SessionForm.ONLINE, 0),
                    indirect=f.get(SessionForm.INDIRECT, 0),
                )
            ),
        )
        if figures.sessions:
            doc.add(Table(*self._sessions_table(figures.sessions), (1.0, 3.0, 5.0, 3.0, 4.0)))
        doc.add(
            Heading(label("reports.city_h_petitions")),
            Paragraph(
                label(
                    "reports.city_petitions_text",
                    received=figures.received,
                    resolved=figures.resolved,
                    open=figures.open,
                    forwarded=figures.forwarded,
                )
            ),
            Heading(label("reports.city_h_target")),
            Paragraph(label(target, year=p.year, count=figures.periodic_this_year, period=text)),
            Heading(label("reports.city_h_next")),
            Paragraph(label("reports.city_next_text")),
        )
        doc.recipients = [
            label("documents.to_city"),
            label("documents.to_party"),
            label("documents.to_bxdd"),
            label("documents.to_archive"),
        ]
        return docx_bytes(doc)

    def _sessions_table(self, sessions: Sequence[Session]) -> tuple[list[str], list[list[str]]]:
        tz = self.s.ward.tz
        headers = [label(f"reports.col_{c}") for c in ("no", "date", "title", "kind", "form")]
        body = [
            [
                str(n),
                f"{s.starts_at.astimezone(tz):%d/%m/%Y}",
                s.title,
                label(f"sessions.kind.{s.kind.value}"),
                label(f"sessions.form.{s.form.value}"),
            ]
            for n, s in enumerate(sessions, 1)
        ]
        return headers, body

    def city_xlsx(self, figures: CityFigures) -> bytes:
        k, f = figures.by_kind, figures.by_form
        sat = figures.satisfaction
        average = f"{sat.average:.1f}" if sat.average is not None else ""
        summary: list[list[Any]] = [
            [label("reports.item_sessions_held"), len(figures.sessions)],
            *[[label(f"sessions.kind.{kind.value}"), k.get(kind, 0)] for kind in SessionKind],
            *[[label(f"sessions.form.{form.value}"), f.get(form, 0)] for form in SessionForm],
            [label("reports.item_received"), figures.received],
            [label("reports.item_resolved"), figures.resolved],
            [label("reports.item_open"), figures.open],
            [label("reports.item_forwarded"), figures.forwarded],
            [label("reports.item_periodic_year"), figures.periodic_this_year],
            [label("reports.item_target"), _yes_no(figures.target_met)],
            [label("reports.item_survey"), f"{sat.answered} / {average}"],
        ]
        headers, body = self._sessions_table(figures.sessions)
        return xlsx_bytes(
            [
                Sheet(
                    label("reports.sheet_summary"),
                    [label("reports.col_item"), label("reports.col_value")],
                    summary,
                    (52, 14),
                ),
                Sheet(label("reports.sheet_sessions"), headers, body, (5, 12, 48, 26, 16)),
            ]
        )

    async def city_files(self, period: Period) -> tuple[CityFigures, list[ReportFile]]:
        figures = await self.city_figures(period)
        word = await asyncio.to_thread(self.city_docx, figures)
        table = await asyncio.to_thread(self.city_xlsx, figures)
        return figures, [
            ReportFile(label("reports.city_report_file", key=period.key), word, DOCX_MIME),
            ReportFile(label("reports.city_table_file", key=period.key), table, XLSX_MIME),
        ]

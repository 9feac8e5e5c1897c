"""Báo cáo: the petitions table (seed 003 II.3, 004 IV.1(3)), the export of all petitions, the
monthly summary (seed 000 II.1) and the quarterly and annual reports to the city (004 V.4).

The monthly summary goes to secretaries and supervisors on the first working day of the month
(from 08:00 local) with a chart and the .xlsx; the reminders of the reports to the city go out
``REMINDER_WORKING_DAYS`` working days before they are due. Each runs once per period: a
``report_runs`` row is written in the same transaction as the outbox rows (whose keys also name
the period), so a restart or a second process never sends it twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from bot.documents import (
    AdminDocument,
    Heading,
    Paragraph,
    Sheet,
    Table,
    bar_chart_png,
    docx_bytes,
    in_sentence,
    issuing_body,
    place_name,
    xlsx_bytes,
)
from bot.domain.files import stored_media
from bot.domain.permissions import Action, can
from bot.domain.petitions import Status, public_label
from bot.domain.ports import UnitOfWork
from bot.domain.reporting import (
    Period,
    PeriodKind,
    PetitionFilter,
    PetitionRow,
    Satisfaction,
    first_working_day,
    month_of,
    quarter_of,
    reminder_day,
)
from bot.domain.sessions import Session, SessionForm, SessionKind, SessionStatus
from bot.domain.ward import Role
from bot.domain.workflow import UNIT_STATUSES, Outcome
from bot.outbox.queue import Method, enqueue
from bot.usecases.common import Services, audit
from messages import label

SEND_AT = time(8, 0)
MONTHLY_KIND = "monthly"
REMINDER_KIND = "city_reminder"
MONTHLY_EVENT = "report_monthly_summary"
CHART_EVENT = "report_monthly_chart"
FILE_EVENT = "report_monthly_file"
REMINDER_EVENT = "report_city_reminder"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OVERDUE_SHOWN = 15
#: A bot that was down on the first working day still sends within this many working days.
CATCH_UP_WORKING_DAYS = 2

_SETTLED = (Status.ANSWERED, Status.RESOLVED, Status.CLOSED, Status.IN_CONCLUSION)
_HELD = (SessionStatus.PUBLISHED, SessionStatus.HELD)


class ReportOutcome(StrEnum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str
    data: bytes
    mime: str


# ----- the petitions table --------------------------------------------------------------------


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


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


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return label("documents.yes") if value else label("documents.no")


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


# ----- figures ------------------------------------------------------------------------------


@dataclass(slots=True)
class UnitFigure:
    code: str
    name: str
    assigned: int = 0
    answered: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int | None:
        return None if self.answered == 0 else round(100 * self.on_time / self.answered)


@dataclass(slots=True)
class MonthlyFigures:
    """The previous month's figures (seed 000 II.1): by field, status, unit; on time; overdue."""

    period: Period
    received: int
    by_field: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    units: list[UnitFigure]
    overdue: list[dict[str, str]]
    satisfaction: Satisfaction
    sessions_held: int = 0
    rows: list[PetitionRow] = field(default_factory=list)


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


def period_text(period: Period) -> str:
    match period.kind:
        case PeriodKind.MONTHLY:
            return label("reports.period_month", month=period.number, year=period.year)
        case PeriodKind.QUARTERLY:
            return label("reports.period_quarter", quarter=period.number, year=period.year)
    return label("reports.period_year", year=period.year)


class Reports:
    def __init__(self, services: Services) -> None:
        self.s = services

    # --- helpers -----------------------------------------------------------------------------

    def local_bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        tz = self.s.ward.tz
        return (
            datetime.combine(start, time(0), tz),
            datetime.combine(end, time(0), tz),
        )

    def today(self) -> date:
        return self.s.clock.now().astimezone(self.s.ward.tz).date()

    async def allowed(self, actor_id: int) -> bool:
        async with self.s.store.read() as uow:
            member = await uow.staff.get(actor_id)
        return member is not None and member.active and can(member.role, Action.VIEW_REPORTS)

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

    # --- export of all petitions -------------------------------------------------------------

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

    # --- monthly summary ---------------------------------------------------------------------

    async def monthly_figures(self, period: Period) -> MonthlyFigures:
        since, until = self.local_bounds(period.start, period.end)
        today = self.today()
        async with self.s.store.read() as uow:
            rows = list(await uow.reports.petition_rows(PetitionFilter(since=since, until=until)))
            everything = await uow.reports.petition_rows(PetitionFilter())
            satisfaction = await uow.reports.satisfaction(since, until)
            sessions = await uow.sessions.all()
        held = [
            s
            for s in sessions
            if s.status in _HELD and since <= s.starts_at < until and s.starts_at <= until
        ]
        fields = Counter(r.petition.field.label for r in rows)
        statuses = Counter(label(f"petitions.statuses.{r.petition.status.value}") for r in rows)
        units: dict[str, UnitFigure] = {
            u.code: UnitFigure(u.code, u.name) for u in self.s.ward.units
        }
        overdue: list[dict[str, str]] = []
        for r in everything:
            h = r.handling
            if h is None or not h.unit_code:
                continue
            fig = units.setdefault(h.unit_code, UnitFigure(h.unit_code, h.unit_code))
            created = r.petition.created_at
            if since <= created < until:
                fig.assigned += 1
            if h.answered_at is not None and since <= h.answered_at < until:
                fig.answered += 1
                fig.on_time += int(bool(h.answered_on_time))
            if r.petition.status in UNIT_STATUSES:
                fig.open += 1
                if h.due_on is not None and h.due_on < today:
                    fig.overdue += 1
                    overdue.append(
                        {
                            "code": r.petition.code,
                            "field": r.petition.field.label,
                            "unit": fig.name,
                            "due": _d(h.due_on),
                        }
                    )
        overdue.sort(key=lambda o: (o["due"][6:], o["due"][3:5], o["due"][:2], o["code"]))
        return MonthlyFigures(
            period=period,
            received=len(rows),
            by_field=fields.most_common(),
            by_status=statuses.most_common(),
            units=list(units.values()),
            overdue=overdue,
            satisfaction=satisfaction,
            sessions_held=len(held),
            rows=rows,
        )

    def monthly_chart(self, figures: MonthlyFigures) -> bytes:
        p = figures.period
        rates = [(u.name, float(u.percent)) for u in figures.units if u.percent is not None]
        return bar_chart_png(
            label("reports.monthly_title", month=p.number, year=p.year),
            [
                (label("reports.chart_by_field"), [(k, float(v)) for k, v in figures.by_field]),
                (label("reports.chart_by_status"), [(k, float(v)) for k, v in figures.by_status]),
                (label("reports.chart_on_time"), rates),
            ],
            percent_panels=(2,),
        )

    def monthly_xlsx(self, figures: MonthlyFigures) -> bytes:
        count, value = label("reports.col_count"), label("reports.col_value")
        sat = figures.satisfaction
        average = f"{sat.average:.1f}" if sat.average is not None else ""
        summary = Sheet(
            label("reports.sheet_summary"),
            [label("reports.col_item"), value],
            [
                [label("reports.item_received"), figures.received],
                [label("reports.item_sessions_held"), figures.sessions_held],
                [label("reports.item_survey"), f"{sat.answered} / {average}"],
                [label("reports.col_satisfied"), f"{sat.satisfied} / {sat.not_satisfied}"],
            ],
            (48, 18),
        )
        units = Sheet(
            label("reports.sheet_by_unit"),
            [
                label("reports.col_unit"),
                count,
                label("reports.col_answered"),
                label("reports.col_on_time"),
                label("reports.col_rate"),
                label("reports.col_open"),
                label("reports.col_overdue"),
            ],
            [
                [u.name, u.assigned, u.answered, u.on_time, u.percent, u.open, u.overdue]
                for u in figures.units
            ],
            (34, 10, 10, 10, 14, 14, 10),
        )
        overdue = Sheet(
            label("reports.sheet_overdue"),
            [
                label("reports.col_code"),
                label("reports.col_field"),
                label("reports.col_unit"),
                label("reports.col_deadline"),
            ],
            [[o["code"], o["field"], o["unit"], o["due"]] for o in figures.overdue],
            (16, 28, 34, 14),
        )
        return xlsx_bytes(
            [
                summary,
                Sheet(
                    label("reports.sheet_by_field"),
                    [label("reports.col_field"), count],
                    [list(x) for x in figures.by_field],
                    (40, 10),
                ),
                Sheet(
                    label("reports.sheet_by_status"),
                    [label("reports.col_status"), count],
                    [list(x) for x in figures.by_status],
                    (40, 10),
                ),
                units,
                overdue,
                *petition_sheets(self.s, figures.rows, public=False),
            ]
        )

    def monthly_context(self, figures: MonthlyFigures) -> dict[str, object]:
        sat = figures.satisfaction
        return {
            "report_period": period_text(figures.period),
            "report_received": figures.received,
            "report_sessions": figures.sessions_held,
            "report_fields": [{"name": k, "count": v} for k, v in figures.by_field],
            "report_statuses": [{"name": k, "count": v} for k, v in figures.by_status],
            "report_units": [
                {
                    "name": u.name,
                    "answered": u.answered,
                    "percent": u.percent,
                    "open": u.open,
                    "overdue": u.overdue,
                }
                for u in figures.units
                if u.assigned or u.answered or u.open
            ],
            "report_overdue": figures.overdue[:OVERDUE_SHOWN],
            "report_overdue_more": max(0, len(figures.overdue) - OVERDUE_SHOWN),
            "report_survey_answered": sat.answered,
            "report_survey_average": f"{sat.average:.1f}" if sat.average is not None else None,
            "report_satisfied": sat.satisfied,
            "report_not_satisfied": sat.not_satisfied,
        }

    async def monthly_files(self, period: Period) -> tuple[MonthlyFigures, list[ReportFile]]:
        figures = await self.monthly_figures(period)
        chart = await asyncio.to_thread(self.monthly_chart, figures)
        table = await asyncio.to_thread(self.monthly_xlsx, figures)
        return figures, [
            ReportFile(label("reports.chart_file", key=period.key), chart, "image/png"),
            ReportFile(label("reports.monthly_file", key=period.key), table, XLSX_MIME),
        ]

    async def _recipients(self, uow: UnitOfWork) -> list[int]:
        staff = await uow.staff.list_active()
        wanted = (Role.SECRETARY, Role.SUPERVISOR)
        return sorted({m.telegram_id for m in staff if m.role in wanted})

    def _due_local(self) -> tuple[date, bool]:
        local = self.s.clock.now().astimezone(self.s.ward.tz)
        return local.date(), local.time() >= SEND_AT

    async def run_monthly_due(self) -> int:
        """From 08:00 on the first working day of a month (or within ``CATCH_UP_WORKING_DAYS``
        after it, if the bot was down), queue last month's summary once; returns the number of
        recipients (0: nothing was due or it already went out)."""
        today, after_opening = self._due_local()
        if not after_opening or not self.s.calendar.is_working_day(today):
            return 0
        current = month_of(today)
        first = first_working_day(current, self.s.calendar)
        if not first <= today <= self.s.calendar.add_working_days(first, CATCH_UP_WORKING_DAYS):
            return 0
        period = current.previous()
        async with self.s.store.read() as uow:
            if await uow.reports.has_run(MONTHLY_KIND, period.key):
                return 0
        figures, (chart, table) = await self.monthly_files(period)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            people = await self._recipients(uow)
            if not await uow.reports.record_run(
                MONTHLY_KIND, period.key, at=now, recipients=len(people)
            ):
                return 0
            chart_id = await uow.files.add(
                name=chart.name, mime_type=chart.mime, data=chart.data, now=now
            )
            table_id = await uow.files.add(
                name=table.name, mime_type=table.mime, data=table.data, now=now
            )
            context = self.monthly_context(figures)
            for chat_id in people:
                key = f"report:monthly:{period.key}:{chat_id}"
                await enqueue(
                    uow, now=now, event=MONTHLY_EVENT, chat_id=chat_id, key=key, context=context
                )
                await enqueue(
                    uow,
                    now=now,
                    event=CHART_EVENT,
                    chat_id=chat_id,
                    key=f"{key}:chart",
                    context={"report_period": context["report_period"]},
                    method=Method.PHOTO,
                    media=stored_media(chart_id),
                )
                await enqueue(
                    uow,
                    now=now,
                    event=FILE_EVENT,
                    chat_id=chat_id,
                    key=f"{key}:xlsx",
                    context={"report_period": context["report_period"]},
                    method=Method.DOCUMENT,
                    media=stored_media(table_id),
                )
            await audit(
                uow,
                self.s,
                actor_id=None,
                action="report.monthly_sent",
                subject_type="report",
                subject_id=f"{MONTHLY_KIND}:{period.key}",
                recipients=len(people),
                petitions=figures.received,
            )
        return len(people)

    # --- reports to the city ----------------------------------------------------------------

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

    async def files_for(self, period: Period) -> list[ReportFile]:
        """What /baocao and ``python -m bot report`` produce for a period."""
        if period.kind is PeriodKind.MONTHLY:
            _, files = await self.monthly_files(period)
        else:
            _, files = await self.city_files(period)
        return files

    def city_periods_due(self, today: date) -> list[Period]:
        """Reports to the city whose reminder day has come and whose due date has not passed."""
        candidates = [quarter_of(today), Period(PeriodKind.ANNUAL, today.year)]
        found = []
        for period in candidates:
            due = period.due_on()
            if due is not None and reminder_day(due, self.s.calendar) <= today < due:
                found.append(period)
        return found

    async def run_city_reminders_due(self) -> int:
        """Remind secretaries and supervisors once per report, ahead of its due date."""
        today, after_opening = self._due_local()
        if not after_opening or not self.s.calendar.is_working_day(today):
            return 0
        sent = 0
        now = self.s.clock.now()
        for period in self.city_periods_due(today):
            due = period.due_on()
            assert due is not None
            async with self.s.store.transaction() as uow:
                people = await self._recipients(uow)
                if not await uow.reports.record_run(
                    REMINDER_KIND, period.key, at=now, recipients=len(people)
                ):
                    continue
                for chat_id in people:
                    await enqueue(
                        uow,
                        now=now,
                        event=REMINDER_EVENT,
                        chat_id=chat_id,
                        key=f"report:reminder:{period.key}:{chat_id}",
                        context={
                            "report_period": period_text(period),
                            "report_due": due,
                            "report_kind": period.kind.value,
                        },
                    )
                await audit(
                    uow,
                    self.s,
                    actor_id=None,
                    action="report.city_reminder_sent",
                    subject_type="report",
                    subject_id=f"{period.kind.value}:{period.key}",
                    recipients=len(people),
                    due=due.isoformat(),
                )
                sent += len(people)
        return sent

    async def run_due(self) -> int:
        """The periodic job: monthly summary and reminders of the reports to the city."""
        return await self.run_monthly_due() + await self.run_city_reminders_due()

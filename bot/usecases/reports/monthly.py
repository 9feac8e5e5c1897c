"""The monthly summary of opinions and results (seed 000 II.1): figures by field, status and
unit, on-time rates and overdue items, as a chart, an .xlsx and the message's values."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from bot.documents import Sheet, bar_chart_png, xlsx_bytes
from bot.domain.reporting import Period, PetitionFilter, PetitionRow, Satisfaction
from bot.domain.workflow import UNIT_STATUSES
from bot.usecases.reports._shared import _HELD, XLSX_MIME, ReportFile, ReportsBase, _d, period_text
from bot.usecases.reports.table import petition_sheets
from messages import label

OVERDUE_SHOWN = 15


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


class MonthlyMixin(ReportsBase):
    """Last month's figures and the files made from them."""

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

"""Báo cáo: the petitions table (seed 003 II.3, 004 IV.1(3)), the export of all petitions, the
monthly summary (seed 000 II.1) and the quarterly and annual reports to the city (004 V.4).

The monthly summary goes to secretaries and supervisors on the first working day of the month
(from 08:00 local) with a chart and the .xlsx; the reminders of the reports to the city go out
``REMINDER_WORKING_DAYS`` working days before they are due. Each runs once per period: a
``report_runs`` row is written in the same transaction as the outbox rows (whose keys also name
the period), so a restart or a second process never sends it twice.
"""

from __future__ import annotations

from bot.usecases.reports._shared import XLSX_MIME, ReportFile, ReportOutcome, period_text
from bot.usecases.reports.city import DOCX_MIME, CityFigures, CityMixin
from bot.usecases.reports.jobs import (
    CATCH_UP_WORKING_DAYS,
    CHART_EVENT,
    FILE_EVENT,
    MONTHLY_EVENT,
    MONTHLY_KIND,
    REMINDER_EVENT,
    REMINDER_KIND,
    SEND_AT,
    JobsMixin,
)
from bot.usecases.reports.monthly import OVERDUE_SHOWN, MonthlyFigures, MonthlyMixin, UnitFigure
from bot.usecases.reports.table import (
    EXPORT_WIDTHS,
    PUBLIC_WIDTHS_XLSX,
    STAFF_WIDTHS_CM,
    STAFF_WIDTHS_XLSX,
    ExportMixin,
    export_headers,
    export_row,
    level,
    petition_sheets,
    public_headers,
    public_row,
    resolving_unit,
    result_text,
    staff_headers,
    staff_row,
    unit_name,
)

__all__ = [
    "CATCH_UP_WORKING_DAYS",
    "CHART_EVENT",
    "DOCX_MIME",
    "EXPORT_WIDTHS",
    "FILE_EVENT",
    "MONTHLY_EVENT",
    "MONTHLY_KIND",
    "OVERDUE_SHOWN",
    "PUBLIC_WIDTHS_XLSX",
    "REMINDER_EVENT",
    "REMINDER_KIND",
    "SEND_AT",
    "STAFF_WIDTHS_CM",
    "STAFF_WIDTHS_XLSX",
    "XLSX_MIME",
    "CityFigures",
    "MonthlyFigures",
    "ReportFile",
    "ReportOutcome",
    "Reports",
    "UnitFigure",
    "export_headers",
    "export_row",
    "level",
    "period_text",
    "petition_sheets",
    "public_headers",
    "public_row",
    "resolving_unit",
    "result_text",
    "staff_headers",
    "staff_row",
    "unit_name",
]


class Reports(ExportMixin, JobsMixin, MonthlyMixin, CityMixin):
    """One use case composed of its parts; ``JobsMixin`` builds on the monthly and city parts
    (it sends and files what they make), so it comes before them in the resolution order."""

"""The monthly summary (chart and table) of any past month as downloads, for those who may
see reports; the same files the bot sends on the first working day of the month."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from starlette.responses import Response
from starlette.routing import Route

from bot.domain.reporting import Period, PeriodKind
from bot.usecases.common import Services
from bot.usecases.reports import Reports
from bot.web.staff.base import ROOT, Page, page_route
from bot.web.staff.sessions import download

REPORTS = f"{ROOT}/bao-cao"
MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def _months(today: date, count: int = 12) -> list[str]:
    """This month and the ones before it, newest first (``yyyy-mm``)."""
    found = []
    year, month = today.year, today.month
    for _ in range(count):
        found.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


def routes(services: Callable[[], Services]) -> list[Route]:
    async def listing(page: Page) -> Response:
        reports = Reports(page.services)
        if not await reports.allowed(page.user_id):
            return page.refused()
        return page.render("reports", months=_months(reports.today()))

    async def monthly(page: Page) -> Response:
        found = MONTH.match(str(page.request.path_params["month"]))
        index = str(page.request.path_params["n"])
        reports = Reports(page.services)
        if not await reports.allowed(page.user_id):
            return page.refused()
        if found is None or not index.isdigit():
            return page.not_found()
        period = Period(PeriodKind.MONTHLY, int(found.group(1)), int(found.group(2)))
        _figures, files = await reports.monthly_files(period)
        if int(index) >= len(files):
            return page.not_found()
        return download(files[int(index)].name, files[int(index)].data)

    return [
        page_route(services, REPORTS, listing),
        page_route(services, f"{REPORTS}/{{month}}/{{n}}", monthly),
    ]

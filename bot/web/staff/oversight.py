"""The supervisor's pages: overdue items and each unit's on-time rate, and any petition's
audit trail by its code."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.routing import Route

from bot.usecases.common import Services
from bot.usecases.workflow import Result, Workflow
from bot.web.staff.base import ROOT, Page, page_route


def routes(services: Callable[[], Services]) -> list[Route]:
    async def overview(page: Page) -> Response:
        found = await Workflow(page.services).oversight(page.user_id)
        if found.result is Result.NOT_ALLOWED:
            return page.refused()
        names = {u.code: u.name for u in page.services.ward.units}
        return page.render("oversight", found=found, unit_names=names)

    async def trail(page: Page) -> Response:
        code = (page.request.query_params.get("ma") or "").strip()[:40]
        if not code:
            if not page.can_trail():
                return page.refused()
            return page.render("trail", code="", trail=None)
        found = await Workflow(page.services).trail_of_code(page.user_id, code)
        if found.result is Result.NOT_ALLOWED:
            return page.refused()
        status = 404 if found.result is Result.NOT_FOUND else 200
        return page.render("trail", status, code=code, trail=found)

    return [
        page_route(services, f"{ROOT}/giam-sat", overview),
        page_route(services, f"{ROOT}/nhat-ky", trail),
    ]

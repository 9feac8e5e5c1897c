"""``/quan-ly``: who is logged in and where their work is."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.routing import Route

from bot.usecases.common import Services
from bot.web.staff.base import ROOT, Page, page_route


def routes(services: Callable[[], Services]) -> list[Route]:
    async def home(page: Page) -> Response:
        return page.render("home")

    return [page_route(services, ROOT, home)]

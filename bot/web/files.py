"""``GET /f/<token>/<name>``: a stored file behind an expiring link; anything else is 404."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.usecases.common import Services
from messages import render_page

__all__ = ["file_routes"]


def file_routes(services: Callable[[], Services]) -> list[Route]:
    async def open_file(request: Request) -> Response:
        found = services()
        async with found.store.read() as uow:
            stored = await uow.files.by_link(request.path_params["token"], found.clock.now())
        if stored is None:
            return HTMLResponse(render_page("link_gone"), status_code=404)
        disposition = f"attachment; filename*=UTF-8''{quote(stored.name)}"
        return Response(
            stored.data,
            media_type=stored.mime_type,
            headers={
                "Content-Disposition": disposition,
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    return [Route("/f/{token}/{name}", open_file, methods=["GET"])]

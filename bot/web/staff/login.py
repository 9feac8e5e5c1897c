"""The login link's page (a «Đăng nhập» button, so a link preview cannot use up the link),
the login itself, logout, and the dashboard's static files."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.usecases.common import Services
from bot.usecases.web_login import LOGIN_PATH, LoginOutcome, WebLogin
from bot.web.staff.base import (
    COOKIE,
    ROOT,
    Page,
    csrf_refused,
    html,
    page_route,
    security_headers,
    static_file,
)
from messages import label

STATIC_TYPES = {".js": "text/javascript", ".css": "text/css"}


def _refused(outcome: LoginOutcome) -> Response:
    return html(
        "link_refused", 410, reason=outcome.value, command="/web", button=label("web_login.button")
    )


def routes(services: Callable[[], Services]) -> list[Route]:
    async def open_link(request: Request) -> Response:
        token = request.path_params["token"]
        outcome = await WebLogin(services()).check_link(token)
        if outcome is not LoginOutcome.LOGGED_IN:
            return _refused(outcome)
        return html("login", action=LOGIN_PATH + token)

    async def log_in(request: Request) -> Response:
        found = services()
        done = await WebLogin(found).log_in(request.path_params["token"])
        if done.outcome is not LoginOutcome.LOGGED_IN or done.cookie is None:
            return _refused(done.outcome)
        response = RedirectResponse(ROOT, status_code=303, headers=security_headers())
        response.set_cookie(
            COOKIE,
            done.cookie,
            path=ROOT,
            httponly=True,
            samesite="lax",
            secure=(found.web_public_url or "").startswith("https://"),
        )
        return response

    async def log_out(page: Page) -> Response:
        if await page.form() is None:
            return csrf_refused()
        await WebLogin(page.services).log_out(page.session)
        response = html("logged_out", command="/web", button=label("web_login.button"))
        response.delete_cookie(COOKIE, path=ROOT, httponly=True, samesite="lax")
        return response

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        kind = next((t for ext, t in STATIC_TYPES.items() if name.endswith(ext)), None)
        data = static_file(name) if kind and "/" not in name else None
        if data is None:
            return Response(status_code=404)
        return Response(
            data,
            media_type=kind,
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    return [
        Route(LOGIN_PATH + "{token}", open_link, methods=["GET"]),
        Route(LOGIN_PATH + "{token}", log_in, methods=["POST"]),
        page_route(services, f"{ROOT}/dang-xuat", log_out, ("POST",)),
        Route(f"{ROOT}/tinh/{{name}}", static, methods=["GET"]),
    ]

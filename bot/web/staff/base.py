"""What every dashboard page shares: the session cookie, the CSRF check, the security headers
and rendering ``messages/web/staff/<name>.html.j2`` with the person's menu."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.domain.permissions import Action, can
from bot.domain.petitions import FieldOfConcern, Status
from bot.usecases.common import Services
from bot.usecases.web_login import StaffSession, WebLogin
from messages import label, render_page

__all__ = [
    "COOKIE",
    "ROOT",
    "Page",
    "StaffHandler",
    "html",
    "page_route",
    "security_headers",
]

ROOT = "/quan-ly"
COOKIE = "ndn_staff"
MAX_FORM_BYTES = 6 * 1024 * 1024

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def html(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        render_page(f"staff/{name}", **context), status_code=status, headers=security_headers()
    )


# The menu of the dashboard: the action that shows it, its path and its label.
MENU: tuple[tuple[Action, str, str], ...] = (
    (Action.VIEW_INBOX, f"{ROOT}/y-kien", "Hộp ý kiến"),
    (Action.VIEW_UNIT_TASKS, f"{ROOT}/don-vi", "Việc của đơn vị"),
    (Action.MANAGE_SESSIONS, f"{ROOT}/phien", "Buổi đối thoại"),
    (Action.VIEW_REPORTS, f"{ROOT}/bao-cao", "Báo cáo"),
    (Action.VIEW_OVERDUE, f"{ROOT}/giam-sat", "Giám sát"),
    (Action.VIEW_AUDIT_TRAIL, f"{ROOT}/nhat-ky", "Nhật ký xử lý"),
)


@dataclass(slots=True)
class Page:
    """One request of a logged-in staff member."""

    request: Request
    services: Services
    session: StaffSession

    @property
    def user_id(self) -> int:
        return self.session.person_id

    def can(self, action: Action) -> bool:
        return can(self.session.staff.role, action)

    def can_trail(self) -> bool:
        return self.can(Action.VIEW_AUDIT_TRAIL)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        staff = self.session.staff
        unit = self.services.ward.unit(staff.unit_code or "")
        return html(
            name,
            status,
            me={
                "name": staff.full_name,
                "role": label(f"roles.{staff.role.value}"),
                "unit": unit.name if unit else None,
            },
            menu=[(path, text) for action, path, text in MENU if self.can(action)],
            path=self.request.url.path,
            csrf=self.session.csrf_token,
            root=ROOT,
            tz=self.services.ward.ward.timezone,
            fields=[(f.value, f.label) for f in FieldOfConcern],
            statuses={s.value: label(f"petitions.statuses.{s.value}") for s in Status},
            units=[(u.code, u.name) for u in self.services.ward.units],
            **context,
        )

    def refused(self) -> HTMLResponse:
        return self.render("not_allowed", 403)

    def not_found(self) -> HTMLResponse:
        return self.render("not_found", 404)

    def back(self, path: str, done: str) -> Response:
        """After an action: the page again, with what was done (Post/Redirect/Get)."""
        return RedirectResponse(f"{path}?xong={done}", status_code=303)

    async def form(self) -> FormData | None:
        """The posted form when its CSRF token is this session's; None otherwise."""
        length = int(self.request.headers.get("content-length") or 0)
        if length > MAX_FORM_BYTES:
            return None
        form = await self.request.form(max_files=1, max_fields=50)
        sent = form.get("csrf")
        if not isinstance(sent, str) or not secrets.compare_digest(
            sent.encode(), self.session.csrf_token.encode()
        ):
            return None
        return form


StaffHandler = Callable[[Page], Awaitable[Response]]


def csrf_refused() -> HTMLResponse:
    return html("csrf_refused", 403)


def page_route(
    services: Callable[[], Services],
    path: str,
    handler: StaffHandler,
    methods: tuple[str, ...] = ("GET",),
) -> Route:
    """A route that opens only with a live staff session; POSTs need the form's CSRF token."""

    async def endpoint(request: Request) -> Response:
        found = services()
        session = await WebLogin(found).current(request.cookies.get(COOKIE))
        if session is None:
            return html("need_login", 403, command="/web", button=label("web_login.button"))
        return await handler(Page(request, found, session))

    return Route(path, endpoint, methods=list(methods))


def text_field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def static_file(name: str) -> bytes | None:
    entry = resources.files("bot.web").joinpath("static", name)
    return entry.read_bytes() if entry.is_file() else None

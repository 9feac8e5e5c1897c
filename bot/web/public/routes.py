"""The public pages: ``/``, ``/y-kien`` (htmx updates the list in place), ``/y-kien/<code>``,
``/gui-y-kien``, ``/phien/<id>`` and the static files. Each handler parses the request, calls
a public use case and renders ``messages/web/<page>.html.j2``; none runs SQL itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain.petitions import FieldOfConcern, Status, is_tracking_code
from bot.domain.workflow import REASON_MAX
from bot.usecases.common import Services
from bot.usecases.public import (
    AuthorAccess,
    IntakeOutcome,
    PublicPages,
    Verdict,
    WebIntake,
)
from bot.web.public.forms import read_filter, read_petition, too_big
from bot.web.public.open311 import open311_routes
from bot.web.public.security import HEADERS, RateLimiter, client_ip, page
from messages import label, labels, render_page

__all__ = ["public_routes"]

_STATIC = {
    "htmx.min.js": "text/javascript",
    "site.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


def _common(services: Services) -> dict[str, Any]:
    return {
        "ward_name": services.ward.ward.name,
        "tz": services.ward.ward.timezone,
        "status_labels": labels("petitions.statuses"),
        "event_labels": labels("petitions.events"),
        "unit_names": {u.code: u.name for u in services.ward.units},
        "problem_text": lambda field, problem: label(f"web.problems.{field}.{problem}"),
    }


def public_routes(services: Callable[[], Services]) -> list[Route]:
    state: dict[str, RateLimiter] = {}

    def limiter(name: str, limit: int, window: timedelta) -> RateLimiter:
        if name not in state:
            state[name] = RateLimiter(services().clock, limit, window)
        return state[name]

    def render(name: str, status: int = 200, **context: Any) -> Response:
        return page(render_page(name, **_common(services()), **context), status)

    def not_found() -> Response:
        return render("not_found", 404)

    def too_many() -> Response:
        return render("rate_limited", 429)

    async def home(request: Request) -> Response:
        found = await PublicPages(services()).home()
        return render("home", home=found)

    async def petitions(request: Request) -> Response:
        s = services()
        flt, number, chosen = read_filter(s, request)
        listing = await PublicPages(s).listing(flt, number)
        links = {
            "prev": f"/y-kien?{urlencode({**chosen, 'trang': number})}" if number > 0 else None,
            "next": f"/y-kien?{urlencode({**chosen, 'trang': number + 2})}"
            if listing.has_next
            else None,
        }
        context: dict[str, Any] = {
            "listing": listing,
            "chosen": chosen,
            "links": links,
            "fields": list(FieldOfConcern),
            "statuses": list(Status),
            "units": s.ward.units,
        }
        if request.headers.get("hx-request") == "true":
            return render("petition_rows", **context)
        return render("petitions", **context)

    async def show_petition(request: Request, **extra: Any) -> Response:
        s = services()
        code = request.path_params["code"]
        if not is_tracking_code(code):
            return not_found()
        token = request.query_params.get("t") or extra.pop("token", None)
        access = AuthorAccess(s)
        author = await access.token_ok(code, token)
        found = await PublicPages(s).petition(code, author=author)
        if found is None:
            return not_found()
        status = extra.pop("status", 200)
        return render(
            "petition",
            status,
            view=found,
            author=author,
            token=token if author else None,
            reason_max=REASON_MAX,
            **{"errors": {}, "notice": None, "reason": "", **extra},
        )

    async def petition(request: Request) -> Response:
        return await show_petition(request)

    async def prove_author(request: Request) -> Response:
        """Code + the last 4 phone digits: 5 tries an hour per code and per address."""
        s = services()
        code = request.path_params["code"]
        if not is_tracking_code(code):
            return not_found()
        if not limiter("tail", 5, timedelta(hours=1)).allow(f"code:{code}", client_ip(request)):
            return too_many()
        form = await request.form(max_files=0, max_part_size=1024)
        tail = str(form.get("tail") or "")
        access = AuthorAccess(s)
        if await access.phone_ok(code, tail):
            return RedirectResponse(await access.link_path(code), 303, headers=HEADERS)
        return await show_petition(request, errors={"tail": "invalid"}, status=400)

    async def verdict(request: Request) -> Response:
        s = services()
        code = request.path_params["code"]
        if not is_tracking_code(code):
            return not_found()
        form = await request.form(max_files=0, max_part_size=16 * 1024)
        token = str(form.get("t") or "")
        access = AuthorAccess(s)
        if form.get("verdict") == "satisfied":
            result = await access.satisfied(code, token)
        else:
            result = await access.reopen(code, token, str(form.get("reason") or ""))
        if result.verdict is Verdict.NOT_ALLOWED:
            return not_found()
        if result.verdict in (Verdict.EMPTY, Verdict.TOO_LONG):
            problem = "required" if result.verdict is Verdict.EMPTY else "too_long"
            return await show_petition(
                request,
                token=token,
                errors={"reason": problem},
                reason=str(form.get("reason") or ""),
                status=400,
            )
        return await show_petition(request, token=token, notice=result.verdict.value)

    async def intake_form(request: Request) -> Response:
        s = services()
        return render(
            "intake",
            values=_blank(),
            errors={},
            **await _choices(s),
        )

    async def intake(request: Request) -> Response:
        s = services()
        if too_big(request):
            return render("too_large", 413)
        if not limiter("intake_ip", 30, timedelta(hours=1)).allow(client_ip(request)):
            return too_many()
        form, values = await read_petition(request)
        digits = "".join(ch for ch in form.phone if ch.isdigit())
        if digits and not limiter("intake_phone", 8, timedelta(hours=1)).allow(digits[-9:]):
            return too_many()
        result = await WebIntake(s).submit(form)
        match result.outcome:
            case IntakeOutcome.COMPLAINT:
                ward = s.ward.ward
                return render(
                    "complaint",
                    office=ward.complaints_office,
                    address=ward.office_address,
                    hours=ward.office_hours,
                )
            case IntakeOutcome.FILED:
                assert result.petition is not None
                link = await AuthorAccess(s).link_path(result.petition.code)
                return render("intake_done", result=result, author_link=link, status=201)
            case IntakeOutcome.DUPLICATE | IntakeOutcome.LIMIT_REACHED:
                return render(
                    "intake",
                    409,
                    values=values,
                    errors={},
                    refusal=result.outcome.value,
                    existing=result.petition.code if result.petition else None,
                    limit=result.limit,
                    **await _choices(s),
                )
        errors = {name: problem.value for name, problem in result.problems.items()}
        return render("intake", 400, values=values, errors=errors, **await _choices(s))

    async def session_card(request: Request) -> Response:
        card = await PublicPages(services()).session_card(request.path_params["sid"])
        if card is None:
            return not_found()
        return render("session", card=card)

    async def session_ics(request: Request) -> Response:
        sid = request.path_params["sid"]
        data = await PublicPages(services()).session_calendar(sid)
        if data is None:
            return not_found()
        return Response(
            data,
            media_type="text/calendar",
            headers={
                **HEADERS,
                "Content-Disposition": f'attachment; filename="doi-thoai-{sid}.ics"',
            },
        )

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC:
            return not_found()
        data = resources.files("bot.web").joinpath("static", name).read_bytes()
        return Response(
            data,
            media_type=_STATIC[name],
            headers={**HEADERS, "Cache-Control": "public, max-age=86400"},
        )

    return [
        Route("/", home, methods=["GET"]),
        Route("/y-kien", petitions, methods=["GET"]),
        Route("/y-kien/{code}", petition, methods=["GET"]),
        Route("/y-kien/{code}", prove_author, methods=["POST"]),
        Route("/y-kien/{code}/danh-gia", verdict, methods=["POST"]),
        Route("/gui-y-kien", intake_form, methods=["GET"]),
        Route("/gui-y-kien", intake, methods=["POST"]),
        Route("/phien/{sid:int}", session_card, methods=["GET"]),
        Route("/phien/{sid:int}/lich.ics", session_ics, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        *open311_routes(services),
    ]


def _blank() -> dict[str, Any]:
    return {
        "kind": "opinion",
        "name": "",
        "phone": "",
        "group": "",
        "field": "",
        "session": "weekly",
        "content": "",
        "address": "",
        "consent": False,
        "content_public": False,
        "named_publicly": False,
    }


async def _choices(services: Services) -> dict[str, Any]:
    return {
        "groups": services.ward.groups,
        "fields": list(FieldOfConcern),
        "sessions": await WebIntake(services).open_sessions(),
    }

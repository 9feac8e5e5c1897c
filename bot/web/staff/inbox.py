"""The secretary's inbox as a table (filters, search, pages; htmx swaps only the rows) and a
petition's card with every outcome the chat offers: classify, group with a similar petition,
assign to a unit, answered at the session, answer directly, to the higher level, out of scope,
and the decision on a unit's extension request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.permissions import Action
from bot.domain.petitions import FieldOfConcern, Status
from bot.domain.workflow import InboxFilter
from bot.usecases.common import Services
from bot.usecases.workflow import Change, Result, TextKind, Workflow
from bot.web.staff.base import ROOT, Page, csrf_refused, page_route, text_field

PAGE_SIZE = 20
NO_ERROR: dict[str, Any] = {"error": None, "error_action": None, "typed": {}, "limit": 0}
INBOX = f"{ROOT}/y-kien"
TEXT_ACTIONS = {
    "tra-loi": TextKind.DIRECT,
    "cap-tren": TextKind.FORWARD,
    "ngoai-pham-vi": TextKind.SCOPE,
}
STATUS_CODES = {
    Result.NOT_ALLOWED: 403,
    Result.NOT_FOUND: 404,
    Result.WRONG_STATE: 409,
}


def _filter(query: Any) -> InboxFilter:
    status = str(query.get("trang_thai") or "")
    field = str(query.get("linh_vuc") or "")
    session = query.get("buoi") or ""
    page = query.get("trang") or "1"
    return InboxFilter(
        status=Status(status) if status in Status._value2member_map_ else None,
        field=FieldOfConcern(field) if field in FieldOfConcern._value2member_map_ else None,
        session_id=int(session) if session.isdigit() else None,
        weekly=session == "tuan",
        page=int(page) - 1 if page.isdigit() and int(page) > 0 else 0,
        search=(query.get("q") or "").strip()[:100] or None,
    )


def _petition_id(page: Page) -> int | None:
    raw = str(page.request.path_params["pid"])
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


async def _card(page: Page, petition_id: int, status: int = 200, **extra: Any) -> Response:
    workflow = Workflow(page.services)
    shown = await workflow.card(page.user_id, petition_id)
    if shown.result is Result.NOT_ALLOWED:
        return page.refused()
    if shown.result is not Result.DONE or shown.item is None:
        return page.not_found()
    similar = await workflow.similar(page.user_id, petition_id)
    return page.render(
        "card",
        status,
        item=shown.item,
        members=[m for m in shown.members if m.petition.id != petition_id],
        extension=shown.extension,
        similar=similar.similar,
        due_if_assigned=workflow.due_from_today(),
        done=page.request.query_params.get("xong"),
        can_trail=page.can(Action.VIEW_AUDIT_TRAIL),
        **{**NO_ERROR, **extra},
    )


async def _act(workflow: Workflow, page: Page, pid: int, action: str, form: FormData) -> Change:
    user = page.user_id
    if action == "phan-loai":
        field = text_field(form, "field")
        if field not in FieldOfConcern._value2member_map_:
            return Change(Result.EMPTY)
        return await workflow.classify(user, pid, FieldOfConcern(field))
    if action == "giao":
        return await workflow.assign(user, pid, text_field(form, "unit"))
    if action == "tai-buoi":
        return await workflow.answered_at_session(user, pid)
    if action in TEXT_ACTIONS:
        return await workflow.apply_text(user, pid, TEXT_ACTIONS[action], text_field(form, "text"))
    if action == "gop":
        other = text_field(form, "other")
        return await workflow.group(user, pid, int(other) if other.isdigit() else 0)
    if action == "gia-han":
        request = text_field(form, "request")
        approve = text_field(form, "approve") == "1"
        return await workflow.decide_extension(
            user, int(request) if request.isdigit() else 0, approve
        )
    return Change(Result.NOT_FOUND)


def routes(services: Callable[[], Services]) -> list[Route]:
    async def inbox(page: Page) -> Response:
        flt = _filter(page.request.query_params)
        found = await Workflow(page.services).inbox(page.user_id, flt, PAGE_SIZE)
        if found.result is Result.NOT_ALLOWED:
            return page.refused()
        partial = page.request.headers.get("HX-Request") == "true"
        return page.render(
            "inbox_rows" if partial else "inbox",
            found=found,
            flt=found.filter,
            query={
                "trang_thai": flt.status.value if flt.status else "",
                "linh_vuc": flt.field.value if flt.field else "",
                "buoi": "tuan" if flt.weekly else (str(flt.session_id or "") or ""),
                "q": flt.search or "",
            },
        )

    async def card(page: Page) -> Response:
        pid = _petition_id(page)
        if pid is None:
            return page.not_found()
        return await _card(page, pid)

    async def act(page: Page) -> Response:
        pid = _petition_id(page)
        form = await page.form()
        if form is None:
            return csrf_refused()
        if pid is None:
            return page.not_found()
        action = str(page.request.path_params["action"])
        done = await _act(Workflow(page.services), page, pid, action, form)
        if done.result is Result.DONE:
            return page.back(f"{INBOX}/{pid}", action)
        return await _card(
            page,
            pid,
            STATUS_CODES.get(done.result, 400),
            error=done.result.value,
            error_action=action,
            limit=done.limit,
            typed={action: text_field(form, "text")},
        )

    return [
        page_route(services, INBOX, inbox),
        page_route(services, f"{INBOX}/{{pid}}", card),
        page_route(services, f"{INBOX}/{{pid}}/{{action}}", act, ("POST",)),
    ]

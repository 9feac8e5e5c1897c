"""A unit official's items: the list, and each item's card with accept, answer (a file may go
with it), ask for more time, and hand back to the secretaries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response
from starlette.routing import Route

from bot.usecases.common import Services
from bot.usecases.file_links import keep_upload
from bot.usecases.workflow import Change, Result, TextKind, Workflow
from bot.web.staff.base import ROOT, Page, csrf_refused, page_route, text_field
from bot.web.staff.inbox import NO_ERROR, STATUS_CODES

UNIT = f"{ROOT}/don-vi"
MAX_UPLOAD = 5 * 1024 * 1024
# Declared type → (the kind the resident receives, the first bytes such a file starts with).
UPLOADS: dict[str, tuple[str, bytes]] = {
    "image/jpeg": ("photo", b"\xff\xd8\xff"),
    "image/png": ("photo", b"\x89PNG\r\n\x1a\n"),
    "application/pdf": ("document", b"%PDF-"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "document",
        b"PK\x03\x04",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "document",
        b"PK\x03\x04",
    ),
}


def _petition_id(page: Page) -> int | None:
    raw = str(page.request.path_params["pid"])
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


async def _card(page: Page, pid: int, status: int = 200, **extra: Any) -> Response:
    shown = await Workflow(page.services).unit_card(page.user_id, pid)
    if shown.result is Result.NOT_ALLOWED:
        return page.refused()
    if shown.item is None:
        return page.not_found()
    return page.render(
        "unit_card",
        status,
        item=shown.item,
        members=[m for m in shown.members if m.petition.id != pid],
        closed=shown.result is not Result.DONE,
        today=Workflow(page.services).today(),
        done=page.request.query_params.get("xong"),
        **{**NO_ERROR, **extra},
    )


async def _upload(page: Page, form: FormData) -> tuple[str, str] | str | None:
    """(kind, stored reference) of an attached file; None without one; an error code when the
    file is too big or not one of the accepted types."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_UPLOAD + 1)
    if not data:
        return None
    if len(data) > MAX_UPLOAD:
        return "file_too_big"
    accepted = UPLOADS.get(upload.content_type or "")
    if accepted is None or not data.startswith(accepted[1]):
        return "file_type"
    name = upload.filename.replace("/", "_").replace("\\", "_")[-120:]
    ref = await keep_upload(page.services, name=name, mime_type=str(upload.content_type), data=data)
    return accepted[0], ref


async def _act(page: Page, pid: int, action: str, form: FormData) -> Change | str:
    workflow = Workflow(page.services)
    user = page.user_id
    text = text_field(form, "text")
    if action == "tiep-nhan":
        return await workflow.accept(user, pid)
    if action == "tra-loi":
        attached = await _upload(page, form)
        if isinstance(attached, str):
            return attached
        kind, ref = attached if attached else (None, None)
        return await workflow.apply_text(
            user, pid, TextKind.ANSWER, text, file_kind=kind, file_id=ref
        )
    if action == "gia-han":
        try:
            proposed: date | None = date.fromisoformat(text_field(form, "due"))
        except ValueError:
            proposed = None
        return await workflow.apply_text(user, pid, TextKind.EXT_REASON, text, proposed=proposed)
    if action == "tra-lai":
        return await workflow.apply_text(user, pid, TextKind.TRANSFER, text)
    return Change(Result.NOT_FOUND)


def routes(services: Callable[[], Services]) -> list[Route]:
    async def items(page: Page) -> Response:
        found = await Workflow(page.services).unit_list(page.user_id)
        if found.result is Result.NOT_ALLOWED:
            return page.refused()
        unit = page.services.ward.unit(found.unit_code or "")
        return page.render(
            "unit_list", found=found, unit_name=unit.name if unit else "", today=found.today
        )

    async def card(page: Page) -> Response:
        pid = _petition_id(page)
        return page.not_found() if pid is None else await _card(page, pid)

    async def act(page: Page) -> Response:
        pid = _petition_id(page)
        form = await page.form()
        if form is None:
            return csrf_refused()
        if pid is None:
            return page.not_found()
        action = str(page.request.path_params["action"])
        done = await _act(page, pid, action, form)
        if isinstance(done, Change) and done.result is Result.DONE:
            return page.back(f"{UNIT}/{pid}", action)
        code = done if isinstance(done, str) else done.result.value
        status = 400 if isinstance(done, str) else STATUS_CODES.get(done.result, 400)
        return await _card(
            page,
            pid,
            status,
            error=code,
            error_action=action,
            limit=0 if isinstance(done, str) else done.limit,
            typed={action: text_field(form, "text"), "due": text_field(form, "due")},
        )

    return [
        page_route(services, UNIT, items),
        page_route(services, f"{UNIT}/{{pid}}", card),
        page_route(services, f"{UNIT}/{{pid}}/{{action}}", act, ("POST",)),
    ]

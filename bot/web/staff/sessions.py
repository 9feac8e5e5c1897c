"""Sessions for the secretary: the list, and a session's page with its registrations, speaking
order and attendance, the minutes, the conclusion notice (draft and publish) and the
dossier's documents as downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.permissions import Action
from bot.usecases.common import Services
from bot.usecases.conclusion import ConclusionOutcome, Conclusions
from bot.usecases.dossier import DossierOutcome, Dossiers
from bot.usecases.sessions import Sessions, card
from bot.web.staff.base import ROOT, Page, csrf_refused, page_route, security_headers, text_field
from messages import label

SESSIONS = f"{ROOT}/phien"
MIME = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


def download(name: str, data: bytes) -> Response:
    mime = next((m for ext, m in MIME.items() if name.endswith(ext)), "application/octet-stream")
    headers = security_headers()
    headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=mime, headers=headers)


def _session_id(page: Page) -> int | None:
    raw = str(page.request.path_params["sid"])
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


async def _page(page: Page, sid: int, status: int = 200, **extra: Any) -> Response:
    uc = Sessions(page.services)
    roster = await uc.roster(sid)
    if roster is None:
        return page.not_found()
    draft = await Conclusions(page.services).preview(page.user_id, sid)
    context: dict[str, Any] = {
        "error": None,
        "error_action": None,
        "typed": {},
        "done": page.request.query_params.get("xong"),
    }
    context.update(extra)
    return page.render(
        "session",
        status,
        card=card(page.services, roster.session),
        session_status=label(f"sessions.status.{roster.session.status}"),
        roster=roster,
        minutes=await Dossiers(page.services).minutes_text(page.user_id, sid) or "",
        draft=draft.draft,
        conclusion=draft.outcome.value,
        can_reports=page.can(Action.VIEW_REPORTS),
        **context,
    )


async def _act(page: Page, sid: int, action: str, form: FormData) -> str:
    """The outcome's value: "done" or why not."""
    user = page.user_id
    if action == "co-mat":
        who = text_field(form, "user")
        done = await Sessions(page.services).mark_attended(
            user, sid, int(who) if who.isdigit() else 0
        )
        return "done" if done.outcome.value == "attended" else done.outcome.value
    if action == "bien-ban":
        saved = await Dossiers(page.services).save_minutes(user, sid, text_field(form, "text"))
        return "done" if saved.outcome is DossierOutcome.DONE else saved.outcome.value
    if action == "ket-luan":
        drafted = await Conclusions(page.services).set_text(user, sid, text_field(form, "text"))
        return "done" if drafted.outcome is ConclusionOutcome.DONE else drafted.outcome.value
    if action == "cong-bo":
        published = await Conclusions(page.services).publish(user, sid)
        return "done" if published.outcome is ConclusionOutcome.DONE else published.outcome.value
    return "not_found"


def routes(services: Callable[[], Services]) -> list[Route]:
    async def listing(page: Page) -> Response:
        if not page.can(Action.MANAGE_SESSIONS):
            return page.refused()
        found = await Sessions(page.services).list_for_staff(include_past=True)
        found.sort(key=lambda s: s.starts_at, reverse=True)
        return page.render(
            "sessions",
            sessions=[
                {**card(page.services, s), "status_label": label(f"sessions.status.{s.status}")}
                for s in found[:100]
            ],
        )

    async def one(page: Page) -> Response:
        sid = _session_id(page)
        if not page.can(Action.MANAGE_SESSIONS):
            return page.refused()
        return page.not_found() if sid is None else await _page(page, sid)

    async def act(page: Page) -> Response:
        sid = _session_id(page)
        form = await page.form()
        if form is None:
            return csrf_refused()
        if sid is None:
            return page.not_found()
        action = str(page.request.path_params["action"])
        outcome = await _act(page, sid, action, form)
        if outcome == "done":
            return page.back(f"{SESSIONS}/{sid}", action)
        return await _page(
            page,
            sid,
            403 if outcome == "not_allowed" else 400,
            error=outcome,
            error_action=action,
            typed={action: text_field(form, "text")},
        )

    async def dossier_file(page: Page) -> Response:
        sid = _session_id(page)
        index = str(page.request.path_params["n"])
        if sid is None or not index.isdigit():
            return page.not_found()
        built = await Dossiers(page.services).build(sid, actor_id=page.user_id)
        if built.outcome is DossierOutcome.NOT_ALLOWED:
            return page.refused()
        if built.outcome is not DossierOutcome.DONE or int(index) >= len(built.files):
            return page.not_found()
        chosen = built.files[int(index)]
        return download(chosen.name, chosen.data)

    async def dossier(page: Page) -> Response:
        sid = _session_id(page)
        if sid is None:
            return page.not_found()
        built = await Dossiers(page.services).build(sid, actor_id=page.user_id)
        if built.outcome is DossierOutcome.NOT_ALLOWED:
            return page.refused()
        if built.outcome is not DossierOutcome.DONE:
            return page.not_found()
        return page.render("dossier", sid=sid, built=built)

    return [
        page_route(services, SESSIONS, listing),
        page_route(services, f"{SESSIONS}/{{sid}}", one),
        page_route(services, f"{SESSIONS}/{{sid}}/ho-so", dossier),
        page_route(services, f"{SESSIONS}/{{sid}}/ho-so/{{n}}", dossier_file),
        page_route(services, f"{SESSIONS}/{{sid}}/{{action}}", act, ("POST",)),
    ]

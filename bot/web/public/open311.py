"""Open311 GeoReport v2 (JSON): services (the fields of concern), requests (GET with
service_code, status, start_date, end_date; POST with an api_key from ``ward.toml``),
one request by its code, and discovery. Errors are the spec's list of ``{code, description}``.
The same privacy rule as the pages: no name, no phone, the text only when its author agreed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.domain.petitions import FieldOfConcern, is_tracking_code
from bot.domain.public import PublicFilter
from bot.usecases.common import Services
from bot.usecases.public import IntakeOutcome, PublicPages, PublicPetition, WebIntake, WebPetition
from bot.usecases.public.views import CLOSED_STATUSES
from messages import label

SPEC = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 200
_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _error(status: int, key: str, **values: Any) -> JSONResponse:
    text = label(f"open311.errors.{key}", **values)
    return JSONResponse([{"code": status, "description": text}], status, headers=_HEADERS)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def _request(services: Services, p: PublicPetition) -> dict[str, Any]:
    tz = services.ward.tz
    return {
        "service_request_id": p.code,
        "status": "closed" if p.is_closed else "open",
        "status_notes": label(f"petitions.statuses.{p.status.value}"),
        "service_name": p.field.label,
        "service_code": p.field.value,
        "description": p.content,
        "agency_responsible": p.unit_name,
        "service_notice": p.answer,
        "requested_datetime": _time(p.created_at),
        "updated_datetime": _time(p.updated_at),
        "expected_datetime": (
            datetime.combine(p.due_on, datetime.min.time(), tz).isoformat() if p.due_on else None
        ),
        "address": p.place,
        "lat": p.latitude,
        "long": p.longitude,
        "media_url": None,
    }


def _parse_time(text: str) -> datetime:
    found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def open311_routes(services: Callable[[], Services]) -> list[Route]:
    def json(data: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(data, status, headers=_HEADERS)

    async def discovery(request: Request) -> Response:
        base = str(request.base_url).rstrip("/") + "/open311/v2/"
        return json(
            {
                "changeset": "2026-12-01T00:00:00Z",
                "contact": services().ward.ward.office_address or services().ward.ward.name,
                "key_service": services().ward.ward.name,
                "endpoints": [
                    {
                        "specification": SPEC,
                        "url": base,
                        "changeset": "2026-12-01T00:00:00Z",
                        "type": "production",
                        "formats": ["application/json"],
                    }
                ],
            }
        )

    async def service_list(request: Request) -> Response:
        return json(
            [
                {
                    "service_code": f.value,
                    "service_name": f.label,
                    "description": f.label,
                    "metadata": False,
                    "type": "realtime",
                    "keywords": "",
                    "group": "",
                }
                for f in FieldOfConcern
            ]
        )

    async def requests_get(request: Request) -> Response:
        s = services()
        q = request.query_params
        field = None
        if q.get("service_code"):
            field = next((f for f in FieldOfConcern if f.value == q["service_code"]), None)
            if field is None:
                return _error(400, "service_code")
        wanted = q.get("status", "")
        if wanted not in ("", "open", "closed"):
            return _error(400, "bad_request", detail="status")
        try:
            end = _parse_time(q["end_date"]) if q.get("end_date") else s.clock.now()
            start = _parse_time(q["start_date"]) if q.get("start_date") else end - DEFAULT_WINDOW
        except ValueError:
            return _error(400, "date")
        pages = PublicPages(s)
        found: list[PublicPetition] = []
        page = 0
        while len(found) < MAX_REQUESTS:
            listing = await pages.listing(PublicFilter(field, None, None, start, end), page)
            found += [
                p
                for p in listing.petitions
                if not wanted or (wanted == "closed") == (p.status in CLOSED_STATUSES)
            ]
            if not listing.has_next:
                break
            page += 1
        return json([_request(s, p) for p in found[:MAX_REQUESTS]])

    async def request_one(request: Request) -> Response:
        s = services()
        name = request.path_params["name"]
        code = name.removesuffix(".json")
        if not name.endswith(".json"):
            return _error(400, "format")
        if not is_tracking_code(code):
            return _error(404, "not_found")
        found = await PublicPages(s).petition(code)
        if found is None:
            return _error(404, "not_found")
        return json([_request(s, found.petition)])

    async def requests_post(request: Request) -> Response:
        s = services()
        form = await request.form(max_files=0, max_part_size=64 * 1024)
        values = {k: str(v) for k, v in form.items()}
        client = s.ward.open311_client(values.get("api_key", ""))
        if client is None:
            return _error(403, "api_key")
        code = values.get("service_code", "")
        if code not in {f.value for f in FieldOfConcern}:
            return _error(400, "service_code")
        try:
            lat = float(values["lat"]) if values.get("lat") else None
            lon = float(values["long"]) if values.get("long") else None
        except ValueError:
            return _error(400, "bad_request", detail="lat/long")
        name = " ".join(
            part for part in (values.get("last_name", ""), values.get("first_name", "")) if part
        )
        petition = WebPetition(
            kind="opinion",
            name=name,
            phone=values.get("phone", ""),
            field=code,
            session="weekly",
            content=values.get("description", ""),
            address=values.get("address_string", ""),
            consent=True,
            latitude=lat,
            longitude=lon,
        )
        result = await WebIntake(s).submit(petition, via=f"open311:{client.name}")
        match result.outcome:
            case IntakeOutcome.FILED:
                assert result.petition is not None
                return json(
                    [
                        {
                            "service_request_id": result.petition.code,
                            "service_notice": label("open311.notice"),
                            "account_id": None,
                        }
                    ]
                )
            case IntakeOutcome.DUPLICATE:
                existing = result.petition.code if result.petition else ""
                return _error(409, "duplicate", code=existing)
            case IntakeOutcome.LIMIT_REACHED:
                return _error(429, "limit", limit=result.limit)
        fields = ", ".join(
            label(f"open311.fields.{_FIELD_NAMES.get(k, k)}") for k in sorted(result.problems)
        )
        return _error(400, "bad_request", detail=fields)

    return [
        Route("/open311/v2/discovery.json", discovery, methods=["GET"]),
        Route("/open311/v2/services.json", service_list, methods=["GET"]),
        Route("/open311/v2/requests.json", requests_get, methods=["GET"]),
        Route("/open311/v2/requests.json", requests_post, methods=["POST"]),
        Route("/open311/v2/requests/{name}", request_one, methods=["GET"]),
    ]


_FIELD_NAMES = {"content": "description"}

"""Reading the public forms: the intake form into a :class:`WebPetition` (with every typed
value kept, to show the form again), the list's filters from the query string."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from bot.domain.petitions import FieldOfConcern, Status
from bot.domain.public import PublicFilter
from bot.usecases.common import Services
from bot.usecases.public import PHOTO_BYTES_MAX, PHOTOS_MAX, Photo, WebPetition

FIELD_BYTES_MAX = 64 * 1024
BODY_BYTES_MAX = (PHOTOS_MAX + 1) * PHOTO_BYTES_MAX
TEXT_FIELDS = ("kind", "name", "phone", "group", "field", "session", "content", "address")
CHECKBOXES = ("consent", "content_public", "named_publicly")


def too_big(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > BODY_BYTES_MAX


async def read_petition(request: Request) -> tuple[WebPetition, dict[str, Any]]:
    """The form's petition and the values to show again (never the photos' bytes)."""
    form = await request.form(max_files=PHOTOS_MAX + 2, max_part_size=FIELD_BYTES_MAX)
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        raw = form.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    for name in CHECKBOXES:
        values[name] = form.get(name) == "1"
    photos = []
    for upload in form.getlist("photos"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = await upload.read(PHOTO_BYTES_MAX + 1)
        photos.append(Photo(upload.filename, upload.content_type or "", data))
    await form.close()
    return WebPetition(photos=tuple(photos), **values), values


def read_filter(services: Services, request: Request) -> tuple[PublicFilter, int, dict[str, str]]:
    """The list's filters (an unknown value means "any"), the page (from 0) and the chosen
    values for the form and the page links."""
    q = request.query_params
    chosen: dict[str, str] = {}
    field = next((f for f in FieldOfConcern if f.value == q.get("linh-vuc")), None)
    status = next((s for s in Status if s.value == q.get("tinh-trang")), None)
    unit = services.ward.unit(q.get("don-vi", ""))
    since = until = None
    month = q.get("thang", "")
    try:
        first = date.fromisoformat(month + "-01") if len(month) == 7 else None
    except ValueError:
        first = None
    if first is not None:
        tz = services.ward.tz
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        since, until = datetime.combine(first, time(0), tz), datetime.combine(nxt, time(0), tz)
        chosen["thang"] = month
    if field:
        chosen["linh-vuc"] = field.value
    if status:
        chosen["tinh-trang"] = status.value
    if unit:
        chosen["don-vi"] = unit.code
    page = q.get("trang", "1")
    number = int(page) - 1 if page.isdigit() and 0 < int(page) <= 100_000 else 0
    flt = PublicFilter(field, status, unit.code if unit else None, since, until)
    return flt, number, chosen

"""The .ics imports with the right fields; the poster's QR decodes to the deep link."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import zxingcpp
from icalendar import Calendar
from PIL import Image

from bot.clock import ManualClock
from bot.documents.ics import session_ics
from bot.documents.poster import poster
from bot.domain.calendar import WorkingCalendar
from bot.domain.sessions import Session, SessionKind
from bot.domain.ward import WardConfig
from bot.usecases.common import Services
from bot.usecases.sessions import card

LINK = "https://t.me/nghedannoi_bot?start=s12"


def setup(ward: WardConfig) -> tuple[Services, Session]:
    services = Services(
        store=None,  # type: ignore[arg-type]
        clock=ManualClock(datetime(2026, 11, 25, 2, tzinfo=UTC)),
        ward=ward,
        calendar=WorkingCalendar(),
    )
    session = Session(
        id=12,
        title="Đối thoại về chỉnh trang đô thị, vệ sinh môi trường",
        kind=SessionKind.PERIODIC,
        starts_at=datetime(2026, 12, 11, 1, tzinfo=UTC),
        ends_at=datetime(2026, 12, 11, 4, tzinfo=UTC),
        venue="Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh",
        latitude=21.0245,
        longitude=105.8412,
        capacity=80,
        version=3,
    )
    return services, session


def test_ics_imports_cleanly(ward: WardConfig) -> None:
    services, session = setup(ward)
    data = session_ics(services, session, username="nghedannoi_bot", now=services.clock.now())
    cal = Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 11, 1, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 12, 11, 4, tzinfo=UTC)
    assert str(event["location"]) == session.venue
    assert str(event["url"]) == LINK
    assert str(event["summary"]) == session.title
    assert int(event["sequence"]) == 3
    assert event["uid"] == "session-12@td.nghe-dan-noi"


def test_poster_qr_decodes_to_the_deep_link(ward: WardConfig) -> None:
    services, session = setup(ward)
    view = card(services, session, username="nghedannoi_bot")
    png = poster(view, LINK, ward_name=ward.ward.name)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[1] > image.size[0]
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [LINK]
    pdf = poster(view, LINK, ward_name=ward.ward.name, fmt="pdf")
    assert pdf.startswith(b"%PDF")

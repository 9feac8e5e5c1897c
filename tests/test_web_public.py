"""The public web over real HTTP: every page and Open311 answer without personal data, the
intake form's rules, the author's page and verdict, 404s, rate limits and the CSP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.domain.petitions import Status
from bot.domain.ward import Open311Client, WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.process import Runtime
from storage.sqlite import SqliteStore
from tests.conftest import make_settings
from tests.web_seed import Seeded, seed

API_KEY = "city-portal-key-0123456789"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def site(
    tg: FakeTelegramServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[str, Runtime, Seeded]]:
    ward = ward.model_copy(update={"open311": [Open311Client(name="Cổng TP", api_key=API_KEY)]})
    seeded = await seed(store, clock.now())
    settings = make_settings(tg, tmp_path, web_listen="127.0.0.1", web_port=0)
    async with Runtime(settings, ward, [], clock=clock, store=store, jobs=False) as runtime:
        assert runtime.web is not None
        yield runtime.web.url, runtime, seeded


def _form(**fields: Any) -> aiohttp.FormData:
    data = aiohttp.FormData()
    base = {
        "kind": "opinion",
        "name": "Hoàng Văn Thụ",
        "phone": "0945 678 123",
        "group": "TDP1",
        "field": "environment",
        "session": "weekly",
        "content": "Xin lắp thêm thùng rác ở đầu ngõ 20",
        "consent": "1",
    }
    photos = fields.pop("photos", [])
    base.update(fields)
    for key, value in base.items():
        if value is not None:
            data.add_field(key, value)
    for name, mime, body in photos:
        data.add_field("photos", body, filename=name, content_type=mime)
    return data


async def _crawl(http: aiohttp.ClientSession, base: str, seeded: Seeded) -> dict[str, str]:
    paths = ["/", "/y-kien", "/gui-y-kien", "/open311/v2/services.json"]
    paths += ["/open311/v2/discovery.json", "/open311/v2/requests.json"]
    paths += ["/open311/v2/requests.json?status=open", "/open311/v2/requests.json?status=closed"]
    paths += [f"/y-kien/{code}" for code in seeded.codes]
    paths += [f"/open311/v2/requests/{code}.json" for code in seeded.codes]
    paths += [f"/phien/{sid}" for sid in seeded.session_ids]
    paths += [f"/phien/{sid}/lich.ics" for sid in seeded.session_ids]
    for query in ("linh-vuc=environment", "tinh-trang=assigned", "don-vi=KT", "thang=2026-11"):
        paths.append(f"/y-kien?{query}")
    pages: dict[str, str] = {}
    for path in paths:
        async with http.get(base + path) as resp:
            assert resp.status in (200, 404), path
            pages[path] = await resp.text()
        async with http.get(base + path, headers={"HX-Request": "true"}) as resp:
            pages[path + " (htmx)"] = await resp.text()
    return pages


async def test_no_public_page_or_open311_answer_shows_personal_data(
    site: tuple[str, Runtime, Seeded],
) -> None:
    base, _, seeded = site
    async with aiohttp.ClientSession() as http:
        pages = await _crawl(http, base, seeded)
    everything = "\n".join(pages.values())
    for secret in [*seeded.names, *seeded.phones, *seeded.hidden, "Gọi ông Vĩnh"]:
        assert secret not in everything, secret
        assert secret.encode("unicode_escape").decode() not in everything, secret
    for phone in seeded.phones:
        assert phone[1:] not in everything
    for text in seeded.shown:
        assert text in everything
    assert all(code in pages["/y-kien"] for code in seeded.codes)
    assert "Phường tiếp thu các ý kiến về môi trường." in pages[f"/phien/{seeded.session_ids[0]}"]


async def test_every_page_has_the_csp_and_no_inline_script_or_style(
    site: tuple[str, Runtime, Seeded],
) -> None:
    base, _, seeded = site
    async with aiohttp.ClientSession() as http:
        for path in ["/", "/y-kien", "/gui-y-kien", f"/y-kien/{seeded.codes[0]}", "/y-kien/X"]:
            async with http.get(base + path) as resp:
                csp = resp.headers["Content-Security-Policy"]
                html = await resp.text()
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html), path
            assert '<html lang="vi">' in html
        async with http.get(base + "/static/htmx.min.js") as resp:
            assert resp.status == 200 and "htmx" in await resp.text()


async def test_an_unknown_code_is_a_plain_404(site: tuple[str, Runtime, Seeded]) -> None:
    base, _, _ = site
    async with aiohttp.ClientSession() as http:
        texts = []
        for code in ("TD-2026-9999", "HK-2026-0001", "khong-phai-ma", "TD-2026-0001x"):
            async with http.get(f"{base}/y-kien/{code}") as resp:
                assert resp.status == 404
                texts.append((await resp.text()).replace(code, ""))
        assert len(set(texts)) == 1 and "Không tìm thấy" in texts[0]
        async with http.get(f"{base}/open311/v2/requests/TD-2026-9999.json") as resp:
            assert resp.status == 404
            body = await resp.json()
            assert body[0]["code"] == 404 and body[0]["description"]


async def test_the_web_form_files_a_petition_with_its_code(
    site: tuple[str, Runtime, Seeded],
) -> None:
    base, runtime, _ = site
    async with aiohttp.ClientSession() as http:
        async with http.post(
            base + "/gui-y-kien", data=_form(photos=[("a.png", "image/png", PNG)])
        ) as resp:
            assert resp.status == 201
            html = await resp.text()
        code = re.search(r'id="tracking-code">([A-Z0-9-]+)<', html)
        assert code is not None
        async with http.get(base + "/y-kien") as resp:
            listing = await resp.text()
        assert code[1] in listing and "Hoàng Văn Thụ" not in listing
        assert "thùng rác" not in listing  # not published: the box was left unticked
    async with runtime.services.store.read() as uow:
        petition = await uow.petitions.by_code(code[1])
        assert petition is not None and petition.author_id is not None
        assert petition.channel.value == "web" and not petition.content_public
        assert len(petition.attachments) == 1
        assert petition.attachments[0].file_id.startswith("stored:")
        resident = await uow.residents.get(petition.author_id)
        assert resident is not None and resident.phone == "0945678123"
        trail = await uow.audit.for_subject("petition", code[1])
        assert trail[-1].action == "petition.filed" and trail[-1].details["via"] == "web"


async def test_the_form_comes_back_with_every_value_and_the_errors_next_to_them(
    site: tuple[str, Runtime, Seeded],
) -> None:
    base, _, _ = site
    async with aiohttp.ClientSession() as http:
        form = _form(phone="12345", content="   ", consent=None, address="Ngõ <b>20</b>")
        async with http.post(base + "/gui-y-kien", data=form) as resp:
            assert resp.status == 400
            html = await resp.text()
    assert 'id="phone-error"' in html and "Số điện thoại chưa đúng" in html
    assert 'id="content-error"' in html and 'id="consent-error"' in html
    assert 'value="Hoàng Văn Thụ"' in html and 'value="12345"' in html
    assert 'value="Ngõ &lt;b&gt;20&lt;/b&gt;"' in html
    assert 'value="environment" selected' in html


async def test_complaints_duplicates_limits_and_bad_photos(
    site: tuple[str, Runtime, Seeded], clock: ManualClock
) -> None:
    base, runtime, _ = site
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/gui-y-kien", data=_form(kind="complaint")) as resp:
            assert resp.status == 200 and "Khiếu nại, tố cáo không giải quyết" in await resp.text()
        bad = [("x.png", "image/png", b"GIF89a not a png")]
        async with http.post(base + "/gui-y-kien", data=_form(photos=bad)) as resp:
            assert resp.status == 400 and "Chỉ nhận ảnh JPEG, PNG hoặc WebP." in await resp.text()
        four = [("a.png", "image/png", PNG)] * 4
        async with http.post(base + "/gui-y-kien", data=_form(photos=four)) as resp:
            assert resp.status == 400 and "tối đa 3 ảnh" in await resp.text()
        big = [("a.png", "image/png", PNG + b"\x00" * (5 * 1024 * 1024))]
        async with http.post(base + "/gui-y-kien", data=_form(photos=big)) as resp:
            assert resp.status == 400 and "Mỗi ảnh tối đa 5 MB." in await resp.text()
        async with http.post(base + "/gui-y-kien", data=_form()) as resp:
            assert resp.status == 201
        async with http.post(base + "/gui-y-kien", data=_form()) as resp:
            assert resp.status == 409 and "cùng nội dung" in await resp.text()
        limit = runtime.ward.ward.petition_daily_limit
        statuses = []
        for n in range(limit + 1):
            clock.advance(timedelta(minutes=61))
            form = _form(phone="0966000111", content=f"Ý kiến thứ {n} về vỉa hè")
            async with http.post(base + "/gui-y-kien", data=form) as resp:
                statuses.append(resp.status)
        assert statuses[:limit] == [201] * limit
        assert statuses[limit] == 409


async def test_rate_limit_per_phone_answers_429_in_vietnamese(
    site: tuple[str, Runtime, Seeded],
) -> None:
    base, _, _ = site
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(9):
            form = _form(phone="0933222111", content="")
            async with http.post(base + "/gui-y-kien", data=form) as resp:
                statuses.append(resp.status)
                text = await resp.text()
        assert statuses == [400] * 8 + [429]
        assert "Xin thử lại sau" in text


async def test_the_author_opens_the_full_timeline_and_answers_chua_thoa_dang(
    site: tuple[str, Runtime, Seeded], store: SqliteStore
) -> None:
    base, runtime, seeded = site
    code = seeded.codes[2]  # answered, author 71002 (phone ...3444)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/y-kien/{code}", data={"tail": "0000"}) as resp:
            assert resp.status == 400 and 'id="tail-error"' in await resp.text()
        async with http.post(
            f"{base}/y-kien/{code}", data={"tail": "3444"}, allow_redirects=False
        ) as resp:
            assert resp.status == 303
            link = resp.headers["Location"]
        assert link.startswith(f"/y-kien/{code}?t=") and "3444" not in link
        async with http.get(base + link) as resp:
            html = await resp.text()
        assert "Cống thoát nước" in html and "Gọi ông Vĩnh" in html and "Chưa thỏa đáng" in html
        token = link.split("?t=")[1]
        form = {"t": token, "verdict": "reopen", "reason": ""}
        async with http.post(f"{base}/y-kien/{code}/danh-gia", data=form) as resp:
            assert resp.status == 400 and 'id="reason-error"' in await resp.text()
        form["t"] = token[:-2] + "xx"
        form["reason"] = "Vẫn còn mùi"
        async with http.post(f"{base}/y-kien/{code}/danh-gia", data=form) as resp:
            assert resp.status == 404
        form["t"] = token
        async with http.post(f"{base}/y-kien/{code}/danh-gia", data=form) as resp:
            assert resp.status == 200 and "đã ghi nhận" in await resp.text()
    async with runtime.services.store.read() as uow:
        petition = await uow.petitions.by_code(code)
        assert petition is not None and petition.status is Status.REOPENED
        trail = await uow.audit.for_subject("petition", code)
        assert trail[-1].action == "petition.reopened" and trail[-1].actor_id == 71002
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall("SELECT event FROM outbox")
    # the same news as a «Chưa thỏa đáng» pressed in the chat: the unit and the supervisors
    assert {"workflow_supervisor_reopened", "workflow_unit_alert"} <= {r[0] for r in rows}


async def test_the_author_says_hai_long_through_the_signed_link(
    site: tuple[str, Runtime, Seeded],
) -> None:
    from bot.usecases.public import AuthorAccess

    base, runtime, seeded = site
    code = seeded.codes[2]
    link = await AuthorAccess(runtime.services).link_path(code)
    async with aiohttp.ClientSession() as http:
        form = {"t": link.split("?t=")[1], "verdict": "satisfied"}
        async with http.post(f"{base}/y-kien/{code}/danh-gia", data=form) as resp:
            assert resp.status == 200
        async with http.post(f"{base}/y-kien/{code}/danh-gia", data=form) as resp:
            assert "không chờ đánh giá" in await resp.text()
    async with runtime.services.store.read() as uow:
        petition = await uow.petitions.by_code(code)
        assert petition is not None and petition.status is Status.RESOLVED
        trail = await uow.audit.for_subject("petition", code)
        assert [e.action for e in trail].count("petition.satisfied") == 1


async def test_sessions_cards_and_calendar(site: tuple[str, Runtime, Seeded]) -> None:
    base, _, seeded = site
    held, coming, draft = seeded.session_ids
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/phien/{coming}") as resp:
            html = await resp.text()
            assert "Hội trường UBND phường" in html and "openstreetmap.org/?mlat=21.03" in html
        async with http.get(f"{base}/phien/{coming}/lich.ics") as resp:
            assert resp.headers["Content-Type"].startswith("text/calendar")
            assert "BEGIN:VEVENT" in await resp.text()
        async with http.get(f"{base}/phien/{held}") as resp:
            html = await resp.text()
            assert "Thông báo kết luận" in html and seeded.codes[0] in html
        async with http.get(f"{base}/phien/{draft}") as resp:
            assert resp.status == 404
        async with http.get(f"{base}/") as resp:
            home = await resp.text()
            assert "Ngày thứ Sáu nghe dân nói" in home and "Đối thoại quý IV" in home


async def test_open311_read_and_write(site: tuple[str, Runtime, Seeded]) -> None:
    base, runtime, seeded = site
    v2 = base + "/open311/v2"
    async with aiohttp.ClientSession() as http:
        async with http.get(v2 + "/services.json") as resp:
            services = await resp.json()
            assert {s["service_code"] for s in services} >= {"environment", "construction"}
            assert all(s["service_name"] and s["metadata"] is False for s in services)
        async with http.get(v2 + "/requests.json?service_code=construction") as resp:
            found = await resp.json()
            assert {r["service_code"] for r in found} == {"construction"}
        async with http.get(v2 + "/requests.json?status=closed") as resp:
            closed = await resp.json()
            assert [r["service_request_id"] for r in closed] == [seeded.codes[0]]
        async with http.get(v2 + "/requests.json?start_date=nonsense") as resp:
            assert resp.status == 400 and (await resp.json())[0]["code"] == 400
        async with http.get(f"{v2}/requests/{seeded.codes[1]}.json") as resp:
            one = (await resp.json())[0]
            assert one["description"] is None and one["agency_responsible"]
        post = {
            "service_code": "environment",
            "description": "Cây xanh đổ chắn đường ngõ 8",
            "first_name": "Hà",
            "last_name": "Nguyễn Thu",
            "phone": "0977123456",
            "lat": "21.02",
            "long": "105.84",
        }
        async with http.post(v2 + "/requests.json", data=post) as resp:
            assert resp.status == 403 and (await resp.json())[0]["code"] == 403
        async with http.post(v2 + "/requests.json", data={**post, "api_key": API_KEY}) as resp:
            assert resp.status == 200
            code = (await resp.json())[0]["service_request_id"]
        async with http.post(v2 + "/requests.json", data={**post, "api_key": API_KEY}) as resp:
            assert resp.status == 409
        bad = {**post, "api_key": API_KEY, "phone": "", "description": "khác"}
        async with http.post(v2 + "/requests.json", data=bad) as resp:
            assert resp.status == 400 and "phone" in (await resp.json())[0]["description"]
        async with http.get(f"{v2}/requests/{code}.json") as resp:
            text = await resp.text()
            assert "Nguyễn Thu" not in text and "0977123456" not in text
    async with runtime.services.store.read() as uow:
        trail = await uow.audit.for_subject("petition", code)
        assert trail[-1].details["via"] == "open311:Cổng TP"


def test_open311_clients_in_ward_toml_need_distinct_long_keys(ward: WardConfig) -> None:
    data = ward.model_dump()
    one = {"name": "Cổng TP", "api_key": API_KEY}
    assert WardConfig.model_validate({**data, "open311": [one]}).open311_client(API_KEY)
    assert ward.open311_client(API_KEY) is None
    with pytest.raises(ValueError, match="api_key trùng"):
        WardConfig.model_validate({**data, "open311": [one, {**one, "name": "Khác"}]})
    with pytest.raises(ValueError):
        WardConfig.model_validate({**data, "open311": [{"name": "x", "api_key": "ngắn"}]})

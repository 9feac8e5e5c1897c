"""The staff dashboard in a real browser: the secretary asks the bot for a login link in the
fake Telegram chat, opens it, assigns a petition to a unit on the page, and the resident is
told in the chat; the link works once and for ten minutes only, a form without its CSRF token
changes nothing, a resident's cookie (or none) cannot open ``/quan-ly``, and a session ends
after eight idle hours. Set ``UPDATE_SCREENSHOTS=1`` to refresh the README's screenshots in
``docs/``."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext

from bot.channels.telegram.app import TelegramChannel, build_application
from bot.clock import ManualClock
from bot.domain.petitions import Status
from bot.domain.ward import WardConfig
from bot.domain.web_sessions import WebSession, secret_hash
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.runtime.process import Runtime
from bot.usecases.common import Services
from bot.usecases.web_login import IssueOutcome, WebLogin
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, ROOT, SECRETARY_ID, make_settings, onboard
from tests.test_run_modes import free_port
from tests.test_workflow_e2e import KT, file_petition, status_of

LINK = re.compile(r"https?://\S+/quan-ly/dang-nhap/[A-Za-z0-9_-]+")
WIDE = {"width": 1280, "height": 900}


@dataclass
class Site:
    url: str
    runtime: Runtime


@pytest.fixture
async def site(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[Site]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(tg, tmp_path, web_port=port, web_public_url=url)
    telegram = TelegramChannel(build_application(settings, ward), poll_timeout=1)
    async with Runtime(settings, ward, [telegram], clock=clock, store=store) as runtime:
        yield Site(url, runtime)


async def wide(browser: Browser) -> BrowserContext:
    return await browser.new_context(viewport=WIDE, locale="vi-VN")


async def login_link(user: SimUser) -> str:
    (answer,) = await user.ask("/web")
    found = LINK.search(answer.plain_text)
    assert found, answer.plain_text
    assert "một lần" in answer.plain_text
    return found.group(0)


async def test_the_secretary_logs_in_from_the_chat_and_assigns_a_petition(
    site: Site,
    tg: FakeTelegramServer,
    store: SqliteStore,
    clock: ManualClock,
    browser: Browser,
    tmp_path: Path,
) -> None:
    resident = tg.user(5301, first_name="Lan")
    await onboard(resident)
    petition = await file_petition(store, clock, 5301, "Đèn đường ngõ 12 hỏng đã hai tuần", 1)
    await file_petition(store, clock, 5301, "Rác thải ở chợ Chí Linh không được thu gom", 2)
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/menu")
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    menu = await secretary.ask("/menu")
    assert "🌐 Đăng nhập web" in menu[-1].button_texts()
    link = await login_link(secretary)

    context = await wide(browser)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(site.url + "/quan-ly")
    assert "Xin chào" in await page.inner_text("h1")
    cookie = next(c for c in await context.cookies() if c["name"] == "ndn_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]

    await page.get_by_role("link", name="Hộp ý kiến").first.click()
    await page.wait_for_selector("table.rows")
    assert petition.code in await page.inner_text("#inbox-rows")
    # the search swaps only the rows (htmx) and keeps the address shareable
    await page.fill("input[name=q]", "rác thải")
    await page.press("input[name=q]", "Enter")
    await page.locator("#inbox-rows").get_by_text("TD-2026-0001").wait_for(state="detached")
    assert "TD-2026-0002" in await page.inner_text("#inbox-rows")
    assert "q=" in page.url
    await page.fill("input[name=q]", "")
    await page.press("input[name=q]", "Enter")
    await page.locator("#inbox-rows").get_by_text("TD-2026-0001").wait_for()
    shots = tmp_path / "shots"
    shots.mkdir()
    await page.screenshot(path=str(shots / "quan-ly-1280.png"), full_page=True)
    phone = await context.new_page()
    await phone.set_viewport_size({"width": 375, "height": 812})
    await phone.goto(site.url + "/quan-ly/y-kien")
    await phone.screenshot(path=str(shots / "quan-ly-375.png"), full_page=True)

    await page.get_by_role("link", name=petition.code).click()
    await page.wait_for_selector("text=Giao đơn vị xử lý")
    assert "04/12/2026" in await page.inner_text("main")
    resident.mark()
    official.mark()
    await page.select_option("select[name=unit]", label=KT)
    await page.get_by_role("button", name="Giao đơn vị").click()
    await page.wait_for_selector("text=Đã giao đơn vị xử lý; đơn vị")
    assert petition.id is not None
    assert await status_of(store, petition.id) is Status.ASSIGNED

    (told,) = await resident.wait()
    assert KT in told.plain_text and petition.code in told.plain_text
    (alert,) = await official.wait()
    assert petition.code in alert.plain_text and "04/12/2026" in alert.plain_text
    async with store.read() as uow:
        trail = await uow.audit.for_subject("petition", petition.code)
    assert [e.action for e in trail][-1] == "petition.assigned"
    assert trail[-1].actor_id == SECRETARY_ID

    listed = await page.request.get(site.url + "/quan-ly/y-kien")
    policy = listed.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    body = await listed.text()
    assert 'hx-get="/quan-ly/y-kien"' in body and "<script>" not in body

    # the link was used: a second visit logs nobody in
    other = await wide(browser)
    again = await other.new_page()
    response = await again.goto(link)
    assert response is not None and response.status == 410
    assert "đã được dùng" in await again.inner_text("main")
    await other.close()

    await page.get_by_role("button", name="Đăng xuất").click()
    await page.wait_for_selector("text=Đã đăng xuất")
    response = await page.goto(site.url + "/quan-ly")
    assert response is not None and response.status == 403
    await context.close()

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        for shot in shots.iterdir():
            shutil.copy(shot, ROOT / "docs" / shot.name)


async def test_a_form_without_its_csrf_token_changes_nothing(
    site: Site, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, browser: Browser
) -> None:
    petition = await file_petition(store, clock, SECRETARY_ID, "Cống thoát nước bị tắc", 1)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    link = await login_link(secretary)
    context = await wide(browser)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(site.url + "/quan-ly")
    target = f"{site.url}/quan-ly/y-kien/{petition.id}/giao"
    for form in ({"unit": "KT"}, {"unit": "KT", "csrf": "forged"}):
        refused = await page.request.post(target, form=form, max_redirects=0)
        assert refused.status == 403
        assert "Biểu mẫu không hợp lệ" in await refused.text()
    assert petition.id is not None
    assert await status_of(store, petition.id) is Status.RECEIVED
    # an official's session cannot assign either: the use case refuses inside its transaction
    await context.close()


async def test_links_expire_after_ten_minutes_and_sessions_after_eight_idle_hours(
    site: Site, tg: FakeTelegramServer, clock: ManualClock, browser: Browser
) -> None:
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    stale = await login_link(secretary)
    clock.advance(timedelta(minutes=10))
    context = await wide(browser)
    page = await context.new_page()
    response = await page.goto(stale)
    assert response is not None and response.status == 410
    assert "hết hạn" in await page.inner_text("main")

    await page.goto(await login_link(secretary))
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(site.url + "/quan-ly")
    clock.advance(timedelta(hours=7, minutes=59))
    assert (await page.goto(site.url + "/quan-ly/y-kien")).status == 200  # type: ignore[union-attr]
    clock.advance(timedelta(hours=8))
    response = await page.goto(site.url + "/quan-ly/y-kien")
    assert response is not None and response.status == 403
    assert "Xin đăng nhập từ bot" in await page.inner_text("main")
    await context.close()


async def test_a_residents_cookie_or_none_cannot_open_the_dashboard(
    site: Site, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, browser: Browser
) -> None:
    resident = tg.user(5302, first_name="Hoa")
    await onboard(resident)
    (answer,) = await resident.ask("/web")
    assert "chỉ dành cho cán bộ" in answer.plain_text and not LINK.search(answer.plain_text)
    # even a session row for a resident (none can be made through the bot) opens nothing
    cookie = secrets.token_urlsafe(32)
    async with store.transaction() as uow:
        now = clock.now()
        await uow.web_sessions.add_session(WebSession(secret_hash(cookie), 5302, "c", now, now))
    context = await wide(browser)
    page = await context.new_page()
    for cookies in ([], [{"name": "ndn_staff", "value": cookie, "url": site.url + "/quan-ly"}]):
        await context.clear_cookies()
        if cookies:
            await context.add_cookies(cookies)  # type: ignore[arg-type]
        for path in ("/quan-ly", "/quan-ly/y-kien", "/quan-ly/giam-sat", "/quan-ly/don-vi/1"):
            response = await page.goto(site.url + path)
            assert response is not None and response.status == 403, path
            assert "Xin đăng nhập từ bot" in await page.inner_text("main")
    await context.close()


async def test_an_official_and_a_supervisor_see_their_own_pages_only(
    site: Site, tg: FakeTelegramServer, browser: Browser
) -> None:
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    context = await wide(browser)
    page = await context.new_page()
    await page.goto(await login_link(official))
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(site.url + "/quan-ly")
    assert (await page.goto(site.url + "/quan-ly/don-vi")).status == 200  # type: ignore[union-attr]
    response = await page.goto(site.url + "/quan-ly/y-kien")
    assert response is not None and response.status == 403
    assert "Không có quyền" in await page.inner_text("main")
    await context.close()


async def test_without_a_public_address_the_bot_says_so(
    store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    services = Services.for_ward(store, clock, ward)
    from bot.usecases import staff as staff_uc

    await staff_uc.sync_from_config(services)
    assert (await WebLogin(services).issue(SECRETARY_ID)).outcome is IssueOutcome.NOT_PUBLISHED
    async with store.read() as uow:
        assert await uow.web_sessions.sessions_of(SECRETARY_ID) == []

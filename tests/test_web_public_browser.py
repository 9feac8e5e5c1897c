"""The public pages in a real headless browser (Debian's Chromium): the web form gives a
tracking code, the list shows it without the name, the filters update the list through htmx,
no page trips the Content-Security-Policy, and the README's screenshots can be made."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page

from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.process import Runtime
from storage.sqlite import SqliteStore
from tests.conftest import make_settings
from tests.web_seed import Seeded, seed


@pytest.fixture
async def site(
    tg: FakeTelegramServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[str, Seeded]]:
    seeded = await seed(store, clock.now())
    settings = make_settings(tg, tmp_path, web_listen="127.0.0.1", web_port=0)
    async with Runtime(settings, ward, [], clock=clock, store=store, jobs=False) as runtime:
        assert runtime.web is not None
        yield runtime.web.url, seeded


def _watch_csp(page: Page) -> list[str]:
    problems: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            problems.append(message.text)

    page.on("console", seen)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


async def test_web_intake_gives_a_code_the_list_shows_without_the_name(
    site: tuple[str, Seeded], page: Page
) -> None:
    base, _ = site
    problems = _watch_csp(page)
    await page.goto(base + "/gui-y-kien")
    await page.fill("#name", "Vũ Thị Mai Anh")
    await page.fill("#phone", "0904 111 222")
    await page.select_option("#group", "TDP1")
    await page.select_option("#field", "public_order")
    await page.fill(
        "#content", "Xe máy đỗ tràn vỉa hè trước chợ, người đi bộ phải xuống lòng đường"
    )
    await page.click("text=Gửi ý kiến >> nth=-1")
    assert "Xin đánh dấu đồng ý" in await page.inner_text("#consent-error")
    assert await page.input_value("#name") == "Vũ Thị Mai Anh"
    await page.check("input[name=consent]")
    await page.click("form.intake button[type=submit]")
    code = (await page.inner_text("#tracking-code")).strip()
    assert code.startswith("TD-2026-")
    await page.goto(base + "/y-kien")
    body = await page.inner_text("body")
    assert code in body and "Vũ Thị Mai Anh" not in body and "0904" not in body
    assert "Xe máy đỗ tràn" not in body
    assert problems == []


async def test_the_filters_update_the_list_through_htmx(
    site: tuple[str, Seeded], browser: Browser
) -> None:
    base, seeded = site
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    problems = _watch_csp(page)
    await page.goto(base + "/y-kien")
    assert await page.evaluate("typeof htmx") == "object"
    await page.evaluate("window.__marker = 'same page'")
    async with page.expect_response(lambda r: "linh-vuc=construction" in r.url) as answer:
        await page.select_option("select[name=linh-vuc]", "construction")
    assert (await answer.value).request.headers.get("hx-request") == "true"
    await page.wait_for_function("!document.querySelector('#rows').innerText.includes('Xã hội')")
    rows = await page.inner_text("#rows")
    assert seeded.codes[1] in rows and seeded.codes[3] in rows
    assert seeded.codes[0] not in rows and seeded.codes[2] not in rows
    assert await page.evaluate("window.__marker") == "same page"  # swapped, not reloaded
    assert "linh-vuc=construction" in page.url
    await page.click("a.code >> nth=0")
    await page.wait_for_url("**/y-kien/TD-*")
    assert "Diễn biến" in await page.inner_text("body")
    assert problems == []
    await context.close()


async def test_the_readme_screenshots_are_made_at_both_widths(
    browser: Browser, tmp_path: Path
) -> None:
    from docs.screenshots.make_screenshots import make_screenshots

    written = await make_screenshots(tmp_path)
    assert {p.name for p in written} == {
        "trang-chu-375.png",
        "trang-chu-1280.png",
        "y-kien-375.png",
        "y-kien-1280.png",
    }
    for path in written:
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width = struct.unpack(">I", head[16:20])[0]
        assert width == int(path.stem.rsplit("-", 1)[1])

"""The web server's file links: the file while the link lives, a Vietnamese 404 after."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
from playwright.async_api import Page

from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.process import Runtime
from bot.usecases.file_links import LINK_TTL, publish_file
from storage.sqlite import SqliteStore
from tests.conftest import make_settings


async def test_a_link_opens_the_file_until_it_expires(
    tg: FakeTelegramServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(tg, tmp_path, web_listen="127.0.0.1", web_port=0)
    async with Runtime(settings, ward, [], clock=clock, store=store) as runtime:
        assert runtime.web is not None
        base = runtime.web.url
        url = await publish_file(
            runtime.services,
            base,
            name="Lịch đối thoại.ics",
            mime_type="text/calendar",
            data=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        )
        token = url.removeprefix(base + "/f/").split("/")[0]
        assert len(token) >= 32
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith("text/calendar")
                assert "filename*=UTF-8''L%E1%BB%8Bch" in resp.headers["Content-Disposition"]
                assert await resp.read() == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
            async with http.get(f"{base}/f/{token[:-1]}x/a.ics") as resp:
                assert resp.status == 404 and "hết hạn" in await resp.text()
            clock.advance(LINK_TTL + timedelta(seconds=1))
            async with http.get(url) as resp:
                assert (
                    resp.status == 404 and "Liên kết này không còn dùng được" in await resp.text()
                )


async def test_a_browser_opens_the_expired_link_page(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
    page: Page,
) -> None:
    settings = make_settings(tg, tmp_path, web_listen="127.0.0.1", web_port=0)
    async with Runtime(settings, ward, [], clock=clock, store=store) as runtime:
        assert runtime.web is not None
        response = await page.goto(f"{runtime.web.url}/f/unknown/lich.ics")
        assert response is not None and response.status == 404
        assert await page.get_attribute("html", "lang") == "vi"
        assert "Liên kết này không còn dùng được" in await page.inner_text("body")

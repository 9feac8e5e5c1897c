"""The bot's receipt carries the author's signed link to their petition's web page («🌐 Theo dõi
trên web»), which opens the full timeline on the bot's own web server; without
``WEB_PUBLIC_URL`` the button is not offered."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.channels.telegram.app import TelegramChannel, build_application
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.runtime.process import Runtime
from storage.sqlite import SqliteStore
from tests.conftest import make_settings, onboard
from tests.test_petitions_e2e import SUBMIT, press, to_summary
from tests.test_run_modes import free_port

PAGE = "🌐 Theo dõi trên web"


async def test_the_receipt_links_to_the_authors_page(
    tg: FakeTelegramServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        tg, tmp_path, web_listen="127.0.0.1", web_port=port, web_public_url=base
    )
    channel = TelegramChannel(build_application(settings, ward), poll_timeout=1)
    async with Runtime(settings, ward, [channel], clock=clock, store=store):
        user = tg.user(3301, first_name="Lan")
        await onboard(user)
        await to_summary(
            user, "Đèn đường ngõ 12 Chí Linh hỏng đã hai tuần, trời tối rất nguy hiểm."
        )
        (receipt,) = await press(user, SUBMIT)
        assert "TD-2026-0001" in receipt.plain_text
        (link,) = [b for row in receipt.buttons for b in row if b.text == PAGE]
        assert link.url is not None and link.url.startswith(f"{base}/y-kien/TD-2026-0001?t=")
        async with aiohttp.ClientSession() as http:
            async with http.get(link.url) as resp:
                page = await resp.text()
                assert resp.status == 200
            async with http.get(f"{base}/y-kien/TD-2026-0001") as resp:
                public = await resp.text()
        assert "Đèn đường ngõ 12 Chí Linh hỏng" in page
        assert "Đèn đường ngõ 12 Chí Linh hỏng" not in public


async def test_without_a_public_address_no_link_is_offered(
    bot: object, tg: FakeTelegramServer
) -> None:
    user = tg.user(3302, first_name="Bình")
    await onboard(user)
    await to_summary(user, "Rác thải ở chợ Chí Linh không được thu gom đúng giờ.")
    (receipt,) = await press(user, SUBMIT)
    assert "TD-2026-0001" in receipt.plain_text
    assert PAGE not in [b.text for row in receipt.buttons for b in row]

"""A resident with a petition on Telegram starts using Zalo and links the two accounts: the code
shown on Telegram (fake Telegram server) is typed on Zalo (fake Zalo OA server, signed webhooks
over real HTTP), «Ý kiến của tôi» on Zalo then lists the Telegram petition, and Telegram gets
the confirmation through the outbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

import handlers
from bot.channels.telegram.app import SERVICES_KEY, BotApp
from bot.channels.zalo.receiver import ZaloReceiver
from bot.channels.zalo.webhook import SIGNATURE_HEADER
from bot.fakes.telegram import FakeTelegramServer
from bot.fakes.zalo import FakeZaloServer
from bot.usecases.accounts import person_for
from bot.usecases.common import Services
from storage.sqlite import SqliteStore
from tests.conftest import onboard as onboard_on_telegram
from tests.test_petitions_e2e import seed_petitions
from tests.test_zalo_e2e import Bot as ZaloBot
from tests.test_zalo_e2e import check_limits
from tests.test_zalo_e2e import onboard as onboard_on_zalo
from tests.zalo_helpers import seeded_client

LINK = "🔗 Liên kết Zalo/Telegram"


@asynccontextmanager
async def zalo_channel(services: Services, store: SqliteStore) -> AsyncIterator[ZaloBot]:
    """The Zalo receiver beside the Telegram bot, sharing its services (and account cache)."""
    async with FakeZaloServer() as zalo, aiohttp.ClientSession() as session:
        client = await seeded_client(session, zalo, store, services.clock)
        receiver = ZaloReceiver(
            services,
            handlers.build_router(),
            client,
            app_id=zalo.app_id,
            oa_secret_key=zalo.oa_secret_key,
        )

        async def webhook(request: web.Request) -> web.Response:
            status = await receiver.receive(
                await request.read(), request.headers.get(SIGNATURE_HEADER)
            )
            return web.Response(status=status)

        app = web.Application()
        app.router.add_post("/zalo/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        zalo.set_webhook(f"http://127.0.0.1:{port}/zalo/webhook")
        try:
            yield ZaloBot(zalo, receiver, store)
        finally:
            await receiver.idle()
            await runner.cleanup()


async def test_a_resident_links_zalo_to_telegram_and_sees_the_telegram_petition_on_zalo(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    services: Services = bot.bot_data[SERVICES_KEY]
    on_telegram = tg.user(3001, first_name="Lan", last_name="Trần Thị")
    await onboard_on_telegram(on_telegram)
    await seed_petitions(services, 3001, 1)

    async with zalo_channel(services, store) as channel:
        on_zalo = channel.zalo.user(display_name="Trần Thị Lan")
        await onboard_on_zalo(channel, on_zalo)
        zalo_person = await person_for(services, "zalo", on_zalo.id)
        assert zalo_person != 3001

        await on_telegram.ask("/hoso")
        (shown,) = [
            m for m in await on_telegram.press_and_wait(LINK) if "Mã liên kết" in m.plain_text
        ]
        found = re.search(r"\b(\d{6})\b", shown.plain_text)
        assert found is not None and "10 phút" in shown.plain_text
        code = found.group(1)

        on_zalo.mark()
        await on_zalo.send_text("/hoso")
        await on_zalo.wait()
        on_zalo.mark()
        await on_zalo.press(LINK)
        (zalo_code, *_) = await on_zalo.wait()
        assert "Mã liên kết" in zalo_code.text
        on_zalo.mark()
        await on_zalo.press("⌨️ Nhập mã")
        (asked,) = await on_zalo.wait()
        assert "6 chữ số" in asked.text
        on_zalo.mark()
        await on_zalo.send_text("000000" if code != "000000" else "111111")
        (wrong,) = await on_zalo.wait()
        assert "không đúng" in wrong.text and "còn 4 lần" in wrong.text
        on_zalo.mark()
        on_telegram.mark()
        await on_zalo.send_text(code)
        (done,) = await on_zalo.wait()
        assert "Đã liên kết xong" in done.text and "Telegram" in done.text

        (confirmed,) = await on_telegram.wait()
        assert "Zalo" in confirmed.plain_text and "đã được liên kết" in confirmed.plain_text

        assert await person_for(services, "zalo", on_zalo.id) == 3001
        on_zalo.mark()
        await on_zalo.press("📋 Xem ý kiến của tôi")
        (mine, *_) = await on_zalo.wait()
        assert "TD-2026-0001" in mine.text and "1 ý kiến" in mine.text

        on_telegram.mark()
        await on_telegram.send("/menu")
        await on_telegram.wait()
        tg_mine = await on_telegram.press_and_wait("📋 Ý kiến của tôi")
        assert any("TD-2026-0001" in m.plain_text for m in tg_mine)

        on_zalo.mark()
        await on_zalo.send_text("lk:enter:123456")
        (forged,) = await on_zalo.wait()
        assert "không còn dùng được" in forged.text
        on_zalo.mark()
        await on_zalo.send_text(code)
        (stray,) = await on_zalo.wait()
        assert "chưa hiểu" in stray.text
        await channel.receiver.idle()
        check_limits(on_zalo)

    async with store.read() as uow:
        accounts = await uow.accounts.of_person(3001)
        trail = await uow.audit.for_subject("person", "3001")
    assert {a.channel for a in accounts} == {"telegram", "zalo"}
    assert "person.merged" in [e.action for e in trail]

"""A resident on Zalo, end to end: the fake Zalo OA server posts signed webhook events over real
HTTP to the bot's Zalo receiver (hosted here by a minimal aiohttp app, to test the receiver on
its own; tests/test_runtime.py and tests/zalo_harness.py go through the production web server),
the same flows as on Telegram answer, and the answers go back through the
Zalo API: follow → consent → name → group → phone by Zalo's info form, the home menu; a forged
signature, a replayed event, a typed forged payload and an unfollow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

import handlers
from bot.channels.zalo.receiver import ZaloReceiver
from bot.channels.zalo.webhook import SIGNATURE_HEADER
from bot.clock import ManualClock
from bot.domain.people import Consent
from bot.domain.ward import WardConfig
from bot.fakes.zalo import FakeZaloServer, ZaloUser
from bot.usecases import staff as staff_uc
from bot.usecases.common import Services
from storage.sqlite import SqliteStore
from tests.zalo_helpers import seeded_client


@dataclass
class Bot:
    zalo: FakeZaloServer
    receiver: ZaloReceiver
    store: SqliteStore


@pytest.fixture
async def bot(store: SqliteStore, clock: ManualClock, ward: WardConfig) -> AsyncIterator[Bot]:
    async with FakeZaloServer() as zalo, aiohttp.ClientSession() as session:
        services = Services.for_ward(store, clock, ward)
        await staff_uc.sync_from_config(services)
        client = await seeded_client(session, zalo, store, clock)
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
            yield Bot(zalo, receiver, store)
        finally:
            await receiver.idle()
            await runner.cleanup()


def check_limits(user: ZaloUser) -> None:
    for message in user.messages:
        assert len(message.text) <= 2000 and len(message.buttons) <= 5
        assert "<b>" not in message.text and "&lt;" not in message.text


async def onboard(bot: Bot, user: ZaloUser) -> None:
    user.mark()
    delivery = await user.follow()
    assert delivery.ok
    greeting = await user.wait(expect=2)
    assert "Nghe Dân Nói" in greeting[0].text and "dữ liệu cá nhân" in greeting[1].text
    user.mark()
    await user.press("✅ Đồng ý")
    (name_prompt, *_) = await user.wait()
    assert "Bước 1/3" in name_prompt.text
    user.mark()
    await user.press("👤 Dùng tên: Trần Thị Lan")
    await user.wait()
    user.mark()
    await user.press("Tổ dân phố Chí Linh 1")
    phone_step = await user.wait(expect=2)
    assert any("Bước 3/3" in m.text for m in phone_step)
    assert user.info_requests
    user.mark()
    await user.submit_info(phone="84912345678")
    await user.wait(expect=2)
    await bot.receiver.idle()


async def test_a_resident_onboards_on_zalo(bot: Bot) -> None:
    user = bot.zalo.user(display_name="Trần Thị Lan")
    await onboard(bot, user)
    async with bot.store.read() as uow:
        account = await uow.accounts.get("zalo", user.id)
        assert account is not None and account.reachable
        resident = await uow.residents.get(account.person_id)
        pending = await uow.inbox.pending("zalo", 10)
    assert resident is not None and resident.consent is Consent.GIVEN
    assert (resident.full_name, resident.group_code, resident.phone) == (
        "Trần Thị Lan",
        "TDP1",
        "0912345678",
    )
    assert pending == []
    titles = [b.title for b in user.messages[-1].buttons]
    assert titles and all(len(m.buttons) <= 5 for m in user.messages)
    check_limits(user)


async def test_forged_replayed_and_typed_payloads(bot: Bot) -> None:
    user = bot.zalo.user(display_name="Lê Văn Bình")
    forged = await user.send_text("Xin chào", signature="bad")
    assert forged.status == 403
    await bot.receiver.idle()
    async with bot.store.read() as uow:
        assert await uow.accounts.get("zalo", user.id) is None

    user.mark()
    first = await user.follow()
    await user.wait(expect=2)
    await bot.receiver.idle()
    shown = len(user.messages)
    again = await bot.zalo.replay(first)
    assert again.status == 200
    await bot.receiver.idle()
    assert len(user.messages) == shown

    user.mark()
    await user.send_text("ob:no-such-step")
    (answer,) = await user.wait()
    assert "không còn dùng được" in answer.text
    check_limits(user)


async def test_unfollow_makes_the_account_unreachable(bot: Bot) -> None:
    user = bot.zalo.user(display_name="Trần Thị Lan")
    await onboard(bot, user)
    await user.unfollow()
    await bot.receiver.idle()
    async with bot.store.read() as uow:
        account = await uow.accounts.get("zalo", user.id)
        assert account is not None and not account.reachable
        audit = await uow.audit.for_subject("person", str(account.person_id))
    assert "account.left" in [e.action for e in audit]

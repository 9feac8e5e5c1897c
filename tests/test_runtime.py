"""The process as ``python -m bot run`` builds it: one runtime, Telegram and Zalo side by side,
one web server for the Zalo webhook and ``/healthz``; the env tokens only seed an empty
database, and a restart goes on with the pair the database holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.telegram.app import TelegramChannel, build_application
from bot.channels.zalo.channel import ZaloChannel
from bot.clock import ManualClock
from bot.domain.files import stored_media
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer
from bot.fakes.zalo import FakeZaloServer
from bot.outbox.queue import Content, ContentKind, enqueue_content
from bot.runtime.process import Runtime
from bot.settings import Settings
from storage.sqlite import SqliteStore
from tests.conftest import ADMIN_ID, make_settings, onboard
from tests.test_run_modes import free_port
from tests.zalo_harness import zalo_settings


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


def both_channels(
    settings: Settings, ward: WardConfig, store: SqliteStore, clock: ManualClock
) -> Runtime:
    telegram = TelegramChannel(build_application(settings, ward), poll_timeout=1)
    return Runtime(settings, ward, [telegram, ZaloChannel(settings)], clock=clock, store=store)


async def get_json(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.json()


async def test_one_process_serves_telegram_and_zalo(
    tg: FakeTelegramServer,
    zalo: FakeZaloServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    settings = zalo_settings(make_settings(tg, tmp_path), zalo)
    seeded = settings.secret("zalo_oa_refresh_token")
    async with both_channels(settings, ward, store, clock) as runtime:
        assert runtime.web is not None
        zalo.set_webhook(runtime.web.url + "/zalo/webhook")
        status, health = await get_json(runtime.web.url + "/healthz")
        assert status == 200 and health["ok"] and health["database"] == "ok"
        assert health["channels"]["telegram"]["state"] == "polling"
        assert health["channels"]["zalo"]["state"] == "webhook"

        await onboard(tg.user(5101, first_name="Lan"))
        resident = zalo.user(display_name="Phạm Thị Hoa")
        resident.mark()
        assert (await resident.follow()).ok
        greeting = await resident.wait(expect=2)
        assert "Nghe Dân Nói" in greeting[0].text
        forged = await resident.send_text("Xin chào", signature="bad")
        assert forged.status == 403

    async with store.read() as uow:
        assert await uow.accounts.get("telegram", "5101") is not None
        assert await uow.accounts.get("zalo", resident.id) is not None
        stored = await uow.tokens.get("zalo")
    assert stored is not None and stored.refresh_token == seeded


async def test_env_tokens_only_seed_and_a_restart_uses_the_stored_pair(
    tg: FakeTelegramServer,
    zalo: FakeZaloServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    settings = zalo_settings(make_settings(tg, tmp_path), zalo)
    seeded = settings.secret("zalo_oa_refresh_token")
    runtime = Runtime(settings, ward, [ZaloChannel(settings)], clock=clock, store=store)
    async with runtime:
        assert runtime.web is not None
        zalo.set_webhook(runtime.web.url + "/zalo/webhook")
        zalo.expire_access_token()
        resident = zalo.user(display_name="Vũ Văn Nam")
        resident.mark()
        await resident.follow()
        await resident.wait(expect=2)
    async with store.read() as uow:
        rotated = await uow.tokens.get("zalo")
    assert rotated is not None and rotated.refresh_token != seeded
    assert len(zalo.token_requests) == 1

    # The env still holds the first (now dead) pair: it must not replace the stored one.
    async with Runtime(settings, ward, [ZaloChannel(settings)], clock=clock, store=store) as again:
        assert again.web is not None
        zalo.set_webhook(again.web.url + "/zalo/webhook")
        resident.mark()
        await resident.send_text("/thongbao")
        answer = await resident.wait()
        assert answer and answer[0].text
    async with store.read() as uow:
        kept = await uow.tokens.get("zalo")
    assert kept is not None and kept.refresh_token == rotated.refresh_token
    assert len(zalo.token_requests) == 1


async def test_zalo_alone_without_tokens_runs_and_says_so(
    zalo: FakeZaloServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> None:
    base = Settings(_env_file=None, zalo_app_id="x", zalo_app_secret="y", zalo_oa_secret_key="z")  # type: ignore[call-arg]
    settings = zalo_settings(
        base.model_copy(update={"database_path": tmp_path / "z.db"}), zalo, tokens=False
    )
    assert not settings.telegram_on and settings.zalo_on
    async with Runtime(settings, ward, [ZaloChannel(settings)], clock=clock, store=store) as rt:
        assert rt.web is not None
        status, health = await get_json(rt.web.url + "/healthz")
    assert status == 503 and health["database"] == "ok"
    assert health["channels"]["zalo"] == {
        "ok": False,
        "state": "no tokens: run python -m bot zalo connect",
    }


async def test_a_dead_refresh_token_keeps_telegram_running_and_tells_the_admin_once(
    tg: FakeTelegramServer,
    zalo: FakeZaloServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = zalo_settings(make_settings(tg, tmp_path), zalo)
    admin = tg.user(ADMIN_ID, first_name="Quản")
    async with both_channels(settings, ward, store, clock) as runtime:
        assert runtime.web is not None
        zalo.set_webhook(runtime.web.url + "/zalo/webhook")
        await admin.ask("/start")
        zalo.expire_access_token()
        zalo.kill_refresh_token()
        admin.mark()
        first, second = zalo.user(display_name="Đỗ Thị Mai"), zalo.user(display_name="Hà Văn Tú")
        await first.follow()
        await second.follow()
        (note,) = await admin.wait(expect=1)
        assert "Kênh Zalo của phường đã mất kết nối" in note.plain_text
        assert "python -m bot zalo connect" in note.plain_text
        await runtime.channel("zalo").receiver.idle()  # type: ignore[attr-defined]
        status, health = await get_json(runtime.web.url + "/healthz")
        assert status == 503 and health["channels"]["telegram"]["ok"]
        assert health["channels"]["zalo"]["state"].startswith("refresh token refused")

        await onboard(tg.user(5202, first_name="Bình"))
    async with store.read() as uow:
        (row,) = await uow.conn.execute_fetchall(
            "SELECT count(*) FROM outbox WHERE channel = 'zalo' AND status = 'pending'"
        )
    waiting = row[0]
    assert waiting >= 2
    dead_lines = [r for r in caplog.records if "refused the refresh token" in r.getMessage()]
    assert len(dead_lines) == 1
    assert [m for m in admin.messages if "mất kết nối" in m.plain_text] == [note]
    assert first.messages == [] and second.messages == []


async def test_a_file_zalo_cannot_carry_goes_as_an_expiring_link(
    tg: FakeTelegramServer,
    zalo: FakeZaloServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = zalo_settings(make_settings(tg, tmp_path), zalo).model_copy(
        update={"web_port": port, "web_public_url": f"http://127.0.0.1:{port}"}
    )
    calendar = b"BEGIN:VCALENDAR\r\nSUMMARY:Doi thoai\r\nEND:VCALENDAR\r\n"
    async with Runtime(settings, ward, [ZaloChannel(settings)], clock=clock, store=store) as rt:
        assert rt.web is not None
        zalo.set_webhook(rt.web.url + "/zalo/webhook")
        resident = zalo.user(display_name="Lý Thị Hồng")
        resident.mark()
        await resident.follow()
        await resident.wait(expect=2)
        now = clock.now()
        async with store.transaction() as uow:
            account = await uow.accounts.get("zalo", resident.id)
            assert account is not None
            file_id = await uow.files.add(
                name="doi-thoai.ics", mime_type="text/calendar", data=calendar, now=now
            )
            await enqueue_content(
                uow,
                now=now,
                event="session_ics",
                person_id=account.person_id,
                key="ics-1",
                content=Content(
                    text="Lịch buổi đối thoại",
                    kind=ContentKind.DOCUMENT,
                    media=stored_media(file_id),
                ),
            )
        resident.mark()
        (link,) = [m for m in await resident.wait(expect=1, timeout=10) if m.buttons]
        assert "doi-thoai.ics" in link.text and "30 ngày" in link.text
        (button,) = link.buttons
        assert button.type == "oa.open.url"
        url = str(button.payload["url"])  # type: ignore[index]
        assert url.startswith(f"http://127.0.0.1:{port}/f/") and url in link.text
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200 and await resp.read() == calendar
    assert [m for m in zalo.sent_messages if m.kind == "file"] == []

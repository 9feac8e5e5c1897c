"""On Zalo, which has no command menu, a staff member types «Đăng nhập web» (or presses the
staff menu's button) and gets the dashboard link; a resident typing it gets a polite no."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.zalo.channel import ZaloChannel
from bot.clock import ManualClock
from bot.domain.ward import WardConfig
from bot.fakes.zalo import FakeZaloServer
from bot.runtime.process import Runtime
from bot.settings import Settings
from handlers.web_login import is_request
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID
from tests.test_web_staff import LINK
from tests.zalo_harness import zalo_settings

SECRETARY_ZALO = "8437261509871234567"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer() as server:
        yield server


def test_the_typed_label_is_recognised_with_or_without_its_emoji() -> None:
    for typed in ("Đăng nhập web", "🌐 Đăng nhập web", "  đăng NHẬP   web ", "Đăng nhập web!"):
        assert is_request(typed), typed
    for typed in ("Đăng nhập", "web", "đăng nhập trang web", "/web"):
        assert not is_request(typed), typed


async def test_a_secretary_on_zalo_types_the_label_and_gets_the_link(
    zalo: FakeZaloServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> None:
    staff = [
        m.model_copy(update={"zalo_user_id": SECRETARY_ZALO})
        if m.telegram_id == SECRETARY_ID
        else m
        for m in ward.staff
    ]
    ward = ward.model_copy(update={"staff": staff})
    base = Settings(  # type: ignore[call-arg]
        _env_file=None, zalo_app_id="x", zalo_app_secret="y", zalo_oa_secret_key="z"
    )
    settings = zalo_settings(
        base.model_copy(
            update={
                "database_path": tmp_path / "z.db",
                "web_public_url": "https://phuong.example.vn",
            }
        ),
        zalo,
    )
    async with Runtime(settings, ward, [ZaloChannel(settings)], clock=clock, store=store) as rt:
        assert rt.web is not None
        zalo.set_webhook(rt.web.url + "/zalo/webhook")
        secretary = zalo.user(SECRETARY_ZALO, display_name="Nguyễn Thị Thư")
        secretary.mark()
        await secretary.send_text("/menu")
        menu = await secretary.wait(quiet=0.5)
        assert any("Đăng nhập web" in b for m in menu for b in m.button_titles())
        secretary.mark()
        await secretary.send_text("Đăng nhập web")
        (answer,) = await secretary.wait()
        found = LINK.search(answer.text)
        assert found and found.group(0).startswith("https://phuong.example.vn/quan-ly/")

        resident = zalo.user(display_name="Phạm Thị Hoa")
        await resident.follow()
        await resident.wait(expect=2)
        resident.mark()
        await resident.send_text("Đăng nhập web")
        (refusal,) = await resident.wait()
        assert not LINK.search(refusal.text)

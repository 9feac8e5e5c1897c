"""The secretary's and supervisor's other tools on Zalo. What fits Zalo's limits works there
(the inbox, the monthly report's chart); what cannot — a notice's live progress needs message
edits, a spreadsheet is a file type Zalo refuses — is explained politely, pointing to Telegram
or the web. The flows read the channel's declared capabilities, never its name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.domain.sessions import SessionKind
from bot.domain.ward import WardConfig
from bot.usecases.sessions import Outcome, SessionDraft, Sessions
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID
from tests.test_deadlines_scan_e2e import add_petition
from tests.zalo_harness import (
    ZALO_SECRETARY,
    Channels,
    TelegramDriver,
    ZaloDriver,
    two_channels,
    zalo_violations,
    zalo_ward,
)

HN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def bot(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> AsyncIterator[Channels]:
    async with two_channels(store, clock, zalo_ward(ward), tmp_path) as running:
        await running.staff_follow()
        yield running


async def test_the_secretary_on_zalo(bot: Channels) -> None:
    petition = await add_petition(bot.store, 1, at=bot.clock.now())
    secretary = ZaloDriver(bot.staff_on_zalo(ZALO_SECRETARY), bot)
    menu = await secretary.say("/menu", expect="Vũ Thị Hà")
    assert "«Menu» cạnh ô soạn tin" not in menu, "Zalo has no command menu"
    titles = [b.title for m in secretary.user.messages[-2:] for b in m.buttons]
    assert {"📥 Ý kiến mới", "📣 Gửi thông báo", "📊 Báo cáo", "⏰ Việc quá hạn"} <= set(titles)

    # Within Zalo's limits: the inbox and the overdue list work as on Telegram.
    inbox = await secretary.press("📥 Ý kiến mới", expect=petition.code)
    assert "1 ý kiến cần xử lý" in inbox
    await secretary.press("🏠 Về menu chính", expect="Vũ Thị Hà")
    await secretary.press("⏰ Việc quá hạn", expect="quá hạn")

    # A notice's progress is one message edited as it goes: not on Zalo, said politely.
    refused = await secretary.press("📣 Gửi thông báo", expect="Telegram")
    assert "Gửi thông báo" in refused and "trang web" in refused
    assert bot.rows("SELECT * FROM chat_states") == []
    assert bot.rows("SELECT * FROM broadcasts") == []

    # The monthly report: the chart as an image, the spreadsheet explained.
    await secretary.press("📊 Báo cáo", expect="Chọn kỳ báo cáo")
    before = len(secretary.user.messages)
    note = await secretary.press("📅 Tháng này", expect=".xlsx»")
    await bot.settled()
    assert "Zalo chỉ nhận tệp PDF" in note and "Telegram" in note
    sent = secretary.user.messages[before:]
    (chart,) = [m for m in sent if m.kind == "image"]
    assert chart.media is not None and chart.media.name.endswith(".png")
    assert zalo_violations(secretary.user) == []


async def test_the_same_tools_on_telegram_are_unchanged(bot: Channels) -> None:
    """The capability decides, not the person: the secretary on Telegram starts a notice."""
    secretary = TelegramDriver(bot.tg.user(SECRETARY_ID, first_name="Thư", known=True))
    menu = await secretary.say("/menu", expect="Nguyễn Thị Thư")
    assert "«Menu» cạnh ô soạn tin" in menu
    await secretary.press("📣 Gửi thông báo", expect="nội dung")


async def test_the_session_poster_reaches_the_secretary_on_zalo_as_an_image(
    bot: Channels,
) -> None:
    """Zalo takes no PNG as a file: the poster goes through the image upload."""
    draft = SessionDraft(
        kind=SessionKind.PERIODIC,
        title="Đối thoại định kỳ quý IV",
        starts_at=datetime(2026, 12, 11, 8, tzinfo=HN),
        venue="Nhà văn hóa TDP Chí Linh 1",
        capacity=50,
    )
    created = await Sessions(bot.services).create(SECRETARY_ID, draft, publish=True)
    assert created.outcome is Outcome.PUBLISHED
    await bot.settled()
    secretary = ZaloDriver(bot.staff_on_zalo(ZALO_SECRETARY), bot)
    await secretary.say("/menu", expect="Vũ Thị Hà")
    await secretary.press("📅 Quản lý buổi đối thoại", expect="Đối thoại định kỳ quý IV")
    await secretary.press("#1 Đối thoại định kỳ quý IV", expect="Nhà văn hóa TDP Chí Linh 1")
    before = len(secretary.user.messages)
    await secretary.press("🖼 Áp phích (PNG)", expect="Đối thoại định kỳ quý IV")
    await bot.settled()
    image, caption = secretary.user.messages[before:]
    assert image.kind == "image" and image.media is not None
    assert image.media.name == "ap-phich-doi-thoai-1.png" and image.media.data.startswith(
        b"\x89PNG"
    )
    assert caption.text == "Đối thoại định kỳ quý IV"
    assert zalo_violations(secretary.user) == []

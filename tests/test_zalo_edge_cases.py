"""Zalo's edge cases end to end (tests/zalo_harness.py): an image over Zalo's 1 MB upload limit
is re-encoded (or sent as a PDF), never dropped; a 5,000-character answer arrives whole, in
order, cut at paragraphs; the access token expiring in the middle of a broadcast to many Zalo
recipients is refreshed with nothing lost or doubled; after a restart the bot uses the token
pair it stored, and the refresh token it replaced is dead at Zalo."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from bot.channels.zalo.images import IMAGE_LIMIT, fit_image
from bot.channels.zalo.render import ZaloMessage
from bot.clock import ManualClock
from bot.conversation.replies import rows
from bot.conversation.turn import MediaKind
from bot.domain.files import stored_media
from bot.domain.people import Consent, Resident
from bot.domain.petitions import FieldOfConcern
from bot.domain.ward import WardConfig
from bot.outbox.queue import AudienceKind, Content, ContentKind, Priority, enqueue_content
from bot.outbox.queue import MediaKind as NoticeMedia
from bot.usecases.accounts import ensure_person
from bot.usecases.broadcast import Broadcasts
from bot.usecases.workflow import Result, Workflow
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID
from tests.outbox_helpers import FAST, eventually
from tests.test_deadlines_scan_e2e import add_petition
from tests.zalo_harness import Channels, onboarded_on_zalo, two_channels, zalo_violations

GROUP = "Tổ dân phố Chí Linh 1"


@pytest.fixture
async def bot(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> AsyncIterator[Channels]:
    async with two_channels(store, clock, ward, tmp_path) as running:
        yield running


def noisy_png(side: int) -> bytes:
    """A photo-like image that compresses badly: ~3 MB as PNG at 1,100 px."""
    out = io.BytesIO()
    Image.effect_noise((side, side), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()


async def person_of(bot: Channels, zalo_id: str) -> int:
    (row,) = bot.rows(
        "SELECT person_id FROM accounts WHERE channel = 'zalo' AND external_id = ?", zalo_id
    )
    return int(row["person_id"])


async def test_an_image_over_1_mb_reaches_zalo_re_encoded(bot: Channels) -> None:
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", GROUP)
    person = await person_of(bot, resident.user.id)
    chart = noisy_png(1100)
    assert len(chart) > 2 * IMAGE_LIMIT
    now = bot.clock.now()
    async with bot.store.transaction() as uow:
        file_id = await uow.files.add(
            name="bieu-do-thang-2026-11.png", mime_type="image/png", data=chart, now=now
        )
        await enqueue_content(
            uow,
            now=now,
            event="report_monthly_chart",
            person_id=person,
            key="chart-11-2026",
            content=Content("📊 Biểu đồ tháng 11", ContentKind.PHOTO, media=stored_media(file_id)),
            priority=Priority.PERSONAL,
        )
    resident.mark()
    await bot.settled()
    (row,) = bot.rows("SELECT * FROM outbox WHERE idempotency_key = 'chart-11-2026'")
    assert (row["status"], row["delivered_channel"]) == ("sent", "zalo"), row["last_error"]
    (image,) = [m for m in resident.user.messages if m.kind == "image"]
    assert image.media is not None and image.media.size <= IMAGE_LIMIT
    assert image.media.mime_type == "image/jpeg" and image.media.name.endswith(".jpg")
    with Image.open(io.BytesIO(image.media.data)) as shown:
        assert shown.size[0] >= 500  # shrunk, still readable
    assert any("Biểu đồ tháng 11" in m.text for m in resident.user.messages)


def test_an_image_that_will_not_fit_goes_as_a_pdf_and_bytes_that_are_no_image_stay() -> None:
    png = noisy_png(600)
    message = ZaloMessage(media_kind=MediaKind.PHOTO, media_data=png, filename="ap-phich.png")
    as_file = fit_image(message, limit=1_000)
    assert as_file.media_kind is MediaKind.DOCUMENT and as_file.filename == "ap-phich.pdf"
    assert as_file.media_data is not None and as_file.media_data.startswith(b"%PDF")
    garbage = replace(message, media_data=b"not an image" * 100_000)
    assert fit_image(garbage) == garbage


async def test_a_5000_character_answer_arrives_whole_in_order(bot: Channels) -> None:
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", GROUP)
    person = await person_of(bot, resident.user.id)
    petition = await add_petition(
        bot.store, 1, field=FieldOfConcern.ENVIRONMENT, author_id=person, at=bot.clock.now()
    )
    assert petition.id is not None
    paragraphs = [
        f"Mục {n}. Phường đã kiểm tra hiện trường, làm việc với tổ dân phố và đơn vị thu gom; "
        + " ".join(["kết quả được ghi vào biên bản và niêm yết công khai tại nhà văn hóa."] * 3)
        for n in range(1, 21)
    ]
    answer = "\n\n".join(paragraphs)
    assert len(answer) >= 5000
    workflow = Workflow(bot.services)
    assert (await workflow.assign(SECRETARY_ID, petition.id, "KT")).result is Result.DONE
    assert (await workflow.accept(OFFICIAL_ID, petition.id)).result is Result.DONE
    resident.mark()
    assert (await workflow.unit_answer(OFFICIAL_ID, petition.id, answer)).result is Result.DONE
    await bot.settled()
    await resident.notified("Mục 20.")
    got = resident.user.messages[-8:]
    pieces = [m.text for m in got if "Mục " in m.text]
    assert len(pieces) >= 3
    assert all(len(p) <= 2000 for p in pieces)
    shown = "\n\n".join(pieces)
    positions = [shown.find(p) for p in paragraphs]
    assert all(at >= 0 for at in positions), "a paragraph was cut or lost"
    assert positions == sorted(positions)
    assert [b.title for b in got[-1].buttons] == ["👍 Hài lòng", "👎 Chưa thỏa đáng"]
    assert zalo_violations(resident.user) == []


async def residents_on_zalo(bot: Channels, count: int) -> list[str]:
    """``count`` onboarded Zalo residents who wrote to the OA today (in Zalo's window)."""
    ids = []
    now = bot.clock.now()
    async with bot.store.transaction() as uow:
        for n in range(count):
            user = bot.zalo_user(f"Người dân {n}")
            user.last_interaction = bot.zalo.now()
            person = await ensure_person(uow, "zalo", user.id, now, inbound=True)
            await uow.residents.save(
                Resident(
                    person, Consent.GIVEN, now, f"Người dân {n}", "TDP1", None, now, created_at=now
                )
            )
            ids.append(user.id)
    return ids


@pytest.fixture
async def paced(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> AsyncIterator[Channels]:
    """The Zalo worker at 20 messages a second, so a test can act mid-broadcast."""
    slow = replace(FAST, global_rate=20)
    async with two_channels(store, clock, ward, tmp_path, zalo_delivery=slow) as running:
        yield running


async def test_the_token_expires_mid_broadcast_nothing_lost_or_doubled(paced: Channels) -> None:
    bot = paced
    ids = await residents_on_zalo(bot, 60)
    notice = "📣 Lịch tiêm phòng dại cho chó mèo: sáng Chủ nhật 29/11 tại nhà văn hóa tổ 1."
    uc = Broadcasts(bot.services)
    await uc.begin(SECRETARY_ID)
    await uc.set_content(SECRETARY_ID, notice)
    await uc.choose_audience(SECRETARY_ID, AudienceKind.WARD.value)
    started = await uc.confirm(SECRETARY_ID, progress=None)
    assert started.broadcast is not None

    async def some_sent() -> bool:
        return len(bot.zalo.sent_messages) >= 10

    await eventually(some_sent, what="the first notices on Zalo")
    bot.zalo.expire_access_token()
    assert len(bot.zalo.sent_messages) < len(ids), "the broadcast was over before the expiry"
    await bot.settled(within=20)

    users = [bot.zalo.user(i) for i in ids]
    assert [len(u.messages) for u in users] == [1] * len(ids)
    assert all(u.messages[0].text.endswith(notice) for u in users)
    assert len(bot.zalo.token_requests) == 1
    rows = bot.rows("SELECT status FROM outbox WHERE broadcast_id = ?", started.broadcast.id)
    assert len(rows) == len(ids) and {r["status"] for r in rows} == {"sent"}


async def test_a_restart_uses_the_stored_pair_and_the_old_refresh_token_is_dead(
    bot: Channels,
) -> None:
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", GROUP)
    person = await person_of(bot, resident.user.id)
    seeded_refresh = bot.zalo.refresh_token

    async def notify(key: str) -> None:
        async with bot.store.transaction() as uow:
            await enqueue_content(
                uow,
                now=bot.clock.now(),
                event="test",
                person_id=person,
                key=key,
                content=Content(f"Tin {key}"),
                priority=Priority.PERSONAL,
            )
        await bot.settled()
        (row,) = bot.rows("SELECT status FROM outbox WHERE idempotency_key = ?", key)
        assert row["status"] == "sent"

    bot.zalo.expire_access_token()
    await notify("before-restart")  # refreshed: the seeded refresh token is used up
    async with bot.store.read() as uow:
        stored = await uow.tokens.get("zalo")
    assert stored is not None and stored.refresh_token == bot.zalo.refresh_token
    assert stored.refresh_token != seeded_refresh

    await bot.restart_zalo()
    assert not await bot.client.seed("stale-access", seeded_refresh), "the env seeds only once"
    bot.zalo.expire_access_token()
    await notify("after-restart")  # the new process refreshes with the pair it found stored
    assert [r["refresh_token"] for r in bot.zalo.token_requests] == [
        seeded_refresh,
        stored.refresh_token,
    ]

    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{bot.zalo.oauth_base_url}/v4/oa/access_token",
            headers={"secret_key": bot.zalo.app_secret},
            data={
                "app_id": bot.zalo.app_id,
                "grant_type": "refresh_token",
                "refresh_token": seeded_refresh,
            },
        )
        answer = await response.json(content_type=None)
    assert "access_token" not in answer and answer.get("error", 0) != 0
    assert [m.text for m in resident.user.messages[-2:]] == [
        "Tin before-restart",
        "Tin after-restart",
    ]


async def test_a_button_label_over_zalo_s_100_characters_is_shortened_not_refused(
    bot: Channels,
) -> None:
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", GROUP)
    person = await person_of(bot, resident.user.id)
    title = "Đối thoại chuyên đề về chỉnh trang đô thị, vỉa hè, chiếu sáng và cây xanh " * 2
    async with bot.store.transaction() as uow:
        await enqueue_content(
            uow,
            now=bot.clock.now(),
            event="test",
            person_id=person,
            key="long-label",
            content=Content("Giấy mời", buttons=rows([[(title, "ss:open:1")]])),
            priority=Priority.PERSONAL,
        )
    await bot.settled()
    (row,) = bot.rows("SELECT status, last_error FROM outbox WHERE idempotency_key = 'long-label'")
    assert row["status"] == "sent", row["last_error"]
    (button,) = resident.user.messages[-1].buttons
    assert len(button.title) <= 100 and button.title.endswith("…")
    assert title.startswith(button.title[:-1]) and button.payload == "ss:open:1"


async def test_a_photo_notice_from_telegram_reaches_zalo_as_its_text_and_a_note(
    bot: Channels,
) -> None:
    """The secretary's photo is a Telegram file id, which Zalo cannot fetch: the Zalo resident
    still gets the notice's text, told that a photo came with it."""
    resident = await onboarded_on_zalo(bot, "Phạm Thị Hoa", GROUP)
    uc = Broadcasts(bot.services)
    await uc.begin(SECRETARY_ID)
    caption = "📣 Lịch tiêm phòng dại: sáng Chủ nhật 29/11 tại nhà văn hóa tổ 1."
    await uc.set_content(
        SECRETARY_ID, caption, media_kind=NoticeMedia.PHOTO, media="AgACAgIAAxkBAAIBQ2fake"
    )
    await uc.choose_audience(SECRETARY_ID, AudienceKind.WARD.value)
    started = await uc.confirm(SECRETARY_ID, progress=None)
    assert started.broadcast is not None
    resident.mark()
    await bot.settled()
    notice = await resident.notified("Lịch tiêm phòng dại")
    assert "một ảnh" in notice
    (row,) = bot.rows("SELECT * FROM outbox WHERE broadcast_id = ?", started.broadcast.id)
    assert (row["status"], row["delivered_channel"]) == ("sent", "zalo"), row["last_error"]

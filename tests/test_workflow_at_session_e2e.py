"""Ý kiến nêu tại buổi: what people raise at a session without a prior petition, recorded by the
secretary with the channel «🎤 Tại buổi đối thoại» for a session that has already happened. The
items get codes, the secretary is the audited actor, they reach the inbox and can be assigned."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.channels.telegram.app import BotApp
from bot.clock import ManualClock
from bot.domain.petitions import Channel, Status
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.fakes.telegram.models import ChatMessage
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID
from tests.test_workflow_e2e import CONFIRM, KT, fresh, open_card

ON_BEHALF = "📝 Nhập ý kiến thay người dân"
AT_SESSION = "🎤 Tại buổi đối thoại"
LETTER = "✉️ Thư, đơn gửi đến"
HELD = "Đối thoại định kỳ quý IV"


async def add_session(
    store: SqliteStore, now: datetime, title: str, days: int, status: SessionStatus
) -> int:
    session = Session(
        title=title,
        kind=SessionKind.PERIODIC,
        starts_at=now + timedelta(days=days),
        venue="Hội trường UBND phường",
        status=status,
        created_at=now,
        updated_at=now,
    )
    async with store.transaction() as uow:
        return await uow.sessions.add(session)


async def press(user: SimUser, text: str) -> ChatMessage:
    (got,) = fresh(await user.press_and_wait(text))
    return got


async def to_session_step(secretary: SimUser, name: str, channel: str = AT_SESSION) -> ChatMessage:
    await secretary.ask("/menu")
    await press(secretary, ON_BEHALF)
    await secretary.ask(name)
    await secretary.ask("Tổ dân phố Chí Linh 1")
    await press(secretary, "Không có số điện thoại")
    await press(secretary, channel)
    step = await press(secretary, "Xây dựng")
    assert "Bước 6/8" in step.plain_text
    return step


async def record(secretary: SimUser, name: str, content: str) -> ChatMessage:
    step = await to_session_step(secretary, name)
    assert "được nêu tại buổi" in step.plain_text
    content_step = await press(secretary, next(t for t in step.button_texts() if HELD in t))
    assert "Bước 7/8" in content_step.plain_text
    await secretary.ask(content)
    await press(secretary, "➡️ Tiếp tục")
    summary = await press(secretary, "Không gắn với địa chỉ cụ thể")
    assert HELD in summary.plain_text and "Tại buổi đối thoại" in summary.plain_text
    return await press(secretary, "✅ Gửi ý kiến")


async def test_record_items_raised_at_a_held_session(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    now = clock.now()
    held = await add_session(store, now, HELD, -2, SessionStatus.HELD)
    cancelled = await add_session(store, now, "Buổi đã hủy", -1, SessionStatus.CANCELLED)
    await add_session(store, now, "Buổi tháng trước nữa", -40, SessionStatus.HELD)
    await add_session(store, now, "Buổi sắp tới", 10, SessionStatus.PUBLISHED)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/menu")

    # the session step lists the recent and coming sessions, not the cancelled or old one
    step = await to_session_step(secretary, "Trần Văn Nói")
    shown = " ".join(step.button_texts())
    assert HELD in shown and "Buổi sắp tới" in shown
    assert "Buổi đã hủy" not in shown and "tháng trước nữa" not in shown
    # a forged choice of the cancelled session is refused clearly and changes nothing
    secretary.mark()
    await secretary.send_forged_callback(f"pe:s:{cancelled}")
    refused = fresh(await secretary.wait())
    assert "Không thể ghi ý kiến nêu tại buổi" in refused[0].plain_text
    async with store.read() as uow:
        state = await uow.chat_states.get(SECRETARY_ID)
    assert state is not None and state.step == "session" and state.data["session_id"] is None
    await press(secretary, "❌ Hủy")

    first = await record(
        secretary, "Trần Văn Nói", "Đề nghị lắp thêm đèn chiếu sáng ở ngõ 3 Thanh Bình."
    )
    assert "TD-2026-0001" in first.plain_text and "Trần Văn Nói" in first.plain_text
    second = await record(
        secretary, "Lê Thị Hỏi", "Hỏi về tiến độ sửa chữa nhà văn hóa tổ dân phố 2."
    )
    assert "TD-2026-0002" in second.plain_text

    async with store.read() as uow:
        recorded = [await uow.petitions.by_code(f"TD-2026-000{n}") for n in (1, 2)]
        audit = await uow.audit.for_subject("petition", "TD-2026-0001")
    for petition in recorded:
        assert petition is not None and petition.channel is Channel.AT_SESSION
        assert petition.session_id == held and petition.author_id is None
        assert petition.on_behalf is not None and petition.on_behalf.filed_by == SECRETARY_ID
        assert petition.status is Status.RECEIVED
    assert audit[0].action == "petition.filed_on_behalf" and audit[0].actor_id == SECRETARY_ID
    assert audit[0].details["channel"] == "at_session" and audit[0].details["session_id"] == held

    # both reach the inbox (filtered by the held session) and can be assigned
    await secretary.ask("/menu")
    inbox = await press(secretary, "📥 Ý kiến mới")
    assert "TD-2026-0001" in inbox.plain_text and "TD-2026-0002" in inbox.plain_text
    assert "đã hủy" not in inbox.plain_text
    card = await open_card(secretary, "TD-2026-0002")
    assert "Trần" not in card.plain_text and "Lê Thị Hỏi" in card.plain_text
    assert "Tại buổi đối thoại" in card.plain_text and HELD in card.plain_text
    official.mark()
    await secretary.press_and_wait("🏢 Giao đơn vị")
    await secretary.press_and_wait(KT)
    (done,) = fresh(await secretary.press_and_wait(CONFIRM))
    assert "xin báo kết quả trực tiếp" in done.plain_text
    (alert,) = await official.wait()
    assert "TD-2026-0002" in alert.plain_text and "nhà văn hóa" in alert.plain_text
    async with store.read() as uow:
        assigned = await uow.petitions.by_code("TD-2026-0002")
    assert assigned is not None and assigned.status is Status.ASSIGNED


async def test_other_channels_still_need_a_session_open_for_opinions(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    held = await add_session(store, clock.now(), HELD, -2, SessionStatus.HELD)
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    step = await to_session_step(secretary, "Nguyễn Thư Gửi", channel=LETTER)
    assert HELD not in " ".join(step.button_texts())
    secretary.mark()
    await secretary.send_forged_callback(f"pe:s:{held}")
    (refused,) = fresh(await secretary.wait())
    assert "hết hạn nhận ý kiến" in refused.plain_text
    async with store.read() as uow:
        state = await uow.chat_states.get(SECRETARY_ID)
    assert state is not None and state.step == "session" and state.data["session_id"] is None

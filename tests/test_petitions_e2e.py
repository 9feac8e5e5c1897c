"""Gửi ý kiến end to end through the fake Telegram server: every branch of the resident flow,
restart in the middle, "Ý kiến của tôi" with pagination, deep links, staff entry on behalf."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.channels.telegram.app import BotApp, build_application
from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.petitions import AttachmentKind, Channel, FieldOfConcern, Petition
from bot.domain.sessions import Session, SessionKind, SessionStatus
from bot.domain.ward import WardConfig
from bot.fakes.telegram import FakeTelegramServer, SimUser
from bot.fakes.telegram.models import ChatMessage
from bot.runtime.local import running
from bot.usecases.common import Services
from bot.usecases.petitions import Petitions, Step
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID, make_settings, onboard, toast_after

PETITION = "✍️ Gửi ý kiến, kiến nghị"
OPINION = "💬 Ý kiến, kiến nghị gửi buổi đối thoại"
COMPLAINT = "⚖️ Khiếu nại, tố cáo"
WEEKLY = "📅 Chương trình «Ngày thứ Sáu nghe dân nói»"
BACK = "⬅️ Quay lại"
CANCEL = "❌ Hủy"
NEXT = "➡️ Tiếp tục"
SUBMIT = "✅ Gửi ý kiến"
MINE = "📋 Ý kiến của tôi"
NO_ADDRESS = "Không gắn với địa chỉ cụ thể"


def fresh(messages: list[ChatMessage]) -> list[ChatMessage]:
    """New messages only (not the ones whose buttons were just removed)."""
    return [m for m in messages if not m.edits]


async def press(user: SimUser, text: str, expect: int = 1) -> list[ChatMessage]:
    """Press and wait for ``expect`` new messages, whatever was edited on the way."""
    user.mark()
    await user.press(text)
    got: list[ChatMessage] = []
    while len(got) < expect:
        got += fresh(await user.wait())
    return got


async def start_flow(user: SimUser) -> None:
    await user.ask("/menu")
    (kind,) = await press(user, PETITION)
    assert "Bước 1/5" in kind.plain_text
    (session_step,) = await press(user, OPINION)
    assert "Bước 2/5" in session_step.plain_text


async def to_content(user: SimUser, field: str = "Đất đai") -> None:
    await start_flow(user)
    (field_step,) = await press(user, WEEKLY)
    assert "Bước 3/5" in field_step.plain_text
    (content_step,) = await press(user, field)
    assert "Bước 4/5" in content_step.plain_text


async def to_summary(user: SimUser, text: str) -> ChatMessage:
    await to_content(user)
    (saved,) = await user.ask(text)
    assert "Đã ghi" in saved.plain_text
    (address,) = await press(user, NEXT)
    assert "địa chỉ" in address.plain_text
    noted, summary = await user.ask("Ngõ 12 Chí Linh", expect=2)
    assert "Đã ghi địa chỉ" in noted.plain_text
    return summary


async def petitions_of(store: SqliteStore, user_id: int) -> list[Petition]:
    async with store.read() as uow:
        return list(await uow.petitions.by_author(user_id, offset=0, limit=100))


async def state_of(store: SqliteStore, user_id: int):  # type: ignore[no-untyped-def]
    async with store.read() as uow:
        return await uow.chat_states.get(user_id)


def services_for(store: SqliteStore, clock: ManualClock, ward: WardConfig) -> Services:
    return Services(store=store, clock=clock, ward=ward, calendar=WorkingCalendar())


async def add_session(
    store: SqliteStore, clock: ManualClock, *, title: str, days: int, deadline_hours: float | None
) -> int:
    now = clock.now()
    session = Session(
        title=title,
        kind=SessionKind.PERIODIC,
        starts_at=now + timedelta(days=days),
        venue="Hội trường UBND phường",
        status=SessionStatus.PUBLISHED,
        opinion_deadline=None if deadline_hours is None else now + timedelta(hours=deadline_hours),
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    async with store.transaction() as uow:
        return await uow.sessions.add(session)


async def test_full_flow_with_attachments_and_location(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3001, first_name="Lan")
    await onboard(user)
    await to_content(user, "Môi trường")
    (saved,) = await user.ask("Rác thải ùn ứ ở đầu ngõ 12 Chí Linh nhiều ngày.")
    assert "1 ký tự" not in saved.plain_text and "0/5 tệp" in saved.plain_text
    await user.send_photo(caption="Ảnh chụp sáng nay")
    (photo_saved,) = await user.wait()
    assert "1/5 tệp" in photo_saved.plain_text
    await user.send_voice()
    (voice_saved,) = await user.wait()
    assert "2/5 tệp" in voice_saved.plain_text
    await user.send_document()
    await user.wait()
    await user.send_location(21.03, 105.85)
    (pinned,) = await user.wait()
    assert "có vị trí" in pinned.plain_text
    await user.send_sticker()
    (sticker,) = await user.wait()
    assert "chưa nhận" in sticker.plain_text and "sticker" in sticker.plain_text
    (address,) = await press(user, NEXT)
    assert "Bước 4/5" in address.plain_text
    assert user.reply_keyboard is not None
    assert user.reply_keyboard[0][0].request_location
    _noted, summary = await user.ask("Đầu ngõ 12 Chí Linh", expect=2)
    assert user.reply_keyboard is None
    assert "Bước 5/5" in summary.plain_text
    assert "Môi trường" in summary.plain_text and "Tệp đính kèm: 3" in summary.plain_text
    assert "Rác thải ùn ứ" in summary.plain_text and "Ảnh chụp sáng nay" in summary.plain_text
    assert "không nêu tên" in summary.plain_text
    (receipt,) = await press(user, SUBMIT)
    assert "TD-2026-0001" in receipt.plain_text
    assert "thứ Sáu 27/11/2026" in receipt.plain_text and "đầu mối xử lý" in receipt.plain_text

    (petition,) = await petitions_of(store, 3001)
    assert petition.code == "TD-2026-0001" and petition.field is FieldOfConcern.ENVIRONMENT
    assert petition.session_id is None and petition.channel is Channel.TELEGRAM
    assert [a.kind for a in petition.attachments] == [
        AttachmentKind.PHOTO,
        AttachmentKind.VOICE,
        AttachmentKind.DOCUMENT,
    ]
    assert (petition.latitude, petition.longitude) == (21.03, 105.85)
    assert petition.concerns_address == "Đầu ngõ 12 Chí Linh"
    assert petition.content.endswith("Ảnh chụp sáng nay")
    assert await state_of(store, 3001) is None
    async with store.read() as uow:
        assert petition.id is not None
        events = await uow.petitions.events(petition.id)
        audit = await uow.audit.for_subject("petition", petition.code)
    assert [e.kind.value for e in events] == ["received"]
    assert [a.action for a in audit] == ["petition.filed"] and audit[0].actor_id == 3001


async def test_location_pin_answers_the_address_and_named_toggle(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3002, first_name="Hùng")
    await onboard(user)
    await to_content(user)
    await user.ask("Đường ngập nước khi mưa.")
    await press(user, NEXT)
    await user.press_reply_button("📍 Gửi vị trí của tôi")
    noted, summary = await user.wait(expect=2)
    assert "vị trí" in noted.plain_text and "theo vị trí đã ghim" in summary.plain_text
    edited = await user.press_and_wait("🙈 Nêu tên tôi khi công bố: Không")
    assert edited[0].message_id == summary.message_id and "được nêu tên" in edited[0].plain_text
    assert "Nội dung ý kiến không đăng" in edited[0].plain_text
    edited = await user.press_and_wait("🔒 Công khai nội dung: Không")
    assert "📢 Công khai nội dung: Có" in edited[0].button_texts()
    assert "Nội dung ý kiến được đăng" in edited[0].plain_text
    await press(user, SUBMIT)
    (petition,) = await petitions_of(store, 3002)
    assert petition.named_publicly and petition.content_public and petition.concerns_address is None
    assert petition.latitude is not None


async def test_back_at_every_step_and_cancel(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3003, first_name="An")
    await onboard(user)
    summary = await to_summary(user, "Xin lắp đèn đường ngõ 5.")
    assert "Bước 5/5" in summary.plain_text
    (address,) = await press(user, BACK)
    assert "địa chỉ" in address.plain_text and user.reply_keyboard is not None
    await user.press_reply_button(BACK)
    noted, content = await user.wait(expect=2)
    assert "Quay lại" in noted.plain_text and "Bước 4/5" in content.plain_text
    assert user.reply_keyboard is None
    (field_step,) = await press(user, BACK)
    assert "Bước 3/5" in field_step.plain_text
    (session_step,) = await press(user, BACK)
    assert "Bước 2/5" in session_step.plain_text
    (kind,) = await press(user, BACK)
    assert "Bước 1/5" in kind.plain_text
    (menu,) = await press(user, "🏠 Về menu chính")
    assert "Menu chính" in menu.plain_text
    assert await state_of(store, 3003) is None

    await start_flow(user)
    (cancelled,) = await press(user, CANCEL)
    assert "hủy" in cancelled.plain_text.lower()
    assert await state_of(store, 3003) is None
    await to_content(user)
    (cancelled_cmd,) = await user.ask("/cancel")
    assert await state_of(store, 3003) is None and cancelled_cmd.plain_text
    assert await petitions_of(store, 3003) == []


async def test_edit_from_summary_returns_to_summary(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3004, first_name="Bình")
    await onboard(user)
    await to_summary(user, "Nội dung cũ.")
    (_field_step,) = await press(user, "🏷 Đổi lĩnh vực")
    (summary,) = await press(user, "Xây dựng")
    assert "Xây dựng" in summary.plain_text and "Bước 5/5" in summary.plain_text
    (content,) = await press(user, "✏️ Sửa nội dung")
    assert "Bước 4/5" in content.plain_text
    await user.ask("Nội dung mới.")
    (summary,) = await press(user, NEXT)
    assert "Nội dung mới." in summary.plain_text and "Nội dung cũ" not in summary.plain_text


async def test_complaint_is_redirected_and_nothing_is_stored(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3005, first_name="Mai")
    await onboard(user)
    await user.ask("/menu")
    await press(user, PETITION)
    (redirect,) = await press(user, COMPLAINT)
    text = redirect.plain_text
    assert "Bộ phận Tiếp công dân" in text and "Số 1 đường Thanh Niên" in text and "7h30" in text
    assert "không lưu" in text
    assert await state_of(store, 3005) is None
    assert await petitions_of(store, 3005) == []
    async with store.read() as uow:
        assert await uow.audit.for_subject("chat_state", "3005") == []


async def test_session_deadline_passed_offers_next_session(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    soon = await add_session(store, clock, title="Đối thoại tháng 12", days=7, deadline_hours=1)
    later = await add_session(
        store, clock, title="Đối thoại chuyên đề", days=20, deadline_hours=None
    )
    user = tg.user(3006, first_name="Tâm")
    await onboard(user)
    await start_flow(user)
    session_prompt = user.last
    assert session_prompt is not None
    assert any("Đối thoại tháng 12" in t for t in session_prompt.button_texts())
    await press(user, next(t for t in session_prompt.button_texts() if "tháng 12" in t))
    await press(user, "Kinh tế")
    await user.ask("Đề nghị hỗ trợ vốn cho hộ kinh doanh.")
    await press(user, NEXT)
    _noted, summary = await user.ask("Chợ Chí Linh", expect=2)
    assert "Đối thoại tháng 12" in summary.plain_text

    clock.advance(timedelta(hours=2))
    (passed,) = await press(user, SUBMIT)
    assert "hết hạn nhận ý kiến" in passed.plain_text and "Đối thoại tháng 12" in passed.plain_text
    assert not any("tháng 12" in t for t in passed.button_texts())
    assert any("chuyên đề" in t for t in passed.button_texts()) and WEEKLY in passed.button_texts()
    state = await state_of(store, 3006)
    assert state is not None and state.step == Step.SESSION
    assert await petitions_of(store, 3006) == []

    # An old button for the closed session gets the same explanation, nothing is filed.
    await user.send_forged_callback(f"pe:s:{soon}")
    (again,) = fresh(await user.wait())
    assert "hết hạn" in again.plain_text
    (summary,) = await press(user, next(t for t in again.button_texts() if "chuyên đề" in t))
    assert "Đối thoại chuyên đề" in summary.plain_text
    (receipt,) = await press(user, SUBMIT)
    assert "thông báo kết luận" in receipt.plain_text and "7 ngày làm việc" in receipt.plain_text
    (petition,) = await petitions_of(store, 3006)
    assert petition.session_id == later


async def test_oversize_text_too_many_files_and_empty_content(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(3007, first_name="Long")
    await onboard(user)
    await to_content(user)
    assert "Bà con chưa viết" in await toast_after(user, "pe:next")
    (too_long,) = await user.ask("x" * 4001)
    assert "4001" in too_long.plain_text and "4000" in too_long.plain_text
    await user.ask("Phần đầu.")
    (too_long,) = await user.ask("y" * 3995)
    assert "4000" in too_long.plain_text and "vẫn được giữ" in too_long.plain_text
    for _ in range(5):
        await user.send_photo()
        await user.wait()
    await user.send_photo()
    (refused,) = await user.wait()
    assert "tối đa 5" in refused.plain_text
    state = await state_of(store, 3007)
    assert state is not None and state.data["content"] == "Phần đầu."
    assert len(state.data["attachments"]) == 5


async def test_daily_limit_and_duplicate(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    user = tg.user(3008, first_name="Hoa")
    await onboard(user)
    await to_summary(user, "Cống thoát nước ngõ 3 bị tắc.")
    (receipt,) = await press(user, SUBMIT)
    code = receipt.plain_text.split("Mã theo dõi: ")[1].split(" ")[0]
    await to_summary(user, "  cống thoát nước   NGÕ 3 bị tắc  ")
    (duplicate,) = await press(user, SUBMIT)
    assert "đã gửi ý kiến với nội dung này" in duplicate.plain_text and code in duplicate.plain_text
    assert len(await petitions_of(store, 3008)) == 1
    assert await state_of(store, 3008) is None

    for n in range(4):
        await to_summary(user, f"Ý kiến số {n} về vỉa hè.")
        await press(user, SUBMIT)
    assert len(await petitions_of(store, 3008)) == 5
    await to_summary(user, "Ý kiến thứ sáu trong ngày.")
    (limited,) = await press(user, SUBMIT)
    assert "5 ý kiến" in limited.plain_text and "ngày mai" in limited.plain_text
    assert len(await petitions_of(store, 3008)) == 5
    state = await state_of(store, 3008)
    assert state is not None and state.step == Step.CONFIRM

    clock.advance(timedelta(days=1))
    await user.ask("/menu")
    (resumed,) = await press(user, PETITION)
    assert "Bước 5/5" in resumed.plain_text and "thứ sáu trong ngày" in resumed.plain_text
    (receipt,) = await press(user, SUBMIT)
    assert "TD-2026-0007" not in receipt.plain_text and "TD-2026-0006" in receipt.plain_text


async def test_restart_in_the_middle_of_the_flow(
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    user = tg.user(3009, first_name="Quang")
    first = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(first, poll_timeout=1):
        await onboard(user)
        await to_content(user, "Xã hội")
        await user.ask("Đề nghị mở lớp học bơi cho trẻ em.")
    second = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(second, poll_timeout=1):
        await user.send_photo()
        (saved,) = await user.wait()
        assert "1/5 tệp" in saved.plain_text
        (_address,) = await press(user, NEXT)
        await user.press_reply_button(NO_ADDRESS)
        _noted, summary = await user.wait(expect=2)
        assert "Xã hội" in summary.plain_text and "lớp học bơi" in summary.plain_text
    third = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(third, poll_timeout=1):
        (receipt,) = await press(user, SUBMIT)
        assert "TD-2026-0001" in receipt.plain_text
    (petition,) = await petitions_of(store, 3009)
    assert len(petition.attachments) == 1 and petition.concerns_address is None


async def seed_petitions(services: Services, user_id: int, count: int) -> None:
    """File ``count`` petitions through the use case, one clock minute apart."""
    use_case = Petitions(services)
    assert isinstance(services.clock, ManualClock)
    for n in range(count):
        await use_case.begin(user_id)
        await use_case.choose_kind(user_id, "opinion")
        await use_case.choose_session(user_id, "w")
        await use_case.choose_field(user_id, "land" if n % 2 else "economy")
        await use_case.write(user_id, f"Ý kiến số {n + 1}")
        await use_case.proceed(user_id)
        await use_case.skip(user_id, "address")
        result = await use_case.submit(user_id)
        assert result.petition is not None, result.outcome
        services.clock.advance(timedelta(minutes=1))
        if n % 5 == 4:
            services.clock.advance(timedelta(days=1))


async def test_my_opinions_paginates_in_one_message(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    user = tg.user(3010, first_name="Nga")
    other = tg.user(3011, first_name="Khác")
    await onboard(user)
    await onboard(other)
    services = services_for(store, clock, ward)
    await seed_petitions(services, 3010, 12)
    await seed_petitions(services, 3011, 1)
    await user.ask("/menu")
    (page1,) = await press(user, MINE)
    assert "12 ý kiến, trang 1/3" in page1.plain_text
    codes = [t.split(" ")[0] for t in page1.button_texts() if t.startswith("TD-")]
    assert codes == [f"TD-2026-{n:04d}" for n in range(12, 7, -1)]
    assert "‹ Trang trước" not in page1.button_texts()
    (page2,) = await user.press_and_wait("Trang sau ›")
    assert page2.message_id == page1.message_id and page2.edits >= 1
    assert "trang 2/3" in page2.plain_text
    (page3,) = await user.press_and_wait("Trang sau ›")
    assert "trang 3/3" in page3.plain_text and "Trang sau ›" not in page3.button_texts()
    assert [t for t in page3.button_texts() if t.startswith("TD-")] == [
        "TD-2026-0002 · Đất đai",
        "TD-2026-0001 · Kinh tế",
    ]
    (timeline,) = await user.press_and_wait("TD-2026-0001 · Kinh tế")
    assert timeline.message_id == page1.message_id
    assert "Phường tiếp nhận ý kiến" in timeline.plain_text and "Ý kiến số 1" in timeline.plain_text
    (back,) = await user.press_and_wait("‹ Danh sách ý kiến")
    assert "trang 3/3" in back.plain_text and back.message_id == page1.message_id
    assert len([m for m in user.messages if "Ý kiến của tôi" in m.plain_text]) == 1

    foreign = (await petitions_of(store, 3011))[0]
    before = user.message(page1.message_id).plain_text
    toast = await toast_after(user, f"pm:o:{foreign.id}:0")
    assert "Không tìm thấy" in toast
    assert user.message(page1.message_id).plain_text == before
    assert "Ý kiến số 1" not in toast


async def test_deep_link_opens_own_timeline_only(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    owner = tg.user(3012, first_name="Chủ")
    stranger = tg.user(3013, first_name="Lạ")
    await onboard(owner)
    await onboard(stranger)
    await seed_petitions(services_for(store, clock, ward), 3012, 1)
    messages = await owner.ask("/start pTD-2026-0001", expect=2)
    assert any("Phường tiếp nhận ý kiến" in m.plain_text for m in messages)
    messages = await stranger.ask("/start pTD-2026-0001", expect=2)
    assert any("Không tìm thấy" in m.plain_text for m in messages)
    assert not any("Ý kiến số 1" in m.plain_text for m in messages)


async def test_my_opinions_empty(bot: BotApp, tg: FakeTelegramServer) -> None:
    user = tg.user(3014, first_name="Mới")
    await onboard(user)
    await user.ask("/menu")
    (empty,) = await press(user, MINE)
    assert "chưa gửi ý kiến nào" in empty.plain_text


async def test_secretary_files_on_behalf(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    await secretary.ask("/start")
    (name_step,) = await press(secretary, "📝 Nhập ý kiến thay người dân")
    assert "Bước 1/8" in name_step.plain_text
    (address_step,) = await secretary.ask("Nguyễn Văn Tư")
    assert "Bước 2/8" in address_step.plain_text
    (_phone_step,) = await secretary.ask("Số 8 Thanh Bình")
    (bad_phone,) = await secretary.ask("12")
    assert "chưa đúng" in bad_phone.plain_text
    (channel_step,) = await press(secretary, "Không có số điện thoại")
    assert "✉️ Thư, đơn gửi đến" in channel_step.button_texts()
    (_field_step,) = await press(secretary, "✉️ Thư, đơn gửi đến")
    (_session_step,) = await press(secretary, "Đất đai")
    (content_step,) = await press(secretary, WEEKLY)
    assert "Bước 7/8" in content_step.plain_text
    await secretary.ask("Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho 5 hộ ở ngõ 8.")
    (_address,) = await press(secretary, NEXT)
    assert secretary.reply_keyboard is None
    (summary,) = await press(secretary, NO_ADDRESS)
    assert "Nguyễn Văn Tư" in summary.plain_text and "Thư, đơn gửi đến" in summary.plain_text
    assert "Nêu tên tôi" not in " ".join(summary.button_texts())
    assert "Công khai nội dung" not in " ".join(summary.button_texts())
    (receipt,) = await press(secretary, SUBMIT)
    assert "TD-2026-0001" in receipt.plain_text and "Nguyễn Văn Tư" in receipt.plain_text

    async with store.read() as uow:
        petition = await uow.petitions.by_code("TD-2026-0001")
        audit = await uow.audit.for_subject("petition", "TD-2026-0001")
    assert petition is not None and petition.author_id is None
    assert petition.on_behalf is not None and petition.on_behalf.name == "Nguyễn Văn Tư"
    assert petition.on_behalf.phone is None and petition.on_behalf.filed_by == SECRETARY_ID
    assert petition.channel is Channel.LETTER and petition.field is FieldOfConcern.LAND
    assert audit[0].action == "petition.filed_on_behalf" and audit[0].actor_id == SECRETARY_ID


async def test_only_secretaries_file_on_behalf(bot: BotApp, tg: FakeTelegramServer) -> None:
    official = tg.user(OFFICIAL_ID, first_name="Kinh")
    await official.ask("/start")
    assert "📝 Nhập ý kiến thay người dân" not in (
        official.last.button_texts() if official.last else []
    )
    assert "không có quyền" in (await toast_after(official, "st:onbehalf")).lower()
    resident = tg.user(3015, first_name="Dân")
    await onboard(resident)
    assert "không có quyền" in (await toast_after(resident, "st:onbehalf")).lower()


async def test_secretary_gets_one_digest_for_many_petitions(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock, ward: WardConfig
) -> None:
    from bot.usecases.petitions import DIGEST_GATHER, run_digest

    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    await secretary.ask("/start")
    services = services_for(store, clock, ward)
    for user_id in (3020, 3021, 3022):
        await onboard(tg.user(user_id, first_name="Dân"))
        await seed_petitions(services, user_id, 1)
    secretary.mark()
    clock.advance(DIGEST_GATHER)
    report = await run_digest(services)
    assert report is not None and len(report.petitions) == 3
    (digest,) = await secretary.wait()
    assert "3 ý kiến mới" in digest.plain_text and "TD-2026-0003" in digest.plain_text
    assert "Dân" not in digest.plain_text
    assert digest.button_texts() == ["📥 Ý kiến mới"]

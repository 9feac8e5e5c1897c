"""Resident onboarding, deep links, profile, data deletion, help/cancel and unknown input,
driven through the fake Telegram server against the real Application."""

from __future__ import annotations

from bot.channels.telegram.app import BotApp
from bot.domain.people import Consent
from bot.fakes.telegram import FakeTelegramServer
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID, onboard, toast_after


async def resident_of(store: SqliteStore, user_id: int):  # type: ignore[no-untyped-def]
    async with store.read() as uow:
        return await uow.residents.get(user_id)


async def audit_actions(store: SqliteStore, user_id: int) -> list[str]:
    async with store.read() as uow:
        return [e.action for e in await uow.audit.for_subject("resident", str(user_id))]


async def test_full_onboarding(bot: BotApp, tg: FakeTelegramServer, store: SqliteStore) -> None:
    user = tg.user(1001, first_name="Lan", last_name="Nguyễn Thị")
    greeting, notice = await user.ask("/start", expect=2)
    assert "Phường Thành Đông" in greeting.plain_text and "Nghe Dân Nói" in greeting.plain_text
    assert "dữ liệu cá nhân" in notice.plain_text and "/xoadulieu" in notice.plain_text
    assert notice.button_texts() == ["✅ Đồng ý", "❌ Không đồng ý"]

    (name_prompt, *_) = [m for m in await user.press_and_wait("✅ Đồng ý") if not m.edits]
    assert "Bước 1/3" in name_prompt.plain_text
    assert name_prompt.button_texts() == ["👤 Dùng tên: Nguyễn Thị Lan"]
    assert notice.message_id in {m.message_id for m in user.messages if not m.buttons}

    (group_prompt,) = [m for m in await user.ask("Nguyễn Thị Lan") if not m.edits]
    assert "Bước 2/3" in group_prompt.plain_text
    assert "Tổ dân phố Chí Linh 2" in group_prompt.button_texts()

    (phone_prompt,) = [m for m in await user.press_and_wait("Tổ dân phố Chí Linh 2") if not m.edits]
    assert "Bước 3/3" in phone_prompt.plain_text
    assert user.reply_keyboard is not None
    await user.press_reply_button("📱 Chia sẻ số điện thoại")
    done, menu = await user.wait(expect=2)
    assert "Đăng ký xong" in done.plain_text and "Nguyễn Thị Lan" in done.plain_text
    assert menu.button_texts()[:1] == ["✍️ Gửi ý kiến, kiến nghị"]
    assert user.reply_keyboard is None

    saved = await resident_of(store, 1001)
    assert saved is not None and saved.is_onboarded
    assert (saved.full_name, saved.group_code) == ("Nguyễn Thị Lan", "TDP2")
    assert saved.phone is not None and saved.phone.startswith("0")
    actions = await audit_actions(store, 1001)
    for action in (
        "resident.started",
        "resident.consent_given",
        "resident.name_set",
        "resident.group_set",
        "resident.phone_set",
        "resident.onboarded",
    ):
        assert action in actions


async def test_decline_stores_only_the_refusal(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1002, first_name="Hùng")
    await user.ask("/start", expect=2)
    (refusal,) = [m for m in await user.press_and_wait("❌ Không đồng ý") if not m.edits]
    assert "trên giấy" in refusal.plain_text and "Bộ phận Tiếp công dân" in refusal.plain_text
    saved = await resident_of(store, 1002)
    assert saved is not None and saved.consent is Consent.REFUSED
    assert (saved.full_name, saved.phone, saved.group_code) == (None, None, None)
    (reminder,) = await user.ask("tôi muốn gửi ý kiến")
    assert "không chia sẻ" in reminder.plain_text
    pressed = await user.press_and_wait("📄 Xem lại thông báo và đồng ý")
    (again,) = [m for m in pressed if not m.edits]
    assert again.button_texts() == ["✅ Đồng ý", "❌ Không đồng ý"]


async def test_deep_link_payload_survives_onboarding(bot: BotApp, tg: FakeTelegramServer) -> None:
    user = tg.user(1003, first_name="Mai")
    await user.ask("/start s12", expect=2)
    await user.press_and_wait("✅ Đồng ý")
    await user.ask("Trần Thị Mai")
    await user.press_and_wait("Tôi chưa rõ tổ của mình")
    await user.press_reply_button("Bỏ qua")
    done, _menu, link = await user.wait(expect=3)
    assert "Đăng ký xong" in done.plain_text
    # The session flow (issue #5) answers the link; no session 12 exists in this test.
    assert "buổi đối thoại" in link.plain_text
    (_menu_again, link_again) = await user.ask("/start s7", expect=2)
    assert "buổi đối thoại" in link_again.plain_text, "an onboarded resident goes to the link"


async def test_onboarding_resumes_where_it_stopped(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1004, first_name="Bình")
    await user.ask("/start", expect=2)
    await user.press_and_wait("✅ Đồng ý")
    (paused,) = await user.ask("/cancel")
    assert "/start" in paused.plain_text
    (resumed,) = await user.ask("/start")
    assert "Bước 1/3" in resumed.plain_text


async def test_invalid_inputs_during_onboarding(bot: BotApp, tg: FakeTelegramServer) -> None:
    user = tg.user(1005, first_name="An")
    await user.ask("/start", expect=2)
    (use_buttons,) = await user.ask("đồng ý")
    assert "bấm" in use_buttons.plain_text.lower()
    await user.press_and_wait("✅ Đồng ý")
    (bad_name,) = await user.ask("12345")
    assert "Họ tên cần có chữ cái" in bad_name.plain_text
    await user.ask("Lê <b>An</b> & em")
    await user.press_and_wait("Tổ dân phố Thanh Bình")
    await user.share_contact(phone="+84 900 000 001", user_id=555)
    (not_own,) = await user.wait()
    assert "người khác" in not_own.plain_text
    (bad_phone,) = await user.ask("12")
    assert "chưa đúng" in bad_phone.plain_text
    done, _ = await user.ask("0912 345 678", expect=2)
    assert "Lê &lt;b&gt;An&lt;/b&gt; &amp; em" in done.text


async def test_profile_view_and_edit(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1006, first_name="Cúc")
    await onboard(user)
    (profile,) = await user.ask("/hoso")
    assert "Tổ dân phố Chí Linh 1" in profile.plain_text
    (ask,) = [m for m in await user.press_and_wait("✏️ Sửa họ tên") if not m.edits]
    assert "họ và tên mới" in ask.plain_text
    updated, shown = await user.ask("Đỗ Thị Cúc", expect=2)
    assert "Đã cập nhật họ tên" in updated.plain_text and "Đỗ Thị Cúc" in shown.plain_text
    await user.press_and_wait("🏘 Đổi tổ dân phố", message_id=shown.message_id)
    await user.press_and_wait("Tổ dân phố Thanh Bình", expect=2)
    await user.press_and_wait("📱 Đổi số điện thoại", message_id=user.last.message_id)
    await user.press_reply_button("Bỏ qua")
    await user.wait(expect=2)
    saved = await resident_of(store, 1006)
    assert saved is not None
    assert (saved.full_name, saved.group_code, saved.phone) == ("Đỗ Thị Cúc", "TDP3", None)
    assert (await audit_actions(store, 1006)).count("resident.profile_updated") == 3


async def test_delete_personal_data(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1007, first_name="Dũng")
    await onboard(user)
    (confirm,) = await user.ask("/xoadulieu")
    assert confirm.button_texts() == ["🗑 Xóa dữ liệu", "Không, giữ lại"]
    (kept,) = [m for m in await user.press_and_wait("Không, giữ lại") if not m.edits]
    assert "giữ nguyên" in kept.plain_text
    await user.ask("/xoadulieu")
    (deleted,) = [m for m in await user.press_and_wait("🗑 Xóa dữ liệu") if not m.edits]
    assert "Đã xóa" in deleted.plain_text
    saved = await resident_of(store, 1007)
    assert saved is not None and saved.deleted_at is not None
    assert (saved.full_name, saved.phone, saved.group_code, saved.consent) == (
        None,
        None,
        None,
        Consent.PENDING,
    )
    assert "resident.data_deleted" in await audit_actions(store, 1007)
    (nothing,) = await user.ask("/xoadulieu")
    assert "không lưu" in nothing.plain_text
    (not_registered,) = await user.ask("/hoso")
    assert "/start" in not_registered.plain_text


async def test_social_groups_in_profile_and_their_deletion(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1010, first_name="Khánh")
    await onboard(user)
    (profile,) = await user.ask("/hoso")
    assert profile.has_button("👥 Nhóm của tôi")
    (picker,) = [m for m in await user.press_and_wait("👥 Nhóm của tôi") if not m.edits]
    assert "chọn được nhiều nhóm" in picker.plain_text
    for name in ("Thanh niên", "Công nhân, người lao động"):
        await user.press_and_wait(f"⬜ {name}", message_id=picker.message_id)
    (typed,) = await user.ask("thanh niên")
    assert "bấm một trong các nút" in typed.plain_text
    done = [m for m in await user.press_and_wait("✅ Xong", expect=2) if not m.edits]
    assert "Nhóm xã hội: Công nhân, người lao động, Thanh niên" in done[-1].plain_text
    saved = await resident_of(store, 1010)
    assert saved is not None and saved.social_groups == ("workers", "youth")
    # Unticking everything is a valid answer too.
    again = await user.press_and_wait("👥 Nhóm của tôi", message_id=done[-1].message_id)
    (picker,) = [m for m in again if not m.edits]
    for name in ("Thanh niên", "Công nhân, người lao động"):
        await user.press_and_wait(f"☑️ {name}", message_id=picker.message_id)
    cleared = [m for m in await user.press_and_wait("✅ Xong", expect=2) if not m.edits]
    assert "Nhóm xã hội: chưa chọn" in cleared[-1].plain_text
    again = await user.press_and_wait("👥 Nhóm của tôi", message_id=cleared[-1].message_id)
    (picker,) = [m for m in again if not m.edits]
    await user.press_and_wait("⬜ Phụ nữ", message_id=picker.message_id)
    await user.press_and_wait("✅ Xong", expect=2)
    await user.ask("/xoadulieu")
    await user.press_and_wait("🗑 Xóa dữ liệu")
    deleted = await resident_of(store, 1010)
    assert deleted is not None and deleted.social_groups == ()
    async with store.read() as uow:
        assert await uow.residents.in_social_group("women") == []


async def test_help_menu_cancel_and_unknown_input(bot: BotApp, tg: FakeTelegramServer) -> None:
    user = tg.user(1008, first_name="Giang")
    (help_text,) = await user.ask("/help")
    assert "/hoso" in help_text.plain_text and "Khiếu nại, tố cáo" in help_text.plain_text
    (nothing,) = await user.ask("/cancel")
    assert "không có việc" in nothing.plain_text.lower()
    (not_registered,) = await user.ask("xin chào")
    assert "/start" in not_registered.plain_text
    await onboard(user)
    (menu,) = await user.ask("/menu")
    assert "Menu chính" in menu.plain_text
    (soon,) = [m for m in await user.press_and_wait("📅 Lịch đối thoại") if not m.edits]
    assert "chưa có buổi đối thoại" in soon.plain_text.lower()
    (unknown,) = await user.ask("blah blah")
    assert "/menu" in unknown.plain_text
    (too_long,) = await user.ask("a" * 10_000)
    assert "10000" in too_long.plain_text and "4096" in too_long.plain_text
    await user.send_sticker()
    (sticker,) = await user.wait()
    assert "sticker" in sticker.plain_text
    await user.send_voice()
    (voice,) = await user.wait()
    assert "thoại" in voice.plain_text
    (cmd,) = await user.ask("/khonghieu")
    assert "/menu" in cmd.plain_text


async def test_forged_callback_data_changes_nothing(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore
) -> None:
    user = tg.user(1009, first_name="Hà")
    await onboard(user)
    before = await resident_of(store, 1009)
    seen = [(m.message_id, m.text, m.buttons) for m in user.messages]
    answers = [
        await toast_after(user, data)
        for data in ("ob:g:TDP9", "pf:g:NOPE", "zz:1", "st:broadcast", "pf:del:maybe", "ob:yes")
    ]
    assert all(answers), answers
    assert "không có quyền" in answers[3]
    assert await resident_of(store, 1009) == before
    assert [(m.message_id, m.text, m.buttons) for m in user.messages] == seen


async def test_staff_get_their_menu_and_commands(bot: BotApp, tg: FakeTelegramServer) -> None:
    secretary = tg.user(SECRETARY_ID, first_name="Thư")
    (menu,) = await secretary.ask("/start")
    assert "Nguyễn Thị Thư" in menu.plain_text and "Văn phòng" in menu.plain_text
    assert "📣 Gửi thông báo" in menu.button_texts()
    scopes = [key for key in tg.commands if str(SECRETARY_ID) in key]
    assert scopes, tg.commands
    (picker,) = await secretary.press_and_wait("📊 Báo cáo")
    assert "Chọn kỳ báo cáo" in picker.plain_text  # built in issue #8 (handlers/reports.py)


async def test_restart_keeps_the_onboarding_step(
    tg: FakeTelegramServer,
    ward,
    store: SqliteStore,
    clock,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from bot.channels.telegram.app import build_application
    from bot.runtime.local import running
    from tests.conftest import make_settings

    user = tg.user(1010, first_name="Khánh")
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        await user.ask("/start", expect=2)
        await user.press_and_wait("✅ Đồng ý")
    app = build_application(make_settings(tg, tmp_path), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        (group_prompt,) = await user.ask("Phan Văn Khánh")
        assert "Bước 2/3" in group_prompt.plain_text

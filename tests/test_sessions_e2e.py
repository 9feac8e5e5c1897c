"""Dialogue sessions end to end: the real Application and delivery worker against the fake
Telegram server, the clock injected, reminders driven by moving the clock and calling the scan."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.channels.telegram.app import SERVICES_KEY, BotApp, build_application
from bot.clock import ManualClock
from bot.domain.calendar import WorkingCalendar
from bot.domain.sessions import RegistrationStatus, SessionKind, SessionStatus
from bot.domain.ward import WardConfig
from bot.fakes.telegram import ChatMessage, FakeTelegramServer, SimUser
from bot.runtime.local import running
from bot.usecases.common import Services
from bot.usecases.sessions import Outcome, RegOutcome, SessionDraft, Sessions
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID, make_settings, toast_after
from tests.outbox_helpers import add_residents, eventually

HN = ZoneInfo("Asia/Ho_Chi_Minh")
FAST = {
    "outbox_poll_interval": 0.02,
    "outbox_progress_interval": 0.05,
    "outbox_backoff_base": 0.01,
    "outbox_backoff_cap": 0.05,
    "outbox_global_rate": 200.0,
    "outbox_per_chat_rate": 50.0,
    "session_scan_interval": 3600.0,
}
A, B, C, D = 1001, 1002, 1003, 1004  # A, B, D in TDP1; C in TDP2


@pytest.fixture
async def bot(
    tg: FakeTelegramServer, ward: WardConfig, store: SqliteStore, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotApp]:
    app = build_application(make_settings(tg, tmp_path, **FAST), ward, clock=clock, store=store)
    async with running(app, poll_timeout=1):
        yield app


def local(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HN)


def uc(bot: BotApp) -> Sessions:
    return Sessions(bot.bot_data[SERVICES_KEY])


def count(user: SimUser, text: str) -> int:
    return sum(1 for m in user.messages if text in m.plain_text and not m.edits)


async def received(user: SimUser, text: str, n: int = 1) -> None:
    async def check() -> bool:
        return count(user, text) >= n

    await eventually(check, what=f"{n}× {text!r} for {user.id}")


async def residents(
    tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> dict[int, SimUser]:
    await add_residents(store, clock.now(), [A, B, D], group="TDP1")
    await add_residents(store, clock.now(), [C], group="TDP2")
    return {i: tg.user(i, first_name=f"Dân{i}", known=True) for i in (A, B, C, D)}


async def test_secretary_creates_and_publishes_with_buttons(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    people = await residents(tg, store, clock)
    sec = tg.user(SECRETARY_ID, first_name="Thư")
    await sec.ask("/start")
    await sec.press_and_wait("📅 Quản lý buổi đối thoại")
    await sec.press_and_wait("➕ Tạo buổi đối thoại")
    await sec.press_and_wait("Đối thoại định kỳ")
    await sec.ask("Đối thoại về chỉnh trang đô thị")
    await sec.press_and_wait("Chủ tịch UBND phường")
    await sec.press_and_wait("Bỏ qua")
    await sec.press_and_wait("Trực tiếp")
    bad = await sec.ask("ngày mai")
    assert "Chưa hiểu thời gian" in bad[-1].plain_text
    await sec.ask("11/12/2026 08:00-11:00")
    await sec.press_and_wait("Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh")
    await sec.send_location(21.0245, 105.8412)
    await sec.wait()
    await sec.press_and_wait("🏘 Toàn phường")
    await sec.ask("2")
    summary = await sec.press_and_wait("✅ Dùng mặc định")
    assert "Xem lại buổi đối thoại" in summary[-1].plain_text
    assert "7 ngày làm việc" not in summary[-1].plain_text
    done = await sec.press_and_wait("📤 Công bố", expect=2)
    assert any("Đã công bố" in m.plain_text for m in done)
    for user in people.values():
        await received(user, "Giấy mời đối thoại")
        await eventually(
            lambda u=user: _has_venue(u),
            what=f"venue message for {user.id}",  # type: ignore[misc]
        )
        await eventually(
            lambda u=user: _has_calendar_file(u),
            what=f".ics with the invitation for {user.id}",  # type: ignore[misc]
        )
        (ics,) = [m for m in user.messages if m.document]
        event = Calendar.from_ical(ics.document["bytes"]).walk("VEVENT")[0]  # type: ignore[index]
        assert event.decoded("dtstart") == local(2026, 12, 11, 8)
        assert str(event.get("url")) == "https://t.me/nghedannoi_bot?start=s1"
    invitation = next(m for m in people[A].messages if "Giấy mời" in m.plain_text)
    assert "https://t.me/nghedannoi_bot?start=s1" in invitation.plain_text
    assert "08:00, thứ sáu 11/12/2026 – 11:00" in invitation.plain_text
    # The poster and the .ics from the admin card.
    files = await sec.press_and_wait("🗓 Thêm vào lịch (.ics)")
    assert files[-1].document is not None
    assert files[-1].document["file_name"] == "doi-thoai-1.ics"


async def _has_calendar_file(user: SimUser) -> bool:
    return any(
        m.document and m.document.get("file_name") == "doi-thoai-1.ics" and m.document["bytes"]
        for m in user.messages
    )


async def _has_venue(user: SimUser) -> bool:
    return any(m.venue for m in user.messages)


async def publish_session(bot: BotApp, capacity: int | None = 2) -> int:
    draft = SessionDraft(
        kind=SessionKind.PERIODIC,
        title="Đối thoại định kỳ quý IV",
        starts_at=local(2026, 12, 11, 8),
        ends_at=local(2026, 12, 11, 11),
        venue="Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh",
        capacity=capacity,
    )
    result = await uc(bot).create(SECRETARY_ID, draft, publish=True)
    assert result.outcome is Outcome.PUBLISHED and result.session is not None
    return result.session.id


async def test_register_change_reminders_promotion_cancel(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    people = await residents(tg, store, clock)
    sid = await publish_session(bot)
    for user in people.values():
        await received(user, "Giấy mời đối thoại")
    a, b, c, d = (people[i] for i in (A, B, C, D))

    # A registers to attend; B to speak; C finds it full and joins the waitlist.
    await a.press_and_wait("📅 Xem và đăng ký")
    reply = await a.press_and_wait("✅ Đăng ký dự")
    assert "Bà con đã đăng ký dự" in reply[-1].plain_text
    again = await uc(bot).register(A, sid)
    assert again.outcome is RegOutcome.ALREADY
    await b.press_and_wait("📅 Xem và đăng ký")
    await b.press_and_wait("🎤 Đăng ký phát biểu")
    too_long = await b.ask("x" * 301)
    assert "không dài quá 300" in too_long[-1].plain_text
    spoke = await b.ask("Đèn đường ngõ 12 hỏng đã hai tháng")
    assert "Thứ tự phát biểu của bà con: 1" in spoke[-1].plain_text
    await c.press_and_wait("📅 Xem và đăng ký")
    waiting = await c.press_and_wait("✅ Đăng ký dự")
    assert "danh sách chờ" in waiting[-1].plain_text

    # Venue change: every registrant and audience member is told exactly once.
    result = await uc(bot).update(
        SECRETARY_ID, sid, venue="Nhà văn hóa TDP Chí Linh 2, 45 Chí Linh", reason="Sửa mái"
    )
    assert result.outcome is Outcome.UPDATED and result.session is not None
    assert result.session.version == 2
    for user in (a, b, c, d):
        await received(user, "Thay đổi địa điểm")
    await asyncio.sleep(0.3)
    for user in (a, b, c, d):
        assert count(user, "Thay đổi địa điểm") == 1, user.id
    change = next(m for m in a.messages if "Thay đổi địa điểm" in m.plain_text)
    assert "Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh → Nhà văn hóa TDP Chí Linh 2" in (
        change.plain_text
    )
    assert change.has_button("✅ Vẫn tham dự") and change.has_button("❌ Hủy đăng ký")
    plain = next(m for m in d.messages if "Thay đổi địa điểm" in m.plain_text)
    assert not plain.has_button("✅ Vẫn tham dự")
    confirmed = await a.press_and_wait("✅ Vẫn tham dự", message_id=change.message_id)
    assert "vẫn tham dự" in confirmed[-1].plain_text

    # Reminders: the day before at 08:00 and two hours before (06:00 is quiet → 07:00).
    sessions = uc(bot)
    clock.set(local(2026, 12, 10, 7, 59))
    assert await sessions.run_due_reminders() == 0
    clock.set(local(2026, 12, 10, 8, 0))
    assert await sessions.run_due_reminders() == 2  # A and B; C waits, D never registered
    assert await sessions.run_due_reminders() == 0
    await received(a, "Nhắc lịch đối thoại")
    await received(b, "Đèn đường ngõ 12")
    clock.set(local(2026, 12, 11, 6, 30))
    assert await sessions.run_due_reminders() == 0

    # Before the second reminder, A cancels: C is promoted and told.
    clock.set(local(2026, 12, 11, 6, 45))
    await a.press_and_wait("❌ Hủy đăng ký", message_id=change.message_id)
    await received(c, "Bà con đã có chỗ")
    clock.set(local(2026, 12, 11, 7, 0))
    assert await sessions.run_due_reminders() == 2  # B, and C now that C has a seat; not A
    await received(b, "Nhắc lịch đối thoại", 2)
    await received(c, "Nhắc lịch đối thoại", 1)
    assert count(a, "Nhắc lịch đối thoại") == 1

    # Cancellation reaches registrants (personally) and the audience.
    cancelled = await sessions.cancel(SECRETARY_ID, sid, "Mưa bão")
    assert cancelled.outcome is Outcome.CANCELLED
    for user in (a, b, c, d):
        await received(user, "Hủy buổi đối thoại")
    late = await uc(bot).register(D, sid)
    assert late.outcome is RegOutcome.SESSION_CANCELLED
    text = await d.press_and_wait("📅 Xem và đăng ký")
    assert "ĐÃ HỦY" in text[-1].plain_text and not text[-1].has_button("✅ Đăng ký dự")


async def test_moved_session_drops_old_reminders(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    people = await residents(tg, store, clock)
    sid = await publish_session(bot, capacity=None)
    assert (await uc(bot).register(A, sid)).outcome is RegOutcome.REGISTERED
    moved = await uc(bot).update(SECRETARY_ID, sid, starts_at=local(2026, 12, 18, 8))
    assert moved.session is not None and moved.session.ends_at == local(2026, 12, 18, 11)
    await received(people[A], "Thay đổi thời gian")
    clock.set(local(2026, 12, 10, 8, 0))  # the old day-before time: nothing any more
    assert await uc(bot).run_due_reminders() == 0
    clock.set(local(2026, 12, 17, 8, 0))
    assert await uc(bot).run_due_reminders() == 1
    async with store.read() as uow:
        row = await uow.outbox.by_key(f"reminder:{sid}:v2:0:{A}")
    assert row is not None
    # Past sessions cannot be registered for.
    clock.set(local(2026, 12, 18, 9, 0))
    assert (await uc(bot).register(B, sid)).outcome is RegOutcome.PAST


async def test_weekly_rotation_and_moved_week(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    people = await residents(tg, store, clock)
    sessions = uc(bot)
    first = await sessions.generate_weekly(SECRETARY_ID, 3)
    assert [s.group_codes for s in first.created] == [("TDP1",), ("TDP2",), ("TDP3",)]
    assert [s.starts_at.astimezone(HN) for s in first.created] == [
        local(2026, 11, 27, 7, 30),
        local(2026, 12, 4, 7, 30),
        local(2026, 12, 11, 7, 30),
    ]
    assert first.created[1].venue == "Nhà văn hóa TDP Chí Linh 2, 45 Chí Linh"
    assert all(s.status is SessionStatus.PUBLISHED for s in first.created)
    again = await sessions.generate_weekly(SECRETARY_ID, 3)
    assert again.created == ()
    more = await sessions.generate_weekly(SECRETARY_ID, 4)
    assert [s.group_codes for s in more.created] == [("TDP1",)]
    await received(people[A], "Ngày thứ Sáu nghe dân nói", 2)
    await received(people[C], "Ngày thứ Sáu nghe dân nói", 1)
    # Force majeure: the TDP2 week moves to Saturday; only TDP2 hears of it.
    week2 = first.created[1]
    moved = await sessions.update(
        SECRETARY_ID, week2.id, starts_at=local(2026, 12, 5, 7, 30), reason="Bất khả kháng"
    )
    assert moved.outcome is Outcome.UPDATED
    await received(people[C], "Thay đổi thời gian")
    await asyncio.sleep(0.3)
    assert count(people[A], "Thay đổi thời gian") == 0
    assert count(people[D], "Thay đổi thời gian") == 0
    # The moved week keeps its place: generating again does not recreate that Friday.
    assert (await sessions.generate_weekly(SECRETARY_ID, 4)).created == ()


async def test_weekly_skips_holiday_fridays(ward: WardConfig, store: SqliteStore) -> None:
    services = Services(
        store=store,
        clock=ManualClock(local(2026, 4, 20, 9)),
        ward=ward,
        calendar=WorkingCalendar(),
    )
    result = await Sessions(services).generate_weekly(None, 3, publish=False)
    assert [s.starts_at.astimezone(HN).date().isoformat() for s in result.created] == [
        "2026-04-24",
        "2026-05-08",
    ]
    assert [s.group_codes for s in result.created] == [("TDP1",), ("TDP2",)]
    assert [d.isoformat() for d in result.skipped_holidays] == ["2026-05-01"]


async def test_lead_time_with_tet_needs_a_reason(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    clock.set(local(2026, 2, 9, 9))
    draft = SessionDraft(
        kind=SessionKind.THEMATIC,
        title="Đối thoại với thanh niên",
        starts_at=local(2026, 2, 24, 8),
        venue="Nhà văn hóa phường",
    )
    from bot.domain.sessions import AudienceScope, SocialGroup

    draft.audience, draft.social_group = AudienceScope.SOCIAL, SocialGroup.YOUTH
    refused = await uc(bot).create(SECRETARY_ID, draft, publish=True)
    assert refused.outcome is Outcome.NEEDS_REASON and refused.lead is not None
    assert refused.lead.working_days == 6
    draft.reason = "Theo chỉ đạo của Thường trực Đảng ủy"
    accepted = await uc(bot).create(SECRETARY_ID, draft, publish=True)
    assert accepted.outcome is Outcome.PUBLISHED and accepted.session is not None
    assert accepted.session.lead_time_reason == draft.reason
    assert accepted.session.opinion_deadline == local(2026, 2, 17, 8)
    # Through the bot, the summary says so and asks for the reason before publishing.
    sec = tg.user(SECRETARY_ID, first_name="Thư")
    await sec.ask("/start")
    await sec.press_and_wait("📅 Quản lý buổi đối thoại")
    await sec.press_and_wait("➕ Tạo buổi đối thoại")
    await sec.press_and_wait("Đối thoại đột xuất")
    await sec.ask("Sạt lở bờ kè")
    await sec.press_and_wait("Bí thư Đảng ủy và Chủ tịch UBND phường")
    await sec.press_and_wait("Bỏ qua")
    await sec.press_and_wait("Gián tiếp (gửi ý kiến bằng văn bản)")
    await sec.ask("12/02/2026 08:00")
    await sec.press_and_wait("🏘 Toàn phường")
    await sec.press_and_wait("Không giới hạn")
    summary = await sec.press_and_wait("✅ Dùng mặc định")
    assert "7 ngày làm việc" not in summary[-1].plain_text  # urgent: no lead time
    await sec.press_and_wait("❌ Hủy")
    text = await sec.ask("/menu")
    await sec.press_and_wait("📅 Quản lý buổi đối thoại", message_id=text[-1].message_id)
    await sec.press_and_wait("➕ Tạo buổi đối thoại")
    await sec.press_and_wait("Đối thoại định kỳ")
    await sec.ask("Đối thoại đầu năm")
    await sec.press_and_wait("Chủ tịch UBND phường")
    await sec.press_and_wait("Bỏ qua")
    await sec.press_and_wait("Gián tiếp (gửi ý kiến bằng văn bản)")
    await sec.ask("24/02/2026 08:00")
    await sec.press_and_wait("🏘 Toàn phường")
    await sec.press_and_wait("Không giới hạn")
    warned = await sec.press_and_wait("✅ Dùng mặc định")
    assert "7 ngày làm việc" in warned[-1].plain_text and "25/02/2026" in warned[-1].plain_text
    await sec.press_and_wait("📤 Công bố")
    summary = await sec.ask("Theo chỉ đạo của Thường trực Đảng ủy")
    assert "Lý do tổ chức sớm hơn" in summary[-1].plain_text
    done = await sec.press_and_wait("📤 Công bố", expect=2)
    assert any("Đã công bố" in m.plain_text for m in done)


async def test_deep_link_from_a_cold_start(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    sid = await publish_session(bot)
    newcomer = tg.user(2001, first_name="Hoa")
    await newcomer.ask(f"/start s{sid}", expect=2)
    await newcomer.press_and_wait("✅ Đồng ý")
    use_name = next(t for t in newcomer.messages[-1].button_texts() if t.startswith("👤"))
    await newcomer.press_and_wait(use_name)
    await newcomer.press_and_wait("Tổ dân phố Chí Linh 2")
    await newcomer.press_reply_button("📱 Chia sẻ số điện thoại")
    shown = await newcomer.wait(expect=3)
    card = shown[-1]
    assert "Đối thoại định kỳ quý IV" in card.plain_text
    assert card.has_button("✅ Đăng ký dự") and card.has_button("🎤 Đăng ký phát biểu")
    reply = await newcomer.press_and_wait("✅ Đăng ký dự", message_id=card.message_id)
    assert "Bà con đã đăng ký dự" in reply[-1].plain_text
    async with store.read() as uow:
        reg = await uow.sessions.registration(sid, 2001)
    assert reg is not None and reg.status is RegistrationStatus.REGISTERED
    # A forged session id and a resident's attempt at a staff button change nothing.
    broken = await newcomer.ask("/start s999", expect=2)
    assert "Không tìm thấy buổi đối thoại" in broken[-1].plain_text
    listing = await newcomer.press_and_wait("📅 Lịch đối thoại", message_id=broken[0].message_id)
    assert "Đối thoại định kỳ quý IV" in listing[-1].plain_text


def test_utc_sanity() -> None:
    assert local(2026, 12, 11, 8).astimezone(UTC) == datetime(2026, 12, 11, 1, tzinfo=UTC)
    assert timedelta(hours=7) == local(2026, 1, 1).utcoffset()


async def outbox_events(store: SqliteStore, event: str) -> dict[int, int]:
    """How many ``event`` rows the outbox holds per chat (queued or delivered)."""
    async with store.read() as uow:
        rows = await uow.conn.execute_fetchall(
            "SELECT person_id, COUNT(*) FROM outbox WHERE event = ? GROUP BY person_id", (event,)
        )
    return {int(r[0]): int(r[1]) for r in rows}


async def listing(user: SimUser) -> list[ChatMessage]:
    """The resident's "Lịch đối thoại" from the main menu."""
    (menu,) = await user.ask("/menu")
    shown = await user.press_and_wait("📅 Lịch đối thoại", message_id=menu.message_id)
    return [m for m in shown if not m.edits]


async def publish_thematic(sec: SimUser, group: str, title: str) -> str:
    """The secretary creates and publishes a thematic session for ``group`` with buttons;
    returns the publish confirmation's text."""
    menu = await sec.ask("/menu")
    await sec.press_and_wait("📅 Quản lý buổi đối thoại", message_id=menu[-1].message_id)
    await sec.press_and_wait("➕ Tạo buổi đối thoại")
    await sec.press_and_wait("Đối thoại chuyên đề")
    await sec.press_and_wait(group)
    await sec.ask(title)
    await sec.press_and_wait("Chủ tịch UBND phường")
    await sec.press_and_wait("Bỏ qua")
    await sec.press_and_wait("Trực tiếp")
    await sec.ask("11/12/2026 08:00")
    await sec.press_and_wait("Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh")
    await sec.press_and_wait("Không gắn bản đồ")
    await sec.press_and_wait("Không giới hạn")
    summary = await sec.press_and_wait("✅ Dùng mặc định")
    assert group in summary[-1].plain_text
    done = await sec.press_and_wait("📤 Công bố", expect=2)
    return next(m.plain_text for m in done if "Đã công bố" in m.plain_text)


async def test_thematic_session_reaches_its_declared_social_group(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    people = await residents(tg, store, clock)
    a, c, d = people[A], people[C], people[D]
    # A ticks "Thanh niên" (and tries "Phụ nữ", then unticks it) on one message edited in place.
    (profile,) = await a.ask("/hoso")
    assert "Nhóm xã hội: chưa chọn" in profile.plain_text
    (picker,) = [m for m in await a.press_and_wait("👥 Nhóm của tôi") if not m.edits]
    assert picker.button_texts()[:3] == [
        "⬜ Doanh nghiệp, hộ kinh doanh",
        "⬜ Công nhân, người lao động",
        "⬜ Nông dân",
    ]
    await a.press_and_wait("⬜ Thanh niên", message_id=picker.message_id)
    await a.press_and_wait("⬜ Phụ nữ", message_id=picker.message_id)
    edited = await a.press_and_wait("☑️ Phụ nữ", message_id=picker.message_id)
    assert edited[-1].message_id == picker.message_id
    assert "☑️ Thanh niên" in edited[-1].button_texts()
    assert "⬜ Phụ nữ" in edited[-1].button_texts()
    updated = [m for m in await a.press_and_wait("✅ Xong", expect=2) if not m.edits]
    assert "Đã cập nhật nhóm xã hội" in updated[0].plain_text
    assert "Nhóm xã hội: Thanh niên" in updated[-1].plain_text
    async with store.read() as uow:
        saved = await uow.residents.get(A)
        trail = await uow.audit.for_subject("resident", str(A))
    assert saved is not None and saved.social_groups == ("youth",)
    assert [e.details for e in trail if e.action == "resident.profile_updated"] == [
        {"field": "social_groups"}
    ]
    # A stale toggle after "Xong" changes nothing.
    assert await toast_after(a, "pf:s:women")
    assert await toast_after(a, "pf:s:nope")
    async with store.read() as uow:
        again = await uow.residents.get(A)
    assert again is not None and again.social_groups == ("youth",)

    # The secretary publishes a youth session: only A is invited, and the secretary is told so.
    sec = tg.user(SECRETARY_ID, first_name="Thư")
    await sec.ask("/start")
    confirmation = await publish_thematic(sec, "Thanh niên", "Đối thoại với thanh niên")
    assert "gửi tới 1 người đã chọn nhóm «Thanh niên»" in confirmation
    await received(a, "Đối thoại với thanh niên")
    invited = await outbox_events(store, "session_invitation")
    assert invited == {A: 1}
    assert "Đối thoại với thanh niên" in (await listing(a))[-1].plain_text
    assert "chưa có buổi đối thoại" in (await listing(c))[-1].plain_text.lower()
    assert count(c, "Đối thoại với thanh niên") == 0

    # D is not in the group but registers through the shared link; D then sees it and is told.
    found = re.search(r"\(#(\d+)\)", confirmation)
    assert found is not None
    sid = int(found.group(1))
    shown = await d.ask(f"/start s{sid}")
    assert "Đối thoại với thanh niên" in shown[-1].plain_text
    joined = await d.press_and_wait("✅ Đăng ký dự", message_id=shown[-1].message_id)
    assert "Bà con đã đăng ký dự" in joined[-1].plain_text
    assert "Đối thoại với thanh niên" in (await listing(d))[-1].plain_text
    moved = await uc(bot).update(SECRETARY_ID, sid, starts_at=local(2026, 12, 12, 8))
    assert moved.outcome is Outcome.UPDATED and moved.notified == 2
    for user in (a, d):
        await received(user, "Thay đổi thời gian")
    cancelled = await uc(bot).cancel(SECRETARY_ID, sid, "Trùng lịch họp")
    assert cancelled.notified == 2
    for user in (a, d):
        await received(user, "Hủy buổi đối thoại")
    assert set(await outbox_events(store, "session_changed")) == {A, D}
    assert set(await outbox_events(store, "session_cancelled")) == {A, D}
    assert count(c, "thanh niên") == 0 and count(people[B], "thanh niên") == 0

    # A group nobody declared: nobody is invited and the secretary is told how to reach people.
    empty_call = await publish_thematic(sec, "Cựu chiến binh", "Đối thoại với cựu chiến binh")
    assert "gửi tới 0 người đã chọn nhóm «Cựu chiến binh»" in empty_call
    assert "Chưa có bà con nào chọn nhóm «Cựu chiến binh»" in empty_call
    assert "📣 Gửi thông báo" in empty_call
    assert set(await outbox_events(store, "session_invitation")) == {A}

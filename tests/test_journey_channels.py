"""The whole resident journey, the same function on Telegram and on Zalo (tests/zalo_harness.py
runs the bot on both at once): start → consent → the channel's name → group → phone → a petition
with a photo and a location pin → «Ý kiến của tôi» → a session: registering, the waitlist of a
full one and its promotion, a venue change → the unit's answer, «Chưa thỏa đáng», a second
answer, «Hài lòng» → the conclusion's survey → /thongbao and its buttons → delete-my-data, typed
and by buttons. The staff's side is the use cases; what the resident is shown and what the
database holds are asserted, and on Zalo every message keeps within Zalo's limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.domain.people import Consent, Resident
from bot.domain.sessions import SessionKind
from bot.domain.ward import WardConfig
from bot.usecases.accounts import ensure_person
from bot.usecases.conclusion import ConclusionOutcome, Conclusions
from bot.usecases.reminders import Reminders
from bot.usecases.sessions import Outcome, SessionDraft, Sessions
from bot.usecases.workflow import Result, Workflow
from storage.sqlite import SqliteStore
from tests.conftest import OFFICIAL_ID, SECRETARY_ID
from tests.zalo_harness import (
    Channels,
    Driver,
    TelegramDriver,
    ZaloDriver,
    two_channels,
    zalo_violations,
    zalo_ward,
)

HN = ZoneInfo("Asia/Ho_Chi_Minh")
NAME = "Nguyễn Thị Lan"
PHONE = "0912345678"
GROUP = "Tổ dân phố Chí Linh 1"
CONTENT = "Rác thải ùn ứ ở đầu ngõ 12 Chí Linh nhiều ngày."
CAPTION = "Ảnh chụp sáng nay"
PLACE = "Đầu ngõ 12 Chí Linh"
CODE = "TD-2026-0001"
TITLE = "Đối thoại định kỳ quý IV"
FULL_TITLE = "Đối thoại chuyên đề về trật tự đô thị"
OLD_VENUE = "Nhà văn hóa TDP Chí Linh 1, ngõ 12 Chí Linh"
NEW_VENUE = "Nhà văn hóa TDP Chí Linh 2, 45 Chí Linh"
ANSWER = "Đã thu gom rác và đặt thêm thùng rác ở đầu ngõ ngày 26/11."
SECOND_ANSWER = "Đã bố trí xe thu gom rác hằng ngày lúc 18 giờ ở đầu ngõ 12."
REASON = "Rác lại ùn ứ sau hai ngày"
NEIGHBOUR = 7002
ERROR = "bot gặp sự cố"


@pytest.fixture
async def bot(
    store: SqliteStore, clock: ManualClock, ward: WardConfig, tmp_path: Path
) -> AsyncIterator[Channels]:
    async with two_channels(store, clock, zalo_ward(ward), tmp_path) as running:
        await running.staff_follow()
        yield running


class Ward:
    """The staff's side of the journey: the use cases, the same on both runs."""

    def __init__(self, bot: Channels) -> None:
        self.bot = bot
        self.s = bot.services

    async def petition_id(self) -> int:
        async with self.s.store.read() as uow:
            petition = await uow.petitions.by_code(CODE)
        assert petition is not None and petition.id is not None
        return petition.id

    def check_onboarded(self, channel: str) -> None:
        """The name the channel gave (Vietnamese order), the group, the phone in one form."""
        rows = self.bot.rows(
            "SELECT r.* FROM residents r JOIN accounts a USING (person_id) WHERE a.channel = ? "
            "AND person_id NOT IN (SELECT person_id FROM staff)",
            channel,
        )
        assert [(r["full_name"], r["group_code"], r["phone"], r["consent"]) for r in rows] == [
            (NAME, "TDP1", PHONE, "given")
        ]

    async def publish(self, title: str, venue: str, capacity: int | None) -> int:
        draft = SessionDraft(
            kind=SessionKind.PERIODIC,
            title=title,
            starts_at=datetime(2026, 12, 11, 8, tzinfo=HN),
            ends_at=datetime(2026, 12, 11, 11, tzinfo=HN),
            venue=venue,
            latitude=21.0245,
            longitude=105.8412,
            capacity=capacity,
        )
        result = await Sessions(self.s).create(SECRETARY_ID, draft, publish=True)
        assert result.outcome is Outcome.PUBLISHED and result.session is not None
        await self.bot.settled()
        return result.session.id

    async def neighbour_takes_the_seat(self, session_id: int) -> None:
        self.bot.telegram_user(NEIGHBOUR, "Hùng", known=True)
        now = self.s.clock.now()
        async with self.s.store.transaction() as uow:
            person = await ensure_person(uow, "telegram", str(NEIGHBOUR), now, inbound=True)
            await uow.residents.save(
                Resident(
                    person, Consent.GIVEN, now, "Lê Văn Hùng", "TDP1", None, now, created_at=now
                )
            )
        await Sessions(self.s).register(person, session_id)

    async def neighbour_leaves(self, session_id: int) -> None:
        await Sessions(self.s).cancel_registration(NEIGHBOUR, session_id)
        await self.bot.settled()

    async def move(self, session_id: int) -> None:
        result = await Sessions(self.s).update(
            SECRETARY_ID, session_id, venue=NEW_VENUE, reason="Sửa mái hội trường"
        )
        assert result.outcome is Outcome.UPDATED and result.notified == 2  # with the neighbour
        await self.bot.settled()

    async def answer(self, text: str, *, first: bool) -> None:
        workflow, pid = Workflow(self.s), await self.petition_id()
        if first:
            assert (await workflow.assign(SECRETARY_ID, pid, "KT")).result is Result.DONE
            assert (await workflow.accept(OFFICIAL_ID, pid)).result is Result.DONE
        assert (await workflow.unit_answer(OFFICIAL_ID, pid, text)).result is Result.DONE
        await self.bot.settled()

    async def hold_and_conclude(self, session_id: int) -> None:
        """The session is held; the secretary publishes its conclusion (the survey follows)."""
        self.bot.clock.set(datetime(2026, 12, 11, 10, tzinfo=HN).astimezone(UTC))
        await Reminders(self.s).run_due()
        published = await Conclusions(self.s).publish(SECRETARY_ID, session_id)
        assert published.outcome is ConclusionOutcome.DONE, published
        await self.bot.settled()


async def journey(resident: Driver, ward: Ward) -> dict[str, str]:
    """The resident journey; the texts the resident was shown at its milestones."""
    seen: dict[str, str] = {}
    await resident.start(expect="dữ liệu cá nhân")
    await resident.press("✅ Đồng ý", expect="Bước 1/3")
    await resident.press(f"👤 Dùng tên: {NAME}", expect="Bước 2/3")
    await resident.press(GROUP, expect="Bước 3/3")
    seen["onboarded"] = await resident.give_phone(PHONE, expect="Đăng ký xong")
    ward.check_onboarded(resident.channel)

    await resident.say("/menu", expect="Menu chính")
    await resident.press("✍️ Gửi ý kiến, kiến nghị", expect="Bước 1/5")
    await resident.press("💬 Ý kiến, kiến nghị gửi buổi đối thoại", expect="Bước 2/5")
    await resident.press("📅 Chương trình «Ngày thứ Sáu nghe dân nói»", expect="Bước 3/5")
    await resident.press("Môi trường", expect="Bước 4/5")
    await resident.say(CONTENT, expect="0/5 tệp")
    await resident.send_photo(CAPTION, expect="1/5 tệp")
    await resident.send_location(21.03, 105.85, expect="có vị trí")
    await resident.press("➡️ Tiếp tục", expect="địa chỉ")
    seen["summary"] = await resident.say(PLACE, expect="Bước 5/5")
    seen["receipt"] = await resident.press("✅ Gửi ý kiến", expect="Mã theo dõi")

    await resident.say("/menu", expect="Menu chính")
    await resident.press("📋 Ý kiến của tôi", expect="1 ý kiến, trang 1/1")
    seen["timeline"] = await resident.press(f"{CODE} · Môi trường", expect="Diễn biến")

    resident.mark()
    session_id = await ward.publish(TITLE, OLD_VENUE, 50)
    seen["invitation"] = await resident.notified("Giấy mời đối thoại")
    await resident.press("📅 Xem và đăng ký", expect=TITLE)
    seen["registered"] = await resident.press("✅ Đăng ký dự", expect="đã đăng ký dự")

    resident.mark()
    full_id = await ward.publish(FULL_TITLE, OLD_VENUE, 1)
    await resident.notified(FULL_TITLE)
    await ward.neighbour_takes_the_seat(full_id)
    await resident.press("📅 Xem và đăng ký", expect=FULL_TITLE)
    seen["waitlisted"] = await resident.press("✅ Đăng ký dự", expect="danh sách chờ")
    resident.mark()
    await ward.neighbour_leaves(full_id)
    seen["promoted"] = await resident.notified("đã có chỗ")

    resident.mark()
    await ward.move(session_id)
    seen["venue_change"] = await resident.notified("Thay đổi địa điểm")
    await resident.press("✅ Vẫn tham dự", expect="vẫn tham dự")

    resident.mark()
    await ward.answer(ANSWER, first=True)
    seen["answer"] = await resident.notified(ANSWER[:30])
    await resident.press("👎 Chưa thỏa đáng", expect="vì sao")
    await resident.say(REASON, expect=REASON)
    seen["reopened"] = await resident.press("✅ Xác nhận", expect="mở lại")
    resident.mark()
    await ward.answer(SECOND_ANSWER, first=False)
    seen["second_answer"] = await resident.notified(SECOND_ANSWER[:30])
    seen["satisfied"] = await resident.press("👍 Hài lòng", expect="Cảm ơn")

    resident.mark()
    await ward.hold_and_conclude(session_id)
    seen["survey"] = await resident.notified("Xin ý kiến")
    await resident.press("5", expect="Cảm ơn")
    seen["comment"] = await resident.say("Buổi đối thoại rất bổ ích", expect="ghi nhận")

    seen["notices"] = await resident.say("/thongbao", expect="đang nhận")
    seen["muted"] = await resident.press("🔕 Tắt thông báo chung", expect="đang tắt")
    await resident.say("/thongbao", expect="đang tắt")
    await resident.press("🔔 Bật thông báo chung", expect="đang nhận")

    await resident.say("/xoadulieu", expect="Xóa dữ liệu cá nhân?")
    await resident.press("Không, giữ lại", expect="giữ")
    await resident.say("/menu", expect="Menu chính")
    await resident.press("👤 Hồ sơ của tôi", expect=NAME)
    await resident.press("🗑 Xóa dữ liệu của tôi", expect="Xóa dữ liệu cá nhân?")
    seen["deleted"] = await resident.press("🗑 Xóa dữ liệu", expect="Đã xóa dữ liệu")
    return seen


def driver_for(bot: Channels, channel: str) -> Driver:
    if channel == "telegram":
        return TelegramDriver(bot.telegram_user(7001, "Lan", "Nguyễn Thị", phone="+84912345678"))
    return ZaloDriver(bot.zalo_user(NAME), bot)


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_the_resident_journey(bot: Channels, channel: str) -> None:
    resident = driver_for(bot, channel)
    seen = await journey(resident, Ward(bot))

    assert CODE in seen["receipt"] and "Mã theo dõi" in seen["receipt"]
    assert PLACE in seen["summary"] and "Diễn biến" in seen["timeline"]
    assert f"{OLD_VENUE} → {NEW_VENUE}" in seen["venue_change"]
    assert ANSWER in seen["answer"] and SECOND_ANSWER in seen["second_answer"]
    assert FULL_TITLE in seen["promoted"]
    assert not any(ERROR in t for t in resident.texts())

    (person,) = bot.rows(
        "SELECT person_id FROM accounts WHERE channel = ? AND person_id NOT IN "
        "(SELECT person_id FROM staff) AND external_id != ?",
        channel,
        str(NEIGHBOUR),
    )
    pid = person["person_id"]
    (resident_row,) = bot.rows("SELECT * FROM residents WHERE person_id = ?", pid)
    assert [resident_row[k] for k in ("full_name", "group_code", "phone")] == [None] * 3
    (petition,) = bot.rows("SELECT * FROM petitions WHERE code = ?", CODE)
    assert petition["status"] == "resolved", petition["status"]
    assert (petition["latitude"], petition["longitude"]) == (21.03, 105.85)
    assert petition["content"] == f"{CONTENT}\n{CAPTION}"
    kinds = [
        r["kind"]
        for r in bot.rows(
            "SELECT kind FROM petition_events WHERE petition_id = ? ORDER BY id", petition["id"]
        )
    ]
    assert kinds[:5] == ["received", "assigned", "accepted", "answered", "reopened"], kinds
    registrations = {
        r["session_id"]: r["status"]
        for r in bot.rows("SELECT * FROM session_registrations WHERE user_id = ?", pid)
    }
    assert sorted(registrations.values()) == ["registered", "registered"], registrations
    (survey,) = bot.rows("SELECT * FROM survey_answers WHERE user_id = ?", pid)
    assert (survey["score"], survey["comment"]) == (5, "Buổi đối thoại rất bổ ích")
    mine = bot.rows("SELECT * FROM outbox WHERE person_id = ?", pid)
    assert mine and all((r["status"], r["delivered_channel"]) == ("sent", channel) for r in mine), [
        (r["event"], r["status"], r["last_error"]) for r in mine if r["status"] != "sent"
    ]
    if isinstance(resident, ZaloDriver):
        assert zalo_violations(resident.user) == []
        # Zalo takes no .ics: the invitations said so instead of failing.
        assert sum("không nhận tệp lịch" in t for t in resident.texts()) == 2


@pytest.mark.parametrize("typed", ["0912345678", "84912345678", "+84 912 345 678"])
async def test_a_phone_typed_on_zalo_is_stored_in_one_form(bot: Channels, typed: str) -> None:
    resident = ZaloDriver(bot.zalo_user("Trần Văn Nam"), bot, typed_phone=True)
    await resident.start(expect="dữ liệu cá nhân")
    await resident.press("✅ Đồng ý", expect="Bước 1/3")
    await resident.press("👤 Dùng tên: Trần Văn Nam", expect="Bước 2/3")
    await resident.press(GROUP, expect="Bước 3/3")
    assert resident.user.info_requests, "Zalo's own form is offered too"
    await resident.give_phone(typed, expect="Đăng ký xong")
    await bot.settled()
    (row,) = bot.rows(
        "SELECT r.full_name, r.phone FROM residents r JOIN accounts a USING (person_id) "
        "WHERE a.channel = 'zalo' AND a.external_id = ?",
        resident.user.id,
    )
    assert (row["full_name"], row["phone"]) == ("Trần Văn Nam", PHONE)
    assert zalo_violations(resident.user) == []

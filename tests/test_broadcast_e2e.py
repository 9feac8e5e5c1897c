"""Broadcasts, /thongbao and the delivery worker end to end: the real Application and worker
against the fake Telegram server, with the outbox's waits shortened and the clock injected."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.telegram.app import BotApp, build_application
from bot.clock import ManualClock
from bot.domain.ports import UnitOfWork
from bot.domain.ward import WardConfig
from bot.fakes.telegram import ChatMessage, FakeTelegramServer, SimUser
from bot.outbox.queue import (
    Audience,
    AudienceKind,
    Broadcast,
    Content,
    Enqueued,
    Notification,
    Priority,
    Status,
    enqueue,
    notify,
)
from bot.runtime.local import running
from bot.usecases import broadcast as broadcast_uc
from storage.sqlite import SqliteStore
from tests.conftest import SECRETARY_ID, make_settings, toast_after
from tests.outbox_helpers import add_residents, eventually

FAST_OUTBOX = {
    "outbox_poll_interval": 0.02,
    "outbox_progress_interval": 0.05,
    "outbox_backoff_base": 0.01,
    "outbox_backoff_cap": 0.05,
    "outbox_global_rate": 200.0,
    "outbox_per_chat_rate": 50.0,
}
MENU_BUTTON = "📣 Gửi thông báo"


@pytest.fixture
def outbox_overrides() -> dict[str, float]:
    """Settings a test changes with ``@pytest.mark.parametrize("outbox_overrides", [...])``."""
    return {}


@pytest.fixture
async def bot(
    outbox_overrides: dict[str, float],
    tg: FakeTelegramServer,
    ward: WardConfig,
    store: SqliteStore,
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[BotApp]:
    """The conftest bot, with the outbox's waits shortened so no test sleeps on them."""
    overrides = {**FAST_OUTBOX, **outbox_overrides}
    app = build_application(
        make_settings(tg, tmp_path, **overrides), ward, clock=clock, store=store
    )
    async with running(app, poll_timeout=1):
        yield app


def fresh(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if not m.edits]


def notices(user: SimUser) -> list[ChatMessage]:
    return [m for m in user.messages if m.plain_text.startswith("📣 Thông báo của")]


async def secretary(tg: FakeTelegramServer) -> SimUser:
    sec = tg.user(SECRETARY_ID, first_name="Thư")
    await sec.ask("/start")
    return sec


async def compose(sec: SimUser, text: str) -> ChatMessage:
    """Open «Gửi thông báo» from the staff menu and send the text; returns the audience question."""
    await sec.ask("/menu")
    (prompt,) = fresh(await sec.press_and_wait(MENU_BUTTON, expect=2))
    assert "Gửi thông báo" in prompt.plain_text
    (question,) = await sec.ask(text)
    return question


async def choose(sec: SimUser, audience: str, *codes: str) -> tuple[ChatMessage, ChatMessage]:
    """Pick the audience (and its groups/units), reaching the preview: (notice, preview)."""
    if not codes:
        notice, preview = fresh(await sec.press_and_wait(audience, expect=3))
        return notice, preview
    (options,) = fresh(await sec.press_and_wait(audience, expect=2))
    for code in codes:
        await sec.press_and_wait(f"⬜ {code}", message_id=options.message_id)
    notice, preview = fresh(await sec.press_and_wait("✅ Xong", expect=3))
    return notice, preview


async def send_and_finish(sec: SimUser, preview: ChatMessage) -> ChatMessage:
    """Press «Gửi» and wait for the final tally in the same message."""
    send = next(t for t in preview.button_texts() if t.startswith("📤"))
    await sec.press_and_wait(send)

    async def final() -> bool:
        return "Đã gửi xong" in sec.message(preview.message_id).plain_text

    await eventually(final, what="final tally")
    return sec.message(preview.message_id)


async def actions(store: SqliteStore, subject_type: str, subject_id: object) -> list[str]:
    async with store.read() as uow:
        entries = await uow.audit.for_subject(subject_type, str(subject_id))
    return [e.action for e in entries]


async def test_a_notice_to_one_group_with_preview_progress_and_tally(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2001, 2002, 2003], muted=frozenset({2003}))
    await add_residents(store, clock.now(), [2004], group="TDP2")
    people = {i: tg.user(i, known=True) for i in (2001, 2002, 2003, 2004)}
    sec = await secretary(tg)

    question = await compose(sec, "Họp tổ tối nay 19h30 <tại nhà văn hóa> & mang CCCD")
    assert question.button_texts() == [
        "🏘 Toàn phường",
        "🏠 Một số tổ dân phố",
        "🏢 Cán bộ một số đơn vị",
        "❌ Hủy",
    ]
    (options,) = fresh(await sec.press_and_wait("🏠 Một số tổ dân phố", expect=2))
    assert "⬜ Tổ dân phố Chí Linh 1" in options.button_texts()
    (ticked,) = await sec.press_and_wait("⬜ Tổ dân phố Chí Linh 1")
    assert ticked.message_id == options.message_id
    assert "☑️ Tổ dân phố Chí Linh 1" in ticked.button_texts()
    notice, preview = fresh(await sec.press_and_wait("✅ Xong", expect=3))
    assert notice.plain_text.endswith("<tại nhà văn hóa> & mang CCCD")
    assert "Tổ dân phố Chí Linh 1 – 2 người" in preview.plain_text
    assert "1 người đã tắt thông báo chung" in preview.plain_text
    async with store.read() as uow:
        assert await uow.broadcasts.with_progress_open() == []

    tally = await send_and_finish(sec, preview)
    assert "Đã nhận: 2/2" in tally.plain_text and "Tổ dân phố Chí Linh 1" in tally.plain_text
    assert "Đã tắt thông báo chung, không gửi: 1" in tally.plain_text
    assert tally.buttons == []
    assert tally.edits >= 2
    for chat_id, expected in ((2001, 1), (2002, 1), (2003, 0), (2004, 0)):
        assert len(notices(people[chat_id])) == expected, chat_id
    (received,) = notices(people[2001])
    assert received.plain_text == notice.plain_text and received.parse_mode == "HTML"
    assert await actions(store, "broadcast", 1) == ["broadcast.created", "broadcast.finished"]


@pytest.mark.parametrize("outbox_overrides", [{"outbox_global_rate": 20.0}])
async def test_a_running_broadcast_can_be_stopped(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    ids = list(range(3001, 3041))
    await add_residents(store, clock.now(), ids)
    for i in ids:
        tg.user(i, known=True)
    sec = await secretary(tg)
    await compose(sec, "Thông báo cắt nước sáng mai")
    _, preview = await choose(sec, "🏘 Toàn phường")
    await sec.press_and_wait("📤 Gửi cho 40 người")

    async def some_sent() -> bool:
        return sum(tg.delivered_count(i) for i in ids) >= 5

    await eventually(some_sent, what="a few notices delivered")
    assert "⏹ Dừng gửi" in sec.message(preview.message_id).button_texts()
    assert "Đã dừng" in await toast_after(sec, f"bc:stop:{1}")

    async def stopped() -> bool:
        return "Đã dừng gửi thông báo" in sec.message(preview.message_id).plain_text

    await eventually(stopped, what="final tally after stop")
    delivered = sum(tg.delivered_count(i) for i in ids)
    async with store.read() as uow:
        counts = await uow.outbox.counts(1)
    assert counts[Status.SENT] == delivered < 40
    assert counts[Status.CANCELLED] == 40 - delivered
    tally = sec.message(preview.message_id).plain_text
    assert f"Đã nhận: {delivered}/40" in tally and f"Chưa gửi vì đã dừng: {40 - delivered}" in tally
    assert await actions(store, "broadcast", 1) == ["broadcast.created", "broadcast.cancelled"]
    assert "đã kết thúc" in await toast_after(sec, "bc:stop:1")


class OneSession:
    """A stand-in for the sessions module: one session, one registrant."""

    def __init__(self, registrant: int) -> None:
        self.registrant = registrant

    async def choices(self, uow: UnitOfWork) -> list[tuple[str, str]]:
        return [("S1", "Nghe dân nói 27/11")]

    async def registrants(self, uow: UnitOfWork, session_ids: Sequence[str]) -> list[int]:
        return [self.registrant] if "S1" in session_ids else []


async def test_mute_unmute_and_the_kinds_that_always_arrive(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2101, 2102])
    lan, binh = tg.user(2101, known=True), tg.user(2102, known=True)
    (status,) = await lan.ask("/thongbao")
    assert "đang nhận" in status.plain_text and "luôn được gửi" in status.plain_text
    (muted,) = await lan.press_and_wait("🔕 Tắt thông báo chung")
    assert muted.message_id == status.message_id and "đang tắt" in muted.plain_text
    assert muted.button_texts() == ["🔔 Bật thông báo chung"]
    assert await actions(store, "resident", 2101) == ["resident.notices_muted"]

    sec = await secretary(tg)
    await compose(sec, "Ngày hội toàn dân bảo vệ an ninh Tổ quốc")
    _, preview = await choose(sec, "🏘 Toàn phường")
    await send_and_finish(sec, preview)
    assert (len(notices(lan)), len(notices(binh))) == (0, 1)

    broadcast_uc.provide_session_audience(OneSession(2101))
    try:
        question = await compose(sec, "Buổi đối thoại chuyển sang Nhà văn hóa TDP Thanh Bình")
        assert "📅 Người đăng ký một buổi đối thoại" in question.button_texts()
        _, preview = await choose(sec, "📅 Người đăng ký một buổi đối thoại", "Nghe dân nói 27/11")
        assert "1 người" in preview.plain_text
        await send_and_finish(sec, preview)
    finally:
        broadcast_uc.provide_session_audience(None)
    assert [m.plain_text.split("\n")[-1] for m in notices(lan)] == [
        "Buổi đối thoại chuyển sang Nhà văn hóa TDP Thanh Bình"
    ]

    async with store.transaction() as uow:
        personal = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=2101, key="own-petition"
        )
        general = await enqueue(
            uow, now=clock.now(), event="broadcast_stopping", person_id=2101, key="g", general=True
        )
    assert (personal, general) == (Enqueued.QUEUED, Enqueued.MUTED)
    await lan.wait()

    (unmuted,) = await lan.press_and_wait("🔔 Bật thông báo chung")
    assert "đang nhận" in unmuted.plain_text
    await compose(sec, "Lịch tiêm chủng tháng 12")
    _, preview = await choose(sec, "🏘 Toàn phường")
    await send_and_finish(sec, preview)
    assert len(notices(lan)) == 2
    assert await actions(store, "resident", 2101) == [
        "resident.notices_muted",
        "resident.notices_unmuted",
    ]


async def test_429_waits_the_retry_after_telegram_gives(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2201])
    user = tg.user(2201, known=True)
    tg.inject(method="sendMessage", chat_id=2201, status=429, retry_after=7)
    async with store.transaction() as uow:
        await enqueue(uow, now=clock.now(), event="broadcast_stopping", person_id=2201, key="k")

    async def waiting() -> bool:
        async with store.read() as uow:
            found = await uow.outbox.by_key("k")
        return found is not None and found.attempts == 1 and found.status is Status.PENDING

    await eventually(waiting, what="row rescheduled after 429")
    async with store.read() as uow:
        found = await uow.outbox.by_key("k")
    assert found is not None and found.next_attempt_at == clock.now() + timedelta(seconds=7)
    assert user.messages == []
    clock.advance(timedelta(seconds=7))
    (message,) = await user.wait()
    assert "Đã dừng" in message.plain_text
    assert tg.delivered_count(2201) == 1


async def test_403_is_counted_for_the_sender_and_a_later_start_makes_them_reachable(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2301, 2302])
    gone, stays = tg.user(2301, known=True), tg.user(2302, known=True)
    tg.block(2301)
    sec = await secretary(tg)
    await compose(sec, "Thông báo thu gom rác cồng kềnh")
    _, preview = await choose(sec, "🏘 Toàn phường")
    tally = await send_and_finish(sec, preview)
    assert "Đã nhận: 1/2" in tally.plain_text
    assert "Đã chặn bot hoặc xóa tài khoản: 1" in tally.plain_text
    async with store.read() as uow:
        resident = await uow.residents.get(2301)
    assert resident is not None and not resident.reachable
    assert await actions(store, "resident", 2301) == ["resident.unreachable"]

    await compose(sec, "Thông báo lần hai")
    _, preview = await choose(sec, "🏘 Toàn phường")
    assert "1 người đã chặn bot" in preview.plain_text
    tally = await send_and_finish(sec, preview)
    assert "Đã chặn bot hoặc xóa tài khoản: 1" in tally.plain_text
    assert tg.method_counts["sendMessage"] and notices(gone) == []

    tg.unblock(2301)
    await gone.ask("/start")
    async with store.read() as uow:
        resident = await uow.residents.get(2301)
    assert resident is not None and resident.reachable
    await compose(sec, "Thông báo lần ba")
    _, preview = await choose(sec, "🏘 Toàn phường")
    await send_and_finish(sec, preview)
    assert len(notices(gone)) == 1 and len(notices(stays)) == 3


async def test_markup_telegram_cannot_parse_is_resent_as_plain_text(
    bot: BotApp,
    tg: FakeTelegramServer,
    store: SqliteStore,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.outbox.worker")
    user = tg.user(2501, known=True)
    async with store.transaction() as uow:
        await uow.outbox.add(
            Notification(
                "schedule_changed",
                2501,
                "telegram",
                "2501",
                "k",
                Content("<b>Lịch họp <i>đổi</b></i>"),
            ),
            now=clock.now(),
        )
    notify(Priority.PERSONAL)
    (message,) = await user.wait()
    assert message.plain_text == "Lịch họp đổi" and message.parse_mode is None
    assert any("can't parse entities" in e for e in user.api_errors)
    assert "'schedule_changed'" in caplog.text
    async with store.read() as uow:
        row = await uow.outbox.by_key("k")
    assert row is not None and row.status is Status.SENT and row.plain_text


async def test_an_outage_delays_a_broadcast_but_loses_nothing(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    ids = list(range(2601, 2621))
    await add_residents(store, clock.now(), ids)
    for i in ids:
        tg.user(i, known=True)
    tg.outage(True)
    async with store.transaction() as uow:
        broadcast = Broadcast(
            created_by=SECRETARY_ID,
            created_at=clock.now(),
            audience=Audience(AudienceKind.WARD),
            body="Mất điện",
            recipients=len(ids),
        )
        broadcast_id = await uow.broadcasts.add(broadcast)
        await uow.outbox.add_many(
            [
                Notification(
                    "broadcast_notice",
                    i,
                    "telegram",
                    str(i),
                    f"o{i}",
                    Content("📣 Mất điện"),
                    Priority.MASS,
                    broadcast_id,
                )
                for i in ids
            ],
            now=clock.now(),
        )
    notify(Priority.MASS)

    async def tried() -> bool:
        return tg.method_counts["sendMessage"] >= 3

    await eventually(tried, what="sends failing during the outage")
    async with store.read() as uow:
        counts = await uow.outbox.counts(broadcast_id)
    assert counts.get(Status.PENDING, 0) + counts.get(Status.SENDING, 0) == len(ids)
    assert all(tg.delivered_count(i) == 0 for i in ids)

    tg.outage(False)
    clock.advance(timedelta(minutes=1))

    async def all_sent() -> bool:
        # A send that failed while the outage was being lifted retries after a backoff on the
        # injected clock, so the clock keeps moving as the test waits.
        clock.advance(timedelta(seconds=1))
        async with store.read() as uow:
            return await uow.outbox.counts(broadcast_id) == {Status.SENT: len(ids)}

    await eventually(all_sent, what="every notice sent after the outage")
    assert [tg.delivered_count(i) for i in ids] == [1] * len(ids)


async def test_residents_and_forged_buttons_are_refused_and_change_nothing(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2701])
    resident = tg.user(2701, known=True)
    await resident.ask("/menu")
    for data in ("st:broadcast", "bc:k:ward", "bc:send", "bc:stop:1", "bc:c:TDP1"):
        assert "không có quyền" in await toast_after(resident, data), data
    async with store.read() as uow:
        assert await uow.chat_states.get(2701) is None
    (answer,) = await resident.ask("Gửi cho toàn phường")
    assert "Thông báo của" not in answer.plain_text

    sec = await secretary(tg)
    await sec.ask("/menu")
    await sec.press_and_wait(MENU_BUTTON, expect=2)
    for data in ("bc:c:NOPE", "bc:stop:999", "bc:zzz", "bc:send", "bc:k:everyone"):
        assert "không còn dùng được" in await toast_after(sec, data), data
    async with store.read() as uow:
        state = await uow.chat_states.get(SECRETARY_ID)
        assert await uow.broadcasts.get(1) is None
    assert state is not None and state.step == "content"
    (cancelled,) = await sec.ask("/cancel")
    assert "Đã hủy" in cancelled.plain_text
    async with store.read() as uow:
        assert await uow.chat_states.get(SECRETARY_ID) is None


async def test_a_notice_to_the_staff_of_a_unit(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    official, supervisor = tg.user(900003, known=True), tg.user(900004, known=True)
    await add_residents(store, clock.now(), [2901])
    resident = tg.user(2901, known=True)
    sec = await secretary(tg)
    await compose(sec, "Họp giao ban các phòng chiều thứ Hai")
    _, preview = await choose(sec, "🏢 Cán bộ một số đơn vị", "Phòng Kinh tế, Hạ tầng và Đô thị")
    assert "cán bộ Phòng Kinh tế, Hạ tầng và Đô thị – 1 người" in preview.plain_text
    await send_and_finish(sec, preview)
    assert (len(notices(official)), len(notices(supervisor)), len(notices(resident))) == (1, 0, 0)


async def test_a_photo_with_a_caption_is_broadcast_as_a_photo(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    await add_residents(store, clock.now(), [2801])
    user = tg.user(2801, known=True)
    sec = await secretary(tg)
    await sec.ask("/menu")
    await sec.press_and_wait(MENU_BUTTON, expect=2)
    await sec.send_photo(caption="Sơ đồ phân luồng giao thông")
    (question,) = await sec.wait()
    assert "🏘 Toàn phường" in question.button_texts()
    notice, preview = await choose(sec, "🏘 Toàn phường")
    assert notice.kind == "photo" and "Sơ đồ phân luồng" in notice.plain_text
    await send_and_finish(sec, preview)
    (received,) = user.messages
    assert received.kind == "photo" and received.plain_text == notice.plain_text

    await sec.ask("/menu")
    await sec.press_and_wait(MENU_BUTTON, expect=2)
    (refusal,) = await sec.ask("x" * 5000)
    assert "vượt quá" in refusal.plain_text
    await sec.send_sticker()
    (refusal,) = await sec.wait()
    assert "chỉ nhận chữ, ảnh hoặc tệp" in refusal.plain_text


async def test_a_notice_to_the_registrants_of_a_session(
    bot: BotApp, tg: FakeTelegramServer, store: SqliteStore, clock: ManualClock
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.channels.telegram.app import SERVICES_KEY
    from bot.domain.sessions import SessionKind
    from bot.usecases.sessions import Outcome, RegOutcome, SessionDraft, Sessions

    await add_residents(store, clock.now(), [2101, 2102, 2103])
    people = {i: tg.user(i, known=True) for i in (2101, 2102, 2103)}
    sessions = Sessions(bot.bot_data[SERVICES_KEY])
    draft = SessionDraft(
        kind=SessionKind.URGENT,
        title="Đối thoại về ngập úng",
        starts_at=datetime(2026, 12, 4, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        venue="Hội trường UBND phường",
    )
    created = await sessions.create(SECRETARY_ID, draft, publish=False)
    assert created.outcome is Outcome.CREATED and created.session is not None
    assert (await sessions.publish(SECRETARY_ID, created.session.id)).outcome is Outcome.PUBLISHED
    for chat_id in (2101, 2102):
        registered = await sessions.register(chat_id, created.session.id)
        assert registered.outcome is RegOutcome.REGISTERED
    sec = await secretary(tg)

    question = await compose(sec, "Buổi đối thoại chuyển sang phòng họp tầng 2.")
    assert "📅 Người đăng ký một buổi đối thoại" in question.button_texts()
    _notice, preview = await choose(
        sec, "📅 Người đăng ký một buổi đối thoại", "Đối thoại về ngập úng"
    )
    assert "2 người" in preview.plain_text
    tally = await send_and_finish(sec, preview)
    assert "Đã nhận: 2/2" in tally.plain_text
    assert [len(notices(people[i])) for i in (2101, 2102, 2103)] == [1, 1, 0]
